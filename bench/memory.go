package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/clientes-api/clientes/internal/lambdatest"
)

// memorySizes are the sizes compared; deployedMB is the template's.
var memorySizes = []int{128, 256, 512, 1024}

// sizeRun is what the functions measured at one memory size, under the CPU
// quota of that size.
type sizeRun struct {
	mb, quota int
	fn        map[string]*sizeSample
}

type sizeSample struct {
	init, first []float64 // ms, per cold start
	duration    []float64 // ms, REPORT Duration of each warm invocation
}

// sweep runs every function at every memory size, each in a cgroup of this
// run whose CPU quota is that size's share of a vCPU: c.sizeCold cold starts
// (init and first request) and one warm emulator for c.sizeWarm invocations,
// one CFS period apart.
func (em *emulation) sweep(ctx context.Context) ([]*sizeRun, error) {
	var out []*sizeRun
	for _, mb := range memorySizes {
		g, err := newCPUGroup(mb)
		if err != nil {
			return out, err
		}
		run := &sizeRun{mb: mb, quota: g.quota, fn: map[string]*sizeSample{}}
		out = append(out, run)
		err = em.sweepSize(ctx, g, run)
		if rmErr := g.remove(); err == nil {
			err = rmErr
		}
		if err != nil {
			return out, fmt.Errorf("%d MB: %v", mb, err)
		}
	}
	return out, nil
}

func (em *emulation) sweepSize(ctx context.Context, g *cpuGroup, run *sizeRun) error {
	fns := functions()
	for _, t := range fns {
		run.fn[t.name] = &sizeSample{}
	}
	start := func(t *target) (*lambdatest.Emulator, error) {
		e, err := lambdatest.Start(em.rie, em.bootstraps[t.name], em.env(run.mb))
		if err != nil {
			return nil, err
		}
		// rie starts the bootstrap at the first invoke, so it is born in g.
		if err := g.add(e.PID()); err != nil {
			e.Stop()
			return nil, err
		}
		return e, nil
	}
	for range em.c.sizeCold {
		for _, t := range shuffled(fns) {
			ev, err := em.event(t)
			if err != nil {
				return err
			}
			e, err := start(t)
			if err != nil {
				return err
			}
			ms, err := invoke(ctx, e, t, ev)
			init := waitInit(e)
			e.Stop()
			if err != nil || init < 0 {
				return fmt.Errorf("%s: cold start: %v (init %v)\n%s", t.name, err, init, tail(e.Log(), 2000))
			}
			run.fn[t.name].init = append(run.fn[t.name].init, init)
			run.fn[t.name].first = append(run.fn[t.name].first, ms)
		}
	}
	for _, t := range shuffled(fns) {
		e, err := start(t)
		if err != nil {
			return err
		}
		n := 1 + em.c.warmup + em.c.sizeWarm
		for i := range n {
			// One period's pause: each request starts with the quota
			// refilled, as on an instance between requests. Back to back,
			// the run itself would use up the quota and wait.
			time.Sleep(cfsPeriod * time.Microsecond)
			ev, err := em.event(t)
			if err == nil {
				_, err = invoke(ctx, e, t, ev)
			}
			if err == nil && i == 0 {
				err = em.inGroup(e, t, g)
			}
			if err != nil {
				e.Stop()
				return fmt.Errorf("%s: %v\n%s", t.name, err, tail(e.Log(), 2000))
			}
		}
		d := waitReports(e, n)
		e.Stop()
		if len(d) != n {
			return fmt.Errorf("%s: %d REPORT lines for %d invocations", t.name, len(d), n)
		}
		run.fn[t.name].duration = d[1+em.c.warmup:]
	}
	return nil
}

// inGroup checks that the bootstrap really runs under g's quota.
func (em *emulation) inGroup(e *lambdatest.Emulator, t *target, g *cpuGroup) error {
	pid, err := childPID(e.PID(), em.bootstraps[t.name])
	if err != nil {
		return err
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return err
	}
	name := g.dir[len(cpuRoot):]
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.SplitN(line, ":", 3); len(f) == 3 && strings.Contains(","+f[1]+",", ",cpu,") && f[2] == name {
			return nil
		}
	}
	return fmt.Errorf("the bootstrap (pid %d) is not in %s:\n%s", pid, name, b)
}
