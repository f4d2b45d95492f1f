package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"text/template"
	"time"
)

// Prices, us-east-1, public on-demand pricing; the run does not fetch them.
const (
	pricesAsOf          = "recorded 2026-11-27 from the AWS pricing pages; not re-checked by the run"
	lambdaGBSecondARM   = 0.0000133334 // $ per GB-second, arm64
	lambdaPerMillion    = 0.20         // $ per million requests
	httpAPIPerMillion   = 1.00         // $ per million requests, first 300 million a month
	dynamoWRUPerMillion = 0.625        // $ per million write request units
	dynamoRRUPerMillion = 0.125        // $ per million read request units
)

// Targets of issue 5.
const (
	sizeTarget     = 1.35 // bootstrap size ≤ 1.35 × hello world
	initTarget     = 1.10 // init duration ≤ 1.1 × SDK floor
	rssTarget      = 1.50 // peak RSS ≤ 1.5 × hello world
	overheadTarget = 0.5  // ms of handler over the bare SDK calls
	costSlack      = 0.02 // a memory size is affordable within 2% of the cheapest
	latencySlack   = 0.10 // and as fast as the fastest within 10%
)

// expectedTrips is how many DynamoDB requests each route must make (create
// at most).
var expectedTrips = map[string]float64{"create": 2, "list": 1, "get": 1, "update": 1, "delete": 1}

//go:embed report.md.tmpl
var reportText string

var deployedMB = func() int {
	b, _ := os.ReadFile("template.yaml")
	var mb int
	if m := regexp.MustCompile(`(?m)^    MemorySize: (\d+)$`).FindSubmatch(b); m != nil {
		fmt.Sscan(string(m[1]), &mb)
	}
	return mb
}()

type results struct {
	config   config
	machine  machine
	elapsed  time.Duration
	sizes    sizes
	sam      map[string]int64
	cold     map[string]*coldResult
	warm     map[string]*warmResult
	page     *warmResult
	overhead map[string]*overhead
	sizesRun []*sizeRun
	noCgroup string
	overload *overload
	lines    lines
}

// check is one target's verdict: met, met within the run's noise, missed.
type check struct{ Name, Limit, Measured, Verdict string }

func verdict(atMedian, atWorst bool) string {
	switch {
	case atMedian && atWorst:
		return "met"
	case atMedian || atWorst:
		return "met within this run's noise"
	}
	return "missed"
}

func (r *results) checks() []check {
	var out []check
	worst := func(f func(t *target) float64) (float64, string) {
		w, parts := 0.0, []string{}
		for _, t := range functions() {
			x := f(t)
			w = max(w, x)
			parts = append(parts, fmt.Sprintf("%s %.3f", t.name, x))
		}
		return w, strings.Join(parts, ", ")
	}
	hello := float64(r.sizes["hello"]["arm64"])
	w, parts := worst(func(t *target) float64 { return ratio(float64(r.sizes[t.name]["arm64"]), hello) })
	out = append(out, check{"Binary size (linux/arm64) ÷ hello world", fmt.Sprintf("≤ %.2f", sizeTarget),
		fmt.Sprintf("worst %.3f (%s)", w, parts), verdict(w <= sizeTarget, w <= sizeTarget)})

	floor := summarize(r.cold["sdkfloor"].init)
	w, parts = worst(func(t *target) float64 { return ratio(summarize(r.cold[t.name].init).P50, floor.P50) })
	wMin, _ := worst(func(t *target) float64 { return ratio(summarize(r.cold[t.name].init).Min, floor.Min) })
	out = append(out, check{"Init duration ÷ SDK floor, medians (and minimums)", fmt.Sprintf("≤ %.2f", initTarget),
		fmt.Sprintf("worst %.3f (%s); by the minimums worst %.3f", w, parts, wMin), verdict(w <= initTarget, wMin <= initTarget)})

	helloRSS := float64(r.warm["hello"].mem.HWM)
	w, parts = worst(func(t *target) float64 { return ratio(float64(r.warm[t.name].mem.HWM), helloRSS) })
	out = append(out, check{"Peak RSS ÷ hello world", fmt.Sprintf("≤ %.2f", rssTarget),
		fmt.Sprintf("worst %.3f (%s)", w, parts), verdict(w <= rssTarget, w <= rssTarget)})

	w, parts = worst(func(t *target) float64 { return summarize(r.overhead[t.name].diff).P50 })
	wMax, _ := worst(func(t *target) float64 { return summarize(r.overhead[t.name].diff).Max })
	out = append(out, check{"Handler overhead over the bare DynamoDB calls, ms (median of repetitions; worst repetition)",
		fmt.Sprintf("≤ %.1f", overheadTarget), fmt.Sprintf("worst median %.3f (%s); worst repetition %.3f", w, parts, wMax),
		verdict(w <= overheadTarget, wMax <= overheadTarget)})

	met, tp := true, []string{}
	for _, t := range functions() {
		got := r.warm[t.name].tripsPerCall()
		met = met && (got == expectedTrips[t.name] || t.name == "create" && got <= 2)
		tp = append(tp, fmt.Sprintf("%s %s", t.name, trips(got)))
	}
	met = met && r.page.tripsPerCall() == 1
	tp = append(tp, "list (page of 50) "+trips(r.page.tripsPerCall()))
	out = append(out, check{"DynamoDB round trips per request", "create ≤ 2, the others 1",
		strings.Join(tp, ", "), verdict(met, met)})
	return append(out, r.overload.check())
}

