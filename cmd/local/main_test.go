package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/gateway"
	"github.com/clientes-api/clientes/internal/store"
)

func TestMain(m *testing.M) {
	os.Exit(dynamotest.Main(m))
}

// TestServe runs the local server as `make run` does, on the embedded
// DynamoDB and on one named by DYNAMODB_ENDPOINT, and shuts it down.
func TestServe(t *testing.T) {
	for _, tc := range []struct {
		name     string
		endpoint func(t *testing.T) string
	}{
		{"embedded", func(*testing.T) string { return "" }},
		{"dynalite", func(t *testing.T) string { return dynamotest.Dynalite(t).Endpoint }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			cfg := store.Config{Table: "local-" + tc.name, Endpoint: tc.endpoint(t), Region: "us-east-1"}
			go func() { done <- run(ctx, ln, cfg, gateway.Throttle{}, slog.New(slog.DiscardHandler)) }()
			base := "http://" + ln.Addr().String()

			status, body := call(t, "POST", base+"/api/clientes", `{"nombres":"Pedro","apellidos":"Martínez"}`)
			if status != 201 || !strings.Contains(body, `"apellidos":"Martínez"`) {
				t.Fatalf("create = %d %s", status, body)
			}
			for _, c := range []struct {
				method, path, body string
				status             int
				contains           string
			}{
				{"PUT", "/api/clientes/1", `{"telefono":"+5559876543","email":"pedro@example.com"}`, 200, `"message":"Cliente actualizado"`},
				{"GET", "/api/clientes/1", "", 200, `"email":"pedro@example.com"`},
				{"GET", "/api/clientes?limit=1", "", 200, `"next_cursor":null`},
				{"PUT", "/api/clientes/42", `{"telefono":"+5559876543"}`, 404, `{"message":"Cliente no encontrado"}`},
				{"DELETE", "/api/clientes/1", "", 200, `"message":"Cliente eliminado"`},
				{"GET", "/api/clientes/1", "", 404, `{"message":"Cliente no encontrado"}`},
				{"PATCH", "/api/clientes/1", "", 404, `{"message":"Not Found"}`},
			} {
				status, body := call(t, c.method, base+c.path, c.body)
				if status != c.status || !strings.Contains(body, c.contains) {
					t.Errorf("%s %s = %d %s, want %d with %s", c.method, c.path, status, body, c.status, c.contains)
				}
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("shutdown: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no clean shutdown within 10s")
			}
		})
	}
}

func call(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestLoopbackAddr: `make run PORT=…` listens on the loopback interface
// alone, whatever the port, and refuses what is not a port.
func TestLoopbackAddr(t *testing.T) {
	for _, tc := range []struct {
		port, addr string
	}{
		{"3000", "127.0.0.1:3000"},
		{"8080", "127.0.0.1:8080"},
		{"0", "127.0.0.1:0"},
		{"65535", "127.0.0.1:65535"},
		{"65536", ""},
		{"", ""},
		{":8080", ""},
		{"0.0.0.0:8080", ""},
		{"08080", ""},
		{"+80", ""},
		{"-1", ""},
		{"http", ""},
	} {
		addr, err := loopbackAddr(tc.port)
		if addr != tc.addr || (err != nil) != (tc.addr == "") {
			t.Errorf("loopbackAddr(%q) = %q, %v; want %q", tc.port, addr, err, tc.addr)
		}
	}
}

// TestCORSAllowOriginsFromEnv: CORS_ALLOW_ORIGINS is read as CloudFormation
// reads the template's CommaDelimitedList, each entry trimmed.
func TestCORSAllowOriginsFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want []string
	}{
		{"", gateway.DefaultCORS.AllowOrigins},
		{"https://a.example", []string{"https://a.example"}},
		{"https://a.example, https://b.example", []string{"https://a.example", "https://b.example"}},
		{" https://a.example ,\thttps://b.example ", []string{"https://a.example", "https://b.example"}},
	} {
		t.Setenv("CORS_ALLOW_ORIGINS", tc.env)
		if got := corsFromEnv().AllowOrigins; !slices.Equal(got, tc.want) {
			t.Errorf("CORS_ALLOW_ORIGINS=%q: %q, want %q", tc.env, got, tc.want)
		}
	}
}
