package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/store"
)

// Races counts what the race tests ran, for the README's guarantees.
const (
	concurrentCreates = 200
	deleteUpdateRaces = 50
	concurrentUpdates = 40
)

func TestConcurrentCreatesGetDistinctIDs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store, _ *dynamotest.Backend) {
		ids := make([]int64, concurrentCreates)
		errs := make([]error, concurrentCreates)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range concurrentCreates {
			wg.Go(func() {
				<-start
				c, err := s.Create(context.Background(), pedro())
				ids[i], errs[i] = c.ID, err
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		slices.Sort(ids)
		for i, id := range ids {
			if id != int64(i+1) {
				t.Fatalf("ids are not 1..%d, each once: %v", concurrentCreates, ids)
			}
		}
		page, err := s.List(context.Background(), 0, 100)
		if err != nil || len(page.Clientes) != 100 || page.Next != 100 {
			t.Fatalf("list after creates: %d clientes, next %d, %v", len(page.Clientes), page.Next, err)
		}
	})
}

// TestDeleteUpdateRacesResurrectNothing races a delete against an update of
// the same cliente: whichever wins, the cliente ends up gone, whole.
func TestDeleteUpdateRacesResurrectNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store, _ *dynamotest.Backend) {
		ctx := context.Background()
		outcomes := map[string]int{}
		for range deleteUpdateRaces {
			c, err := s.Create(ctx, pedro())
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var delErr, updErr error
			start := make(chan struct{})
			wg.Go(func() { <-start; _, delErr = s.Delete(ctx, c.ID, store.IfMatch{}) })
			wg.Go(func() {
				<-start
				_, updErr = s.Update(ctx, c.ID, cliente.Changes{Telefono: set("5551234567"), Email: set("x@example.com")}, store.IfMatch{})
			})
			close(start)
			wg.Wait()
			if delErr != nil {
				t.Fatalf("delete lost to an update: %v", delErr)
			}
			switch {
			case updErr == nil:
				outcomes["update first"]++
			case errors.Is(updErr, store.ErrNotFound):
				outcomes["delete first"]++
			default:
				t.Fatalf("update: %v", updErr)
			}
			if got, err := s.Get(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("cliente %d came back after delete: %+v, %v", c.ID, got, err)
			}
		}
		page, err := s.List(ctx, 0, 100)
		if err != nil || len(page.Clientes) != 0 {
			t.Fatalf("records left behind: %+v, %v", page.Clientes, err)
		}
		t.Logf("%d races: %v", deleteUpdateRaces, outcomes)
	})
}

// TestConcurrentUpdatesAnswerWholeRecords runs updates of one cliente at
// once: each answer is the whole record as one update left it.
func TestConcurrentUpdatesAnswerWholeRecords(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store, _ *dynamotest.Backend) {
		ctx := context.Background()
		created, err := s.Create(ctx, pedro())
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		results := make([]cliente.Cliente, concurrentUpdates)
		errs := make([]error, concurrentUpdates)
		start := make(chan struct{})
		for i := range concurrentUpdates {
			wg.Go(func() {
				<-start
				n := fmt.Sprint(i)
				results[i], errs[i] = s.Update(ctx, created.ID, cliente.Changes{
					Nombres: set("N" + n), Apellidos: set("A" + n), Email: set("u" + n + "@example.com"),
				}, store.IfMatch{})
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		for i, c := range results {
			n := fmt.Sprint(i)
			if c.ID != created.ID || c.Nombres != "N"+n || c.Apellidos != "A"+n || c.Email == nil || *c.Email != "u"+n+"@example.com" ||
				c.CreatedAt != created.CreatedAt || c.UpdatedAt == "" {
				t.Fatalf("update %d answered %+v", i, c)
			}
		}
		final, err := s.Get(ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		var k string
		if _, err := fmt.Sscanf(final.Nombres, "N%s", &k); err != nil || final.Apellidos != "A"+k || *final.Email != "u"+k+"@example.com" {
			t.Fatalf("stored record mixes updates: %+v", final)
		}
	})
}

func TestThrottlingIsRetriedThenUnavailable(t *testing.T) {
	for _, code := range []string{"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded"} {
		t.Run(code, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, s *store.Store, b *dynamotest.Backend) {
				ctx := context.Background()
				if _, err := s.Create(ctx, pedro()); err != nil {
					t.Fatal(err)
				}
				b.Faults.Error("GetItem", code, store.MaxAttempts-1)
				if _, err := s.Get(ctx, 1); err != nil {
					t.Fatalf("throttled %d times, then served: err = %v", store.MaxAttempts-1, err)
				}
				b.Faults.Clear()
				b.Faults.Error("", code, -1)
				b.Counts.Take()
				_, err := s.Get(ctx, 1)
				if !errors.Is(err, store.ErrUnavailable) {
					t.Fatalf("always throttled: err = %v, want ErrUnavailable", err)
				}
				if n := b.Counts.Take()["GetItem"]; n != store.MaxAttempts {
					t.Fatalf("GetItem tried %d times, want %d", n, store.MaxAttempts)
				}
				if _, err := s.Update(ctx, 1, cliente.Changes{Nombres: set("X")}, store.IfMatch{}); !errors.Is(err, store.ErrUnavailable) {
					t.Fatalf("update: err = %v, want ErrUnavailable", err)
				}
			})
		})
	}
}

func TestOtherErrorsAreFailures(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store, b *dynamotest.Backend) {
		ctx := context.Background()
		for _, code := range []string{"InternalServerError", "ValidationException", "ResourceNotFoundException", "AccessDeniedException"} {
			b.Faults.Error("", code, -1)
			_, err := s.Get(ctx, 1)
			if err == nil || errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: err = %v, want a plain failure", code, err)
			}
			b.Faults.Clear()
		}
	})
}

// TestCreateSurvivesLostResponses: when a response is lost after DynamoDB
// applied the write, the SDK retries; the create is still reported once, as
// created, and stored once.
func TestCreateSurvivesLostResponses(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store, b *dynamotest.Backend) {
		ctx := context.Background()
		b.Faults.LoseResponse("PutItem", 1)
		c, err := s.Create(ctx, pedro())
		if err != nil || c.ID != 1 {
			t.Fatalf("create after a lost put response = %+v, %v; want id 1, no error", c, err)
		}
		if b.Faults.Clear() != 1 {
			t.Fatal("the fault was never hit")
		}
		b.Faults.LoseResponse("UpdateItem", 1) // the counter step: an id is skipped, never reused
		c, err = s.Create(ctx, pedro())
		if err != nil || c.ID != 3 {
			t.Fatalf("create after a lost counter response = %+v, %v; want id 3", c, err)
		}
		page, err := s.List(ctx, 0, 10)
		if err != nil || len(page.Clientes) != 2 || page.Clientes[0].ID != 1 || page.Clientes[1].ID != 3 {
			t.Fatalf("stored: %+v, %v; want clientes 1 and 3, once each", page.Clientes, err)
		}
	})
}
