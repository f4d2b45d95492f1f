package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clientes-api/clientes/internal/gateway"
	"github.com/clientes-api/clientes/internal/gateway/jwtauth/jwtauthtest"
	"github.com/clientes-api/clientes/internal/store"
)

// TestServeWithAuth runs `make run` with AUTH_ISSUER set: the server finds
// the issuer's keys through its discovery document and applies the rules of
// the contract's "Access control"; without AUDIENCE it refuses to start.
func TestServeWithAuth(t *testing.T) {
	key := jwtauthtest.Key(t)
	iss := jwtauthtest.NewIssuer(t, map[string]*rsa.PrivateKey{"k1": key})
	t.Setenv("AUTH_ISSUER", iss.URL)
	t.Setenv("AUTH_AUDIENCE", "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := store.Config{Table: "local-auth", Region: "us-east-1"}
	if err := run(t.Context(), ln, cfg, gateway.Throttle{}, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "AUTH_AUDIENCE") {
		t.Fatalf("started with no audience: %v", err)
	}

	t.Setenv("AUTH_AUDIENCE", "app-1")
	if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, ln, cfg, gateway.Throttle{}, log) }()
	base := "http://" + ln.Addr().String()
	read := jwtauthtest.Mint(t, key, "k1", jwtauthtest.Claims(iss.URL, "app-1", "reader-7", "clientes/read"))
	write := jwtauthtest.Mint(t, key, "k1", jwtauthtest.Claims(iss.URL, "app-1", "writer-7", "clientes/write"))
	for _, c := range []struct {
		method, path, token, body string
		status                    int
		contains                  string
	}{
		{"GET", "/api/clientes", "", "", 401, `{"message":"Unauthorized"}`},
		{"POST", "/api/clientes", read, `{"nombres":"A","apellidos":"B"}`, 403, `{"message":"Forbidden"}`},
		{"POST", "/api/clientes", write, `{"nombres":"A","apellidos":"B"}`, 201, `"id":1`},
		{"GET", "/api/clientes/1", read, "", 200, `"nombres":"A"`},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(b.String(), c.contains) ||
			(c.status >= 401 && c.status <= 403 && resp.Header.Get("WWW-Authenticate") == "") {
			t.Errorf("%s %s = %d %s", c.method, c.path, resp.StatusCode, b.String())
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
	mu.Lock()
	defer mu.Unlock()
	out := logs.String()
	if !strings.Contains(out, `"msg":"access control on"`) || !strings.Contains(out, `"jwks":"`+iss.URL+`/jwks"`) ||
		!strings.Contains(out, `"sub":"reader-7"`) || strings.Contains(out, read) || strings.Contains(out, write) {
		t.Errorf("log:\n%s", out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
