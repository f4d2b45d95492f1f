// Package e2e is a black-box suite of the clientes API: it speaks HTTP to
// any deployment (the stack's URL, or `make run`) and checks what the
// contract promises, case by case, then deletes every cliente it created.
// cmd/e2e is its command line; docs/after-deploy.md says when to run it.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one run of the suite.
type Config struct {
	BaseURL string // "https://abc.execute-api.us-east-1.amazonaws.com", no trailing slash
	// Token is sent as a bearer token on every request, except those that
	// check the refusals; empty means the API is expected to be public.
	Token string
	// ReadToken carries only the read scope: the suite checks that it reads
	// and that every write it attempts is refused with 403.
	ReadToken string
	// Origin is an origin the deployment allows; empty means the default
	// configuration (any origin, "*"), checked with DefaultOrigin.
	Origin  string
	Timeout time.Duration // each request's; 30 s (API Gateway's own limit) when zero
	Out     io.Writer     // progress and failures, one line each
	// Stop, once done, lets the request in flight finish, runs no further
	// case and deletes what was created: the first Ctrl-C. Abort, once done,
	// cuts the request in flight and the deletions short: the second. Either
	// may be nil.
	Stop, Abort context.Context
	Client      *http.Client // nil: one that follows no redirect
}

// DefaultOrigin is the origin the CORS cases send when Config.Origin is
// empty: any origin passes the default configuration, and a deployment
// that lists its origins fails these cases until ORIGIN names one of them.
const DefaultOrigin = "https://e2e.example"

// Result is what a run found.
type Result struct {
	Passed, Failed int
	Interrupted    bool
	Created        []int64 // every id the run's 201s gave
	Left           []int64 // of those, the ones it could not delete
}

// OK reports whether every case passed and nothing was left behind.
func (r Result) OK() bool {
	return r.Failed == 0 && !r.Interrupted && len(r.Left) == 0 && r.Passed > 0
}

// Case is one named check of the suite.
type Case struct {
	Name string
	Run  func(*Suite) error
}

// Suite holds a run's configuration and what its cases share: the clientes
// they created and the answers later cases build on.
type Suite struct {
	cfg    Config
	client *http.Client

	answered atomic.Bool // some request of the run got an HTTP answer

	mu      sync.Mutex
	created []int64        // ids from 201s, in order
	deleted map[int64]bool // ids a DELETE of this run answered 200 or 404 for

	main  *created         // the cliente of create, which later cases read and change
	keyed *created         // the keyed create's first answer
	key   string           // its Idempotency-Key
	deps  map[string]error // each case's result, by name
}

// created is a cliente as a 201 gave it.
type created struct {
	id   int64
	etag string
	// stale is the tag it had before this run's update.
	stale string
	raw   []byte         // the whole 201 body
	obj   map[string]any // its "cliente"
}

// Run runs every case in order, printing one line per case, then deletes
// every cliente the run created, by the ids its 201s gave.
func Run(cfg Config) (res Result) {
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Stop == nil {
		cfg.Stop = context.Background()
	}
	if cfg.Abort == nil {
		cfg.Abort = context.Background()
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s := &Suite{cfg: cfg, client: cfg.Client, deleted: map[int64]bool{}, deps: map[string]error{}}
	if s.client == nil {
		s.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	defer func() { res.Created, res.Left = s.cleanup() }()
	cases := Cases(cfg)
	fmt.Fprintf(cfg.Out, "e2e: %d cases against %s\n", len(cases), cfg.BaseURL)
	if cfg.Token == "" {
		fmt.Fprintln(cfg.Out, "note: no TOKEN, so the API must be public; the 401 and 403 cases need TOKEN and READ_TOKEN")
	} else if cfg.ReadToken == "" {
		fmt.Fprintln(cfg.Out, "note: no READ_TOKEN, so the 403 cases do not run")
	}
	if cfg.Origin == "" {
		fmt.Fprintf(cfg.Out, "note: no ORIGIN, so CORS is checked from %s, which only CorsAllowOrigins=* allows\n", DefaultOrigin)
	}
	for i, c := range cases {
		if cfg.Stop.Err() != nil {
			res.Interrupted = true
			break
		}
		start := time.Now()
		err := s.runCase(c)
		if err == errStopped {
			res.Interrupted = true
			fmt.Fprintf(cfg.Out, "STOP  %s: interrupted\n", c.Name)
			break
		}
		s.deps[c.Name] = err
		if err != nil {
			res.Failed++
			fmt.Fprintf(cfg.Out, "FAIL  %s: %v\n", c.Name, err)
			// Nothing answers there: one line says so, not one per case.
			if errors.Is(err, errNoAnswer) && !s.answered.Load() {
				res.Failed += len(cases) - i - 1
				fmt.Fprintf(cfg.Out, "FAIL  the other %d cases: nothing answers at %s\n", len(cases)-i-1, cfg.BaseURL)
				break
			}
			continue
		}
		res.Passed++
		fmt.Fprintf(cfg.Out, "ok    %s (%d ms)\n", c.Name, time.Since(start).Milliseconds())
	}
	return res
}

// runCase runs c, turning a panic into its failure so that the clientes
// created so far are still deleted.
func (s *Suite) runCase(c Case) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the suite itself panicked: %v", p)
		}
	}()
	return c.Run(s)
}

// need returns an error when the case named dep, whose result the caller
// builds on, did not pass.
func (s *Suite) need(dep string) error {
	err, ran := s.deps[dep]
	switch {
	case !ran:
		return fmt.Errorf("needs %s, which has not run", dep)
	case err != nil:
		return fmt.Errorf("needs %s, which failed", dep)
	}
	return nil
}

// remember records the id of a 201, before anything else looks at it.
func (s *Suite) remember(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.created, id) {
		s.created = append(s.created, id)
	}
}

func (s *Suite) gone(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deleted[id] = true
}

// cleanup deletes, with the write token, each cliente the run created and
// has not deleted yet; 404 counts as deleted. It pages nothing: the ids are
// the 201s'. It returns the ids created and those it could not delete.
func (s *Suite) cleanup() (createdIDs, left []int64) {
	s.mu.Lock()
	ids := slices.Clone(s.created)
	s.mu.Unlock()
	var pending []int64
	for _, id := range ids {
		if !s.deleted[id] {
			pending = append(pending, id)
		}
	}
	if len(pending) == 0 {
		return ids, nil
	}
	for _, id := range pending {
		path := fmt.Sprintf("/api/clientes/%d", id)
		resp, err := s.send(s.cfg.Abort, request{method: http.MethodDelete, path: path, token: s.cfg.Token})
		switch {
		case err != nil:
			fmt.Fprintf(s.cfg.Out, "FAIL  cleanup: DELETE %s: %v\n", path, err)
			left = append(left, id)
		case resp.status != http.StatusOK && resp.status != http.StatusNotFound:
			fmt.Fprintf(s.cfg.Out, "FAIL  cleanup: DELETE %s answered %d, want 200 or 404: %s\n", path, resp.status, snippet(resp.body))
			left = append(left, id)
		default:
			s.gone(id)
		}
	}
	if deleted := len(pending) - len(left); deleted > 0 {
		fmt.Fprintf(s.cfg.Out, "ok    cleanup: deleted %d cliente(s) this run created\n", deleted)
	}
	return ids, left
}
