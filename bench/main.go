// Command bench measures the functions against two baselines built the same
// way, side by side in one run, and writes BENCHMARKS.md (from
// report.md.tmpl) and memory.svg: binary size, cold start and warm latency
// under aws-lambda-rie, peak RSS, handler overhead over the bare DynamoDB
// calls, round trips and capacity units, and every memory size's latency and
// cost under the CPU share Lambda gives it. Run it from the repository root:
//
//	make bench                                    # go run ./bench
//	go run ./bench -quick -out /tmp/b.md          # a smoke run, for make test
//
// Baselines: bench/hello (a hello-world aws-lambda-go function) and
// bench/sdkfloor (the hello world plus a bare DynamoDB client and one GetItem
// per invocation). DynamoDB is minidyn, served in-process over loopback HTTP.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/clientes-api/clientes/internal/api"
)

type config struct {
	out, chart          string
	cold, warm, warmup  int
	pageRuns            int
	sizeCold, sizeWarm  int
	reps, overheadOps   int
	overloadWorkers     int
	capacitySeconds     time.Duration
	overloadSeconds     time.Duration
	quick, skipSAMBuild bool
}

// target is one function measured: a route's function or a baseline.
type target struct {
	name     string // as in the tables
	pkg      string // main package, relative to the repository root
	function string // logical id in template.yaml; empty for a baseline
	route    *api.Route
	event    string // events/ fixture posted to it
	status   int    // the status every invocation must answer
}

var targets = []*target{
	{name: "hello", pkg: "./bench/hello", event: "get-ok", status: 200},
	{name: "sdkfloor", pkg: "./bench/sdkfloor", event: "get-ok", status: 200},
	{name: "create", pkg: "./functions/create", function: "CreateClienteFunction", route: &api.Create, event: "create-ok", status: 201},
	{name: "list", pkg: "./functions/list", function: "ListClientesFunction", route: &api.List, event: "list-ok", status: 200},
	{name: "get", pkg: "./functions/get", function: "GetClienteFunction", route: &api.Get, event: "get-ok", status: 200},
	{name: "update", pkg: "./functions/update", function: "UpdateClienteFunction", route: &api.Update, event: "update-ok", status: 200},
	{name: "delete", pkg: "./functions/delete", function: "DeleteClienteFunction", route: &api.Delete, event: "delete-ok", status: 200},
}

func functions() []*target {
	var out []*target
	for _, t := range targets {
		if t.function != "" {
			out = append(out, t)
		}
	}
	return out
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
	flag.StringVar(&c.out, "out", "BENCHMARKS.md", "where to write the report; the chart goes beside it")
	flag.IntVar(&c.cold, "cold", 100, "cold starts per function and baseline, unthrottled")
	flag.IntVar(&c.warm, "warm", 1000, "warm invocations measured per function and baseline, unthrottled")
	flag.IntVar(&c.warmup, "warmup", 10, "invocations after the cold one and before measuring")
	flag.IntVar(&c.pageRuns, "page-runs", 100, "invocations of list with its default page of 50")
	flag.IntVar(&c.sizeCold, "size-cold", 15, "cold starts per function at each memory size")
	flag.IntVar(&c.sizeWarm, "size-warm", 200, "warm invocations per function at each memory size")
	flag.IntVar(&c.reps, "reps", 15, "repetitions of the handler overhead measurement")
	flag.IntVar(&c.overheadOps, "overhead-ops", 100, "requests per repetition, path and bare each")
	flag.IntVar(&c.overloadWorkers, "overload-workers", 64, "requests kept in flight to measure the local server's capacity")
	flag.DurationVar(&c.capacitySeconds, "capacity-time", 5*time.Second, "how long the local server's capacity is measured")
	flag.DurationVar(&c.overloadSeconds, "overload-time", 10*time.Second, "how long twice that load is offered")
	flag.BoolVar(&c.quick, "quick", false, "a smoke run: few of everything, no sam build; its figures mean nothing")
	flag.Parse()
	if c.quick {
		c.cold, c.warm, c.warmup, c.pageRuns = 2, 20, 2, 5
		c.sizeCold, c.sizeWarm, c.reps, c.overheadOps = 1, 5, 3, 10
		c.overloadWorkers, c.capacitySeconds, c.overloadSeconds = 8, time.Second, 2*time.Second
		c.skipSAMBuild = true
	}
	c.chart = filepath.Join(filepath.Dir(c.out), strings.TrimSuffix(filepath.Base(c.out), ".md")+".svg")
	if _, err := os.Stat("go.mod"); err != nil {
		log.Fatal("run from the repository root: go run ./bench")
	}
	if runtime.GOOS != "linux" {
		log.Fatal("bench needs Linux: aws-lambda-rie, /proc and cgroups")
	}
	log.SetFlags(log.Ltime)
	if err := run(c); err != nil {
		log.Fatal(err)
	}
}

