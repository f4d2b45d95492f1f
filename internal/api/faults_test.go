package api_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/apitest"
	"github.com/clientes-api/clientes/internal/store"
)

// routeRequests has one request per route that reaches storage.
var routeRequests = map[string]request{
	"POST /api/clientes":        {method: "POST", path: "/api/clientes", body: `{"nombres":"A","apellidos":"B"}`},
	"GET /api/clientes":         {method: "GET", path: "/api/clientes"},
	"GET /api/clientes/{id}":    {method: "GET", path: "/api/clientes/1"},
	"PUT /api/clientes/{id}":    {method: "PUT", path: "/api/clientes/1", body: `{"nombres":"A"}`},
	"DELETE /api/clientes/{id}": {method: "DELETE", path: "/api/clientes/1"},
}

// TestStorageFaults makes DynamoDB itself fail under every route, through
// the real store and SDK: throttling is retried, then answered 503 with
// Retry-After; anything else is the route's 500. Nothing leaks either way.
func TestStorageFaults(t *testing.T) {
	s := newServer(t)
	s.create(t, `{"nombres":"Pedro","apellidos":"Martínez"}`)
	for _, rt := range api.Routes {
		req := routeRequests[rt.Key()]
		for _, tc := range []struct {
			code    string
			status  int
			message string
		}{
			{"ThrottlingException", 503, "Servicio no disponible, intente de nuevo"},
			{"ProvisionedThroughputExceededException", 503, "Servicio no disponible, intente de nuevo"},
			{"InternalServerError", 500, rt.Failure},
			{"ValidationException", 500, rt.Failure},
		} {
			t.Run(rt.Key()+" "+tc.code, func(t *testing.T) {
				s.faults.Error("", tc.code, -1)
				defer s.faults.Clear()
				resp := s.do(t, req)
				if resp.status != tc.status || resp.json(t)["message"] != tc.message {
					t.Fatalf("= %d %s, want %d %q", resp.status, resp.body, tc.status, tc.message)
				}
				if tc.status == 503 && resp.header.Get("Retry-After") != api.RetryAfter {
					t.Errorf("503 without Retry-After")
				}
				if n := resp.trips[firstOp(rt)]; tc.status == 503 && n != store.MaxAttempts {
					t.Errorf("%s tried %d times, want %d", firstOp(rt), n, store.MaxAttempts)
				}
			})
		}
	}
}

func firstOp(rt api.Route) string {
	return map[string]string{api.Create.Key(): "UpdateItem", api.List.Key(): "Query", api.Get.Key(): "GetItem", api.Update.Key(): "UpdateItem", api.Delete.Key(): "DeleteItem"}[rt.Key()]
}

// TestDeadlineIsKept: with DynamoDB hanging, a function still answers, in
// JSON, before its Lambda deadline.
func TestDeadlineIsKept(t *testing.T) {
	s := newServer(t)
	s.faults.Delay("", time.Minute, -1)
	for _, rt := range api.Routes {
		req := routeRequests[rt.Key()]
		deadline := time.Now().Add(time.Second)
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		resp, err := api.Lambda(rt.Handler(s.store, discard), discard)(ctx, gatewayEvent(req))
		answered := time.Now()
		cancel()
		if err != nil || resp.StatusCode != 500 || resp.Body != `{"message":"`+rt.Failure+`"}` {
			t.Errorf("%s: = %d %s, %v", rt.Key(), resp.StatusCode, resp.Body, err)
		}
		if !answered.Before(deadline) {
			t.Errorf("%s: answered %v after the deadline", rt.Key(), answered.Sub(deadline))
		}
	}
}

// TestPanicIsLoggedAndSurvived: a panic in a handler answers the route's
// JSON 500, is logged with the request id, and the function goes on serving.
func TestPanicIsLoggedAndSurvived(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	handler := api.Lambda(api.Get.Handler(fakeStore{}, log), log)
	for i := range 2 {
		ev := gatewayEvent(routeRequests["GET /api/clientes/{id}"])
		ev.RequestContext.RequestID = "req-panic-" + string(rune('a'+i))
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "lambda-" + ev.RequestContext.RequestID})
		resp, err := handler(ctx, ev)
		if err != nil || resp.StatusCode != 500 || resp.Body != `{"message":"Error al obtener cliente"}` {
			t.Fatalf("= %d %s, %v", resp.StatusCode, resp.Body, err)
		}
		if leak := apitest.Leak(resp.StatusCode, resp.Body); leak != "" {
			t.Errorf("leaks %q", leak)
		}
		line := ""
		for l := range strings.SplitSeq(logs.String(), "\n") {
			if strings.Contains(l, `"msg":"panic"`) && strings.Contains(l, ev.RequestContext.RequestID) {
				line = l
			}
		}
		if !strings.Contains(line, `"aws_request_id":"lambda-`+ev.RequestContext.RequestID) || !strings.Contains(line, "boom") {
			t.Fatalf("no panic log line with the request ids:\n%s", logs.String())
		}
	}
}

func gatewayEvent(req request) events.APIGatewayV2HTTPRequest {
	path, query, _ := strings.Cut(req.path, "?")
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RawPath: path, RawQueryString: query, Body: req.body,
		Headers: map[string]string{"content-type": "application/json"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "req", Stage: "$default", DomainName: "api.test",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: req.method, Path: path},
		},
	}
	return ev
}

