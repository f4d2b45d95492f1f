package functions_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
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
	var rie string
	bootstraps := map[string]string{}
	for _, f := range fixtures {
		dir := deployed[f.route.Key()].Dir
		rie, bootstraps[dir] = built(t, dir)
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
			checkLogLines(t, emu.Log())
			if t.Failed() {
				t.Log(emu.Log())
			}
		})
	}
}

// checkLogLines checks each line the function wrote (a JSON object with a
// msg) is a line Lambda's JSON log format and its log-level filter read as
// written: a level Lambda knows and an RFC 3339 timestamp. Without them the
// filter takes the line as INFO, and a raised ApplicationLogLevel would drop
// the ERROR lines the failure alarms count. It returns how many it checked.
func checkLogLines(t *testing.T, log string) int {
	t.Helper()
	n := 0
	for _, line := range strings.Split(log, "\n") {
		var l map[string]any
		if json.Unmarshal([]byte(line), &l) != nil || l["msg"] == nil {
			continue
		}
		n++
		ts, _ := l["timestamp"].(string)
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || l["time"] != nil ||
			!slices.Contains([]any{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}, l["level"]) {
			t.Errorf("log line %s: want a level Lambda knows and an RFC 3339 timestamp (no time): %v", line, err)
		}
	}
	return n
}

// builds are what this package's tests run under aws-lambda-rie: the
// emulator and each function's bootstrap, built as Lambda runs them, once
// per test binary, in a folder TestMain removes.
var builds struct {
	sync.Mutex
	dir  string
	done map[string]string // by what was built: "aws-lambda-rie" or a folder of functions/
}

// built returns the emulator and the bootstrap of functions/<dir>, building
// each the first time a test asks.
func built(t *testing.T, dir string) (rie, bootstrap string) {
	t.Helper()
	builds.Lock()
	defer builds.Unlock()
	if builds.dir == "" {
		d, err := os.MkdirTemp("", "functions-builds-")
		if err != nil {
			t.Fatal(err)
		}
		builds.dir, builds.done = d, map[string]string{}
	}
	get := func(name string, build func(out string) error) string {
		if out, ok := builds.done[name]; ok {
			return out
		}
		out := filepath.Join(builds.dir, name, "bootstrap")
		if err := build(out); err != nil {
			t.Fatalf("build %s: %v", name, err)
		}
		builds.done[name] = out
		return out
	}
	rie = get("aws-lambda-rie", func(out string) error { return lambdatest.BuildEmulator("..", out) })
	bootstrap = get(dir, func(out string) error {
		return lambdatest.Build("..", "./functions/"+dir, out, "linux", runtime.GOARCH)
	})
	return rie, bootstrap
}
