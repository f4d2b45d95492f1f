package releases_test

import (
	"context"
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/releases"
)

// To recapture every release's fixture (after a change to Script, or when
// the working tree's stored items change shape, which TestCapture reports):
//
//	go test ./internal/releases -run TestCapture -capture
//
// and commit internal/releases/testdata/<version>/items.json. Earlier
// releases are built from the commits CHANGELOG.md names, so their fixtures
// come out the same but for ids' timestamps, tags and hashes.
var capture = flag.Bool("capture", false, "rewrite internal/releases/testdata/<version>/items.json by running each release")

// TestCapture runs each release, built from git history (the working tree
// from itself), against a fresh minidyn table, drives Script through its HTTP
// API, and scans the table: the exact items that release stores. With
// -capture it writes them as the release's fixture; without, it checks that
// the fixture holds items of the same shapes, so a fixture can neither be
// written by hand nor fall behind what its release stores.
func TestCapture(t *testing.T) {
	for _, r := range everyRelease(t) {
		t.Run(r.Version, func(t *testing.T) {
			b := dynamotest.Minidyn(t)
			db, table := freshTable(t, b)
			s := releases.Serve(t, r, b.Endpoint, table)
			releases.Script(t, s, true)
			items, err := releases.Scan(context.Background(), db, table)
			if err != nil {
				t.Fatal(err)
			}
			if *capture {
				if err := releases.WriteFixture(r.Version, items); err != nil {
					t.Fatal(err)
				}
				p, _ := releases.FixturePath(r.Version)
				t.Logf("release %s: %d items written to %s", r, len(items), p)
				return
			}
			fixture, err := releases.ReadFixture(r.Version)
			if err != nil {
				t.Fatal(err)
			}
			got, want := releases.Shapes(items), releases.Shapes(fixture)
			if !slices.Equal(got, want) {
				t.Errorf("release %s stores items of other shapes than its fixture holds; recapture (see capture_test.go)\nstored now:\n  %s\nfixture:\n  %s",
					r, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
}
