package loopback

import (
	"errors"
	"net"
	"testing"
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
