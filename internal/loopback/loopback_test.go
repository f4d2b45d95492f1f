package loopback

import (
	"errors"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestStart(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		results []error // what start answers, attempt by attempt
		calls   int
		wantErr error
	}{
		{"up at once", []error{nil}, 1, nil},
		{"a taken port, then up", []error{ErrExited, nil}, 2, nil},
		{"taken every time", []error{ErrExited, ErrExited, ErrExited}, attempts, ErrExited},
		{"another failure is final", []error{boom}, 1, boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen [][]string
			err := Start(2, func(addrs []string) error {
				seen = append(seen, addrs)
				for _, a := range addrs {
					if host, _, err := net.SplitHostPort(a); err != nil || host != "127.0.0.1" {
						t.Fatalf("address %q is not a loopback one", a)
					}
				}
				if addrs[0] == addrs[1] {
					t.Fatalf("one port twice: %v", addrs)
				}
				return tc.results[len(seen)-1]
			})
			if len(seen) != tc.calls || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("%d calls, %v; want %d, %v", len(seen), err, tc.calls, tc.wantErr)
			}
		})
	}
}

// TestStartSkipsATakenPort: a child told a port another process holds exits;
// Start then tries other ports, never the taken one again by design.
func TestStartSkipsATakenPort(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	first := true
	err = Start(1, func(addrs []string) error {
		if first {
			first = false
			addrs[0] = held.Addr().String() // as if another process took it in between
		}
		ln, err := net.Listen("tcp", addrs[0])
		if err != nil {
			return ErrExited
		}
		return ln.Close()
	})
	if err != nil || first {
		t.Fatalf("Start = %v", err)
	}
}

// TestRun: a child is ready when its output says so; one that exits first
// is ErrExited, for Start to try other ports; one never ready is killed.
func TestRun(t *testing.T) {
	c, err := Run(exec.Command("sh", "-c", "echo ready; exec sleep 5"), 5*time.Second, func(out string) bool { return strings.Contains(out, "ready") })
	if err != nil || c.Out.String() != "ready\n" {
		t.Fatalf("ready child: %v, %v", c, err)
	}
	c.Cmd.Process.Kill()
	<-c.Exited
	if _, err := Run(exec.Command("sh", "-c", "echo port taken"), 5*time.Second, func(string) bool { return false }); !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "port taken") {
		t.Fatalf("exited child: %v, want ErrExited with its output", err)
	}
	start := time.Now()
	if _, err := Run(exec.Command("sleep", "30"), 100*time.Millisecond, func(string) bool { return false }); err == nil || errors.Is(err, ErrExited) || time.Since(start) > 10*time.Second {
		t.Fatalf("child never ready: %v after %s, want a time-out that kills it", err, time.Since(start))
	}
}
