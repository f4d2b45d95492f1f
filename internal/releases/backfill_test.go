package releases_test

import (
	"context"
	"testing"

	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/releases"
	"github.com/clientes-api/clientes/internal/store"
)

// backfiller is the working tree's backfill: it brings every item an
// earlier release stored up to the shape the previous release serves, and
// says how many it rewrote. It is asserted on the store rather than called
// by name, so that this package compiles, and this test fails, until the
// store has it.
type backfiller interface {
	Backfill(ctx context.Context) (n int, err error)
}

// TestBackfill: after the working tree's backfill has run over a table the
// oldest release wrote, the previous release, its own code built from git
// history, serves every item; and running it again rewrites nothing. It runs
// both as the store's function and as `make run` runs it, when the working
// tree's cmd/local opens an existing table.
func TestBackfill(t *testing.T) {
	current, earlier := lineup(t)
	previous, oldest := earlier[0], earlier[len(earlier)-1]
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name+"/store", func(t *testing.T) {
			db, table := freshTable(t, b)
			releases.Script(t, releases.Serve(t, oldest, b.Endpoint, table), false)
			st, ok := any(store.New(b.Client(t), table, nil)).(backfiller)
			if !ok {
				t.Fatal("internal/store has no (*Store).Backfill(ctx) (int, error)")
			}
			ctx := context.Background()
			n, err := st.Backfill(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := len(clientesOf(t, db, table)); n != want {
				t.Errorf("the backfill rewrote %d items over %d clientes release %s stored", n, want, oldest)
			}
			if n, err := st.Backfill(ctx); n != 0 || err != nil {
				t.Errorf("the backfill run again rewrote %d items (error %v), want 0", n, err)
			}
			all, err := releases.Scan(ctx, db, table)
			if err != nil {
				t.Fatal(err)
			}
			servesAll(t, releases.Serve(t, previous, b.Endpoint, table), all)
		})
		t.Run(b.Name+"/make run", func(t *testing.T) {
			db, table := freshTable(t, b)
			releases.Script(t, releases.Serve(t, oldest, b.Endpoint, table), false)
			releases.Serve(t, current, b.Endpoint, table)
			all, err := releases.Scan(context.Background(), db, table)
			if err != nil {
				t.Fatal(err)
			}
			servesAll(t, releases.Serve(t, previous, b.Endpoint, table), all)
		})
	}
}
