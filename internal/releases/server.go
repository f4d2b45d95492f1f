package releases

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clientes-api/clientes/internal/loopback"
)

// Server is one release's cmd/local serving the API over a table of an
// external DynamoDB, as a child process on a loopback port.
type Server struct {
	Release Release
	URL     string // http://127.0.0.1:port, no trailing slash
	cmd     *exec.Cmd
	exited  <-chan struct{}
	out     *loopback.Output
}

// ready is what every release's cmd/local logs once it serves.
const ready = "serving the clientes API"

// Serve starts r's cmd/local (built by Build) against table at the DynamoDB
// endpoint: every release takes DYNAMODB_ENDPOINT and TABLE_NAME, and creates
// the table there if missing (leaving an existing one as it is). The server
// stops when the test ends; its log joins the test's output if the test
// failed.
func Serve(t testing.TB, r Release, endpoint, table string) *Server {
	t.Helper()
	bin := Build(t, r)
	s := &Server{Release: r}
	err := loopback.Start(1, func(addrs []string) error {
		return s.start(bin, listenArgs(r, addrs[0]), addrs[0], endpoint, table)
	})
	if err != nil {
		t.Fatalf("start release %s: %v", r, err)
	}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("log of release %s, its last lines:\n%s", r, tail(s.out.String(), 30))
		}
	})
	return s
}

func (s *Server) start(bin string, args []string, addr, endpoint, table string) error {
	cmd := exec.Command(bin, args...)
	// Only what the server reads: no AWS credentials or AUTH_* from the
	// developer's shell (it signs with dummy credentials for an emulator).
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"DYNAMODB_ENDPOINT=" + endpoint,
		"TABLE_NAME=" + table,
		"AWS_REGION=us-east-1",
	}
	c, err := loopback.Run(cmd, time.Minute, func(out string) bool { return strings.Contains(out, ready) })
	if errors.Is(err, loopback.ErrExited) && !strings.Contains(err.Error(), "cannot listen") {
		// Not a port taken: trying other ports would not help.
		return fmt.Errorf("exited before serving: %v", err)
	}
	if err != nil {
		return err
	}
	s.URL, s.cmd, s.exited, s.out = "http://"+addr, cmd, c.Exited, c.Out
	return nil
}

// stop asks the server to shut down as Ctrl-C does, and kills it if it has
// not within a few seconds.
func (s *Server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// Log is what the server has logged so far.
func (s *Server) Log() string { return s.out.String() }

// tail is the last n lines of log.
func tail(log string, n int) string {
	lines := strings.SplitAfter(log, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "")
}
