package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// goBench is the medians over -count runs of one Go benchmark.
type goBench struct {
	runs   int
	ns     float64 // ns/op
	bytes  float64 // B/op
	allocs float64 // allocs/op
	trips  float64 // DynamoDB requests per op
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// runGoBench runs the Go benchmarks of internal/api and takes the median of
// each metric over the runs.
func runGoBench(c config) (map[string]*goBench, string, error) {
	args := []string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-count", strconv.Itoa(c.benchCount), "-benchtime", c.benchTime}
	args = append(args, strings.Fields(c.goTestArgs)...)
	args = append(args, "./internal/api")
	cmd := exec.Command("go", args...)
	cmd.Env = os.Environ()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	display := "go " + strings.Replace(strings.Join(args, " "), "^$", "'^$'", 1)
	if err := cmd.Run(); err != nil {
		return nil, display, fmt.Errorf("%s: %v\n%s", display, err, out.String())
	}
	samples := map[string]map[string][]float64{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		f := strings.Fields(m[2])
		if samples[m[1]] == nil {
			samples[m[1]] = map[string][]float64{}
		}
		for i := 0; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				samples[m[1]][f[i+1]] = append(samples[m[1]][f[i+1]], v)
			}
		}
	}
	res := map[string]*goBench{}
	for name, s := range samples {
		res[name] = &goBench{runs: len(s["ns/op"]), ns: median(s["ns/op"]), bytes: median(s["B/op"]),
			allocs: median(s["allocs/op"]), trips: median(s["trips/op"])}
	}
	if len(res) == 0 {
		return nil, display, fmt.Errorf("%s printed no benchmark results:\n%s", display, out.String())
	}
	return res, display, nil
}

func median(xs []float64) float64 { return summarize(xs).p50 }
