package releases_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/releases"
)

// TestMixedFleet: each earlier release and the working tree serve one table
// at once, as a canary (1.1.0) or the minutes of a stack update (1.0.0) do. A
// tag handed out by either is accepted by the other while it is current (no
// false 412), and a write through either makes it stale (no stale If-Match
// matches). A release without tags (1.0.0) never touches them, yet after its
// write no tag the working tree handed out before may match.
func TestMixedFleet(t *testing.T) {
	current, earlier := lineup(t)
	for _, b := range dynamotest.Backends(t) {
		for _, r := range earlier {
			t.Run(b.Name+"/"+r.Version, func(t *testing.T) {
				_, table := freshTable(t, b)
				cur := releases.Serve(t, current, b.Endpoint, table)
				old := releases.Serve(t, r, b.Endpoint, table)
				t.Run("created by "+current.Version, func(t *testing.T) { fleet(t, cur, old, cur) })
				t.Run("created by "+r.Version, func(t *testing.T) { fleet(t, cur, old, old) })
			})
		}
	}
}

const (
	get, put, del = http.MethodGet, http.MethodPut, http.MethodDelete
	// stale is the answer to an If-Match that no longer matches.
	stale = http.StatusPreconditionFailed
)

// fleet runs one cliente's life through cur and old, created through
// creator.
func fleet(t *testing.T, cur, old, creator *releases.Server) {
	created := creator.Expect(t, http.StatusCreated, http.MethodPost, "/api/clientes", `{"nombres":"Flota","apellidos":"Mixta"}`)
	id, ok := created.Cliente()["id"].(float64)
	if !ok {
		t.Fatalf("create answered no id: %s", created)
	}
	path := "/api/clientes/" + formatID(id)
	body := func(n string) string { return `{"nombres":"` + n + `"}` }
	if old.Do(t, get, path, "").ETag() != "" {
		// Both hand out tags: each takes the other's while it is current.
		t1 := cur.Expect(t, http.StatusOK, get, path, "").ETag()
		old.Expect(t, http.StatusNotModified, get, path, "", "If-None-Match", t1)
		t2 := old.Expect(t, http.StatusOK, put, path, body("Viejo"), "If-Match", t1).ETag()
		cur.Expect(t, stale, put, path, body("Perdido"), "If-Match", t1)
		cur.Expect(t, stale, del, path, "", "If-Match", t1)
		cur.Expect(t, http.StatusNotModified, get, path, "", "If-None-Match", t2)
		t3 := cur.Expect(t, http.StatusOK, put, path, body("Nuevo"), "If-Match", t2).ETag()
		old.Expect(t, stale, put, path, body("Perdido"), "If-Match", t2)
		old.Expect(t, stale, del, path, "", "If-Match", t2)
		old.Expect(t, http.StatusNotModified, get, path, "", "If-None-Match", t3)
		old.Expect(t, http.StatusOK, del, path, "", "If-Match", t3)
		cur.Expect(t, http.StatusNotFound, get, path, "")
		return
	}
	// The old release has no tags: its writes must still make the working
	// tree's tags stale.
	t1 := cur.Expect(t, http.StatusOK, get, path, "").ETag()
	if t1 == "" {
		t.Fatalf("release %s: GET %s has no ETag", cur.Release, path)
	}
	old.Expect(t, http.StatusOK, put, path, body("Viejo"))
	cur.Expect(t, stale, put, path, body("Perdido"), "If-Match", t1)
	cur.Expect(t, stale, del, path, "", "If-Match", t1)
	t2 := cur.Expect(t, http.StatusOK, get, path, "", "If-None-Match", t1).ETag()
	if t2 == t1 {
		t.Errorf("release %s hands out tag %s again after release %s wrote", cur.Release, t1, old.Release)
	}
	t3 := cur.Expect(t, http.StatusOK, put, path, body("Nuevo"), "If-Match", t2).ETag()
	old.Expect(t, http.StatusOK, put, path, body("Viejo otra vez"))
	cur.Expect(t, stale, put, path, body("Perdido"), "If-Match", t3)
	cur.Expect(t, http.StatusOK, get, path, "", "If-None-Match", t3)
	t4 := cur.Expect(t, http.StatusOK, get, path, "").ETag()
	cur.Expect(t, http.StatusOK, del, path, "", "If-Match", t4)
	old.Expect(t, http.StatusNotFound, get, path, "")
}

func formatID(id float64) string { return strconv.FormatInt(int64(id), 10) }
