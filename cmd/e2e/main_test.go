package main

import (
	"bufio"
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clientes-api/clientes/internal/e2e"
	"github.com/clientes-api/clientes/internal/gateway/jwtauth/jwtauthtest"
	"github.com/clientes-api/clientes/internal/loopback"
)

// The suite and the local server run as the commands `make e2e` and
// `make run` run: built, as processes of their own.
var (
	buildOnce         sync.Once
	buildErr          error
	e2eBin, localBin  string
	binDir, binDirErr = os.MkdirTemp("", "e2e-bin-")
)

func TestMain(m *testing.M) {
	code := m.Run()
	os.RemoveAll(binDir)
	os.Exit(code)
}

func build(t *testing.T) {
	t.Helper()
	buildOnce.Do(func() {
		if binDirErr != nil {
			buildErr = binDirErr
			return
		}
		e2eBin, localBin = filepath.Join(binDir, "e2e"), filepath.Join(binDir, "local")
		for pkg, out := range map[string]string{".": e2eBin, "../local": localBin} {
			if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}

// startLocal runs `make run`'s server, with env added, until the test ends,
// and returns its URL.
func startLocal(t *testing.T, env ...string) string {
	t.Helper()
	build(t)
	var base string
	err := loopback.Start(1, func(addrs []string) error {
		_, port, _ := net.SplitHostPort(addrs[0])
		cmd := exec.Command(localBin, "-port", port)
		cmd.Env = append(os.Environ(), env...)
		c, err := loopback.Run(cmd, 20*time.Second, func(string) bool {
			conn, err := net.Dial("tcp", addrs[0])
			if err == nil {
				conn.Close()
			}
			return err == nil
		})
		if err != nil {
			return err
		}
		t.Cleanup(func() {
			cmd.Process.Signal(os.Interrupt)
			<-c.Exited
			if t.Failed() {
				t.Logf("local server:\n%s", c.Out)
			}
		})
		base = "http://" + addrs[0]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return base
}

// runSuite runs the e2e command with env (BASE_URL=…) and returns its exit
// code and output.
func runSuite(t *testing.T, env ...string) (int, string) {
	t.Helper()
	build(t)
	cmd := exec.Command(e2eBin)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		exit, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("e2e: %v", err)
		}
		code = exit.ExitCode()
	}
	return code, string(out)
}

// clientes lists, straight from the server, every cliente the table holds
// (a test's table is small).
func clientes(t *testing.T, base, token string) []json.RawMessage {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/clientes?limit=100", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Clientes   []json.RawMessage `json:"clientes"`
		NextCursor *string           `json:"next_cursor"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != 200 || page.NextCursor != nil {
		t.Fatalf("list: %d %v %+v", resp.StatusCode, err, page)
	}
	return page.Clientes
}

// passedEveryCase checks the output names each of cfg's cases as passed,
// and nothing as failed.
func passedEveryCase(t *testing.T, cfg e2e.Config, code int, out string) {
	t.Helper()
	if code != 0 || strings.Contains(out, "FAIL") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, c := range e2e.Cases(cfg) {
		if !strings.Contains(out, "\nok    "+c.Name+" (") {
			t.Errorf("no passing line for %s:\n%s", c.Name, out)
		}
	}
}

// TestLocal runs the suite against `make run`, as the user runs it against
// a deployment, and finds the table empty afterwards.
func TestLocal(t *testing.T) {
	base := startLocal(t)
	code, out := runSuite(t, "BASE_URL="+base+"/")
	passedEveryCase(t, e2e.Config{}, code, out)
	if !strings.Contains(out, "0 left behind") {
		t.Errorf("summary:\n%s", out)
	}
	if left := clientes(t, base, ""); len(left) != 0 {
		t.Errorf("the run left %d clientes: %s", len(left), left)
	}
}

// TestLocalWithAuth runs it against `make run` with access control on and
// origins listed: with both tokens and an allowed origin every case passes;
// without ORIGIN the CORS cases fail and say why; without TOKEN the first
// create fails and says why.
func TestLocalWithAuth(t *testing.T) {
	key := jwtauthtest.Key(t)
	iss := jwtauthtest.NewIssuer(t, map[string]*rsa.PrivateKey{"k1": key})
	base := startLocal(t, "AUTH_ISSUER="+iss.URL, "AUTH_AUDIENCE=app-1", "CORS_ALLOW_ORIGINS=https://app.example")
	write := jwtauthtest.Mint(t, key, "k1", jwtauthtest.Claims(iss.URL, "app-1", "e2e-writer", "clientes/write"))
	read := jwtauthtest.Mint(t, key, "k1", jwtauthtest.Claims(iss.URL, "app-1", "e2e-reader", "clientes/read"))

	cfg := e2e.Config{Token: write, ReadToken: read, Origin: "https://app.example"}
	code, out := runSuite(t, "BASE_URL="+base, "TOKEN="+write, "READ_TOKEN="+read, "ORIGIN=https://app.example")
	passedEveryCase(t, cfg, code, out)
	if strings.Contains(out, write) || strings.Contains(out, read) {
		t.Errorf("the output shows a token:\n%s", out)
	}

	code, out = runSuite(t, "BASE_URL="+base, "TOKEN="+write)
	if code != 1 || !strings.Contains(out, "FAIL  cors-preflight: ") || !strings.Contains(out, "needs ORIGIN=") {
		t.Errorf("without ORIGIN against listed origins: exit %d:\n%s", code, out)
	}
	code, out = runSuite(t, "BASE_URL="+base)
	if code != 1 || !strings.Contains(out, "FAIL  create: POST /api/clientes answered 401, want 201") || !strings.Contains(out, "pass TOKEN=") {
		t.Errorf("without TOKEN against access control: exit %d:\n%s", code, out)
	}
	if left := clientes(t, base, read); len(left) != 0 {
		t.Errorf("the runs left %d clientes: %s", len(left), left)
	}
}

// TestUsage checks the refusals before any request.
func TestUsage(t *testing.T) {
	for _, env := range [][]string{nil, {"BASE_URL=localhost:3000"}, {"BASE_URL=http://localhost:3000", "READ_TOKEN=x"}} {
		if code, out := runSuite(t, env...); code != 2 || strings.Contains(out, "FAIL") {
			t.Errorf("%v: exit %d:\n%s", env, code, out)
		}
	}
}

// TestNothingAnswers points the suite at a port nobody listens on.
func TestNothingAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, out := runSuite(t, "BASE_URL=http://"+addr)
	if code != 1 || !strings.Contains(out, "FAIL  create: POST /api/clientes: no answer") ||
		!strings.Contains(out, "nothing answers at http://"+addr) || strings.Contains(out, "\nok ") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// broken puts a proxy that breaks the API one way in front of the local
// server.
func broken(t *testing.T, base string, rewrite func(*httputil.ProxyRequest), answer func(http.ResponseWriter, *http.Request) bool, modify func(*http.Response)) string {
	t.Helper()
	target, _ := url.Parse(base)
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			if rewrite != nil {
				rewrite(pr)
			}
		},
		ModifyResponse: func(r *http.Response) error {
			if modify != nil {
				modify(r)
			}
			return nil
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if answer != nil && answer(w, r) {
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func replaceBody(r *http.Response, contentType, body string) {
	r.Body.Close()
	r.Body = io.NopCloser(strings.NewReader(body))
	r.ContentLength = int64(len(body))
	r.Header.Set("Content-Length", fmt.Sprint(len(body)))
	r.Header.Set("Content-Type", contentType)
}

// TestBrokenAPI runs the suite against APIs broken in one way each: it must
// exit 1, name the case that catches the breakage, and still delete every
// cliente it created (except where the API itself refuses to delete, which
// it must then report).
func TestBrokenAPI(t *testing.T) {
	base := startLocal(t)
	for _, tc := range []struct {
		name    string
		rewrite func(*httputil.ProxyRequest)
		answer  func(http.ResponseWriter, *http.Request) bool
		modify  func(*http.Response)
		fails   []string // cases that must fail
		left    string   // the summary's count of clientes left behind
	}{
		{name: "ignores If-Match", rewrite: func(pr *httputil.ProxyRequest) { pr.Out.Header.Del("If-Match") },
			fails: []string{"update-stale-if-match", "error: If-Match not an entity tag"}, left: "0 left behind"},
		{name: "no ETag", modify: func(r *http.Response) { r.Header.Del("ETag") },
			fails: []string{"create", "create-keyed"}, left: "0 left behind"},
		{name: "replays unmarked", modify: func(r *http.Response) { r.Header.Del("Idempotent-Replayed") },
			fails: []string{"create-keyed-replay"}, left: "0 left behind"},
		{name: "errors in HTML", modify: func(r *http.Response) {
			if r.StatusCode == 404 {
				replaceBody(r, "text/html", "<h1>Not Found</h1>")
			}
		}, fails: []string{"delete", "delete-again", "update-absent", "error: get absent id", "error: unknown route"}, left: "0 left behind"},
		{name: "leaks a cause", modify: func(r *http.Response) {
			if r.StatusCode == 400 && r.Request.Method == "GET" {
				replaceBody(r, "application/json; charset=utf-8", `{"message":"ValidationException: arn:aws:dynamodb:us-east-1:1:table/clientes"}`)
			}
		}, fails: []string{"error: id not a number", "error: limit 0"}, left: "0 left behind"},
		{name: "lists page 1 again", rewrite: func(pr *httputil.ProxyRequest) {
			q := pr.Out.URL.Query()
			q.Del("cursor")
			pr.Out.URL.RawQuery = q.Encode()
		}, fails: []string{"list-two-pages", "error: cursor not one the API gave"}, left: "0 left behind"},
		{name: "no preflight", answer: func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == "OPTIONS" {
				w.WriteHeader(http.StatusNotFound)
				return true
			}
			return false
		}, fails: []string{"cors-preflight"}, left: "0 left behind"},
		{name: "every create a 500", answer: func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == "POST" {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusInternalServerError)
				io.WriteString(w, `{"message":"Error al crear cliente"}`)
				return true
			}
			return false
		}, fails: []string{"create", "get", "create-keyed", "list-two-pages", "error: body not JSON"}, left: "0 left behind"},
		{name: "deletes nothing", answer: func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == "DELETE" {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusInternalServerError)
				io.WriteString(w, `{"message":"Error al eliminar cliente"}`)
				return true
			}
			return false
		}, fails: []string{"delete", "cleanup"}, left: "2 left behind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := broken(t, base, tc.rewrite, tc.answer, tc.modify)
			code, out := runSuite(t, "BASE_URL="+url)
			if code != 1 || !strings.Contains(out, tc.left) {
				t.Fatalf("exit %d, want 1 with %q:\n%s", code, tc.left, out)
			}
			for _, c := range tc.fails {
				if !strings.Contains(out, "\nFAIL  "+c+": ") {
					t.Errorf("no failure line for %s:\n%s", c, out)
				}
			}
			left := clientes(t, base, "")
			if tc.left == "0 left behind" && len(left) != 0 {
				t.Errorf("the run left %d clientes: %s", len(left), left)
			}
			for _, c := range left { // what "deletes nothing" left
				var id struct {
					ID int64 `json:"id"`
				}
				json.Unmarshal(c, &id)
				req, _ := http.NewRequest("DELETE", fmt.Sprintf("%s/api/clientes/%d", base, id.ID), nil)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
				if !strings.Contains(out, fmt.Sprint(id.ID)) {
					t.Errorf("cliente %d left behind is not named:\n%s", id.ID, out)
				}
			}
		})
	}
}

// TestInterrupted stops the suite with SIGINT or SIGTERM halfway, through a
// slow proxy: it finishes the request in flight, deletes what it created,
// and exits 130.
func TestInterrupted(t *testing.T) {
	base := startLocal(t)
	slow := broken(t, base, nil, func(http.ResponseWriter, *http.Request) bool {
		time.Sleep(150 * time.Millisecond)
		return false
	}, nil)
	build(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(e2eBin)
			cmd.Env = []string{"BASE_URL=" + slow}
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			lines := bufio.NewScanner(stdout)
			for lines.Scan() {
				out.WriteString(lines.Text() + "\n")
				if strings.HasPrefix(lines.Text(), "ok    create-keyed ") {
					cmd.Process.Signal(sig)
				}
			}
			err := cmd.Wait()
			exit, _ := err.(*exec.ExitError)
			// However late the signal lands, the run stops well before its
			// last case, and leaves nothing.
			if exit == nil || exit.ExitCode() != 130 || !strings.Contains(out.String(), "e2e: interrupted") ||
				!strings.Contains(out.String(), "2 cliente(s) created, 0 left behind") || strings.Contains(out.String(), "cors-request") {
				t.Fatalf("%v:\n%s", err, out.String())
			}
			if left := clientes(t, base, ""); len(left) != 0 {
				t.Errorf("the run left %d clientes: %s", len(left), left)
			}
		})
	}
}
