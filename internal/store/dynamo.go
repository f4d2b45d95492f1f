package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Config says which table to use and where. FromEnv fills it from the
// environment variables TABLE_NAME, DYNAMODB_ENDPOINT and AWS_REGION.
type Config struct {
	Table    string // TABLE_NAME; "clientes" when unset
	Endpoint string // DYNAMODB_ENDPOINT; empty means AWS itself
	Region   string // AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1
}

// ConfigFromEnv reads Config from the environment.
func ConfigFromEnv() Config {
	c := Config{
		Table:    os.Getenv("TABLE_NAME"),
		Endpoint: os.Getenv("DYNAMODB_ENDPOINT"),
		Region:   os.Getenv("AWS_REGION"),
	}
	if c.Table == "" {
		c.Table = "clientes"
	}
	if c.Region == "" {
		c.Region = os.Getenv("AWS_DEFAULT_REGION")
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	return c
}

// MaxAttempts is how many times the SDK tries a request that DynamoDB
// throttled or failed transiently before the API answers 503.
const MaxAttempts = 5

// NewClient builds a DynamoDB client straight from c and the credentials in
// the environment. It skips config.LoadDefaultConfig and its chain of
// profiles, SSO and IMDS: a Lambda function gets its credentials in the
// environment, and skipping the chain halves the SDK's share of a cold start.
// Against a custom endpoint without credentials, it signs with dummy ones, as
// emulators accept any.
func NewClient(c Config, optFns ...func(*dynamodb.Options)) (*dynamodb.Client, error) {
	creds := credentials.NewStaticCredentialsProvider(
		os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN"))
	if creds.Value.AccessKeyID == "" {
		if c.Endpoint == "" {
			return nil, errors.New("dynamodb client: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set to reach AWS")
		}
		creds = credentials.NewStaticCredentialsProvider("local", "local", "")
	}
	opts := dynamodb.Options{
		Region:      c.Region,
		Credentials: aws.NewCredentialsCache(creds),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = MaxAttempts
			o.MaxBackoff = time.Second
			o.Retryables = append(o.Retryables, retry.IsErrorRetryableFunc(throttledTransaction))
			// And with a throttle's backoff and retry cost, as a throttled
			// PutItem is.
			o.Throttles = append(o.Throttles, retry.IsErrorThrottleFunc(throttledTransaction))
		}),
	}
	if c.Endpoint != "" {
		opts.BaseEndpoint = aws.String(c.Endpoint)
	}
	return dynamodb.New(opts, optFns...), nil
}

// throttleReasons are the cancellation reasons of a transaction that mean
// "slow down".
var throttleReasons = map[string]bool{
	"ThrottlingError":               true,
	"ProvisionedThroughputExceeded": true,
	"RequestLimitExceeded":          true,
}

// throttledTransaction makes a transaction that DynamoDB cancelled for
// throttling retryable, as a throttled PutItem is: the SDK retries no
// TransactionCanceledException, whatever its reasons. One that a condition
// failed is not, as retrying cannot change it. (TransactionInProgressException,
// a retry that met its own first attempt still running, the SDK retries.)
func throttledTransaction(err error) aws.Ternary {
	var canceled *types.TransactionCanceledException
	if !errors.As(err, &canceled) {
		return aws.UnknownTernary
	}
	throttled := false
	for _, r := range canceled.CancellationReasons {
		switch code := aws.ToString(r.Code); {
		case code == "ConditionalCheckFailed":
			return aws.FalseTernary
		case throttleReasons[code]:
			throttled = true
		}
	}
	return aws.BoolTernary(throttled)
}

// FromEnv builds the Store a function uses, configured by the environment.
func FromEnv() (*Store, error) {
	c := ConfigFromEnv()
	db, err := NewClient(c)
	if err != nil {
		return nil, err
	}
	s := New(db, c.Table, nil)
	if c.Endpoint == "" {
		s.ReturnsOldItems() // AWS itself
	}
	return s, nil
}

// TableAPI is the part of the DynamoDB client CreateTable needs.
type TableAPI interface {
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// CreateTable creates the table the store expects, as template.yaml declares
// it, and waits until it is ACTIVE. A table that already exists is left as it
// is. It serves the local server and the tests; on AWS the stack makes it.
func CreateTable(ctx context.Context, db TableAPI, table string) error {
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: &table,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(PartitionKey), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(SortKey), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(PartitionKey), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(SortKey), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", table, err)
	}
	// Poll rather than use the SDK's waiter: minidyn reports no TableStatus
	// at all (its tables are ready at once), which the waiter never accepts.
	for delay := 20 * time.Millisecond; ; delay = min(2*delay, time.Second) {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
		if err != nil {
			return fmt.Errorf("describe table %s: %w", table, err)
		}
		if s := out.Table.TableStatus; s == types.TableStatusActive || s == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for table %s: %w", table, ctx.Err())
		case <-time.After(delay):
		}
	}
}
