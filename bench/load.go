package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// loadResult is one concurrency level against the local server.
type loadResult struct {
	concurrency int
	requests    int
	errors      int
	sample      string
	elapsed     time.Duration
	latency     stats // ms
}

const loadClientes = 50

// loadLocal builds cmd/local, runs it on a free loopback port over its
// embedded minidyn, creates loadClientes clientes, and then sends
// GET /api/clientes/{id} (ids round robin) at concurrency 1, 4 and 16, each
// level bounded by c.loadCount requests and c.loadTime.
func loadLocal(ctx context.Context, tmp string, c config) ([]loadResult, error) {
	bin := filepath.Join(tmp, "local")
	build := exec.Command("go", "build", "-o", bin, "./cmd/local")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./cmd/local: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := exec.Command(bin, "-addr", addr)
	// The embedded minidyn: no DYNAMODB_ENDPOINT. Its JSON log lines (one
	// per request) go to /dev/null.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DYNAMODB_ENDPOINT=") {
			srv.Env = append(srv.Env, kv)
		}
	}
	var stderr strings.Builder
	srv.Stderr = &stderr
	if err := srv.Start(); err != nil {
		return nil, err
	}
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			srv.Process.Kill()
			<-done
		}
	}()

	base := "http://" + addr
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, DisableCompression: true},
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if status, _ := do(ctx, client, http.MethodGet, base+"/api/clientes?limit=1", ""); status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("local server did not answer on %s: %s", addr, stderr.String())
		}
	}
	for i := range loadClientes {
		body := fmt.Sprintf(`{"nombres":"Ana María","apellidos":"García López","telefono":"+52 (55) 1234-%04d","email":"ana%d@example.com"}`, i, i)
		if status, err := do(ctx, client, http.MethodPost, base+"/api/clientes", body); status != http.StatusCreated {
			return nil, fmt.Errorf("local server: create answered %d (%v)", status, err)
		}
	}
	// Warm up the server and the connections.
	runLoad(ctx, client, base, 4, 500, 5*time.Second)

	var out []loadResult
	for _, conc := range []int{1, 4, 16} {
		out = append(out, runLoad(ctx, client, base, conc, c.loadCount, c.loadTime))
	}
	return out, nil
}

func runLoad(ctx context.Context, client *http.Client, base string, conc, count int, limit time.Duration) loadResult {
	r := loadResult{concurrency: conc}
	var next atomic.Int64
	var mu sync.Mutex
	lat := make([][]float64, conc)
	deadline := time.Now().Add(limit)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				i := next.Add(1)
				if i > int64(count) {
					return
				}
				url := fmt.Sprintf("%s/api/clientes/%d", base, 1+(i%loadClientes))
				t0 := time.Now()
				status, err := do(ctx, client, http.MethodGet, url, "")
				ms := float64(time.Since(t0).Nanoseconds()) / 1e6
				lat[w] = append(lat[w], ms)
				if status != http.StatusOK {
					mu.Lock()
					r.errors++
					if r.sample == "" {
						r.sample = fmt.Sprintf("GET %s: %d %v", url, status, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	var all []float64
	for _, l := range lat {
		all = append(all, l...)
	}
	r.requests = len(all)
	r.latency = summarize(all)
	return r
}

func do(ctx context.Context, client *http.Client, method, url, body string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
