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

// TestGatewayAnswersAreLogged: a request the gateway answers itself, with no
// function to log it (a CORS preflight, a route that does not exist, a
// payload over Lambda's limit), still gets its one log line, with its status
// and the request id the client saw.
func TestGatewayAnswersAreLogged(t *testing.T) {
	var mu sync.Mutex
	var out bytes.Buffer
	g := &Gateway{CORS: DefaultCORS, Timeout: time.Second, Log: slog.New(slog.NewJSONHandler(lockedWriter{&mu, &out}, nil))}
	rec := &recorder{resp: events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "{}"}}
	for _, rt := range api.Routes {
		g.Functions = append(g.Functions, Function{Route: rt, Handler: rec.handle})
	}
	srv := httptest.NewServer(g)
	defer srv.Close()
	preflight := map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "PUT"}
	for _, tc := range []struct {
		method, path, body string
		header             map[string]string
		status             int
	}{
		{"OPTIONS", "/api/clientes/1", "", preflight, 204},
		{"GET", "/nowhere", "", nil, 404},
		{"POST", "/api/clientes", strings.Repeat("x", MaxPayload+1), nil, 413},
	} {
		mu.Lock()
		out.Reset()
		mu.Unlock()
		resp, _ := send(t, tc.method, srv.URL+tc.path, tc.body, tc.header)
		mu.Lock()
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		mu.Unlock()
		var fields map[string]any
		if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &fields) != nil {
			t.Errorf("%s %s: log = %q, want one JSON line", tc.method, tc.path, lines)
			continue
		}
		if resp.StatusCode != tc.status || fields["msg"] != "request" || fields["method"] != tc.method || fields["path"] != tc.path ||
			fields["status"] != float64(tc.status) || fields["request_id"] != resp.Header.Get("Apigw-Requestid") {
			t.Errorf("%s %s = %d; log line %s, want status %d and request_id %s", tc.method, tc.path, resp.StatusCode, lines[0], tc.status, resp.Header.Get("Apigw-Requestid"))
		}
	}
}

type lockedWriter struct {
	mu  *sync.Mutex
	out *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.Write(p)
}
