package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/clientes-api/clientes/internal/store"
)

// awsEndpoint is the DYNAMODB_ENDPOINT that points `make run` at AWS's own
// DynamoDB. Going to AWS is asked for by name: with DYNAMODB_ENDPOINT unset,
// the server uses the embedded minidyn, so credentials left in a shell never
// send a developer's test data to a real table.
const awsEndpoint = "aws"

// newStore is the store over the table cfg names. AWS's DynamoDB returns the
// item a failed condition found, so a 412 or a 404 with If-Match costs no
// read there; emulators are not trusted to.
func newStore(db store.API, cfg store.Config) *store.Store {
	s := store.New(db, cfg.Table, nil)
	if cfg.Endpoint == awsEndpoint {
		s.ReturnsOldItems()
	}
	return s
}

// openTable connects to the DynamoDB cfg names and makes sure its table is
// there: minidyn, embedded, when cfg.Endpoint is empty; AWS's DynamoDB in
// cfg.Region for "aws", where the table must already exist (the stack's, by
// its TableName output); any other endpoint is an emulator, where the table
// is created if missing. It returns the client, where that is (for the
// start-up log) and what to close on the way out.
func openTable(ctx context.Context, cfg store.Config, log *slog.Logger) (db *dynamodb.Client, where string, closeDB func(), err error) {
	closeDB = func() {}
	var opts []func(*dynamodb.Options)
	switch cfg.Endpoint {
	case "":
		endpoint, stop, err := embeddedDynamoDB(log)
		if err != nil {
			return nil, "", nil, err
		}
		closeDB = stop
		cfg.Endpoint = endpoint
		// minidyn sends no X-Amz-Crc32 header to check responses against.
		opts = append(opts, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
		where = "embedded minidyn at " + endpoint + " (in memory; DYNAMODB_ENDPOINT=aws for AWS)"
	case awsEndpoint:
		cfg.Endpoint = "" // the SDK's own endpoint for the region
		where = "AWS DynamoDB in " + cfg.Region
	default:
		where = cfg.Endpoint
	}
	if db, err = store.NewClient(cfg, opts...); err != nil {
		closeDB()
		return nil, "", nil, err
	}
	if cfg.Endpoint == "" {
		// On AWS the stack owns the table: find it, never create one.
		if _, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &cfg.Table}); err != nil {
			return nil, "", nil, fmt.Errorf("table %q in %s (set TABLE_NAME to the stack's TableName output): %w", cfg.Table, where, err)
		}
	} else if err := store.CreateTable(ctx, db, cfg.Table); err != nil {
		closeDB()
		return nil, "", nil, err
	}
	return db, where, closeDB, nil
}
