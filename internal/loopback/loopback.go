// Package loopback starts servers that run as child processes (dynalite, the
// Lambda runtime interface emulator) on loopback ports of their own.
//
// An in-process server listens on port 0 and keeps its listener; a child
// process can only be told a port number. So Start picks ports the kernel
// had free a moment ago, and when the child does not come up on them (another
// process took one in between, and the child exited), it starts the child
// again on fresh ports.
package loopback

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// attempts is how many sets of ports Start tries.
const attempts = 3

// ErrExited tells Start that the child exited before it was ready, as a
// child does when its port is taken: Start tries again on other ports.
var ErrExited = errors.New("loopback: the child process exited before it was ready")

// Start calls start with n ports ("127.0.0.1:port") until start succeeds,
// fails with anything but ErrExited, or has had its attempts.
func Start(n int, start func(addrs []string) error) error {
	var err error
	for range attempts {
		var addrs []string
		if addrs, err = free(n); err != nil {
			return err
		}
		if err = start(addrs); !errors.Is(err, ErrExited) {
			return err
		}
	}
	return fmt.Errorf("after %d sets of ports: %w", attempts, err)
}

func free(n int) ([]string, error) {
	addrs := make([]string, n)
	for i := range addrs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		addrs[i] = ln.Addr().String()
	}
	return addrs, nil
}

// Child is a child process started by Run, and what it prints.
type Child struct {
	Cmd *exec.Cmd
	Out *Output
	// Exited is closed once the child has exited and been waited for.
	Exited <-chan struct{}
}

// Run starts cmd, collecting what it prints, and waits up to wait for ready
// to find it ready, given its output so far. When the child exits first, the
// error wraps ErrExited, with the output, so that Start tries other ports;
// when it is not ready in time, it is killed.
func Run(cmd *exec.Cmd, wait time.Duration, ready func(out string) bool) (*Child, error) {
	out := &Output{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	name := filepath.Base(cmd.Path)
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); {
		if ready(out.String()) {
			return &Child{Cmd: cmd, Out: out, Exited: exited}, nil
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("%s: %w; its output:\n%s", name, ErrExited, out)
		case <-time.After(20 * time.Millisecond):
		}
	}
	cmd.Process.Kill()
	<-exited
	return nil, fmt.Errorf("%s was not ready within %s; its output:\n%s", name, wait, out)
}

// Output collects what a child process prints, for its starter to read
// while the child runs.
type Output struct {
	mu sync.Mutex
	b  strings.Builder
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}