func trips(x float64) string {
	if x == math.Trunc(x) {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.3f", x)
}

func mb(b int64) string { return fmt.Sprintf("%.2f MB", float64(b)/1e6) }

// costPerMillion of a route at memoryMB, billed its warm median duration
// rounded up to 1 ms, with its DynamoDB units per request u.
func costPerMillion(memoryMB int, durations []float64, w *warmResult) (billed, total float64) {
	billed = math.Max(1, math.Ceil(summarize(durations).P50))
	compute := 1e6 * billed / 1000 * float64(memoryMB) / 1024 * lambdaGBSecondARM
	return billed, compute + lambdaPerMillion + httpAPIPerMillion +
		w.perCall(w.use.rcu)*dynamoRRUPerMillion + w.perCall(w.use.wcu)*dynamoWRUPerMillion
}

// sizeRow is one memory size, summed up over the functions.
type sizeRow struct {
	MB, Quota                int
	VCPU                     float64
	MinP99, MedP99, MaxP99   float64 // the five functions' warm p99s
	WorstFirst               float64 // the slowest function's median first request
	MeanCost, CostVsCheapest float64
	PerMS                    float64 // $ per million requests for each further billed ms
	BreakEven                float64 // ms per request DynamoDB may add before the cost rule fails; 0 if n/a
	Affordable, Chosen       bool
	Deployed                 bool
	Fn                       []sizeFn
}

type sizeFn struct {
	Name                                string
	Init, First, P50, P99, Billed, Cost float64
}

// memoryRows sums up the sweep and picks the size the numbers favour: among
// the sizes whose mean cost per million is within costSlack of the cheapest
// (the affordable ones), the smallest whose functions' median warm p99 lies
// within the spread of the five p99s at the affordable size with the lowest
// median: as fast as that one within this run's noise.
func (r *results) memoryRows() ([]sizeRow, *sizeRow, *sizeRow) {
	var rows []sizeRow
	for _, s := range r.sizesRun {
		row := sizeRow{MB: s.mb, Quota: s.quota, VCPU: float64(s.mb) / mbPerVCPU, Deployed: s.mb == deployedMB,
			PerMS: 1e6 * 0.001 * float64(s.mb) / 1024 * lambdaGBSecondARM}
		var p99s []float64
		for _, t := range functions() {
			f := s.fn[t.name]
			billed, cost := costPerMillion(s.mb, f.duration, r.warm[t.name])
			d := summarize(f.duration)
			fn := sizeFn{t.name, median(f.init), median(f.first), d.P50, d.P99, billed, cost}
			row.Fn = append(row.Fn, fn)
			p99s = append(p99s, d.P99)
			row.WorstFirst = max(row.WorstFirst, fn.First)
			row.MeanCost += cost / float64(len(functions()))
		}
		p := summarize(p99s)
		row.MinP99, row.MedP99, row.MaxP99 = p.Min, p.P50, p.Max
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, nil, nil
	}
	cheapest, fastest := 0, -1
	for i, row := range rows {
		if row.MeanCost < rows[cheapest].MeanCost {
			cheapest = i
		}
	}
	for i := range rows {
		rows[i].CostVsCheapest = rows[i].MeanCost/rows[cheapest].MeanCost - 1
		if rows[i].Affordable = rows[i].CostVsCheapest <= costSlack; rows[i].Affordable && (fastest < 0 || rows[i].MedP99 < rows[fastest].MedP99) {
			fastest = i
		}
		// Extra billed ms per request, at every size alike, that would take
		// this size's cost past the slack over the cheapest one's.
		c0, p0 := (1+costSlack)*rows[cheapest].MeanCost, (1+costSlack)*rows[cheapest].PerMS
		if rows[i].PerMS > p0 && rows[i].Affordable {
			rows[i].BreakEven = (c0 - rows[i].MeanCost) / (rows[i].PerMS - p0)
		}
	}
	for i := range rows {
		if rows[i].Affordable && rows[i].MedP99 <= rows[fastest].MaxP99 {
			rows[i].Chosen = true
			return rows, &rows[i], &rows[fastest]
		}
	}
	return rows, nil, &rows[fastest]
}

func (r *results) write() error {
	rows, chosen, fastest := r.memoryRows()
	w := func(name string) *warmResult {
		if name == "page" {
			return r.page
		}
		return r.warm[name]
	}
	funcs := template.FuncMap{
		"ms":           func(x float64) string { return fmt.Sprintf("%.2f", x) },
		"x":            func(x float64) string { return fmt.Sprintf("%.3f", x) },
		"usd":          func(x float64) string { return fmt.Sprintf("$%.4f", x) },
		"pct":          func(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) },
		"mb":           mb,
		"ratio":        ratio,
		"iratio":       func(a, b int64) float64 { return ratio(float64(a), float64(b)) },
		"size":         func(name, arch string) int64 { return r.sizes[name][arch] },
		"initS":        func(name string) stats { return summarize(r.cold[name].init) },
		"firstS":       func(name string) stats { return summarize(r.cold[name].first) },
		"coldE":        func(name string) int { return r.cold[name].errors },
		"wallS":        func(name string) stats { return summarize(w(name).wall) },
		"durS":         func(name string) stats { return summarize(w(name).duration) },
		"warmN":        func(name string) int { return w(name).n },
		"warmE":        func(name string) int { return w(name).errors },
		"rss":          func(name string) procMemory { return w(name).mem },
		"kb":           func(k int64) string { return mb(k * 1024) },
		"trips":        func(name string) string { return trips(w(name).tripsPerCall()) },
		"byOp":         func(name string) string { return byOp(w(name)) },
		"retry":        func(name string) int { return w(name).use.retries },
		"rcu":          func(name string) string { return trips(w(name).perCall(w(name).use.rcu)) },
		"wcu":          func(name string) string { return trips(w(name).perCall(w(name).use.wcu)) },
		"pathS":        func(name string) stats { return summarize(r.overhead[name].path) },
		"bareS":        func(name string) stats { return summarize(r.overhead[name].bare) },
		"diffS":        func(name string) stats { return summarize(r.overhead[name].diff) },
		"want":         func(name string) string { return map[bool]string{true: "≤ 2", false: "1"}[name == "create"] },
		"at":           func(x float64, memoryMB int) float64 { return x * mbPerVCPU / float64(memoryMB) },
		"perSecond":    func(n int) float64 { return float64(n) / r.config.overloadSeconds.Seconds() },
		"overloadPath": func() string { return overloadPath },
		"maxInFlight":  func() int { return maxInFlight },
	}
	c := r.config
	tpl, err := template.New("report").Funcs(funcs).Parse(reportText)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	err = tpl.Execute(&b, map[string]any{
		"C": map[string]any{"Cold": c.cold, "Warm": c.warm, "Warmup": c.warmup, "PageRuns": c.pageRuns,
			"SizeCold": c.sizeCold, "SizeWarm": c.sizeWarm, "Reps": c.reps, "OverheadOps": c.overheadOps, "Quick": c.quick,
			"CapacityTime": c.capacitySeconds, "OverloadTime": c.overloadSeconds}, "M": r.machine, "Elapsed": r.elapsed.Round(time.Second).String(), "Arch": runtime.GOARCH,
		"Arches": arches, "Targets": names(targets), "Functions": names(functions()), "Checks": r.checks(), "SAM": r.sam,
		"Page": r.page, "Rows": rows, "Chosen": chosen, "Fastest": fastest, "Smallest": first(rows), "DeployedMB": deployedMB, "NoCgroup": r.noCgroup,
		"Period": cfsPeriod / 1000, "MBPerVCPU": mbPerVCPU, "Lines": r.lines, "Chart": filepathBase(r.config.chart),
		"Retries": r.retries(), "PricesAsOf": pricesAsOf, "Prices": map[string]float64{"gbs": lambdaGBSecondARM,
			"req": lambdaPerMillion, "api": httpAPIPerMillion, "wru": dynamoWRUPerMillion, "rru": dynamoRRUPerMillion},
		"CostSlack": costSlack, "LatencySlack": latencySlack, "Errors": r.errors(), "Overload": r.overload,
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(r.config.out, b.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(r.config.chart, []byte(chart(rows)), 0o644)
}

func filepathBase(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

func byOp(w *warmResult) string {
	var parts []string
	for op, n := range w.use.trips {
		parts = append(parts, fmt.Sprintf("%s %s", op, trips(w.perCall(float64(n)))))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// retries lists the routes whose DynamoDB requests the SDK retried.
func (r *results) retries() string {
	var parts []string
	for _, t := range functions() {
		if n := r.warm[t.name].use.retries; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", t.name, n))
		}
	}
	if r.page.use.retries > 0 {
		parts = append(parts, fmt.Sprintf("list's pages of 50 %d", r.page.use.retries))
	}
	return strings.Join(parts, ", ")
}

// errors lists what failed during the run; the report shows them.
func (r *results) errors() []string {
	var out []string
	for _, t := range targets {
		if c := r.cold[t.name]; c.errors > 0 {
			out = append(out, fmt.Sprintf("%s: %d failed cold starts; first: %s", t.name, c.errors, c.sample))
		}
		if w := r.warm[t.name]; w.errors > 0 {
			out = append(out, fmt.Sprintf("%s: %d failed warm invocations; first: %s", t.name, w.errors, w.sample))
		}
	}
	if r.page.errors > 0 {
		out = append(out, fmt.Sprintf("list, page of 50: %d failed invocations; first: %s", r.page.errors, r.page.sample))
	}
	return out
}

// summary is what the run prints when done.
func (r *results) summary() string {
	var b strings.Builder
	if r.config.quick {
		// Two cold starts and twenty warm invocations would give verdicts
		// a reader takes for failures of make test: say what ran, no more.
		fmt.Fprintln(&b, "bench -quick: a smoke run; every step ran, too few samples for figures or verdicts (make bench measures)")
		for _, e := range r.errors() {
			fmt.Fprintln(&b, "error:", e)
		}
		return b.String()
	}
	for _, ch := range r.checks() {
		fmt.Fprintf(&b, "%s: %s (%s): %s\n", ch.Name, ch.Measured, ch.Limit, ch.Verdict)
	}
	if _, chosen, _ := r.memoryRows(); chosen != nil {
		fmt.Fprintf(&b, "memory size favoured: %d MB (template.yaml: %d MB)\n", chosen.MB, deployedMB)
	}
	for _, e := range r.errors() {
		fmt.Fprintln(&b, "error:", e)
	}
	return b.String()
}

func names(ts []*target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.name)
	}
	return out
}

func first(rows []sizeRow) *sizeRow {
	if len(rows) == 0 {
		return nil
	}
	return &rows[0]
}
