package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/clientes-api/clientes/internal/gateway"
)

// overload is `make run`'s server past what it can serve: its capacity
// measured unthrottled, closed loop, then twice that rate offered open loop
// with the template's default throttling.
type overload struct {
	Throttle           gateway.Throttle
	Workers            int
	CapacitySeconds    float64
	Capacity           float64 // 200s a second, unthrottled
	Offered            float64 // requests a second, open loop
	Seconds            float64
	Scheduled          int     // requests the schedule called for
	NotSent            int     // of those, not sent: maxInFlight were already waiting
	OK, Throttled      int     // 2xx, 429
	Other, Failed      int     // any other status; no answer (timeout, connection)
	OtherSample        string  // the first other status or failure
	Expected2xx        float64 // what the token bucket lets through in Seconds
	Within1s           int     // answers within a second of their scheduled time
	All, OKLat, Lat429 stats   // ms from the scheduled time to the answer
	RSSBefore          int64   // kB, the server's VmRSS after warm-up
	RSSPeak            int64   // kB, the highest VmRSS sampled during the load
	RSSAfter           int64   // kB, VmRSS when the load ended
	LogLines           int     // lines the server wrote during the load
	NonJSON            int     // of those, not a JSON object
	NonJSONSample      string
}

// maxInFlight bounds the load generator: past it, a scheduled request is
// counted as not sent rather than queued.
const maxInFlight = 4096

// overloadPath is the route loaded: one route, so that its throttle is the
// one that sheds.
const overloadPath = "/api/clientes/1"

func measureOverload(ctx context.Context, tmp string, c config) (*overload, error) {
	bin := filepath.Join(tmp, "local")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/local").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./cmd/local: %v\n%s", err, out)
	}
	o := &overload{Throttle: gateway.DefaultThrottle, Workers: c.overloadWorkers,
		CapacitySeconds: c.capacitySeconds.Seconds(), Seconds: c.overloadSeconds.Seconds()}

	// Capacity: throttling as good as off.
	srv, err := startLocal(bin, "THROTTLING_RATE_LIMIT=1000000000", "THROTTLING_BURST_LIMIT=1000000000")
	if err != nil {
		return nil, err
	}
	client := loadClient()
	if err := seedOne(client, srv.url); err != nil {
		srv.stop()
		return nil, err
	}
	o.Capacity = closedLoop(ctx, client, srv.url+overloadPath, c.overloadWorkers, c.capacitySeconds)
	if err := srv.stop(); err != nil {
		return nil, err
	}
	if o.Capacity == 0 {
		return nil, errors.New("overload: the unthrottled server answered no request with 200")
	}

	// Twice that, with the template's throttling (no THROTTLING_* set).
	if srv, err = startLocal(bin); err != nil {
		return nil, err
	}
	defer srv.stop()
	client = loadClient()
	if err := seedOne(client, srv.url); err != nil {
		return nil, err
	}
	// The bucket full again, as after a quiet spell.
	time.Sleep(time.Duration(float64(o.Throttle.Burst)/o.Throttle.Rate*float64(time.Second)) + 100*time.Millisecond)
	before, err := memory(srv.cmd.Process.Pid)
	if err != nil {
		return nil, err
	}
	o.RSSBefore = before.RSS
	srv.logs.reset()
	o.Offered = 2 * o.Capacity
	stopSampling := srv.sampleRSS(&o.RSSPeak)
	openLoop(ctx, client, srv.url+overloadPath, o)
	stopSampling()
	if after, err := memory(srv.cmd.Process.Pid); err == nil {
		o.RSSAfter = after.RSS
	}
	o.LogLines, o.NonJSON, o.NonJSONSample = srv.logs.counts()
	o.Expected2xx = float64(o.Throttle.Burst) + o.Throttle.Rate*o.Seconds
	return o, srv.stop()
}

// closedLoop keeps workers requests in flight for d and returns the 200s
// answered per second.
func closedLoop(ctx context.Context, client *http.Client, url string, workers int, d time.Duration) float64 {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var ok atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if status, _ := get(ctx, client, url); status == http.StatusOK {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(ok.Load()) / time.Since(start).Seconds()
}

// openLoop sends o.Offered requests a second for o.Seconds on a fixed
// schedule, whatever the answers, and times each from its scheduled moment.
func openLoop(ctx context.Context, client *http.Client, url string, o *overload) {
	var mu sync.Mutex
	var all, ok, throttled []float64
	var wg sync.WaitGroup
	slots := make(chan struct{}, maxInFlight)
	interval := time.Duration(float64(time.Second) / o.Offered)
	o.Scheduled = int(o.Offered * o.Seconds)
	start := time.Now()
	for i := range o.Scheduled {
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		select {
		case slots <- struct{}{}:
		default:
			o.NotSent++
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			status, err := get(ctx, client, url)
			ms := float64(time.Since(at)) / 1e6
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				o.Failed++
				if o.OtherSample == "" {
					o.OtherSample = err.Error()
				}
				return
			case status/100 == 2:
				o.OK++
				ok = append(ok, ms)
			case status == http.StatusTooManyRequests:
				o.Throttled++
				throttled = append(throttled, ms)
			default:
				o.Other++
				if o.OtherSample == "" {
					o.OtherSample = fmt.Sprintf("status %d", status)
				}
			}
			all = append(all, ms)
			if ms <= 1000 {
				o.Within1s++
			}
		}()
	}
	wg.Wait()
	o.All, o.OKLat, o.Lat429 = summarize(all), summarize(ok), summarize(throttled)
}

