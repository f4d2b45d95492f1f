// Command e2e runs the black-box suite (internal/e2e) against a deployment
// of the API: `make e2e BASE_URL=<url> [TOKEN=<jwt>] [READ_TOKEN=<jwt>]
// [ORIGIN=<origin>]`. The settings come from the environment, so that no
// token shows in a process list or in make's echo of the command. It exits
// 0 only when every case passed and every cliente it created was deleted;
// 1 when not; 2 on a usage error; 130 when interrupted.
package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/clientes-api/clientes/internal/e2e"
)

func main() {
	os.Exit(run(os.Getenv, os.Stdout))
}

func run(getenv func(string) string, out io.Writer) int {
	cfg := e2e.Config{
		BaseURL:   getenv("BASE_URL"),
		Token:     getenv("TOKEN"),
		ReadToken: getenv("READ_TOKEN"),
		Origin:    getenv("ORIGIN"),
		Out:       out,
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintln(out, "usage: make e2e BASE_URL=<the API's URL, e.g. the stack's ApiUrl> [TOKEN=<jwt with the write scope>] [READ_TOKEN=<jwt with only the read scope>] [ORIGIN=<an allowed origin>]")
		return 2
	}
	if cfg.ReadToken != "" && cfg.Token == "" {
		fmt.Fprintln(out, "e2e: READ_TOKEN needs TOKEN too: the suite creates its clientes with TOKEN")
		return 2
	}

	// The first SIGINT or SIGTERM stops after the request in flight and
	// deletes what the run created; a second one cuts that short.
	stop, stopNow := context.WithCancel(context.Background())
	abort, abortNow := context.WithCancel(context.Background())
	defer stopNow()
	defer abortNow()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		sig, ok := <-sigs
		if !ok {
			return
		}
		fmt.Fprintf(out, "e2e: %v: stopping after the request in flight, then deleting the clientes created (again to abort)\n", sig)
		stopNow()
		if _, ok := <-sigs; ok {
			abortNow()
		}
	}()
	cfg.Stop, cfg.Abort = stop, abort

	res := e2e.Run(cfg)
	fmt.Fprintf(out, "e2e: %d passed, %d failed; %d cliente(s) created, %d left behind\n",
		res.Passed, res.Failed, len(res.Created), len(res.Left))
	if len(res.Left) > 0 {
		fmt.Fprintf(out, "e2e: not deleted: %v (DELETE /api/clientes/<id> each)\n", res.Left)
	}
	switch {
	case res.Interrupted:
		fmt.Fprintln(out, "e2e: interrupted")
		return 130
	case !res.OK():
		return 1
	}
	return 0
}
