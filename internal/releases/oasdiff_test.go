package releases_test

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clientes-api/clientes/internal/releases"
)

// ignoreFile lists the breaking findings accepted, each with its reason.
const ignoreFile = "oasdiff-ignore.txt"

// TestNoBreakingChanges runs oasdiff (pinned as a tool in go.mod) on the
// previous release's openapi.yaml, taken from git at the commit CHANGELOG.md
// names, against the working tree's, with --fail-on ERR. It passes with no
// breaking finding left after oasdiff-ignore.txt, or when CHANGELOG.md's
// newest section is a new major version. oasdiff failing to run fails it.
func TestNoBreakingChanges(t *testing.T) {
	current, earlier := lineup(t)
	previous := earlier[0]
	root, err := releases.Root()
	if err != nil {
		t.Fatal(err)
	}
	checkIgnoreFile(t, filepath.Join(root, ignoreFile))
	base, err := releases.Show(previous.Commit, "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	basePath := filepath.Join(t.TempDir(), "openapi-"+previous.Version+".yaml")
	if err := os.WriteFile(basePath, base, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "tool", "oasdiff", "breaking", basePath, "openapi.yaml",
		"--fail-on", "ERR", "--err-ignore", ignoreFile, "--format", "text", "--color", "never")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	t.Logf("oasdiff breaking %s (release %s) openapi.yaml (%s):\n%s", previous.Commit, previous.Version, current.Version, out)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return
	case !errors.As(err, &exit) || exit.ExitCode() != 1 || len(out) == 0:
		// oasdiff answers 1 for breaking findings, other codes when it
		// cannot compare at all.
		t.Fatalf("oasdiff could not run: %v\n%s", err, stderr.String())
	case current.Major() > previous.Major():
		t.Logf("breaking changes accepted: CHANGELOG.md names %s, a new major version after %s", current.Version, previous.Version)
	default:
		t.Errorf("openapi.yaml breaks clients of release %s (--fail-on ERR): name a new major version in CHANGELOG.md, "+
			"or list each finding a client does not notice in %s with its reason\n%s", previous.Version, ignoreFile, out)
	}
}

// checkIgnoreFile holds every accepted finding to a reason.
func checkIgnoreFile(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		finding, reason, found := strings.Cut(line, " -- reason: ")
		if !found || strings.TrimSpace(reason) == "" || !strings.Contains(finding, " /") {
			t.Errorf("%s:%d: want `METHOD /path <finding as oasdiff prints it> -- reason: <why no client breaks>`, got %q", ignoreFile, n, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestSpecVersionIsTheRelease: openapi.yaml's info.version is the newest
// release in CHANGELOG.md, the version generated clients carry.
func TestSpecVersionIsTheRelease(t *testing.T) {
	current, _, err := releases.Lineup()
	if err != nil {
		t.Fatal(err)
	}
	root, err := releases.Root()
	if err != nil {
		t.Fatal(err)
	}
	spec, err := os.ReadFile(filepath.Join(root, "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "\n  version: " + current.Version + "\n"; !strings.Contains(string(spec), want) {
		t.Errorf("openapi.yaml's info.version is not %s, CHANGELOG.md's newest release", current.Version)
	}
}
