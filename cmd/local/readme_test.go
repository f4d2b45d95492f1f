package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clientes-api/clientes/internal/gateway"
	"github.com/clientes-api/clientes/internal/store"
)

// examplePages are the pages whose shell examples run against a fresh local
// server, each page on its own, in order (docs/testing.md says how).
var examplePages = []string{"README.md", "docs/deploying.md", "docs/access-control.md", "docs/testing.md"}

// exampleURL is the address the examples are written for, the one `make run`
// serves; the test serves on a free port and puts its URL in this one's place.
const exampleURL = "http://localhost:3000"

// notRun marks a block the tests skip; the rest of its first line says why.
const notRun = "not run by the tests"

// maxReadmeWords is README.md's budget, outside code blocks.
const maxReadmeWords = 2000

// example is one ```sh block: its commands and what the page shows they print.
type example struct {
	line   int      // of the opening fence, for messages
	script string   // the block as written
	want   []string // its #> lines, without the marker
	skip   bool     // marked not run
}

var (
	fence       = regexp.MustCompile("^```([A-Za-z]*)")
	placeholder = regexp.MustCompile(`<[a-z][a-z ]*>`)
	// placeholders are the values that change from run to run, each with
	// the rule it is matched by: a tag is opaque (the contract), a time is
	// the contract's one form.
	placeholders = map[string]string{
		"<etag>": `[^"\s]+`,
		"<time>": `[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z`,
	}
)

// parseExamples reads the shell blocks of a Markdown page. Any other fenced
// block is left alone, but a shell block in another dialect's name is an
// error: it would escape the test.
func parseExamples(page string) ([]example, error) {
	var out []example
	var cur *example
	other := false // inside a fenced block of another language
	for i, line := range strings.Split(page, "\n") {
		m := fence.FindStringSubmatch(line)
		switch {
		case other:
			other = !strings.HasPrefix(line, "```")
		case cur == nil && m == nil:
		case cur == nil && m[1] == "sh":
			cur = &example{line: i + 1}
		case cur == nil && (m[1] == "bash" || m[1] == "shell" || m[1] == "console" || m[1] == "zsh"):
			return nil, fmt.Errorf("line %d: a ```%s block; write shell examples as ```sh, so they run", i+1, m[1])
		case cur == nil:
			other = true // a listing, a log query, Go: not run
		case strings.HasPrefix(line, "```"):
			if cur.script == "" {
				return nil, fmt.Errorf("line %d: an empty shell block", cur.line)
			}
			out = append(out, *cur)
			cur = nil
		default:
			if cur.script == "" && strings.HasPrefix(line, "#") && strings.Contains(line, notRun) {
				cur.skip = true
			}
			if line == "#>" || strings.HasPrefix(line, "#> ") {
				for _, p := range placeholder.FindAllString(line, -1) {
					if placeholders[p] == "" {
						return nil, fmt.Errorf("line %d: %s is no placeholder the test knows (%s)", i+1, p, "<etag>, <time>")
					}
				}
				cur.want = append(cur.want, strings.TrimPrefix(strings.TrimPrefix(line, "#>"), " "))
			}
			cur.script += line + "\n"
		}
	}
	if cur != nil || other {
		return nil, fmt.Errorf("a code block never closed")
	}
	return out, nil
}

// matchOutput says whether got (the lines a block printed) is what want
// shows: line by line, where "…" stands for any number of lines and each
// <name> for any text within its line.
func matchOutput(want, got []string) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	if want[0] == "…" {
		for skip := 0; skip <= len(got); skip++ {
			if matchOutput(want[1:], got[skip:]) {
				return true
			}
		}
		return false
	}
	if len(got) == 0 || !linePattern(want[0]).MatchString(got[0]) {
		return false
	}
	return matchOutput(want[1:], got[1:])
}

func linePattern(want string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, loc := range placeholder.FindAllStringIndex(want, -1) {
		b.WriteString(regexp.QuoteMeta(want[last:loc[0]]))
		b.WriteString(placeholders[want[loc[0]:loc[1]]])
		last = loc[1]
	}
	b.WriteString(regexp.QuoteMeta(want[last:]))
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// TestDocExamples runs every shell example of examplePages as written, in
// order, in one bash per page in the repository root, against a fresh local
// server, and checks each block prints what its #> lines show.
func TestDocExamples(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("the examples need curl:", err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range examplePages {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			page, err := os.ReadFile(filepath.Join(root, name))
			if err != nil {
				t.Fatal(err)
			}
			blocks, err := parseExamples(string(page))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var run []example
			for _, b := range blocks {
				if !b.skip {
					run = append(run, b)
				} else if len(b.want) > 0 {
					t.Errorf("%s:%d: a block not run shows output no test checks", name, b.line)
				}
			}
			if len(run) == 0 && name == "README.md" {
				t.Fatal("README.md: no example runs")
			}
			if len(run) == 0 {
				return
			}
			got := runExamples(t, root, run)
			for i, b := range run {
				if !matchOutput(b.want, got[i]) {
					t.Errorf("%s:%d: the block printed\n%s\nwhere the page shows\n%s",
						name, b.line, strings.Join(got[i], "\n"), strings.Join(b.want, "\n"))
				}
			}
		})
	}
}

