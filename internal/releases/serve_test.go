package releases_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/releases"
)

// madeUp is an entity tag of the form every release hands out that no
// release ever handed out for these clientes.
const madeUp = `"0123456789abcdef01234567"`

// TestServesEveryReleasesItems: the working tree serves the items each
// release stores, as captured in its fixture, on every route with full
// semantics, on both DynamoDBs. The fixture is loaded after the server has
// opened the table, so the items are served as the release left them, as a
// canary or a stack update serves them, not as a backfill left them.
func TestServesEveryReleasesItems(t *testing.T) {
	current, _ := lineup(t)
	for _, b := range dynamotest.Backends(t) {
		for _, r := range everyRelease(t) {
			t.Run(b.Name+"/"+r.Version, func(t *testing.T) {
				items, err := releases.ReadFixture(r.Version)
				if err != nil {
					t.Fatal(err)
				}
				db, table := freshTable(t, b)
				s := releases.Serve(t, current, b.Endpoint, table)
				if err := releases.Put(context.Background(), db, table, items); err != nil {
					t.Fatal(err)
				}
				servesAll(t, s, items)
			})
		}
	}
}

// servesAll checks that s serves the clientes among items on every route: the
// listing holds every cliente and nothing else; GET answers each with an
// ETag, and 304 to that tag; PUT refuses a made-up tag and takes the current
// one, after which that one is stale; PUT without a tag; DELETE answers the
// cliente as it was.
func servesAll(t *testing.T, s *releases.Server, items []releases.Item) {
	t.Helper()
	var clientes []releases.Item
	for _, it := range items {
		if releases.Kind(it) == "cliente" {
			clientes = append(clientes, it)
		}
	}
	if len(clientes) == 0 {
		t.Fatal("no cliente among the items")
	}
	listed := s.List(t)
	if len(listed) != len(clientes) {
		t.Errorf("release %s lists %d clientes, the table holds %d", s.Release, len(listed), len(clientes))
	}
	for i := range min(len(listed), len(clientes)) {
		if want := asServed(t, clientes[i]); !maps.Equal(listed[i], want) {
			t.Errorf("release %s lists %v, the table holds %v", s.Release, listed[i], want)
		}
	}
	for _, it := range clientes {
		want := asServed(t, it)
		path := fmt.Sprintf("/api/clientes/%v", want["id"])
		got := s.Expect(t, http.StatusOK, http.MethodGet, path, "")
		tag := got.ETag()
		if got.Status != http.StatusOK || tag == "" {
			t.Errorf("release %s: GET %s has no ETag; the rest of this cliente's checks would say no more", s.Release, path)
			continue
		}
		if c := got.Cliente(); !maps.Equal(c, want) {
			t.Errorf("release %s: GET %s answers %v, the table holds %v", s.Release, path, c, want)
		}
		if a := s.Expect(t, http.StatusNotModified, http.MethodGet, path, "", "If-None-Match", tag); a.ETag() != tag {
			t.Errorf("release %s: 304 with ETag %q, not %q", s.Release, a.ETag(), tag)
		}
		s.Expect(t, http.StatusPreconditionFailed, http.MethodPut, path, `{"nombres":"Nadie"}`, "If-Match", madeUp)
		put := s.Expect(t, http.StatusOK, http.MethodPut, path, `{"apellidos":"Actualizado"}`, "If-Match", tag)
		if put.ETag() == "" || put.ETag() == tag {
			t.Errorf("release %s: PUT %s with If-Match answers ETag %q after %q", s.Release, path, put.ETag(), tag)
		}
		s.Expect(t, http.StatusPreconditionFailed, http.MethodPut, path, `{"nombres":"Tarde"}`, "If-Match", tag)
		s.Expect(t, http.StatusPreconditionFailed, http.MethodDelete, path, "", "If-Match", tag)
		s.Expect(t, http.StatusOK, http.MethodPut, path, `{"nombres":"Sin condicion"}`)
		before := s.Expect(t, http.StatusOK, http.MethodGet, path, "").Cliente()
		if c := s.Expect(t, http.StatusOK, http.MethodDelete, path, "").Cliente(); !maps.Equal(c, before) {
			t.Errorf("release %s: DELETE %s answers %v, the cliente was %v", s.Release, path, c, before)
		}
		s.Expect(t, http.StatusNotFound, http.MethodGet, path, "")
	}
	if left := s.List(t); len(left) != 0 {
		t.Errorf("release %s lists %d clientes after deleting every one", s.Release, len(left))
	}
}

// asServed is the cliente a stored item holds, as the API answers it in
// JSON: a field never given or cleared (absent, or NULL) is null.
func asServed(t *testing.T, it releases.Item) map[string]any {
	t.Helper()
	str := func(name string) any {
		if v, ok := it[name].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
		return nil
	}
	id, err := strconv.ParseInt(fmt.Sprint(str("id")), 10, 64)
	if err != nil {
		t.Fatalf("cliente item with id %v", str("id"))
	}
	return map[string]any{
		"id": float64(id), "nombres": str("nombres"), "apellidos": str("apellidos"),
		"telefono": str("telefono"), "email": str("email"),
		"created_at": str("created_at"), "updated_at": str("updated_at"),
	}
}

// clientesOf returns the cliente items of a table, in id order.
func clientesOf(t *testing.T, db releases.Table, table string) []releases.Item {
	t.Helper()
	items, err := releases.Scan(context.Background(), db, table)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(items, func(it releases.Item) bool { return releases.Kind(it) != "cliente" })
}
