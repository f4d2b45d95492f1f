// Command bench measures the functions against two baselines built with the
// same flags, side by side in one run, and writes BENCHMARKS.md: binary size,
// cold start (init duration and first request) and warm latency under
// aws-lambda-rie, peak RSS, the Go benchmarks of the request path against the
// bare SDK call, DynamoDB round trips and capacity units per route, the local
// server's throughput, and a cost estimate. Run it from the repository root:
//
//	go run ./bench                 # the full run, about 5 to 10 minutes
//	go run ./bench -quick -out /tmp/b.md
//
// Baselines: bench/hello (a hello-world aws-lambda-go function) and
// bench/sdkfloor (the hello world plus a bare DynamoDB client and one GetItem
// per invocation). DynamoDB is minidyn, served in-process over loopback HTTP
// by this program, behind a wrapper that counts requests and computes their
// capacity units.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/clientes-api/clientes/internal/api"
)

type config struct {
	out        string
	cold       int
	warm       int
	warmup     int
	pageRuns   int
	loadCount  int
	loadTime   time.Duration
	benchCount int
	benchTime  string
	goTestArgs string
	quick      bool
}

// target is one function measured: a route's function or a baseline.
type target struct {
	name     string // as in the tables
	pkg      string // main package, relative to the repository root
	baseline bool
	route    *api.Route
	event    string // events/ fixture posted to it
	status   int    // the status every invocation must answer
	bin      string // for a variant: the target whose bootstrap it runs
	env      []string
}

var targets = []*target{
	{name: "hello", pkg: "./bench/hello", baseline: true, event: "get-ok", status: 200},
	{name: "sdkfloor", pkg: "./bench/sdkfloor", baseline: true, event: "get-ok", status: 200},
	{name: "create", pkg: "./functions/create", route: &api.Create, event: "create-ok", status: 201},
	{name: "list", pkg: "./functions/list", route: &api.List, event: "list-ok", status: 200},
	{name: "get", pkg: "./functions/get", route: &api.Get, event: "get-ok", status: 200},
	{name: "update", pkg: "./functions/update", route: &api.Update, event: "update-ok", status: 200},
	{name: "delete", pkg: "./functions/delete", route: &api.Delete, event: "delete-ok", status: 200},
}

// variants run a target's bootstrap with other settings, in the warm runs
// only, to show what a setting would change.
var variants = []*target{
	{name: "get, GOGC=25", bin: "get", env: []string{"GOGC=25"}, event: "get-ok", status: 200},
}

func find(name string) *target {
	for _, t := range targets {
		if t.name == name {
			return t
		}
	}
	panic("no target " + name)
}

func main() {
	var c config
	flag.StringVar(&c.out, "out", "BENCHMARKS.md", "where to write the report")
	flag.IntVar(&c.cold, "cold", 150, "cold starts per function and per baseline (at least 20 for the report)")
	flag.IntVar(&c.warm, "warm", 2000, "warm invocations measured per function and per baseline")
	flag.IntVar(&c.warmup, "warmup", 20, "invocations after the cold one and before measuring")
	flag.IntVar(&c.pageRuns, "page-runs", 200, "extra invocations of list with its default page of 50")
	flag.IntVar(&c.loadCount, "load-count", 20000, "most requests per concurrency level against the local server")
	flag.DurationVar(&c.loadTime, "load-time", 15*time.Second, "most time per concurrency level against the local server")
	flag.IntVar(&c.benchCount, "bench-count", 5, "go test -count for the Go benchmarks")
	flag.StringVar(&c.benchTime, "benchtime", "1s", "go test -benchtime for the Go benchmarks")
	flag.StringVar(&c.goTestArgs, "gotest-args", "", "extra arguments for `go test` (space-separated)")
	flag.BoolVar(&c.quick, "quick", false, "a smoke run: 3 cold starts, 50 warm invocations, short load and benchmarks")
	flag.Parse()
	if c.quick {
		c.cold, c.warm, c.warmup, c.pageRuns = 3, 50, 5, 20
		c.loadCount, c.loadTime = 500, 3*time.Second
		c.benchCount, c.benchTime = 1, "100x"
	}
	if _, err := os.Stat("go.mod"); err != nil {
		log.Fatal("run from the repository root: go run ./bench")
	}
	if runtime.GOOS != "linux" {
		log.Fatal("bench needs Linux: aws-lambda-rie and /proc")
	}
	log.SetFlags(log.Ltime)
	if err := run(c); err != nil {
		log.Fatal(err)
	}
}

func run(c config) error {
	started := time.Now()
	tmp, err := os.MkdirTemp("", "clientes-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	ctx := context.Background()
	r := &report{config: c, started: started, machine: describeMachine()}

	log.Printf("building %d bootstraps for linux/arm64 and linux/%s", len(targets), runtime.GOARCH)
	if r.sizes, err = buildAll(tmp); err != nil {
		return err
	}
	if r.breakdown, err = sizeBreakdown(tmp); err != nil {
		return err
	}
	log.Printf("sam build, plain and with the Makefile's build flags")
	if r.sam, err = samBuild(tmp); err != nil {
		return err
	}

	db, err := startDynamo(ctx, seedCount(c))
	if err != nil {
		return err
	}
	defer db.close()
	rie := filepath.Join(tmp, "aws-lambda-rie")
	if err := buildEmulator(rie); err != nil {
		return err
	}
	bootstraps := map[string]string{}
	for _, t := range targets {
		bootstraps[t.name] = filepath.Join(tmp, "linux-"+runtime.GOARCH, t.name, "bootstrap")
	}
	em := &emulation{c: c, rie: rie, bootstraps: bootstraps, db: db}

	log.Printf("package initialisers: GODEBUG=inittrace=1, %d runs each", max(c.cold, 5))
	r.inits = traceInits(bootstraps, em.env(), max(c.cold, 5))

	log.Printf("cold starts: %d per function and baseline", c.cold)
	if r.cold, err = em.coldStarts(ctx); err != nil {
		return err
	}
	log.Printf("warm invocations: %d per function and baseline", c.warm)
	if r.warm, r.page, err = em.warmRuns(ctx); err != nil {
		return err
	}

	log.Printf("Go benchmarks: go test -bench . -count %d ./internal/api", c.benchCount)
	if r.gobench, r.gobenchCmd, err = runGoBench(c); err != nil {
		return err
	}

	log.Printf("local server: concurrency 1, 4, 16")
	if r.load, err = loadLocal(ctx, tmp, c); err != nil {
		return err
	}
	r.elapsed = time.Since(started)
	if err := os.WriteFile(c.out, []byte(r.markdown()), 0o644); err != nil {
		return err
	}
	log.Printf("wrote %s in %s", c.out, r.elapsed.Round(time.Second))
	fmt.Print(r.summary())
	if errs := r.errors(); len(errs) > 0 {
		return fmt.Errorf("the run had errors (see %s):\n%s", c.out, strings.Join(errs, "\n"))
	}
	return nil
}

// seedCount is how many clientes the table starts with: enough for list's
// default page of 50 plus one, and one more for every delete the run makes,
// each on an id of its own.
func seedCount(c config) int {
	return 100 + c.cold + c.warmup + c.warm + 10
}