func get(ctx context.Context, client *http.Client, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// loadClient keeps a connection for every request that may be in flight;
// each request has the server's own deadline, 10 s.
func loadClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: maxInFlight, MaxIdleConnsPerHost: maxInFlight, IdleConnTimeout: time.Minute}}
}

func seedOne(client *http.Client, base string) error {
	resp, err := client.Post(base+"/api/clientes", "application/json", strings.NewReader(`{"nombres":"Carga","apellidos":"Prueba"}`))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("seeding the overload run: %d %s", resp.StatusCode, b)
	}
	return nil
}

// localServer is `make run`'s binary on a loopback port of its choosing.
type localServer struct {
	cmd  *exec.Cmd
	url  string
	logs *logCount
	done chan error
}

func startLocal(bin string, env ...string) (*localServer, error) {
	cmd := exec.Command(bin, "-port", "0") // a free port, on loopback
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout // one log: make run's terminal shows both
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &localServer{cmd: cmd, logs: &logCount{}, done: make(chan error, 1)}
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for started := false; sc.Scan(); started = true {
			if !started {
				first <- sc.Text()
				continue
			}
			s.logs.add(sc.Bytes())
		}
		s.done <- cmd.Wait()
	}()
	select {
	case line := <-first:
		var start struct{ Msg, URL string }
		if json.Unmarshal([]byte(line), &start) != nil || start.URL == "" {
			s.stop()
			return nil, fmt.Errorf("the local server's first log line: %s", line)
		}
		s.url = start.URL
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("the local server stopped at once: %v", err)
	case <-time.After(30 * time.Second):
		s.stop()
		return nil, errors.New("the local server did not start within 30 s")
	}
}

// stop interrupts the server, as Ctrl-C does, and waits for it; once.
func (s *localServer) stop() error {
	if s.cmd.ProcessState != nil {
		return nil
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-s.done:
		return err
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		return errors.New("the local server did not shut down within 15 s")
	}
}

// sampleRSS keeps the highest VmRSS seen in *peak, every 50 ms, until the
// returned func is called.
func (s *localServer) sampleRSS(peak *int64) func() {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if m, err := memory(s.cmd.Process.Pid); err == nil {
				*peak = max(*peak, m.RSS)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// logCount counts the server's log lines, and those that are not JSON.
type logCount struct {
	mu         sync.Mutex
	lines, bad int
	sample     string
}

func (l *logCount) add(line []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines++
	if len(line) < 2 || line[0] != '{' || line[len(line)-1] != '}' {
		if l.bad++; l.sample == "" {
			l.sample = tail(string(line), 200)
		}
	}
}

func (l *logCount) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines, l.bad, l.sample = 0, 0, ""
}

func (l *logCount) counts() (int, int, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lines, l.bad, l.sample
}

// overloadSlack is how far the 2xx count may stray from what the token
// bucket lets through and still be "about the throttle's rate".
const overloadSlack = 0.10

// check is the overload's target: at twice the capacity, every request sent
// and answered within a second, 2xx or 429, the 2xx at the throttle's rate.
func (o *overload) check() check {
	answered := o.OK + o.Throttled + o.Other
	inTime := o.NotSent == 0 && o.Failed == 0 && o.Other == 0 && o.Within1s == answered && answered == o.Scheduled
	rate := ratio(float64(o.OK), o.Expected2xx)
	atRate := rate >= 1-overloadSlack && rate <= 1+overloadSlack
	return check{
		Name:  "Local server at twice its capacity, template's throttling: every request answered within 1 s (2xx or 429), 2xx at the throttle's rate",
		Limit: fmt.Sprintf("all within 1 s; 2xx within %.0f%% of burst + rate × time", 100*overloadSlack),
		Measured: fmt.Sprintf("%d of %d within 1 s (slowest %.0f ms), %d not sent, %d failed, %d other; 2xx %d, %.3f × the %.0f expected",
			o.Within1s, o.Scheduled, o.All.Max, o.NotSent, o.Failed, o.Other, o.OK, rate, o.Expected2xx),
		Verdict: verdict(inTime && atRate, inTime && atRate),
	}
}
