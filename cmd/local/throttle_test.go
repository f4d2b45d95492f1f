package main

import (
	"context"
	"log/slog"
	"net"
	"testing"

	"github.com/clientes-api/clientes/internal/gateway"
	"github.com/clientes-api/clientes/internal/store"
)

// TestThrottleFromEnv: without settings, `make run` throttles as the
// template deploys; THROTTLING_RATE_LIMIT and THROTTLING_BURST_LIMIT change
// it, and a value the template's parameters would refuse stops the server.
func TestThrottleFromEnv(t *testing.T) {
	for _, tc := range []struct {
		rate, burst string
		want        gateway.Throttle
		err         bool
	}{
		{"", "", gateway.DefaultThrottle, false},
		{"1000", "", gateway.Throttle{Rate: 1000, Burst: gateway.DefaultThrottle.Burst}, false},
		{"", "7", gateway.Throttle{Rate: gateway.DefaultThrottle.Rate, Burst: 7}, false},
		{"2.5", "1", gateway.Throttle{Rate: 2.5, Burst: 1}, false},
		{"0", "", gateway.Throttle{}, true},
		{"0.5", "", gateway.Throttle{}, true},
		{"-1", "", gateway.Throttle{}, true},
		{"NaN", "", gateway.Throttle{}, true},
		{"Inf", "", gateway.Throttle{}, true},
		{"fast", "", gateway.Throttle{}, true},
		{"", "0", gateway.Throttle{}, true},
		{"", "1.5", gateway.Throttle{}, true},
		{"", "many", gateway.Throttle{}, true},
	} {
		t.Setenv("THROTTLING_RATE_LIMIT", tc.rate)
		t.Setenv("THROTTLING_BURST_LIMIT", tc.burst)
		got, err := throttleFromEnv()
		if tc.err {
			if err == nil {
				t.Errorf("rate %q burst %q: %+v, want an error", tc.rate, tc.burst, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("rate %q burst %q = %+v, %v; want %+v", tc.rate, tc.burst, got, err, tc.want)
		}
	}
}

// TestServeThrottled: the server `make run` starts sheds a route's requests
// past its burst with API Gateway's 429, while another route still answers.
func TestServeThrottled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	cfg := store.Config{Table: "throttled", Region: "us-east-1"}
	// A rate so slow that no token comes back while the test runs.
	go func() {
		done <- run(ctx, ln, cfg, gateway.Throttle{Rate: 1e-9, Burst: 2}, slog.New(slog.DiscardHandler))
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	base := "http://" + ln.Addr().String()
	for _, c := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/api/clientes/1", 404, `{"message":"Cliente no encontrado"}`},
		{"GET", "/api/clientes/2", 404, `{"message":"Cliente no encontrado"}`},
		{"GET", "/api/clientes/3", 429, `{"message":"Too Many Requests"}`},
		{"GET", "/api/clientes", 200, `{"clientes":[],"next_cursor":null}`},
	} {
		if status, body := call(t, c.method, base+c.path, ""); status != c.status || body != c.body {
			t.Errorf("%s %s = %d %s, want %d %s", c.method, c.path, status, body, c.status, c.body)
		}
	}
}
