package gateway

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/clientes-api/clientes/internal/api"
)

// TestThrottleSheds: past a route's burst, with no time to refill, each
// request gets API Gateway's 429 and body, no function runs, and the log
// line says the gateway answered; another route has its own bucket, and a
// path with no route is never throttled.
func TestThrottleSheds(t *testing.T) {
	var mu sync.Mutex
	var out bytes.Buffer
	// A rate so slow that no token comes back while the test runs.
	g := &Gateway{Throttle: Throttle{Rate: 1e-9, Burst: 3}, Timeout: time.Second,
		Log: slog.New(slog.NewJSONHandler(lockedWriter{&mu, &out}, nil))}
	rec := &recorder{resp: events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "{}"}}
	for _, rt := range api.Routes {
		g.Functions = append(g.Functions, Function{Route: rt, Handler: rec.handle})
	}
	srv := httptest.NewServer(g)
	defer srv.Close()

	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/api/clientes/1", 200, "{}"},
		{"GET", "/api/clientes/2", 200, "{}"},
		{"GET", "/api/clientes/3", 200, "{}"},
		{"GET", "/api/clientes/4", 429, `{"message":"Too Many Requests"}`},
		{"GET", "/api/clientes/1", 429, `{"message":"Too Many Requests"}`},
		{"GET", "/api/clientes", 200, "{}"}, // another route, another bucket
		{"GET", "/nowhere", 404, `{"message":"Not Found"}`},
		{"GET", "/nowhere", 404, `{"message":"Not Found"}`},
		{"GET", "/nowhere", 404, `{"message":"Not Found"}`},
		{"GET", "/nowhere", 404, `{"message":"Not Found"}`},
	} {
		mu.Lock()
		out.Reset()
		mu.Unlock()
		before := len(rec.events)
		resp, body := send(t, tc.method, srv.URL+tc.path, "", nil)
		if resp.StatusCode != tc.status || body != tc.body {
			t.Errorf("%s %s = %d %s, want %d %s", tc.method, tc.path, resp.StatusCode, body, tc.status, tc.body)
		}
		if tc.status != 429 {
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("429 Content-Type %q, want application/json", ct)
		}
		if len(rec.events) != before {
			t.Errorf("%s %s: a throttled request reached the function", tc.method, tc.path)
		}
		mu.Lock()
		line := strings.TrimSpace(out.String())
		mu.Unlock()
		var fields map[string]any
		if json.Unmarshal([]byte(line), &fields) != nil || fields["status"] != float64(429) || fields["answered_by"] != "gateway: throttled" {
			t.Errorf("%s %s: log %q, want one JSON line with status 429 answered by the gateway", tc.method, tc.path, line)
		}
	}
}

// TestBucketRefills: a bucket starts full, refills at Rate per second up to
// Burst and never past it. Time is given, not waited for.
func TestBucketRefills(t *testing.T) {
	th := Throttle{Rate: 10, Burst: 5}
	start := time.Unix(1_700_000_000, 0)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	var b bucket
	for _, tc := range []struct {
		ms   int
		want bool
	}{
		{0, true}, {0, true}, {0, true}, {0, true}, {0, true}, // the burst
		{0, false},
		{50, false},                                                                    // half a token
		{100, true},                                                                    // one token after 100 ms at 10/s
		{100, false},                                                                   // spent
		{10_000, true}, {10_000, true}, {10_000, true}, {10_000, true}, {10_000, true}, // refilled to Burst only
		{10_000, false},
	} {
		if got := b.take(th, at(tc.ms)); got != tc.want {
			t.Errorf("take at %d ms = %v, want %v", tc.ms, got, tc.want)
		}
	}
}

// TestThrottleOffByDefault: a Gateway without a Throttle never answers 429.
func TestThrottleOffByDefault(t *testing.T) {
	rec := &recorder{resp: events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "{}"}}
	srv := newGateway(rec, CORS{})
	defer srv.Close()
	for range 3 * DefaultThrottle.Burst {
		if resp, body := send(t, "GET", srv.URL+"/api/clientes/1", "", nil); resp.StatusCode != 200 {
			t.Fatalf("GET = %d %s, want 200", resp.StatusCode, body)
		}
	}
}
