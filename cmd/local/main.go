// Command local serves the whole API on a developer's machine: each request
// goes through the same Lambda handlers the functions deploy, behind a local
// stand-in for API Gateway, over an embedded DynamoDB (minidyn) unless
// DYNAMODB_ENDPOINT names another (an emulator's URL, or "aws").
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
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
	addr := flag.String("addr", "localhost:3000", "address to serve the API on")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Error("cannot listen", "addr", *addr, "error", err)
		os.Exit(1)
	}
	if err := run(ctx, ln, store.ConfigFromEnv(), log); err != nil {
		log.Error("local server stopped", "error", err)
		os.Exit(1)
	}
}

// run serves the API on ln until ctx ends, then shuts down cleanly.
func run(ctx context.Context, ln net.Listener, cfg store.Config, log *slog.Logger) error {
	db, where, closeDB, err := openTable(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	st := newStore(db, cfg)
	gw := &gateway.Gateway{CORS: corsFromEnv(), Timeout: 10 * time.Second, Log: log}
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
	log.Info("serving the clientes API", "url", "http://"+ln.Addr().String(), "table", cfg.Table, "dynamodb", where)
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
func embeddedDynamoDB() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: miniserver.NewServer(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
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
