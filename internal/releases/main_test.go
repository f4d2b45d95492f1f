package releases_test

import (
	"os"
	"testing"

	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/releases"
)

func TestMain(m *testing.M) {
	code := dynamotest.Main(m)
	releases.Cleanup()
	os.Exit(code)
}

// lineup is CHANGELOG.md's releases: the working tree and those before it,
// newest first.
func lineup(t *testing.T) (current releases.Release, earlier []releases.Release) {
	t.Helper()
	current, earlier, err := releases.Lineup()
	if err != nil {
		t.Fatal(err)
	}
	if len(earlier) == 0 {
		t.Fatal("CHANGELOG.md names no release before the working tree")
	}
	return current, earlier
}

// everyRelease is the working tree and every earlier release, oldest first.
func everyRelease(t *testing.T) []releases.Release {
	current, earlier := lineup(t)
	all := []releases.Release{current}
	for _, r := range earlier {
		all = append([]releases.Release{r}, all...)
	}
	return all
}

// freshTable makes a table of the test's own on b and returns a client of b
// and the table's name.
func freshTable(t *testing.T, b *dynamotest.Backend) (releases.Table, string) {
	t.Helper()
	db := b.Client(t)
	return db, b.Table(t, db)
}
