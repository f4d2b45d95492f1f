// Package dynamotest starts real DynamoDB implementations for tests: minidyn
// in-process, and dynalite (Node.js) as a child process, so that the store is
// proven on two independent implementations of the DynamoDB wire protocol.
//
// dynalite rather than moto_server: moto takes no lock around a write, so
// under concurrent requests its atomic counters and conditional writes are
// not atomic, and no race test can pass on it. dynalite locks each item, as
// DynamoDB guarantees.
package dynamotest

import (
	"context"
	"fmt"
	"hash/crc32"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	miniserver "github.com/truora/minidyn/server"

	"github.com/clientes-api/clientes/internal/loopback"
	"github.com/clientes-api/clientes/internal/store"
	"github.com/clientes-api/clientes/internal/token"
)

// Backend is one DynamoDB a test runs against.
type Backend struct {
	Name     string
	Endpoint string
	// Counts counts the requests it served, by operation.
	Counts *Counts
	// Faults injects failures in front of it.
	Faults *Faults
}

// Client returns a client of b, built as the functions build theirs but
// for the pause between retries, cut to milliseconds: the tests count
// attempts, and waiting adds nothing to that.
func (b *Backend) Client(t testing.TB, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	t.Helper()
	fast := func(o *dynamodb.Options) { o.Retryer = retry.AddWithMaxBackoffDelay(o.Retryer, 5*time.Millisecond) }
	db, err := store.NewClient(store.Config{Endpoint: b.Endpoint, Region: "us-east-1"}, append([]func(*dynamodb.Options){fast}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// Table creates a table of its own for the test, as the store expects it,
// and returns its name.
func (b *Backend) Table(t testing.TB, db store.TableAPI) string {
	t.Helper()
	name := "clientes-" + token.Hex(6)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := store.CreateTable(ctx, db, name); err != nil {
		t.Fatalf("%s: %v", b.Name, err)
	}
	return name
}

// Minidyn starts minidyn's HTTP server in-process for the test, behind the
// X-Amz-Crc32 header DynamoDB sends and minidyn does not, so that any client,
// a function's bootstrap under the emulator among them, checks its answers
// as it does AWS's.
func Minidyn(t testing.TB) *Backend {
	return watch(t, "minidyn", withCRC32(miniserver.NewServer()))
}

func withCRC32(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		maps.Copy(w.Header(), rec.Header())
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(rec.Body.Bytes())), 10))
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}

// watch serves h for the test behind request counting and fault injection.
func watch(t testing.TB, name string, h http.Handler) *Backend {
	counts, faults := &Counts{}, &Faults{}
	srv := httptest.NewServer(counts.Wrap(faults.wrap(h)))
	t.Cleanup(srv.Close)
	return &Backend{Name: name, Endpoint: srv.URL, Counts: counts, Faults: faults}
}

var dynalite struct {
	once     sync.Once
	cmd      *exec.Cmd
	exited   <-chan struct{}
	endpoint string
	err      error
}

// Dynalite returns the dynalite server shared by the tests of this binary,
// started on first use, behind a proxy of the test's own that counts
// requests and injects faults. It fails the test, never skips it, when
// dynalite cannot run: `make test` installs it.
func Dynalite(t testing.TB) *Backend {
	t.Helper()
	dynalite.once.Do(startDynalite)
	if dynalite.err != nil {
		t.Fatalf("dynalite: %v (run the tests with `make test`, which installs it, or set DYNALITE to its cli.js)", dynalite.err)
	}
	target, err := url.Parse(dynalite.endpoint)
	if err != nil {
		t.Fatal(err)
	}
	return watch(t, "dynalite", httputil.NewSingleHostReverseProxy(target))
}

// Backends returns both implementations, minidyn first.
func Backends(t testing.TB) []*Backend {
	return []*Backend{Minidyn(t), Dynalite(t)}
}

func startDynalite() {
	cli := os.Getenv("DYNALITE")
	if cli == "" {
		p, err := findUp("tools/dynalite/node_modules/dynalite/cli.js")
		if err != nil {
			dynalite.err = fmt.Errorf("tools/dynalite/node_modules/dynalite/cli.js: %w", err)
			return
		}
		cli = p
	}
	node, err := exec.LookPath("node")
	if err != nil {
		dynalite.err = err
		return
	}
	dynalite.err = loopback.Start(1, func(addrs []string) error { return runDynalite(node, cli, addrs[0]) })
}

// runDynalite starts dynalite on addr and waits until it says it listens
// there: it says so only once it holds the port.
func runDynalite(node, cli, addr string) error {
	host, port, _ := net.SplitHostPort(addr)
	// Tables stay CREATING for a while, as on AWS, so CreateTable's wait
	// for ACTIVE is exercised; a short while keeps the tests quick.
	cmd := exec.Command(node, cli, "--host", host, "--port", port, "--createTableMs", "50")
	c, err := loopback.Run(cmd, 30*time.Second, func(out string) bool {
		return strings.Contains(out, "listening at: http://"+addr)
	})
	if err != nil {
		return fmt.Errorf("dynalite on %s: %w", addr, err)
	}
	dynalite.cmd, dynalite.exited, dynalite.endpoint = cmd, c.Exited, "http://"+addr
	return nil
}

// Main runs the tests of a package and then stops dynalite if they started
// it. Use it as TestMain: os.Exit(dynamotest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if dynalite.cmd != nil {
		dynalite.cmd.Process.Kill()
		<-dynalite.exited
	}
	return code
}

// Operation is the DynamoDB operation a request calls: the X-Amz-Target
// header's part after the dot ("DynamoDB_20120810.GetItem": "GetItem").
func Operation(r *http.Request) string {
	target := r.Header.Get("X-Amz-Target")
	return target[strings.LastIndexByte(target, '.')+1:]
}

// Counts counts DynamoDB requests by operation (the X-Amz-Target suffix).
type Counts struct {
	mu sync.Mutex
	by map[string]int
}

// Wrap counts the requests h serves.
func (c *Counts) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := Operation(r)
		c.mu.Lock()
		if c.by == nil {
			c.by = map[string]int{}
		}
		c.by[op]++
		c.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// Take returns the counts since the last Take and starts again from zero.
func (c *Counts) Take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	by := c.by
	c.by = nil
	if by == nil {
		by = map[string]int{}
	}
	return by
}

// Total adds up counts.
func Total(counts map[string]int) int {
	n := 0
	for _, v := range counts {
		n += v
	}
	return n
}

// findUp looks for rel in the working directory and each of its parents, so
// that tests in any package find the project's virtualenv.
func findUp(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