// TestUnreadableEvent: an event no request can be made of (API Gateway never
// sends one) is a JSON 400, not the adapter's 504.
func TestUnreadableEvent(t *testing.T) {
	ev := gatewayEvent(routeRequests["PUT /api/clientes/{id}"])
	ev.Body, ev.IsBase64Encoded = "not base64!", true
	resp, err := api.Lambda(api.Update.Handler(fakeStore{}, discard), discard)(context.Background(), ev)
	if err != nil || resp.StatusCode != 400 || resp.Body != `{"message":"Solicitud inválida"}` ||
		resp.Headers["Content-Type"] != api.ContentType {
		t.Fatalf("= %+v, %v", resp, err)
	}
}

// cancelled is DynamoDB's answer to a transaction it cancelled for reasons.
func cancelled(reasons ...string) string {
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = `{"Code":"` + r + `"}`
	}
	return `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","message":"Transaction cancelled",` +
		`"CancellationReasons":[` + strings.Join(parts, ",") + `]}`
}

// TestKeyedCreateRetries: a keyed create's transaction is retried as every
// other request is, through the real SDK: throttled, it answers 503 only
// after store.MaxAttempts tries; still in progress after them, the 409 with
// Retry-After. Nothing is written, and the key is not used up.
func TestKeyedCreateRetries(t *testing.T) {
	inProgress := `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionInProgressException","message":"in progress"}`
	for _, tc := range []struct {
		name    string
		body    string
		times   int
		status  int
		message string
	}{
		{"throttled, then through", cancelled("ThrottlingError", "None"), store.MaxAttempts - 1, 201, "Cliente creado"},
		{"throttled throughout", cancelled("None", "ThrottlingError"), store.MaxAttempts, 503, "Servicio no disponible, intente de nuevo"},
		{"over capacity throughout", cancelled("ProvisionedThroughputExceeded", "None"), store.MaxAttempts, 503, "Servicio no disponible, intente de nuevo"},
		{"in progress throughout", inProgress, store.MaxAttempts, 409, "Solicitud con la misma Idempotency-Key en curso"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t)
			s.faults.Respond("TransactWriteItems", http.StatusBadRequest, tc.body, tc.times)
			req := request{method: "POST", path: "/api/clientes", body: `{"nombres":"A","apellidos":"B"}`, header: map[string]string{"Idempotency-Key": "k"}}
			resp := s.do(t, req)
			if resp.status != tc.status || resp.json(t)["message"] != tc.message {
				t.Fatalf("= %d %s, want %d %q", resp.status, resp.body, tc.status, tc.message)
			}
			if n := resp.trips["TransactWriteItems"]; n != min(tc.times+1, store.MaxAttempts) {
				t.Errorf("TransactWriteItems tried %d times, want %d", n, min(tc.times+1, store.MaxAttempts))
			}
			if hit := s.faults.Clear(); hit != tc.times {
				t.Errorf("the fault was hit %d times, want %d", hit, tc.times)
			}
			if tc.status == 201 {
				return
			}
			if resp.header.Get("Retry-After") != api.RetryAfter {
				t.Errorf("%d without Retry-After", resp.status)
			}
			if all := s.snapshot(t); len(all) != 0 {
				t.Fatalf("stored %+v", all)
			}
			if again := s.do(t, req); again.status != 201 || again.header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("the key after a %d = %d %s", resp.status, again.status, again.body)
			}
		})
	}
}

// TestConditionFailuresAreNotRetried: a transaction cancelled by a failed
// condition is not retried, even beside a throttled item; retrying cannot
// change it.
func TestConditionFailuresAreNotRetried(t *testing.T) {
	s := newServer(t)
	s.faults.Respond("TransactWriteItems", http.StatusBadRequest, cancelled("ThrottlingError", "ConditionalCheckFailed"), 1)
	resp := s.do(t, request{method: "POST", path: "/api/clientes", body: `{"nombres":"A","apellidos":"B"}`, header: map[string]string{"Idempotency-Key": "k"}})
	if resp.trips["TransactWriteItems"] != 1 || s.faults.Clear() != 1 {
		t.Fatalf("TransactWriteItems tried %d times, want once", resp.trips["TransactWriteItems"])
	}
	if resp.status < 500 {
		t.Fatalf("= %d %s; the injected cancellation names no kept answer, so this is a failure", resp.status, resp.body)
	}
}

// TestHeadersAsDelivered: behind Lambda, a header is read as API Gateway
// delivered it in the event, not as the adapter rebuilds it (split at every
// comma, the pieces trimmed): "a, b" holds a space, which no
// Idempotency-Key may, while "a,b" is a key.
func TestHeadersAsDelivered(t *testing.T) {
	reached := errors.New("the store was reached")
	for _, tc := range []struct {
		key    string
		status int
	}{
		{"a, b", 400},
		{"a,b", 500}, // a valid key: the store is asked, and fails
		{" a ", 500},
	} {
		ev := gatewayEvent(routeRequests["POST /api/clientes"])
		ev.Headers["idempotency-key"] = tc.key
		resp, err := api.Lambda(api.Create.Handler(fakeStore{err: reached}, discard), discard)(context.Background(), ev)
		if err != nil || resp.StatusCode != tc.status {
			t.Errorf("Idempotency-Key %q: %d %s, %v; want %d", tc.key, resp.StatusCode, resp.Body, err, tc.status)
		}
	}
}
