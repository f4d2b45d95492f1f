package releases_test

import (
	"context"
	"testing"

	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/releases"
)

// TestRollback: the previous release, its own code built from git history,
// serves what the working tree wrote on every route and lists nothing that is
// not a cliente (a rollback); and the working tree serves what the previous
// release wrote (the upgrade). Keyed creates, whose kept answers share the
// table, are written on minidyn: dynalite has no transactions.
func TestRollback(t *testing.T) {
	current, earlier := lineup(t)
	previous := earlier[0]
	for _, b := range dynamotest.Backends(t) {
		keyed := b.Name == "minidyn"
		for _, dir := range []struct {
			name          string
			writer, nexts releases.Release
		}{
			{"rollback", current, previous},
			{"upgrade", previous, current},
		} {
			t.Run(b.Name+"/"+dir.name, func(t *testing.T) {
				db, table := freshTable(t, b)
				w := releases.Serve(t, dir.writer, b.Endpoint, table)
				releases.Script(t, w, keyed)
				written := clientesOf(t, db, table)
				want := 3
				if keyed {
					want = 4
				}
				if len(written) != want {
					t.Fatalf("release %s left %d clientes, want %d", w.Release, len(written), want)
				}
				s := releases.Serve(t, dir.nexts, b.Endpoint, table)
				all, err := releases.Scan(context.Background(), db, table)
				if err != nil {
					t.Fatal(err)
				}
				servesAll(t, s, all)
			})
		}
	}
}
