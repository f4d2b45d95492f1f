// Command sdkfloor is the benchmarks' second baseline: the hello world plus
// the least a function can do with DynamoDB. It builds a bare client straight
// from the environment (no config.LoadDefaultConfig, no retryer or options of
// its own) and makes one consistent GetItem per invocation, so that it costs
// what the SDK itself costs and nothing more: the floor under the functions'
// cold start, footprint and latency.
//
// It reads the item whose key SDKFLOOR_KEY holds, in DynamoDB JSON with S or N
// values (`{"pk":{"S":"cliente"},"id":{"S":"0000000000000001"}}`), from the
// table TABLE_NAME; the benchmark sets both.
package main

import (
	"context"
	"encoding/json"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func main() {
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}
	opts := dynamodb.Options{
		Region: region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN"))),
	}
	if ep := os.Getenv("DYNAMODB_ENDPOINT"); ep != "" {
		opts.BaseEndpoint = aws.String(ep)
	}
	db := dynamodb.New(opts)
	table := os.Getenv("TABLE_NAME")
	var raw map[string]struct{ S, N *string }
	if err := json.Unmarshal([]byte(os.Getenv("SDKFLOOR_KEY")), &raw); err != nil || len(raw) == 0 {
		log.Fatalf("SDKFLOOR_KEY: %q is not a DynamoDB key (%v)", os.Getenv("SDKFLOOR_KEY"), err)
	}
	key := map[string]types.AttributeValue{}
	for name, v := range raw {
		switch {
		case v.S != nil:
			key[name] = &types.AttributeValueMemberS{Value: *v.S}
		case v.N != nil:
			key[name] = &types.AttributeValueMemberN{Value: *v.N}
		default:
			log.Fatalf("SDKFLOOR_KEY: %s is neither S nor N", name)
		}
	}
	lambda.Start(func(ctx context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil {
			log.Printf("get item: %v", err)
			return events.APIGatewayV2HTTPResponse{StatusCode: 500, Body: `{"message":"error"}`}, nil
		}
		status := 200
		if out.Item == nil {
			status = 404
		}
		return events.APIGatewayV2HTTPResponse{
			StatusCode: status,
			Headers:    map[string]string{"Content-Type": "application/json"},
			Body:       `{"message":"hello"}`,
		}, nil
	})
}
