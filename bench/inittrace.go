package main

import (
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// initTrace is what GODEBUG=inittrace=1 tells of a bootstrap's package
// initialisers, medians over runs.
type initTrace struct {
	runs     int
	clock    float64            // ms, all package inits together
	bytes    float64            // heap bytes they allocate
	mainAt   float64            // ms after process start when the last init ends
	packages map[string]float64 // ms clock by package

	sClock, sBytes, sEnd []float64
	sPkgs                map[string][]float64
}

var initLine = regexp.MustCompile(`^init (\S+) @([0-9.]+) ms, ([0-9.]+) ms clock, ([0-9]+) bytes, ([0-9]+) allocs`)

// traceInits runs each bootstrap directly, outside the emulator, with
// GODEBUG=inittrace=1: the package initialisers run and report, then main
// stops for want of the Lambda runtime API.
func traceInits(bootstraps map[string]string, env []string, runs int) map[string]*initTrace {
	out := map[string]*initTrace{}
	for range runs {
		for _, t := range targets {
			cmd := exec.Command(bootstraps[t.name])
			cmd.Env = append(append(os.Environ(), env...), "GODEBUG=inittrace=1")
			b, _ := cmd.CombinedOutput()
			tr := out[t.name]
			if tr == nil {
				tr = &initTrace{packages: map[string]float64{}}
				out[t.name] = tr
			}
			var clock, bytes, end float64
			pkgs := map[string]float64{}
			for _, line := range strings.Split(string(b), "\n") {
				m := initLine.FindStringSubmatch(line)
				if m == nil {
					continue
				}
				at, _ := strconv.ParseFloat(m[2], 64)
				c, _ := strconv.ParseFloat(m[3], 64)
				n, _ := strconv.ParseFloat(m[4], 64)
				clock += c
				bytes += n
				end = max(end, at+c)
				pkgs[m[1]] += c
			}
			if clock == 0 {
				continue
			}
			tr.runs++
			tr.samples(clock, bytes, end, pkgs)
		}
	}
	for _, tr := range out {
		tr.finish()
	}
	return out
}

func (tr *initTrace) samples(clock, bytes, end float64, pkgs map[string]float64) {
	if tr.sPkgs == nil {
		tr.sPkgs = map[string][]float64{}
	}
	tr.sClock = append(tr.sClock, clock)
	tr.sBytes = append(tr.sBytes, bytes)
	tr.sEnd = append(tr.sEnd, end)
	for p, c := range pkgs {
		tr.sPkgs[p] = append(tr.sPkgs[p], c)
	}
}

// finish turns the samples into medians.
func (tr *initTrace) finish() {
	tr.clock, tr.bytes, tr.mainAt = median(tr.sClock), median(tr.sBytes), median(tr.sEnd)
	for p, cs := range tr.sPkgs {
		tr.packages[p] = median(cs)
	}
}

// top lists the n packages whose initialisers take longest.
func (tr *initTrace) top(n int) []string {
	var pkgs []string
	for p := range tr.packages {
		pkgs = append(pkgs, p)
	}
	sort.Slice(pkgs, func(i, j int) bool {
		if tr.packages[pkgs[i]] != tr.packages[pkgs[j]] {
			return tr.packages[pkgs[i]] > tr.packages[pkgs[j]]
		}
		return pkgs[i] < pkgs[j]
	})
	if len(pkgs) > n {
		pkgs = pkgs[:n]
	}
	return pkgs
}
