package functions_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/lambdatest"
	"github.com/clientes-api/clientes/internal/pretraffic"
	"github.com/clientes-api/clientes/internal/pretraffic/pretraffictest"
)

// TestPreTrafficHook runs the hook's bootstrap under aws-lambda-rie, as
// CodeDeploy invokes it, against the real functions' bootstraps under
// aws-lambda-rie behind a stand-in of Lambda's Invoke, and a stand-in of
// CodeDeploy that keeps its reports. Healthy versions make it report
// Succeeded; every way a version can fail its probes makes it report
// Failed, and so does its own deadline coming near.
func TestPreTrafficHook(t *testing.T) {
	var rie string
	bootstrap := map[string]string{}
	for _, dir := range []string{"create", "list", "get", "update", "delete", "pretraffic"} {
		rie, bootstrap[dir] = built(t, dir)
	}
	backend := dynamotest.Minidyn(t)
	db := backend.Client(t)
	table := backend.Table(t, db)
	env := func(extra ...string) []string {
		return append([]string{"TABLE_NAME=" + table, "DYNAMODB_ENDPOINT=" + backend.Endpoint, "AWS_REGION=us-east-1",
			"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_LAMBDA_FUNCTION_TIMEOUT=10"}, extra...)
	}
	start := func(t *testing.T, dir string, env []string) *lambdatest.Emulator {
		t.Helper()
		emu, err := lambdatest.Start(rie, bootstrap[dir], env)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(emu.Stop)
		return emu
	}
	healthy := map[string]*lambdatest.Emulator{}
	for _, tg := range pretraffic.Targets {
		dir := deployed[tg.Route.Key()].Dir
		healthy[dir] = start(t, dir, env())
	}
	lam, cd := pretraffictest.NewLambda(t), pretraffictest.NewCodeDeploy(t)

	for i, tc := range []struct {
		name        string
		hookTimeout int
		// swap replaces get's version (or, with dir, another's) with a
		// broken one; unset drops an environment variable of the hook.
		swap      func(t *testing.T) pretraffictest.Answer
		dir       string
		unset     string
		want, log string
	}{
		{name: "healthy versions", want: "Succeeded", log: `"msg":"probe passed"`},
		{name: "a function that crashes", want: "Failed", log: "Runtime.ExitError",
			swap: func(t *testing.T) pretraffictest.Answer {
				// No credentials and no endpoint: the store cannot start.
				return pretraffictest.Emulated(start(t, "get", env("AWS_ACCESS_KEY_ID=", "DYNAMODB_ENDPOINT=")).URL)
			}},
		{name: "a function that times out", want: "Failed", log: "Sandbox.Timedout",
			swap: func(t *testing.T) pretraffictest.Answer {
				return pretraffictest.Emulated(hung(t, start(t, "get", env("AWS_LAMBDA_FUNCTION_TIMEOUT=2"))).URL)
			}},
		{name: "the wrong binary for a route", want: "Failed", log: `{\"message\":\"Not Found\"}`,
			swap: func(t *testing.T) pretraffictest.Answer {
				return pretraffictest.Emulated(start(t, "list", env()).URL)
			}},
		{name: "a function without its table", want: "Failed", log: "status 500, want 404", dir: "update",
			swap: func(t *testing.T) pretraffictest.Answer {
				return pretraffictest.Emulated(start(t, "update", append(env(), "TABLE_NAME=no-such-table")).URL)
			}},
		{name: "a version the hook may not invoke", want: "Failed", log: "AccessDeniedException", dir: "delete",
			swap: func(*testing.T) pretraffictest.Answer {
				return func(context.Context, []byte) ([]byte, string, string) { return nil, "", "AccessDeniedException" }
			}},
		{name: "a version the template did not name", want: "Failed", log: "DELETE_VERSION is not set", unset: "DELETE_VERSION"},
		{name: "the hook's own deadline", hookTimeout: 5, want: "Failed", log: "deadline",
			swap: func(t *testing.T) pretraffictest.Answer {
				return pretraffictest.Emulated(hung(t, start(t, "get", env("AWS_LAMBDA_FUNCTION_TIMEOUT=60"))).URL)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hookEnv := []string{"LAMBDA_ENDPOINT=" + lam.URL, "CODEDEPLOY_ENDPOINT=" + cd.URL, "AWS_REGION=us-east-1",
				"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_LAMBDA_FUNCTION_TIMEOUT=30"}
			if tc.hookTimeout > 0 {
				hookEnv = append(hookEnv, "AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(tc.hookTimeout))
			}
			broken := tc.dir
			if broken == "" {
				broken = "get"
			}
			for _, tg := range pretraffic.Targets {
				dir := deployed[tg.Route.Key()].Dir
				arn := fmt.Sprintf("arn:aws:lambda:us-east-1:123456789012:function:clientes-%s-Xy12:%d", deployed[tg.Route.Key()].Function, i+1)
				answer := pretraffictest.Emulated(healthy[dir].URL)
				if tc.swap != nil && dir == broken {
					answer = tc.swap(t)
				}
				lam.Set(arn, answer)
				if tg.Env != tc.unset {
					hookEnv = append(hookEnv, tg.Env+"="+arn)
				}
			}
			hook := start(t, "pretraffic", hookEnv)
			deployment := fmt.Sprintf("d-TEST%d", i+1)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			began := time.Now()
			raw, err := hook.Invoke(ctx, []byte(`{"DeploymentId":"`+deployment+`","LifecycleEventHookExecutionId":"hook-`+strconv.Itoa(i+1)+`"}`))
			took := time.Since(began)
			if err != nil || string(raw) != "null" {
				t.Fatalf("the hook answered %s %v\n%s", raw, err, hook.Log())
			}
			var got []pretraffictest.Report
			for _, r := range cd.Reports() {
				if r.DeploymentID == deployment {
					got = append(got, r)
				}
			}
			if len(got) != 1 || got[0].Status != tc.want || got[0].HookExecutionID != "hook-"+strconv.Itoa(i+1) {
				t.Fatalf("reports %+v, want one %s\n%s", got, tc.want, hook.Log())
			}
			// The emulator's copy of the function's output may lag its answer.
			for wait := time.Now().Add(5 * time.Second); !strings.Contains(hook.Log(), `"msg":"reported"`) && time.Now().Before(wait); {
				time.Sleep(20 * time.Millisecond)
			}
			if !strings.Contains(hook.Log(), tc.log) {
				t.Errorf("the hook's log does not say %s:\n%s", tc.log, hook.Log())
			}
			if checkLogLines(t, hook.Log()) == 0 {
				t.Errorf("the hook logged no JSON line:\n%s", hook.Log())
			}
			if tc.want == "Succeeded" && strings.Count(hook.Log(), `"msg":"probe passed"`) != len(pretraffic.Targets) {
				t.Errorf("not every target was probed:\n%s", hook.Log())
			}
			if tc.hookTimeout > 0 && took >= time.Duration(tc.hookTimeout)*time.Second {
				t.Errorf("the hook answered after %v, past its %d s timeout", took, tc.hookTimeout)
			}
			t.Logf("%s: %s after %v", tc.name, got[0].Status, took.Round(time.Millisecond))
		})
	}
}

// hung warms emu's function up, then stops its process: the next
// invocation gets no answer until the emulator's timeout.
func hung(t *testing.T, emu *lambdatest.Emulator) *lambdatest.Emulator {
	t.Helper()
	event, err := os.ReadFile("../events/get-not-found.json")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := emu.Invoke(ctx, event); err != nil {
		t.Fatalf("warm-up: %v\n%s", err, emu.Log())
	}
	child := 0
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so read after ')'.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(emu.PID()) {
			child, _ = strconv.Atoi(e.Name())
		}
	}
	if child == 0 {
		t.Fatalf("no function process under aws-lambda-rie %d", emu.PID())
	}
	if err := syscall.Kill(child, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	return emu
}
