// Package lambdatest builds the functions as Lambda deploys them and runs
// them under the Lambda runtime interface emulator (aws-lambda-rie, the one
// SAM uses), for the tests and the benchmarks.
package lambdatest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"time"

	"github.com/clientes-api/clientes/internal/loopback"
)

// Build compiles the main package pkg (a path such as ./functions/get,
// relative to dir) into out for goos/goarch with the Makefile's one recipe
// (`make bootstrap`), the very build `sam build` runs: the build flags are
// spelled there alone.
func Build(dir, pkg, out, goos, goarch string) error {
	cmd := exec.Command("make", "-s", "--no-print-directory", "bootstrap",
		"PKG="+pkg, "OUT="+out, "GOOS_LAMBDA="+goos, "GOARCH_LAMBDA="+goarch)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("make bootstrap PKG=%s: %v\n%s", pkg, err, out)
	}
	return nil
}

// BuildEmulator compiles aws-lambda-rie, pinned as a tool in go.mod, into out.
func BuildEmulator(dir, out string) error {
	cmd := exec.Command("go", "build", "-o", out, "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build aws-lambda-rie: %v\n%s", err, out)
	}
	return nil
}

// Emulator is one aws-lambda-rie process running one bootstrap.
type Emulator struct {
	URL    string // the invoke URL
	cmd    *exec.Cmd
	log    *loopback.Output
	exited chan struct{} // closed once the emulator has exited
}

// Start runs bootstrap under the emulator at rie with env added to this
// process's environment. Each emulator gets ports of its own: the emulator's
// defaults (8080, 9001) would collide.
func Start(rie, bootstrap string, env []string) (*Emulator, error) {
	var e *Emulator
	err := loopback.Start(2, func(addrs []string) (err error) {
		e, err = start(rie, bootstrap, env, addrs[0], addrs[1])
		return err
	})
	return e, err
}

func start(rie, bootstrap string, env []string, api, runtime string) (*Emulator, error) {
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", api, "--runtime-api-address", runtime, bootstrap)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = filepath.Dir(bootstrap)
	// A process group of its own, so that Stop ends the function with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	log := &loopback.Output{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	e := &Emulator{URL: "http://" + api + "/2015-03-31/functions/function/invocations", cmd: cmd, log: log, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(e.exited) }()
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", api)
		if err == nil {
			c.Close()
			// Whoever answered, the emulator must still be running: one
			// whose port was taken exits at once.
			select {
			case <-e.exited:
				return nil, fmt.Errorf("aws-lambda-rie on %s: %w\n%s", api, loopback.ErrExited, log.String())
			case <-time.After(50 * time.Millisecond):
				return e, nil
			}
		}
		select {
		case <-e.exited:
			return nil, fmt.Errorf("aws-lambda-rie on %s: %w\n%s", api, loopback.ErrExited, log.String())
		default:
		}
		if time.Now().After(deadline) {
			e.Stop()
			return nil, fmt.Errorf("aws-lambda-rie did not listen on %s: %v\n%s", api, err, log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Invoke posts an event and returns the function's raw response.
func (e *Emulator) Invoke(ctx context.Context, event []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(event))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("invoke: %s: %s", resp.Status, body)
	}
	return body, nil
}

// Log is what the emulator and the function printed so far.
func (e *Emulator) Log() string { return e.log.String() }

var (
	initReport   = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
	invokeReport = regexp.MustCompile(`REPORT RequestId: \S+\s+(?:Init Duration: [0-9.]+ ms\s+)?Duration: ([0-9.]+) ms`)
)

// InitDurations lists the durations, in milliseconds, of the INIT REPORT
// lines the emulator logged so far.
func (e *Emulator) InitDurations() []float64 { return e.durations(initReport) }

// ReportDurations lists the durations, in milliseconds, of the invocations'
// REPORT lines logged so far: what Lambda bills.
func (e *Emulator) ReportDurations() []float64 { return e.durations(invokeReport) }

func (e *Emulator) durations(re *regexp.Regexp) []float64 {
	var out []float64
	for _, m := range re.FindAllStringSubmatch(e.Log(), -1) {
		if d, err := strconv.ParseFloat(m[1], 64); err == nil {
			out = append(out, d)
		}
	}
	return out
}

// PID is the emulator's process id; the function runs as its child.
func (e *Emulator) PID() int { return e.cmd.Process.Pid }

// Stop ends the emulator and the function under it.
func (e *Emulator) Stop() {
	syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
	<-e.exited
}
