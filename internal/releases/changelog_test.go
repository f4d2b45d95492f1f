package releases_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/clientes-api/clientes/internal/releases"
)

func TestParseChangelog(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []releases.Release
		err        string
	}{
		{
			name: "unreleased on top",
			text: "# Changelog\n## [1.2.0] - Unreleased\n### Added\n## [1.1.0] - 2026-11-28\n\nCommit: b4aff30\n## [1.0.0] - 2026-11-27\nCommit: d9d17ee\n",
			want: []releases.Release{{"1.2.0", "Unreleased", ""}, {"1.1.0", "2026-11-28", "b4aff30"}, {"1.0.0", "2026-11-27", "d9d17ee"}},
		},
		{
			name: "every section released",
			text: "## [2.0.0] - 2026-12-01\nCommit: abcdef0\n## [1.0.0] - 2026-11-27\nCommit: d9d17ee\n",
			want: []releases.Release{{"2.0.0", "2026-12-01", "abcdef0"}, {"1.0.0", "2026-11-27", "d9d17ee"}},
		},
		{name: "released without a commit", text: "## [1.1.0] - 2026-11-28\n## [1.0.0] - 2026-11-27\nCommit: d9d17ee\n", err: "names no `Commit"},
		{name: "unreleased below a release", text: "## [1.1.0] - 2026-11-28\nCommit: b4aff30\n## [1.0.0] - Unreleased\n", err: "only the newest"},
		{name: "unreleased with a commit", text: "## [1.2.0] - Unreleased\nCommit: b4aff30\n", err: "only the newest"},
		{name: "two commits", text: "## [1.0.0] - 2026-11-27\nCommit: d9d17ee\nCommit: b4aff30\n", err: "a second one"},
		{name: "not semver", text: "## [Unreleased]\n", err: "not a semantic version"},
		{name: "no date", text: "## [1.0.0]\nCommit: d9d17ee\n", err: "YYYY-MM-DD"},
		{name: "out of order", text: "## [1.0.0] - 2026-11-27\nCommit: d9d17ee\n## [1.1.0] - 2026-11-28\nCommit: b4aff30\n", err: "not older"},
		{name: "none", text: "# Changelog\n", err: "names no release"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := releases.ParseChangelog([]byte(tc.text))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestMissingCommitFailsLoudly: a commit the clone lacks is an error that
// names it, never an empty file or a skip.
func TestMissingCommitFailsLoudly(t *testing.T) {
	_, err := releases.Show("0000000000000000000000000000000000000000", "openapi.yaml")
	if err == nil || !strings.Contains(err.Error(), "0000000000000000000000000000000000000000") {
		t.Fatalf("git show of a missing commit: %v", err)
	}
}
