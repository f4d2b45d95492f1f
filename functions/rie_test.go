package functions_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/lambdatest"
	"github.com/clientes-api/clientes/internal/store"
)

// TestFixturesUnderEmulator builds each function's bootstrap as Lambda runs
// it and posts every events/ fixture to it under aws-lambda-rie, with the
// function pointed at dynalite through its environment, as on AWS.
func TestFixturesUnderEmulator(t *testing.T) {
	fixtures := fixtures(t)
	bin := t.TempDir()
	rie := filepath.Join(bin, "aws-lambda-rie")
	if err := lambdatest.BuildEmulator("..", rie); err != nil {
		t.Fatal(err)
	}
	bootstraps := map[string]string{}
	for _, f := range fixtures {
		if _, ok := bootstraps[deployed[f.route.Key()].Dir]; ok {
			continue
		}
		out := filepath.Join(bin, deployed[f.route.Key()].Dir, "bootstrap")
		if err := lambdatest.Build("..", "./functions/"+deployed[f.route.Key()].Dir, out, "linux", runtime.GOARCH); err != nil {
			t.Fatal(err)
		}
		bootstraps[deployed[f.route.Key()].Dir] = out
	}
	// dynalite, the implementation apart from the one the in-process run
	// uses; minidyn for the fixtures that need transactions, which
	// dynalite lacks.
	dynalite, minidyn := dynamotest.Dynalite(t), dynamotest.Minidyn(t)
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			backend := dynalite
			if expected[f.name].transactions {
				backend = minidyn
			}
			db := backend.Client(t)
			table := backend.Table(t, db)
			seed(t, store.New(db, table, nil))
			emu, err := lambdatest.Start(rie, bootstraps[deployed[f.route.Key()].Dir], []string{
				"TABLE_NAME=" + table,
				"DYNAMODB_ENDPOINT=" + backend.Endpoint,
				"AWS_REGION=us-east-1",
				"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
				"AWS_LAMBDA_FUNCTION_TIMEOUT=10",
			})
			if err != nil {
				t.Fatal(err)
			}
			defer emu.Stop()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			raw, err := emu.Invoke(ctx, f.raw)
			if err != nil {
				t.Fatalf("%v\n%s", err, emu.Log())
			}
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(raw, &resp); err != nil || resp.StatusCode == 0 {
				t.Fatalf("not an API Gateway response: %s (%v)\n%s", raw, err, emu.Log())
			}
			checkResponse(t, f.name, resp)
			if t.Failed() {
				t.Log(emu.Log())
			}
		})
	}
}
