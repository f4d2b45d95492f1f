package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/lambdatest"
)

// emulation runs the bootstraps under aws-lambda-rie against the in-process
// minidyn.
type emulation struct {
	c          config
	rie        string
	bootstraps map[string]string
	db         *dynamo
	fixtures   map[string][]byte
	nextDelete int
}

// coldResult is what the cold starts of one target measured.
type coldResult struct {
	init   []float64 // INIT REPORT durationMs of each cold start
	first  []float64 // wall time of the first invocation (it includes init: rie inits lazily)
	errors int
	sample string
}

// warmResult is what the warm invocations of one target measured.
type warmResult struct {
	n        int
	wall     []float64  // ms, as the caller of the emulator saw each invocation
	duration []float64  // ms, the REPORT Duration rie logged for each
	mem      procMemory // the bootstrap's, after the invocations
	use      usage      // DynamoDB, totals over the invocations
	errors   int
	sample   string
}

func (w *warmResult) perCall(v float64) float64 {
	if len(w.wall) == 0 {
		return 0
	}
	return v / float64(len(w.wall))
}

func (w *warmResult) tripsPerCall() float64 {
	return w.perCall(float64(dynamotest.Total(w.use.trips)))
}

// env is the functions' environment, for a function of memoryMB.
func (em *emulation) env(memoryMB int) []string {
	return []string{
		"TABLE_NAME=" + table,
		"DYNAMODB_ENDPOINT=" + em.db.endpoint,
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=10",
		fmt.Sprintf("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%d", memoryMB), // reported by rie; its CPU share is the cgroup's
		"SDKFLOOR_KEY=" + em.db.floorKey,
	}
}

// event is the next event for t: its fixture, except that delete gets an id
// of its own each time (the seeded ids from the top down), so that every
// delete deletes.
func (em *emulation) event(t *target) ([]byte, error) {
	if em.fixtures == nil {
		em.fixtures = map[string][]byte{}
		em.nextDelete = em.db.seeded
	}
	raw, ok := em.fixtures[t.event]
	if !ok {
		var err error
		if raw, err = os.ReadFile(filepath.Join("events", t.event+".json")); err != nil {
			return nil, err
		}
		em.fixtures[t.event] = raw
	}
	if t.name != "delete" {
		return raw, nil
	}
	if em.nextDelete <= 100 {
		return nil, fmt.Errorf("out of ids to delete: seed more")
	}
	id := strconv.Itoa(em.nextDelete)
	em.nextDelete--
	return withPath(raw, "/api/clientes/"+id, "", map[string]string{"id": id})
}

// withPath rewrites an event's path, query and path parameters.
func withPath(raw []byte, path, query string, params map[string]string) ([]byte, error) {
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	ev.RawPath, ev.RequestContext.HTTP.Path, ev.RawQueryString = path, path, query
	ev.PathParameters = params
	ev.QueryStringParameters = nil
	return json.Marshal(ev)
}

// invoke posts ev and checks the answer is an API Gateway response with the
// target's status.
func invoke(ctx context.Context, e *lambdatest.Emulator, t *target, ev []byte) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	start := time.Now()
	raw, err := e.Invoke(ctx, ev)
	ms := float64(time.Since(start).Nanoseconds()) / 1e6
	if err != nil {
		return ms, err
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(raw, &resp); err != nil || resp.StatusCode != t.status {
		return ms, fmt.Errorf("%s answered %.300s, want status %d", t.name, raw, t.status)
	}
	return ms, nil
}

// coldStarts starts each target c.cold times, round robin in a shuffled
// order so that the noise of this shared machine falls on all of them alike,
// and invokes it once.
func (em *emulation) coldStarts(ctx context.Context) (map[string]*coldResult, error) {
	out := map[string]*coldResult{}
	for _, t := range targets {
		out[t.name] = &coldResult{}
	}
	for range em.c.cold {
		// A new order each round, so that no target always follows another.
		for _, t := range shuffled(targets) {
			r := out[t.name]
			ev, err := em.event(t)
			if err != nil {
				return nil, err
			}
			e, err := lambdatest.Start(em.rie, em.bootstraps[t.name], em.env(deployedMB))
			if err != nil {
				return nil, err
			}
			ms, err := invoke(ctx, e, t, ev)
			init := waitInit(e)
			e.Stop()
			if err != nil || init < 0 {
				r.errors++
				if r.sample == "" {
					r.sample = fmt.Sprintf("%v (init %v)\n%s", err, init, tail(e.Log(), 2000))
				}
				continue
			}
			r.init = append(r.init, init)
			r.first = append(r.first, ms)
		}
	}
	return out, nil
}

func shuffled(ts []*target) []*target {
	out := append([]*target(nil), ts...)
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// waitInit waits for the INIT REPORT line, which rie may log just after it
// answers; -1 if it never comes.
func waitInit(e *lambdatest.Emulator) float64 {
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if d := e.InitDurations(); len(d) > 0 {
			return d[0]
		}
	}
	return -1
}

