package releases

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// builds holds each release's cmd/local, built once per test binary: an
// old release costs a compile (its modules come from the module cache, or
// the Go module proxy on a fresh machine), so every test reuses it.
var builds struct {
	mu   sync.Mutex
	dir  string
	bins map[string]*built
}

type built struct {
	once sync.Once
	path string
	// listen is the flag the binary takes where to listen with: "-addr"
	// (host:port) up to 1.1.0, "-port" (a port on 127.0.0.1) since.
	listen string
	err    error
}

// Build returns the path of r's cmd/local, the server `make run` runs: for a
// released r, compiled from the commit CHANGELOG.md names, extracted out of
// git history, so the code under test is that release's own; for the working
// tree, compiled from it. It fails the test, never skips it, when git or the
// commit is missing: a shallow clone must fetch its history first.
func Build(t testing.TB, r Release) string {
	t.Helper()
	builds.mu.Lock()
	if builds.bins == nil {
		builds.bins = map[string]*built{}
	}
	b := builds.bins[r.Commit]
	if b == nil {
		b = &built{}
		builds.bins[r.Commit] = b
	}
	builds.mu.Unlock()
	b.once.Do(func() {
		if b.path, b.err = build(r); b.err == nil {
			b.listen, b.err = listenFlag(b.path)
		}
	})
	if b.err != nil {
		t.Fatalf("build release %s: %v", r, b.err)
	}
	return b.path
}

// listenFlag asks a cmd/local which flag says where it listens: its usage
// (-h) names its flags.
func listenFlag(bin string) (string, error) {
	out, _ := exec.Command(bin, "-h").CombinedOutput() // -h exits 2 after the usage
	for _, f := range []string{"-port", "-addr"} {
		if bytes.Contains(out, []byte("  "+f+" ")) {
			return f, nil
		}
	}
	return "", fmt.Errorf("%s takes neither -port nor -addr; its usage:\n%s", bin, out)
}

// listenArgs are the arguments that make r's cmd/local listen on addr
// (127.0.0.1:port).
func listenArgs(r Release, addr string) []string {
	builds.mu.Lock()
	b := builds.bins[r.Commit]
	builds.mu.Unlock()
	if b.listen == "-port" {
		_, port, _ := net.SplitHostPort(addr)
		return []string{"-port", port}
	}
	return []string{"-addr", addr}
}

func build(r Release) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	dir, err := workDir()
	if err != nil {
		return "", err
	}
	name := "current"
	if !r.Current() {
		name = r.Version + "-" + r.Commit
	}
	bin := filepath.Join(dir, name, "local")
	src := root
	if !r.Current() {
		src = filepath.Join(dir, name, "src")
		if err := extract(root, r.Commit, src); err != nil {
			return "", err
		}
	}
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/local")
	cmd.Dir = src
	// Each tree builds against its own go.mod, never a workspace's.
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/local in %s: %w\n%s", src, err, out)
	}
	return bin, nil
}

// extract writes the tree of commit into dir, as `git archive` hands it out.
func extract(root, commit, dir string) error {
	if _, err := exec.LookPath("git"); err != nil {
		return fmt.Errorf("git is needed to build earlier releases from history: %w", err)
	}
	check := exec.Command("git", "cat-file", "-e", commit+"^{commit}")
	check.Dir = root
	if out, err := check.CombinedOutput(); err != nil {
		return fmt.Errorf("commit %s, which CHANGELOG.md names, is not in this clone's history "+
			"(a shallow clone? run `git fetch --unshallow`): %v %s", commit, err, bytes.TrimSpace(out))
	}
	archive := exec.Command("git", "archive", "--format=tar", commit)
	archive.Dir = root
	var stderr bytes.Buffer
	archive.Stderr = &stderr
	out, err := archive.StdoutPipe()
	if err != nil {
		return err
	}
	if err := archive.Start(); err != nil {
		return err
	}
	xerr := untar(out, dir)
	io.Copy(io.Discard, out)
	if err := archive.Wait(); err != nil {
		return fmt.Errorf("git archive %s: %w: %s", commit, err, stderr.String())
	}
	return xerr
}

// untar writes a tar stream's directories and regular files under dir.
func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(h.Name)
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return fmt.Errorf("archive entry %q leaves its folder", h.Name)
		}
		p := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&0o755|0o600)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
		// Symbolic links and the global header carry nothing a build needs.
	}
}

// Show returns a file as it was at commit (`git show commit:path`).
func Show(commit, path string) ([]byte, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("git", "show", commit+":"+path)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git show %s:%s (is the commit in this clone's history?): %w: %s", commit, path, err, stderr.String())
	}
	return out, nil
}

// workDir is the folder this test binary builds into, made on first use and
// removed by Main.
func workDir() (string, error) {
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if builds.dir == "" {
		dir, err := os.MkdirTemp("", "releases-")
		if err != nil {
			return "", err
		}
		builds.dir = dir
	}
	return builds.dir, nil
}

// Cleanup removes what Build built. Main calls it.
func Cleanup() {
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
		builds.dir, builds.bins = "", nil
	}
}
