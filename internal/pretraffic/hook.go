package pretraffic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Event is what CodeDeploy hands a lifecycle hook: the deployment and the
// hook execution to report on, and nothing about the versions.
type Event struct {
	DeploymentID                  string `json:"DeploymentId"`
	LifecycleEventHookExecutionID string `json:"LifecycleEventHookExecutionId"`
}

// Invoker is the part of the Lambda client the hook calls.
type Invoker interface {
	Invoke(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Reporter is the part of the CodeDeploy client the hook calls.
type Reporter interface {
	PutLifecycleEventHookExecutionStatus(context.Context, *codedeploy.PutLifecycleEventHookExecutionStatusInput, ...func(*codedeploy.Options)) (*codedeploy.PutLifecycleEventHookExecutionStatusOutput, error)
}

// Margin is the time the hook keeps before its own deadline to report: the
// probes are cut off there, and a cut-off probe is a failure. Without a
// report CodeDeploy would wait out its hour before it rolls back.
const Margin = 2 * time.Second

// Hook probes the new versions and reports on them.
type Hook struct {
	Lambda     Invoker
	CodeDeploy Reporter
	Getenv     func(string) string // where the versions are read; os.Getenv
	Log        *slog.Logger
}

// Handle probes every Target and reports Succeeded when each answered as it
// must, Failed otherwise: when a probe fails, a version is not known, the
// hook panics or its deadline nears. It returns an error only when the
// report itself failed, so that Lambda's retry of an asynchronous invocation
// reports again.
func (h *Hook) Handle(ctx context.Context, ev Event) error {
	status := cdtypes.LifecycleEventStatusFailed
	if err := h.probeAll(ctx); err != nil {
		h.Log.Error("pre-traffic probes failed", "deployment_id", ev.DeploymentID, "error", err)
	} else {
		status = cdtypes.LifecycleEventStatusSucceeded
	}
	// ctx itself still has the Margin the probes left.
	_, err := h.CodeDeploy.PutLifecycleEventHookExecutionStatus(ctx, &codedeploy.PutLifecycleEventHookExecutionStatusInput{
		DeploymentId:                  aws.String(ev.DeploymentID),
		LifecycleEventHookExecutionId: aws.String(ev.LifecycleEventHookExecutionID),
		Status:                        status,
	})
	if err != nil {
		h.Log.Error("cannot report to CodeDeploy", "deployment_id", ev.DeploymentID, "status", status, "error", err)
		return fmt.Errorf("report %s: %w", status, err)
	}
	h.Log.Info("reported", "deployment_id", ev.DeploymentID, "status", status)
	return nil
}

// probeAll runs each target's probes, the targets side by side, until
// Margin before ctx's deadline, and returns why they did not all pass.
func (h *Hook) probeAll(ctx context.Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-Margin))
		defer cancel()
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	for _, t := range Targets {
		version := h.Getenv(t.Env)
		if version == "" {
			fail(fmt.Errorf("%s: %s is not set: which version to probe is not known", t.Route.Key(), t.Env))
			continue
		}
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					fail(fmt.Errorf("%s: panic: %v\n%s", t.Route.Key(), p, debug.Stack()))
				}
			}()
			for _, p := range t.Probes {
				if err := h.probe(ctx, version, p); err != nil {
					fail(fmt.Errorf("%s (%s): %s: %w", t.Route.Key(), version, p.Name, err))
					return
				}
				h.Log.Info("probe passed", "route", t.Route.Key(), "version", version, "probe", p.Name)
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		// A probe that ignores its context must not keep the report waiting.
		fail(fmt.Errorf("the probes did not finish %v before the hook's deadline", Margin))
	}
	mu.Lock()
	defer mu.Unlock()
	return errors.Join(errs...)
}

// probe invokes version with p's event and checks the answer.
func (h *Hook) probe(ctx context.Context, version string, p Probe) error {
	payload, err := json.Marshal(stamped(p))
	if err != nil {
		return err
	}
	out, err := h.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(version), Payload: payload})
	if err != nil {
		return fmt.Errorf("invoke: %w", err)
	}
	if out.FunctionError != nil {
		// A crash, a timeout or an error the handler returned.
		return fmt.Errorf("the function failed (%s): %.300s", *out.FunctionError, out.Payload)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out.Payload, &resp); err != nil || resp.StatusCode == 0 {
		return fmt.Errorf("not an HTTP API answer: %.300s", out.Payload)
	}
	return p.Check(resp)
}

// FromEnv builds the hook the function runs: its clients take the
// credentials and region Lambda puts in the environment, and LAMBDA_ENDPOINT
// and CODEDEPLOY_ENDPOINT, when set, name stand-ins (the tests'); empty
// means AWS itself.
func FromEnv(log *slog.Logger) (*Hook, error) {
	creds := credentials.NewStaticCredentialsProvider(
		os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN"))
	if creds.Value.AccessKeyID == "" {
		return nil, errors.New("pretraffic: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set")
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		return nil, errors.New("pretraffic: AWS_REGION must be set")
	}
	endpoint := func(name string) *string {
		if v := os.Getenv(name); v != "" {
			return aws.String(v)
		}
		return nil
	}
	cache := aws.NewCredentialsCache(creds)
	return &Hook{
		Lambda:     lambda.New(lambda.Options{Region: region, Credentials: cache, BaseEndpoint: endpoint("LAMBDA_ENDPOINT")}),
		CodeDeploy: codedeploy.New(codedeploy.Options{Region: region, Credentials: cache, BaseEndpoint: endpoint("CODEDEPLOY_ENDPOINT")}),
		Getenv:     os.Getenv,
		Log:        log,
	}, nil
}