func run(c config) error {
	started := time.Now()
	if c.quick {
		log.Printf("a -quick smoke run: it checks every step works, and measures nothing")
	}
	tmp, err := os.MkdirTemp("", "clientes-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// Ctrl-C cancels the invocations in flight, so that the emulators are
	// stopped and the cgroups removed on the way out.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r := &results{config: c, machine: describeMachine()}

	log.Printf("building %d bootstraps (make bootstrap) for linux/arm64 and linux/%s", len(targets), runtime.GOARCH)
	if r.sizes, err = buildAll(tmp); err != nil {
		return err
	}
	if !c.skipSAMBuild {
		log.Printf("plain sam build")
		if r.sam, err = samBuild(tmp); err != nil {
			return err
		}
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
	em := &emulation{c: c, rie: rie, bootstraps: map[string]string{}, db: db}
	for _, t := range targets {
		em.bootstraps[t.name] = filepath.Join(tmp, "linux-"+runtime.GOARCH, t.name, "bootstrap")
	}

	log.Printf("cold starts: %d per function and baseline", c.cold)
	if r.cold, err = em.coldStarts(ctx); err != nil {
		return err
	}
	log.Printf("warm invocations: %d per function and baseline", c.warm)
	if r.warm, r.page, err = em.warmRuns(ctx); err != nil {
		return err
	}
	log.Printf("handler overhead: %d repetitions of %d requests per route", c.reps, c.overheadOps)
	if r.overhead, err = measureOverhead(ctx, db, c); err != nil {
		return err
	}
	log.Printf("memory sizes %v: %d cold starts and %d warm invocations per function each", memorySizes, c.sizeCold, c.sizeWarm)
	if r.sizesRun, err = em.sweep(ctx); err != nil {
		if len(r.sizesRun) > 0 || !strings.Contains(err.Error(), "cannot create a cgroup") {
			return err
		}
		log.Printf("%v", err)
		r.noCgroup = err.Error()
	}
	log.Printf("overload: the local server's capacity over %s, then twice it for %s with the template's throttling", c.capacitySeconds, c.overloadSeconds)
	if r.overload, err = measureOverload(ctx, tmp, c); err != nil {
		return err
	}
	if r.lines, err = countLines(); err != nil {
		return err
	}
	r.elapsed = time.Since(started)
	if err := r.write(); err != nil {
		return err
	}
	log.Printf("wrote %s and %s in %s", c.out, c.chart, r.elapsed.Round(time.Second))
	fmt.Print(r.summary())
	if errs := r.errors(); len(errs) > 0 {
		return fmt.Errorf("the run had %d errors (see %s)", len(errs), c.out)
	}
	return nil
}

// seedCount is how many clientes the table starts with: list's default page
// of 50 plus one, and one more for every delete the run makes, each on an id
// of its own.
func seedCount(c config) int {
	return 100 + c.cold + 1 + c.warmup + c.warm + len(memorySizes)*(c.sizeCold+1+c.warmup+c.sizeWarm) + 10
}