// waitReports waits until rie has logged n REPORT lines and returns them.
func waitReports(e *lambdatest.Emulator, n int) []float64 {
	var d []float64
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if d = e.ReportDurations(); len(d) >= n {
			break
		}
	}
	return d
}

// warmRuns starts every target once, warms it up, then invokes them round
// robin c.warm times each, and reads each bootstrap's peak RSS. Then it runs
// list c.pageRuns more times with its default page of 50 (after the RSS is
// read), for the cost of a full page.
func (em *emulation) warmRuns(ctx context.Context) (map[string]*warmResult, *warmResult, error) {
	emus := map[string]*lambdatest.Emulator{}
	defer func() {
		for _, e := range emus {
			e.Stop()
		}
	}()
	out := map[string]*warmResult{}
	all := targets
	for _, t := range all {
		e, err := lambdatest.Start(em.rie, em.bootstraps[t.name], em.env(deployedMB))
		if err != nil {
			return nil, nil, err
		}
		emus[t.name] = e
		out[t.name] = &warmResult{}
		for range 1 + em.c.warmup {
			ev, err := em.event(t)
			if err != nil {
				return nil, nil, err
			}
			if _, err := invoke(ctx, e, t, ev); err != nil {
				return nil, nil, fmt.Errorf("warm-up: %v\n%s", err, tail(e.Log(), 2000))
			}
		}
	}
	em.db.take()
	for range em.c.warm {
		for _, t := range shuffled(all) {
			if err := em.measure(ctx, emus[t.name], t, out[t.name], nil); err != nil {
				return nil, nil, err
			}
		}
	}
	for _, t := range all {
		r, e := out[t.name], emus[t.name]
		d := waitReports(e, 1+em.c.warmup+em.c.warm)
		if skip := 1 + em.c.warmup; len(d) > skip {
			r.duration = d[skip:]
		}
		pid, err := childPID(e.PID(), em.bootstraps[t.name])
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", t.name, err)
		}
		if r.mem, err = memory(pid); err != nil {
			return nil, nil, fmt.Errorf("%s: %v", t.name, err)
		}
	}

	list := find("list")
	e := emus["list"]
	raw, err := em.event(list)
	if err != nil {
		return nil, nil, err
	}
	ev, err := withPath(raw, "/api/clientes", "", nil)
	if err != nil {
		return nil, nil, err
	}
	page := &warmResult{}
	before := len(e.ReportDurations())
	for range em.c.pageRuns {
		if err := em.measure(ctx, e, list, page, ev); err != nil {
			return nil, nil, err
		}
	}
	if d := waitReports(e, before+em.c.pageRuns); len(d) > before {
		page.duration = d[before:]
	}
	return out, page, nil
}

// measure makes one invocation of t (with ev, or its next event) and adds
// what it cost to r.
func (em *emulation) measure(ctx context.Context, e *lambdatest.Emulator, t *target, r *warmResult, ev []byte) error {
	if ev == nil {
		var err error
		if ev, err = em.event(t); err != nil {
			return err
		}
	}
	em.db.take()
	ms, err := invoke(ctx, e, t, ev)
	use := em.db.take()
	r.n++
	if err != nil {
		r.errors++
		if r.sample == "" {
			r.sample = err.Error()
		}
		if r.errors > 10 && r.errors*10 > r.n {
			return fmt.Errorf("%s: too many errors (%d of %d): %s\n%s", t.name, r.errors, r.n, r.sample, tail(e.Log(), 2000))
		}
		return nil
	}
	r.wall = append(r.wall, ms)
	if r.use.trips == nil {
		r.use.trips = map[string]int{}
	}
	for op, n := range use.trips {
		r.use.trips[op] += n
	}
	r.use.retries += use.retries
	r.use.rcu += use.rcu
	r.use.wcu += use.wcu
	return nil
}

// childPID finds the bootstrap among the emulator's children.
func childPID(rie int, bootstrap string) (int, error) {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", rie))
	var kids []int
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, s := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(s); err == nil {
				kids = append(kids, pid)
			}
		}
	}
	for _, pid := range kids {
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && exe == bootstrap {
			return pid, nil
		}
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	return 0, fmt.Errorf("bootstrap not found among the children %v of aws-lambda-rie %d", kids, rie)
}

// procMemory is a process's memory from /proc/<pid>/status, in kB.
type procMemory struct {
	HWM  int64 // VmHWM: peak resident set
	RSS  int64 // VmRSS: resident set now
	Anon int64 // RssAnon: of which heap, stacks, runtime
	File int64 // RssFile: of which pages of the executable
}

func memory(pid int) (procMemory, error) {
	var m procMemory
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmHWM":
			m.HWM = n
		case "VmRSS":
			m.RSS = n
		case "RssAnon":
			m.Anon = n
		case "RssFile":
			m.File = n
		}
	}
	if m.HWM == 0 {
		return m, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
	}
	return m, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
