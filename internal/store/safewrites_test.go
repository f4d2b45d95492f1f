package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/store"
)

// concurrentTaggedPuts counts the writers racing with one entity tag, for
// the guarantees in docs/storage.md.
const concurrentTaggedPuts = 20

// failedCheckReads is how many reads a failed If-Match costs besides its
// write, by implementation and operation: AWS returns the item with the
// failure (the store's ReturnsOldItems); minidyn v0.8.2 does so on
// UpdateItem only; dynalite never does.
var failedCheckReads = map[string]map[string]int{
	"minidyn":  {"update": 0, "delete": 1},
	"dynalite": {"update": 1, "delete": 1},
}

func TestIfMatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store, b *dynamotest.Backend) {
		ctx := context.Background()
		created, err := s.Create(ctx, pedro())
		if err != nil || !store.IsETag(created.ETag) {
			t.Fatalf("create = %+v, %v", created, err)
		}
		only := func(tags ...string) store.IfMatch { return store.IfMatch{Checked: true, Tags: tags} }
		other := "000000000000000000000000"
		change := cliente.Changes{Nombres: set("Otro")}

		for _, tc := range []struct {
			name string
			m    store.IfMatch
		}{
			{"another tag", only(other)},
			{"no tag at all", only()},
		} {
			b.Counts.Take()
			_, err := s.Update(ctx, created.ID, change, tc.m)
			var stale *store.StaleError
			if !errors.As(err, &stale) || stale.ETag != created.ETag {
				t.Fatalf("update, %s: %v; want stale with the current tag %s", tc.name, err, created.ETag)
			}
			if got := b.Counts.Take(); got["UpdateItem"] != 1 || got["GetItem"] != failedCheckReads[b.Name]["update"] {
				t.Errorf("update, %s: requests %v", tc.name, got)
			}
			_, err = s.Delete(ctx, created.ID, tc.m)
			if !errors.As(err, &stale) || stale.ETag != created.ETag {
				t.Fatalf("delete, %s: %v; want stale", tc.name, err)
			}
			if got := b.Counts.Take(); got["DeleteItem"] != 1 || got["GetItem"] != failedCheckReads[b.Name]["delete"] {
				t.Errorf("delete, %s: requests %v", tc.name, got)
			}
			if now, err := s.Get(ctx, created.ID); err != nil || !reflect.DeepEqual(now, created) {
				t.Fatalf("after a stale write: %+v, %v; want it unchanged", now, err)
			}
		}

		b.Counts.Take()
		updated, err := s.Update(ctx, created.ID, change, only(other, created.ETag))
		if err != nil || updated.Nombres != "Otro" || updated.ETag == created.ETag {
			t.Fatalf("update with the current tag among others = %+v, %v", updated, err)
		}
		if got := b.Counts.Take(); dynamotest.Total(got) != 1 {
			t.Errorf("a matching update made %v, want one UpdateItem", got)
		}
		if _, err := s.Delete(ctx, created.ID, only(created.ETag)); !errors.As(err, new(*store.StaleError)) {
			t.Fatalf("delete with the old tag after an update: %v, want stale", err)
		}
		old, err := s.Delete(ctx, created.ID, only(updated.ETag))
		if err != nil || !reflect.DeepEqual(old, updated) {
			t.Fatalf("delete with the current tag = %+v, %v", old, err)
		}
		// A missing id is 404 first, whatever the tags say.
		for _, m := range []store.IfMatch{only(updated.ETag), only(), {}} {
			if _, err := s.Update(ctx, created.ID, change, m); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("update of a deleted cliente, %+v: %v, want not found", m, err)
			}
			if _, err := s.Delete(ctx, created.ID, m); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("delete of a deleted cliente, %+v: %v, want not found", m, err)
			}
		}
	})
}

