// Package releases runs earlier releases of the API beside the working tree,
// for the tests that prove every release serves what every other release
// stored (docs/upgrading.md). The list of releases is CHANGELOG.md's: each
// released section names its commit, which Build compiles out of git history,
// so the tests run on a fresh clone in CI and never on a copy kept by hand.
package releases

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Release is one section of CHANGELOG.md.
type Release struct {
	Version string // semantic version, "1.1.0"
	Date    string // "2026-11-28", or "Unreleased"
	// Commit is the commit the release was cut from; empty for the
	// unreleased section, which is the working tree.
	Commit string
}

// Current reports whether r is the working tree rather than a commit.
func (r Release) Current() bool { return r.Commit == "" }

// Major is r's major version.
func (r Release) Major() int {
	n, _ := strconv.Atoi(strings.SplitN(r.Version, ".", 2)[0])
	return n
}

func (r Release) String() string {
	if r.Current() {
		return r.Version + " (working tree)"
	}
	return r.Version + " (" + r.Commit + ")"
}

var (
	sectionLine = regexp.MustCompile(`^## \[([^\]]+)\](?: - (.+))?$`)
	commitLine  = regexp.MustCompile(`^Commit: ([0-9a-f]{7,40})$`)
	semver      = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)
	isoDate     = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// ParseChangelog reads the releases of a CHANGELOG.md, newest first. Only the
// newest section may be unreleased (dated "Unreleased", with no Commit line);
// every other names its commit once, and versions strictly decrease.
func ParseChangelog(text []byte) ([]Release, error) {
	var rels []Release
	sc := bufio.NewScanner(bytes.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t")
		if m := sectionLine.FindStringSubmatch(line); m != nil {
			if !semver.MatchString(m[1]) {
				return nil, fmt.Errorf("CHANGELOG.md:%d: %q is not a semantic version (the unreleased section is `## [x.y.z] - Unreleased`)", n, m[1])
			}
			if m[2] != "Unreleased" && !isoDate.MatchString(m[2]) {
				return nil, fmt.Errorf("CHANGELOG.md:%d: release %s needs ` - YYYY-MM-DD` or ` - Unreleased`", n, m[1])
			}
			rels = append(rels, Release{Version: m[1], Date: m[2]})
			continue
		}
		if m := commitLine.FindStringSubmatch(line); m != nil {
			if len(rels) == 0 || rels[len(rels)-1].Commit != "" {
				return nil, fmt.Errorf("CHANGELOG.md:%d: a Commit line outside a release section, or a second one", n)
			}
			rels[len(rels)-1].Commit = m[1]
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(rels) == 0 {
		return nil, errors.New("CHANGELOG.md names no release")
	}
	for i, r := range rels {
		switch {
		case r.Date == "Unreleased" && (i > 0 || r.Commit != ""):
			return nil, fmt.Errorf("CHANGELOG.md: only the newest section may be unreleased, and it has no Commit line (%s)", r.Version)
		case r.Date != "Unreleased" && r.Commit == "":
			return nil, fmt.Errorf("CHANGELOG.md: release %s names no `Commit: <hash>`", r.Version)
		case i > 0 && !older(r.Version, rels[i-1].Version):
			return nil, fmt.Errorf("CHANGELOG.md: %s is listed below %s but is not older", r.Version, rels[i-1].Version)
		}
	}
	return rels, nil
}

// older reports whether semantic version a comes before b.
func older(a, b string) bool {
	pa, pb := semver.FindStringSubmatch(a), semver.FindStringSubmatch(b)
	for i := 1; i <= 3; i++ {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x < y
		}
	}
	return false
}

// Changelog reads the project's CHANGELOG.md.
func Changelog() ([]Release, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	text, err := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	if err != nil {
		return nil, err
	}
	return ParseChangelog(text)
}

// Lineup is CHANGELOG.md's releases split the way the tests use them: the
// working tree (the unreleased section, or the newest release when every
// section is released) and the releases cut before it, newest first.
func Lineup() (current Release, earlier []Release, err error) {
	rels, err := Changelog()
	if err != nil {
		return Release{}, nil, err
	}
	if rels[0].Current() {
		return rels[0], rels[1:], nil
	}
	// Every section is released: the working tree is the newest release,
	// run from the tree itself; the releases before it are its elders.
	return Release{Version: rels[0].Version, Date: rels[0].Date}, rels[1:], nil
}

// Root is the module's root: the nearest directory up from the working
// directory that holds go.mod.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
