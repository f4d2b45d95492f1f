package releases_test

import (
	"context"
	"testing"

	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/releases"
	"github.com/clientes-api/clientes/internal/store"
)

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
			st := store.New(b.Client(t), table, nil)
			ctx := context.Background()
			done, err := st.Backfill(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if want := len(clientesOf(t, db, table)); done.Read != want || done.Retagged != want || len(done.Unreadable) != 0 || done.Next != 0 {
				t.Errorf("the backfill over %d clientes release %s stored did %+v", want, oldest, done)
			}
			if again, err := st.Backfill(ctx, 0); again.Retagged != 0 || err != nil {
				t.Errorf("the backfill run again did %+v (error %v), want nothing retagged", again, err)
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