// TestIfNoneMatch: If-None-Match is held in the write's own condition, on
// both implementations: a match (or *) refuses the write with the current
// tag, costing a read only where the failure comes back without the item;
// no match writes in one request, even with both headers full, and survives
// its own retry after a lost response.
func TestIfNoneMatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store, b *dynamotest.Backend) {
		ctx := context.Background()
		created, err := s.Create(ctx, pedro())
		if err != nil {
			t.Fatal(err)
		}
		other := "000000000000000000000000"
		change := cliente.Changes{Nombres: set("Otro")}
		for _, tc := range []struct {
			name string
			m    store.IfMatch
			want error
		}{
			{"the current tag", store.IfMatch{NoneTags: []string{other, created.ETag}}, &store.MatchedError{ETag: created.ETag}},
			{"*", store.IfMatch{NoneAny: true}, &store.MatchedError{ETag: created.ETag}},
			{"If-Match holds, If-None-Match fails", store.IfMatch{Checked: true, Tags: []string{created.ETag}, NoneAny: true}, &store.MatchedError{ETag: created.ETag}},
			{"If-Match fails first", store.IfMatch{Checked: true, Tags: []string{other}, NoneTags: []string{created.ETag}}, &store.StaleError{ETag: created.ETag}},
		} {
			b.Counts.Take()
			if _, err := s.Update(ctx, created.ID, change, tc.m); !reflect.DeepEqual(err, tc.want) {
				t.Errorf("update, %s: %v, want %v", tc.name, err, tc.want)
			}
			if got := b.Counts.Take(); got["UpdateItem"] != 1 || got["GetItem"] != failedCheckReads[b.Name]["update"] || dynamotest.Total(got) != 1+got["GetItem"] {
				t.Errorf("update, %s: requests %v", tc.name, got)
			}
			if _, err := s.Delete(ctx, created.ID, tc.m); !reflect.DeepEqual(err, tc.want) {
				t.Errorf("delete, %s: %v, want %v", tc.name, err, tc.want)
			}
			if got := b.Counts.Take(); got["DeleteItem"] != 1 || got["GetItem"] != failedCheckReads[b.Name]["delete"] || dynamotest.Total(got) != 1+got["GetItem"] {
				t.Errorf("delete, %s: requests %v", tc.name, got)
			}
			if now, err := s.Get(ctx, created.ID); err != nil || !reflect.DeepEqual(now, created) {
				t.Fatalf("after a refused write: %+v, %v; want it unchanged", now, err)
			}
		}

		// Both lists as long as they may be, and the response lost once:
		// the SDK's retry finds its own write and succeeds.
		full := store.IfMatch{Checked: true}
		for i := range store.MaxTags {
			full.Tags = append(full.Tags, fmt.Sprintf("%024x", i+1))
			full.NoneTags = append(full.NoneTags, fmt.Sprintf("%024x", i+1000))
		}
		full.Tags[store.MaxTags-1] = created.ETag
		b.Faults.LoseResponse("UpdateItem", 1)
		b.Counts.Take()
		updated, err := s.Update(ctx, created.ID, change, full)
		if err != nil || updated.Nombres != "Otro" || updated.ETag == created.ETag {
			t.Fatalf("update with full lists, response lost once = %+v, %v", updated, err)
		}
		if b.Faults.Clear() != 1 {
			t.Fatal("the response was not lost")
		}
		// Not retried (it may have landed): one read finds its tag.
		if got := b.Counts.Take(); dynamotest.Total(got) != 2 || got["UpdateItem"] != 1 || got["GetItem"] != 1 {
			t.Errorf("update with a lost response made %v, want one UpdateItem and the settling GetItem", got)
		}
		b.Counts.Take()
		old, err := s.Delete(ctx, created.ID, store.IfMatch{NoneTags: []string{created.ETag}})
		if err != nil || !reflect.DeepEqual(old, updated) {
			t.Fatalf("delete with If-None-Match of an old tag = %+v, %v", old, err)
		}
		if got := b.Counts.Take(); dynamotest.Total(got) != 1 {
			t.Errorf("a delete that holds made %v, want one DeleteItem", got)
		}
		// A missing id is not found, whatever If-None-Match says.
		for _, m := range []store.IfMatch{{NoneAny: true}, {NoneTags: []string{other}}} {
			if _, err := s.Update(ctx, created.ID, change, m); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("update of a deleted cliente, %+v: %v", m, err)
			}
			if _, err := s.Delete(ctx, created.ID, m); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("delete of a deleted cliente, %+v: %v", m, err)
			}
		}
	})
}

// TestIfMatchOnAWSCostsOneRequest: where the DynamoDB returns the old item
// with a failed condition (AWS; minidyn on UpdateItem), neither a stale tag
// nor a missing id costs a read.
func TestIfMatchOnAWSCostsOneRequest(t *testing.T) {
	b := dynamotest.Minidyn(t)
	db := b.Client(t)
	s := store.New(db, b.Table(t, db), nil).ReturnsOldItems()
	ctx := context.Background()
	created, err := s.Create(ctx, pedro())
	if err != nil {
		t.Fatal(err)
	}
	stale := store.IfMatch{Checked: true, Tags: []string{"000000000000000000000000"}}
	for id, want := range map[int64]error{created.ID: &store.StaleError{ETag: created.ETag}, 99: store.ErrNotFound} {
		b.Counts.Take()
		_, err := s.Update(ctx, id, cliente.Changes{Nombres: set("X")}, stale)
		if !reflect.DeepEqual(err, want) && !errors.Is(err, want) {
			t.Errorf("update %d = %v, want %v", id, err, want)
		}
		if got := b.Counts.Take(); dynamotest.Total(got) != 1 {
			t.Errorf("update %d made %v, want one UpdateItem", id, got)
		}
	}
}

// TestConcurrentPutsWithOneTag: of writers that all read the same version,
// exactly one writes; every other learns it lost.
func TestConcurrentPutsWithOneTag(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store, _ *dynamotest.Backend) {
		ctx := context.Background()
		created, err := s.Create(ctx, pedro())
		if err != nil {
			t.Fatal(err)
		}
		results := make([]cliente.Cliente, concurrentTaggedPuts)
		errs := make([]error, concurrentTaggedPuts)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range concurrentTaggedPuts {
			wg.Go(func() {
				<-start
				results[i], errs[i] = s.Update(ctx, created.ID,
					cliente.Changes{Nombres: set("Writer " + strconv.Itoa(i))},
					store.IfMatch{Checked: true, Tags: []string{created.ETag}})
			})
		}
		close(start)
		wg.Wait()
		var winner cliente.Cliente
		won := 0
		for i, err := range errs {
			var stale *store.StaleError
			switch {
			case err == nil:
				won++
				winner = results[i]
			case errors.As(err, &stale):
			default:
				t.Fatalf("writer %d: %v", i, err)
			}
		}
		if won != 1 {
			t.Fatalf("%d of %d writers with one tag succeeded, want exactly 1", won, concurrentTaggedPuts)
		}
		for i, err := range errs {
			var stale *store.StaleError
			if errors.As(err, &stale) && stale.ETag != winner.ETag {
				t.Errorf("writer %d was told the current tag is %s, the winner wrote %s", i, stale.ETag, winner.ETag)
			}
		}
		if stored, err := s.Get(ctx, created.ID); err != nil || !reflect.DeepEqual(stored, winner) {
			t.Fatalf("stored %+v, %v; the winner answered %+v", stored, err, winner)
		}
	})
}

// clock is a settable clock for expiry.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
