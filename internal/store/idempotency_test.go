package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/store"
)

// concurrentKeyedCreates counts the creates racing with one key, for the
// guarantees in docs/storage.md.
const concurrentKeyedCreates = 20

// render stands in for the API's answer: any bytes that name the cliente.
func render(c cliente.Cliente) (string, error) {
	return fmt.Sprintf(`{"id":%d,"nombres":%q,"at":%q}`, c.ID, c.Nombres, c.CreatedAt), nil
}

// keyedStore is a store on minidyn with a clock the test moves. Creates with
// a key write the cliente and its kept answer in one TransactWriteItems,
// which dynalite does not implement (TestCreateOnceNeedsTransactions).
func keyedStore(t *testing.T) (*store.Store, *dynamotest.Backend, *clock) {
	b := dynamotest.Minidyn(t)
	db := b.Client(t)
	clk := &clock{t: time.Date(2024, 3, 5, 15, 30, 0, 0, time.UTC)}
	return store.New(db, b.Table(t, db), clk.now), b, clk
}

func listAll(t *testing.T, s *store.Store) []cliente.Cliente {
	t.Helper()
	page, err := s.List(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return page.Clientes
}

func TestCreateOnce(t *testing.T) {
	s, b, clk := keyedStore(t)
	ctx := context.Background()
	b.Counts.Take()
	first, replayed, err := s.CreateOnce(ctx, pedro(), "", "k1", render)
	if err != nil || replayed || first.ClienteID != 1 || !store.IsETag(first.ETag) {
		t.Fatalf("first create = %+v, replayed %v, %v", first, replayed, err)
	}
	if got := b.Counts.Take(); got["GetItem"] != 1 || got["UpdateItem"] != 1 || got["TransactWriteItems"] != 1 || dynamotest.Total(got) != 3 {
		t.Errorf("a keyed create made %v, want GetItem, UpdateItem, TransactWriteItems", got)
	}
	stored, err := s.Get(ctx, 1)
	if want, _ := render(stored); err != nil || stored.ETag != first.ETag || want != first.Body {
		t.Fatalf("stored %+v (%v); kept %+v", stored, err, first)
	}

	// The same request again, even with the cliente changed and then
	// deleted since: the kept answer, byte for byte, and nothing written.
	same := pedro()
	same.Telefono = cliente.Field{Set: true} // null is the same as absent
	for _, step := range []func() error{
		func() error { return nil },
		func() error {
			_, err := s.Update(ctx, 1, cliente.Changes{Nombres: set("Otro")}, store.IfMatch{})
			return err
		},
		func() error { _, err := s.Delete(ctx, 1, store.IfMatch{}); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
		b.Counts.Take()
		again, replayed, err := s.CreateOnce(ctx, same, "", "k1", render)
		if err != nil || !replayed || again != first {
			t.Fatalf("replay = %+v, replayed %v, %v; want %+v", again, replayed, err, first)
		}
		if got := b.Counts.Take(); dynamotest.Total(got) != 1 || got["GetItem"] != 1 {
			t.Errorf("a replay made %v, want one GetItem", got)
		}
	}
	if all := listAll(t, s); len(all) != 0 {
		t.Fatalf("after delete and replays the list holds %+v; want nothing (no kept answer, no resurrection)", all)
	}

	// Another request with the key is refused; the key is the caller's own.
	other := pedro()
	other.Email = set("otro@example.com")
	if _, _, err := s.CreateOnce(ctx, other, "", "k1", render); !errors.Is(err, store.ErrKeyReused) {
		t.Fatalf("another request with the key: %v, want ErrKeyReused", err)
	}
	if kept, replayed, err := s.CreateOnce(ctx, pedro(), "user-2", "k1", render); err != nil || replayed || kept.ClienteID != 2 {
		t.Fatalf("the key from another caller = %+v, %v, %v; want a new cliente", kept, replayed, err)
	}

	// After KeepFor the key is free again, though DynamoDB's TTL has not
	// removed the kept answer yet.
	clk.add(store.KeepFor)
	if kept, replayed, err := s.CreateOnce(ctx, other, "", "k1", render); err != nil || replayed || kept.ClienteID != 3 {
		t.Fatalf("the key after it expired = %+v, %v, %v; want a new cliente", kept, replayed, err)
	}
	if all := listAll(t, s); len(all) != 2 || all[0].ID != 2 || all[1].ID != 3 {
		t.Fatalf("list = %+v; want clientes 2 and 3 and no kept answer", all)
	}
}

// TestConcurrentCreatesWithOneKey: one cliente, and every answer is its.
func TestConcurrentCreatesWithOneKey(t *testing.T) {
	s, _, _ := keyedStore(t)
	kept := make([]store.Kept, concurrentKeyedCreates)
	replays := make([]bool, concurrentKeyedCreates)
	errs := make([]error, concurrentKeyedCreates)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range concurrentKeyedCreates {
		wg.Go(func() {
			<-start
			kept[i], replays[i], errs[i] = s.CreateOnce(context.Background(), pedro(), "", "same", render)
		})
	}
	close(start)
	wg.Wait()
	created := 0
	for i := range concurrentKeyedCreates {
		switch {
		case errors.Is(errs[i], store.ErrKeyInFlight):
		case errs[i] != nil:
			t.Fatalf("create %d: %v", i, errs[i])
		case kept[i] != kept[0] && errs[0] == nil:
			t.Fatalf("create %d answered %+v, create 0 %+v", i, kept[i], kept[0])
		case !replays[i]:
			created++
		}
	}
	all := listAll(t, s)
	if created != 1 || len(all) != 1 {
		t.Fatalf("%d answers created, %d clientes stored; want exactly one", created, len(all))
	}
}

// TestCreateOnceAfterFailures: whatever fails between the steps of a keyed
// create, a retry with the key ends with one cliente and its answer.
func TestCreateOnceAfterFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(*dynamotest.Faults)
		// wantErr: the first request fails (the client sees a 5xx).
		wantErr bool
	}{
		{"the function dies after the counter step", func(f *dynamotest.Faults) {
			f.Error("TransactWriteItems", "ValidationException", 1)
		}, true},
		{"DynamoDB fails the transaction on every attempt", func(f *dynamotest.Faults) {
			f.Error("TransactWriteItems", "InternalServerError", store.MaxAttempts)
		}, true},
		{"the transaction's response is lost once", func(f *dynamotest.Faults) {
			f.LoseResponse("TransactWriteItems", 1)
		}, false},
		// The outcome is settled by reading the cliente: it holds this
		// request's tag, so the create answers 201, and the retry replays.
		{"the transaction applies, every response is lost", func(f *dynamotest.Faults) {
			f.LoseResponse("TransactWriteItems", store.MaxAttempts)
		}, false},
		{"the read of the key fails", func(f *dynamotest.Faults) {
			f.Error("GetItem", "ValidationException", 1)
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, b, _ := keyedStore(t)
			ctx := context.Background()
			tc.fault(b.Faults)
			first, replayed, err := s.CreateOnce(ctx, pedro(), "", "k", render)
			if hit := b.Faults.Clear(); hit == 0 {
				t.Fatal("the fault was never hit")
			}
			if (err != nil) != tc.wantErr || replayed {
				t.Fatalf("first request: %+v, replayed %v, %v", first, replayed, err)
			}
			retry, _, err := s.CreateOnce(ctx, pedro(), "", "k", render)
			if err != nil || (!tc.wantErr && retry != first) {
				t.Fatalf("retry = %+v, %v; first %+v", retry, err, first)
			}
			all := listAll(t, s)
			if len(all) != 1 || all[0].ID != retry.ClienteID || all[0].ETag != retry.ETag {
				t.Fatalf("stored %+v; the retry answered %+v", all, retry)
			}
		})
	}
}

// TestCreateOnceNeedsTransactions: on a DynamoDB without TransactWriteItems
// (dynalite), a keyed create fails whole, stores nothing, and never claims
// the key: docs/storage.md says where keys work.
func TestCreateOnceNeedsTransactions(t *testing.T) {
	b := dynamotest.Dynalite(t)
	db := b.Client(t)
	s := store.New(db, b.Table(t, db), nil)
	_, _, err := s.CreateOnce(context.Background(), pedro(), "", "k", render)
	if err == nil || !strings.Contains(err.Error(), "TransactWriteItems") {
		t.Fatalf("keyed create on dynalite: %v, want a failed TransactWriteItems", err)
	}
	if all := listAll(t, s); len(all) != 0 {
		t.Fatalf("stored %+v", all)
	}
}
