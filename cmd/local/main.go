// Command local serves the whole API on a developer's machine: each request
// goes through the same Lambda handlers the functions deploy, behind a local
// stand-in for API Gateway, over an embedded DynamoDB (minidyn) unless
// DYNAMODB_ENDPOINT names another (an emulator's URL, or "aws").
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	miniserver "github.com/truora/minidyn/server"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/gateway"
	"github.com/clientes-api/clientes/internal/gateway/jwtauth"
	"github.com/clientes-api/clientes/internal/store"
)

func main() {
	port := flag.String("port", "3000", "port to serve the API on, on the loopback interface only")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	// What other packages write with the standard log (minidyn does) comes
	// out as JSON lines too.
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	addr, err := loopbackAddr(*port)
	if err != nil {
		log.Error("cannot listen", "port", *port, "error", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Error("cannot listen", "addr", addr, "error", err)
		os.Exit(1)
	}
	throttle, err := throttleFromEnv()
	if err != nil {
		log.Error("bad throttling setting", "error", err)
		os.Exit(1)
	}
	if err := run(ctx, ln, store.ConfigFromEnv(), throttle, log); err != nil {
		log.Error("local server stopped", "error", err)
		os.Exit(1)
	}
}

// loopbackAddr is where `make run PORT=…` listens: the port on 127.0.0.1
// alone. The server is a developer's tool, public and unauthenticated by
// default, so no flag opens it to other machines.
func loopbackAddr(port string) (string, error) {
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || strconv.FormatUint(n, 10) != port {
		return "", fmt.Errorf("PORT %q is not a port number (0 to 65535, in plain decimal)", port)
	}
	return net.JoinHostPort("127.0.0.1", port), nil
}

// run serves the API on ln until ctx ends, then shuts down cleanly. Each
// route takes requests at the throttle's rate (a zero throttle: no limit).
func run(ctx context.Context, ln net.Listener, cfg store.Config, throttle gateway.Throttle, log *slog.Logger) error {
	db, where, closeDB, err := openTable(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeDB()
	st := newStore(db, cfg)
	// An existing table may hold clientes an earlier release stored: they
	// are brought up to date before the first request, as a deploy does.
	done, err := st.Backfill(ctx, 0)
	if err != nil {
		return err
	}
	gw := &gateway.Gateway{CORS: corsFromEnv(), Timeout: 10 * time.Second, Throttle: throttle, Log: log}
	if gw.Auth, err = authFromEnv(ctx, log); err != nil {
		return err
	}
	for _, rt := range api.Routes {
		gw.Functions = append(gw.Functions, gateway.Function{Route: rt, Handler: api.Lambda(rt.Handler(st, log), log)})
	}
	// Slow or stalled clients are cut off, as API Gateway cuts them off.
	srv := &http.Server{
		Handler:           gw,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	log.Info("serving the clientes API", "url", "http://"+ln.Addr().String(), "table", cfg.Table, "dynamodb", where,
		"throttling_rate_limit", throttle.Rate, "throttling_burst_limit", throttle.Burst,
		"backfill", slog.GroupValue(slog.Int("read", done.Read), slog.Int("retagged", done.Retagged), slog.Int("stamped", done.Stamped), slog.Any("unreadable_ids", done.Unreadable)))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// embeddedDynamoDB serves minidyn on a loopback port of its own and returns
// its endpoint.
func embeddedDynamoDB(log *slog.Logger) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := minidynServer(log)
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// minidynServer is the HTTP server minidyn answers on. What net/http has to
// say about it goes into the JSON log at debug level, hidden by default:
// under load, when a request's deadline cuts a DynamoDB call short, minidyn
// writes its error status after its answer and net/http logs a
// "superfluous response.WriteHeader" for each; the gateway already logs the
// request that failed, and without an ErrorLog these lines would go to the
// terminal as plain text among the JSON.
func minidynServer(log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           miniserver.NewServer(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.With("component", "minidyn").Handler(), slog.LevelDebug),
	}
}

// authFromEnv guards every route as the template's JWT authorizer does when
// AUTH_ISSUER is set, and leaves the API public (nil) when it is not.
func authFromEnv(ctx context.Context, log *slog.Logger) (gateway.Authorizer, error) {
	cfg, on, err := jwtauth.ConfigFromEnv()
	if !on || err != nil {
		return nil, err
	}
	cfg.Log = log
	a, err := jwtauth.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	log.Info("access control on", "issuer", cfg.Issuer, "audience", cfg.Audience,
		"read_scope", cfg.ReadScope, "write_scope", cfg.WriteScope, "jwks", a.JWKSURL())
	return a, nil
}

// corsFromEnv is the template's CORS configuration, with the allowed origins
// taken from CORS_ALLOW_ORIGINS (comma-separated) when set, as the template's
// CorsAllowOrigins parameter does. CloudFormation trims the white space
// around each entry of a CommaDelimitedList, and so does this.
func corsFromEnv() gateway.CORS {
	c := gateway.DefaultCORS
	if v := os.Getenv("CORS_ALLOW_ORIGINS"); v != "" {
		c.AllowOrigins = nil
		for o := range strings.SplitSeq(v, ",") {
			if o = strings.TrimSpace(o); o != "" {
				c.AllowOrigins = append(c.AllowOrigins, o)
			}
		}
	}
	return c
}

// throttleFromEnv is the template's per-route throttling, with
// THROTTLING_RATE_LIMIT (requests a second) and THROTTLING_BURST_LIMIT
// (requests at once) taking the place of its ThrottlingRateLimit and
// ThrottlingBurstLimit parameters when set. Like the parameters, each must be
// at least 1.
func throttleFromEnv() (gateway.Throttle, error) {
	t := gateway.DefaultThrottle
	if v := os.Getenv("THROTTLING_RATE_LIMIT"); v != "" {
		rate, err := strconv.ParseFloat(v, 64)
		if err != nil || !(rate >= 1) || math.IsInf(rate, 0) {
			return t, fmt.Errorf("THROTTLING_RATE_LIMIT=%q: want a number of requests a second, at least 1", v)
		}
		t.Rate = rate
	}
	if v := os.Getenv("THROTTLING_BURST_LIMIT"); v != "" {
		burst, err := strconv.Atoi(v)
		if err != nil || burst < 1 {
			return t, fmt.Errorf("THROTTLING_BURST_LIMIT=%q: want a whole number of requests, at least 1", v)
		}
		t.Burst = burst
	}
	return t, nil
}
