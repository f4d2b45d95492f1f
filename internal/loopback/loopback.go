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
	"strings"
	"sync"
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
