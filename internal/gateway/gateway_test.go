package gateway

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/clientes-api/clientes/internal/api"
)

// recorder is a Lambda handler that keeps the event it was given.
type recorder struct {
	events []events.APIGatewayV2HTTPRequest
	resp   events.APIGatewayV2HTTPResponse
	panic  bool
}

func (r *recorder) handle(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	if r.panic {
		panic("boom")
	}
	r.events = append(r.events, ev)
	return r.resp, nil
}

func newGateway(rec *recorder, cors CORS) *httptest.Server {
	g := &Gateway{CORS: cors, Timeout: time.Second, Log: slog.New(slog.DiscardHandler)}
	for _, rt := range api.Routes {
		g.Functions = append(g.Functions, Function{Route: rt, Handler: rec.handle})
	}
	return httptest.NewServer(g)
}

func send(t *testing.T, method, url, body string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestRouting(t *testing.T) {
	rec := &recorder{resp: events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "{}"}}
	srv := newGateway(rec, DefaultCORS)
	defer srv.Close()
	for _, tc := range []struct {
		method, path string
		route        string // "" for no route
	}{
		{"POST", "/api/clientes", "POST /api/clientes"},
		{"GET", "/api/clientes", "GET /api/clientes"},
		{"GET", "/api/clientes/7", "GET /api/clientes/{id}"},
		{"PUT", "/api/clientes/abc", "PUT /api/clientes/{id}"},
		{"DELETE", "/api/clientes/%20", "DELETE /api/clientes/{id}"},
		{"PATCH", "/api/clientes/1", ""},
		{"DELETE", "/api/clientes", ""},
		{"POST", "/api/clientes/1", ""},
		{"HEAD", "/api/clientes", ""},
		{"GET", "/api/clientes/", ""},
		{"GET", "/api/clientes/1/x", ""},
		{"GET", "/api/clientes/a%2Fb", ""}, // decoded, that is two segments
		{"GET", "/api//clientes", ""},
		{"GET", "/", ""},
		{"OPTIONS", "/api/clientes", ""}, // no preflight headers: a plain request
	} {
		rec.events = nil
		resp, body := send(t, tc.method, srv.URL+tc.path, "", nil)
		if tc.route == "" {
			if resp.StatusCode != 404 || (tc.method != "HEAD" && body != `{"message":"Not Found"}`) || len(rec.events) != 0 {
				t.Errorf("%s %s = %d %s, want API Gateway's 404", tc.method, tc.path, resp.StatusCode, body)
			}
			continue
		}
		if resp.StatusCode != 200 || len(rec.events) != 1 || rec.events[0].RouteKey != tc.route {
			t.Errorf("%s %s = %d, events %+v; want route %s", tc.method, tc.path, resp.StatusCode, rec.events, tc.route)
		}
	}
}

