package pretraffic

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/pretraffic/pretraffictest"
)

// answering is an Invoker whose functions answer each probe as the
// contract says, unless told otherwise.
type answering struct {
	panics bool
	wrong  map[string]string // route key → body of a 200 it answers instead
}

func (a answering) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	if a.panics {
		panic("the invoker broke")
	}
	var ev events.APIGatewayV2HTTPRequest
	json.Unmarshal(in.Payload, &ev)
	resp := events.APIGatewayV2HTTPResponse{Headers: map[string]string{"Content-Type": api.ContentType}}
	switch ev.RouteKey {
	case api.Create.Key():
		resp.StatusCode, resp.Body = 400, `{"message":"Datos inválidos","errors":{"apellidos":"es obligatorio","nombres":"no puede estar vacío"}}`
	case api.List.Key():
		resp.StatusCode, resp.Body = 200, `{"clientes":[],"next_cursor":null}`
	default:
		resp.StatusCode, resp.Body = 404, `{"message":"Cliente no encontrado"}`
	}
	if body, ok := a.wrong[ev.RouteKey]; ok {
		resp.StatusCode, resp.Body = 200, body
	}
	payload, _ := json.Marshal(resp)
	return &lambda.InvokeOutput{StatusCode: 200, Payload: payload}, nil
}

func versions(name string) string {
	for _, t := range Targets {
		if t.Env == name {
			return "arn:aws:lambda:us-east-1:123456789012:function:f:1"
		}
	}
	return ""
}

// TestHandleReports checks that Handle reports, through the real CodeDeploy
// client to the stand-in, Succeeded for good answers and Failed for a wrong
// one and for a panic, in a probe or outside one.
func TestHandleReports(t *testing.T) {
	cd := pretraffictest.NewCodeDeploy(t)
	client := codedeploy.New(codedeploy.Options{Region: "us-east-1", BaseEndpoint: aws.String(cd.URL),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	for i, tc := range []struct {
		name   string
		invoke Invoker
		getenv func(string) string
		want   string
	}{
		{"good answers", answering{}, versions, "Succeeded"},
		{"a wrong answer", answering{wrong: map[string]string{api.Get.Key(): `{"cliente":{}}`}}, versions, "Failed"},
		{"a panic in a probe", answering{panics: true}, versions, "Failed"},
		{"a panic outside the probes", answering{}, func(string) string { panic("no environment") }, "Failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &Hook{Lambda: tc.invoke, CodeDeploy: client, Getenv: tc.getenv, Log: slog.New(slog.DiscardHandler)}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			id := "d-" + strings.ReplaceAll(tc.name, " ", "-")
			if err := h.Handle(ctx, Event{DeploymentID: id, LifecycleEventHookExecutionID: "e"}); err != nil {
				t.Fatal(err)
			}
			got := cd.Reports()
			if len(got) != i+1 || got[i] != (pretraffictest.Report{DeploymentID: id, HookExecutionID: "e", Status: tc.want}) {
				t.Fatalf("reports %+v, want %s for %s last", got, tc.want, id)
			}
		})
	}

	// A report CodeDeploy did not take is an error, so that Lambda's retry
	// of the asynchronous invocation reports again.
	cd.Fail = true
	h := &Hook{Lambda: answering{}, CodeDeploy: client, Getenv: versions, Log: slog.New(slog.DiscardHandler)}
	if err := h.Handle(context.Background(), Event{DeploymentID: "d-x", LifecycleEventHookExecutionID: "e"}); err == nil {
		t.Fatal("a failed report returned no error")
	}
}

// TestChecks holds each probe's check to the contract's answer: each
// accepts it, and refuses it changed in one way.
func TestChecks(t *testing.T) {
	ok := func(status int, body string) events.APIGatewayV2HTTPResponse {
		return events.APIGatewayV2HTTPResponse{StatusCode: status, Body: body, Headers: map[string]string{"Content-Type": api.ContentType}}
	}
	for _, tc := range []struct {
		name  string
		check func(events.APIGatewayV2HTTPResponse) error
		resp  events.APIGatewayV2HTTPResponse
		pass  bool
	}{
		{"404", notFound, ok(404, `{"message":"Cliente no encontrado"}`), true},
		{"404 of API Gateway", notFound, ok(404, `{"message":"Not Found"}`), false},
		{"404 as text", notFound, events.APIGatewayV2HTTPResponse{StatusCode: 404, Body: `{"message":"Cliente no encontrado"}`}, false},
		{"500", notFound, ok(500, `{"message":"Error al obtener cliente"}`), false},
		{"400", invalid, ok(400, `{"message":"Datos inválidos","errors":{"apellidos":"x","nombres":"y"}}`), true},
		{"400 JSON inválido", invalid, ok(400, `{"message":"JSON inválido"}`), false},
		{"201", invalid, ok(201, `{"message":"Cliente creado","cliente":{}}`), false},
		{"page", page, ok(200, `{"clientes":[{"id":1}],"next_cursor":"abc"}`), true},
		{"empty page", page, ok(200, `{"clientes":[],"next_cursor":null}`), true},
		{"page of two", page, ok(200, `{"clientes":[{"id":1},{"id":2}],"next_cursor":null}`), false},
		{"page without cursor", page, ok(200, `{"clientes":[]}`), false},
		{"page not JSON", page, ok(200, `clientes`), false},
	} {
		if err := tc.check(tc.resp); (err == nil) != tc.pass {
			t.Errorf("%s: %v, want pass %v", tc.name, err, tc.pass)
		}
	}
}

// TestTargets checks the probes cover every route once, each with the
// event API Gateway would send it.
func TestTargets(t *testing.T) {
	seen := map[string]bool{}
	for _, tg := range Targets {
		seen[tg.Route.Key()] = true
		for _, p := range tg.Probes {
			ev := stamped(p)
			if ev.Version != "2.0" || ev.RouteKey != tg.Route.Key() || ev.RequestContext.HTTP.Method != tg.Route.Method ||
				ev.RequestContext.RequestID == "" || ev.RequestContext.Stage != "$default" {
				t.Errorf("%s: %s: not a payload 2.0 event of the route: %+v", tg.Route.Key(), p.Name, ev)
			}
			if _, ok := tg.Route.Match(ev.RequestContext.HTTP.Method, ev.RawPath); !ok {
				t.Errorf("%s: %s: path %s is not the route's", tg.Route.Key(), p.Name, ev.RawPath)
			}
		}
	}
	for _, rt := range api.Routes {
		if !seen[rt.Key()] {
			t.Errorf("no probe of %s", rt.Key())
		}
	}
}