// runExamples runs the blocks in one bash, against a fresh server, and
// returns what each printed (standard output and error), line by line.
func runExamples(t *testing.T, root string, blocks []example) [][]string {
	t.Helper()
	// As `make run` does: embedded minidyn, an empty table, no access
	// control, the template's throttling.
	base := serve(t, store.Config{Table: "clientes", Region: "us-east-1"}, gateway.DefaultThrottle)
	const sep = "\x1eEXAMPLE-END\x1e"
	var script strings.Builder
	for _, b := range blocks {
		script.WriteString(strings.ReplaceAll(b.script, exampleURL, base))
		fmt.Fprintf(&script, "printf '\\n%s\\n'\n", sep)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc")
	cmd.Dir = root
	cmd.Stdin = strings.NewReader(script.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	parts := strings.Split(string(out), "\n"+sep+"\n")
	if len(parts) != len(blocks)+1 || parts[len(blocks)] != "" {
		t.Fatalf("the blocks' output does not split into %d parts:\n%s", len(blocks), out)
	}
	got := make([][]string, len(blocks))
	for i := range blocks {
		sc := bufio.NewScanner(strings.NewReader(parts[i]))
		for sc.Scan() {
			got[i] = append(got[i], strings.TrimSuffix(sc.Text(), "\r"))
		}
	}
	return got
}

func TestMatchOutput(t *testing.T) {
	for _, tc := range []struct {
		want, got []string
		ok        bool
	}{
		{nil, nil, true},
		{nil, []string{"x"}, false},
		{[]string{"200"}, []string{"200"}, true},
		{[]string{"200"}, []string{"412"}, false},
		{[]string{"200"}, []string{"200", "extra"}, false},
		{[]string{`"<etag>"`}, []string{`"0b37a3fb8d191f5cefa2de03"`}, true},
		{[]string{`"<etag>"`}, []string{`""`}, false},
		{[]string{`{"a":"<time>","b":1}`}, []string{`{"a":"2026-01-01T00:00:00.000Z","b":1}`}, true},
		{[]string{`{"a":"<time>","b":1}`}, []string{`{"a":"x","b":2}`}, false},
		{[]string{`{"a":"<time>","b":1}`}, []string{`{"a":"2026-01-01T00:00:00Z","b":1}`}, false},
		{[]string{`{"e":"<etag>","b":1}`}, []string{`{"e":"x","c":"y","b":1}`}, false},
		{[]string{"HTTP/1.1 201 Created", "…", "Location: /api/clientes/1", "…"}, []string{"HTTP/1.1 201 Created", "A: b", "Location: /api/clientes/1", "", "{}"}, true},
		{[]string{"HTTP/1.1 201 Created", "…", "Location: /api/clientes/1"}, []string{"HTTP/1.1 201 Created", "Location: /api/clientes/2"}, false},
		{[]string{"…"}, nil, true},
		{[]string{"a.b"}, []string{"axb"}, false},
	} {
		if got := matchOutput(tc.want, tc.got); got != tc.ok {
			t.Errorf("matchOutput(%q, %q) = %v, want %v", tc.want, tc.got, got, tc.ok)
		}
	}
}

func TestParseExamples(t *testing.T) {
	page := "text\n```sh\ncurl x\n#> 200\n```\n\n```\nfunctions/ a dir\n```\n```sh\n# needs AWS: not run by the tests\naws x\n```\n```go\nx := 1\n```\n"
	got, err := parseExamples(page)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].skip || got[0].script != "curl x\n#> 200\n" || len(got[0].want) != 1 || got[0].want[0] != "200" || !got[1].skip {
		t.Fatalf("parseExamples = %+v", got)
	}
	for _, bad := range []string{"```bash\nls\n```\n", "```sh\n```\n", "```sh\nls\n", "```\nls\n", "```sh\necho\n#> <id>\n```\n"} {
		if _, err := parseExamples(bad); err == nil {
			t.Errorf("parseExamples(%q) took it", bad)
		}
	}
}

// TestReadmeLength holds README.md to its budget of words outside code
// blocks, counted as `sed '/^```/,/^```/d' README.md | wc -w` counts them.
func TestReadmeLength(t *testing.T) {
	page, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	words, in := 0, false
	for _, line := range strings.Split(string(page), "\n") {
		if strings.HasPrefix(line, "```") {
			in = !in
			continue
		}
		if !in {
			words += len(strings.Fields(line))
		}
	}
	if words > maxReadmeWords {
		t.Errorf("README.md has %d words outside code blocks; at most %d: move detail to docs/", words, maxReadmeWords)
	}
}