func TestEventShape(t *testing.T) {
	rec := &recorder{resp: events.APIGatewayV2HTTPResponse{StatusCode: 201, Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"ok":true}`, Cookies: []string{"a=1"}}}
	srv := newGateway(rec, DefaultCORS)
	defer srv.Close()
	resp, body := send(t, "PUT", srv.URL+"/api/clientes/%C3%B1%201?b=2&a=1&a=3", `{"x":1}`, map[string]string{
		"Content-Type": "application/json", "X-Custom": "v", "Cookie": "s=1; t=2",
	})
	if resp.StatusCode != 201 || body != `{"ok":true}` || resp.Header.Get("Set-Cookie") != "a=1" || resp.Header.Get("Apigw-Requestid") == "" {
		t.Fatalf("response = %d %s %v", resp.StatusCode, body, resp.Header)
	}
	ev := rec.events[0]
	rc := ev.RequestContext
	switch {
	case ev.Version != "2.0", ev.RouteKey != "PUT /api/clientes/{id}", rc.Stage != "$default", rc.RequestID != resp.Header.Get("Apigw-Requestid"):
		t.Errorf("event identity: %+v", ev)
	case ev.RawPath != "/api/clientes/ñ 1", ev.PathParameters["id"] != "ñ 1", rc.HTTP.Method != "PUT", rc.HTTP.Path != ev.RawPath:
		t.Errorf("path: rawPath %q, params %v", ev.RawPath, ev.PathParameters)
	case ev.RawQueryString != "b=2&a=1&a=3", ev.QueryStringParameters["a"] != "1,3":
		t.Errorf("query: %q %v", ev.RawQueryString, ev.QueryStringParameters)
	case ev.Headers["x-custom"] != "v", ev.Headers["content-type"] != "application/json", ev.Headers["cookie"] != "":
		t.Errorf("headers: %v", ev.Headers)
	case len(ev.Cookies) != 2 || ev.Cookies[0] != "s=1" || ev.Cookies[1] != "t=2":
		t.Errorf("cookies: %v", ev.Cookies)
	case ev.IsBase64Encoded || ev.Body != `{"x":1}`:
		t.Errorf("JSON body: %q base64=%v", ev.Body, ev.IsBase64Encoded)
	}

	send(t, "POST", srv.URL+"/api/clientes", "a=1", map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	ev = rec.events[1]
	if raw, _ := base64.StdEncoding.DecodeString(ev.Body); !ev.IsBase64Encoded || string(raw) != "a=1" {
		t.Errorf("form body: %q base64=%v", ev.Body, ev.IsBase64Encoded)
	}
}

func TestFunctionErrorIsHidden(t *testing.T) {
	srv := newGateway(&recorder{panic: true}, DefaultCORS)
	defer srv.Close()
	for range 2 { // and it keeps serving
		resp, body := send(t, "GET", srv.URL+"/api/clientes", "", nil)
		if resp.StatusCode != 500 || body != `{"message":"Internal Server Error"}` {
			t.Fatalf("= %d %s", resp.StatusCode, body)
		}
	}
}

func TestCORS(t *testing.T) {
	rec := &recorder{resp: events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "{}",
		Headers: map[string]string{"Access-Control-Allow-Origin": "https://evil.example"}}}
	only := DefaultCORS
	only.AllowOrigins = []string{"https://app.example"}
	for _, tc := range []struct {
		name, origin string
		cors         CORS
		allow        string
	}{
		{"any origin", "https://x.example", DefaultCORS, "*"},
		{"listed origin", "https://app.example", only, "https://app.example"},
		{"unlisted origin", "https://x.example", only, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newGateway(rec, tc.cors)
			defer srv.Close()
			rec.events = nil
			resp, body := send(t, "OPTIONS", srv.URL+"/api/clientes/1", "", map[string]string{
				"Origin": tc.origin, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type"})
			if resp.StatusCode != 204 || body != "" || len(rec.events) != 0 {
				t.Fatalf("preflight = %d %q, events %d", resp.StatusCode, body, len(rec.events))
			}
			h := resp.Header
			if h.Get("Access-Control-Allow-Origin") != tc.allow {
				t.Errorf("preflight Allow-Origin = %q, want %q", h.Get("Access-Control-Allow-Origin"), tc.allow)
			}
			if tc.allow != "" && (!strings.Contains(h.Get("Access-Control-Allow-Methods"), "PUT") ||
				h.Get("Access-Control-Allow-Headers") != "content-type,authorization,if-match,if-none-match,idempotency-key" || h.Get("Access-Control-Max-Age") != "600") {
				t.Errorf("preflight headers = %v", h)
			}
			resp, _ = send(t, "GET", srv.URL+"/api/clientes", "", map[string]string{"Origin": tc.origin})
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tc.allow {
				t.Errorf("response Allow-Origin = %q, want %q", got, tc.allow)
			}
			if tc.allow != "" && resp.Header.Get("Access-Control-Expose-Headers") != "location,etag,retry-after,idempotent-replayed" {
				t.Errorf("Expose-Headers = %q", resp.Header.Get("Access-Control-Expose-Headers"))
			}
		})
	}
}

func TestOversizedPayloadIsRefusedUnread(t *testing.T) {
	rec := &recorder{resp: events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "{}"}}
	srv := newGateway(rec, DefaultCORS)
	defer srv.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Declares far more than it sends: the answer must not wait for it.
	fmt.Fprintf(conn, "POST /api/clientes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{}")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || len(rec.events) != 0 {
		t.Fatalf("= %d %s; events %d", resp.StatusCode, body, len(rec.events))
	}
}

// TestClientHangingUpCancelsNothing: API Gateway runs the function to its
// end when the client goes away, so a write is never cut off half done.
func TestClientHangingUpCancelsNothing(t *testing.T) {
	ended := make(chan error, 1)
	g := &Gateway{Timeout: 5 * time.Second, Log: slog.New(slog.DiscardHandler)}
	for _, rt := range api.Routes {
		g.Functions = append(g.Functions, Function{Route: rt, Handler: func(ctx context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			select {
			case <-ctx.Done():
				ended <- ctx.Err()
			case <-time.After(300 * time.Millisecond):
				ended <- nil
			}
			return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
		}})
	}
	srv := httptest.NewServer(g)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/clientes/1", nil)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("the client was meant to hang up first")
	}
	if err := <-ended; err != nil {
		t.Fatalf("the function's context ended when the client hung up: %v", err)
	}
}
