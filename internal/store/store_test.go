package store_test

import (
	"context"
	"errors"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/store"
)

func TestMain(m *testing.M) { os.Exit(dynamotest.Main(m)) }

func str(s string) *string { return &s }

func set(v string) cliente.Field { return cliente.Field{Set: true, Value: &v} }

var clear = cliente.Field{Set: true}

func pedro() cliente.Changes {
	return cliente.Changes{Nombres: set("Pedro"), Apellidos: set("Martínez")}
}

// fixedClock ticks one millisecond per call, so each write has its own time.
func fixedClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2024, 3, 5, 15, 30, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Millisecond)
		return t
	}
}

// forEachBackend runs test against minidyn and dynalite, each on a fresh table.
func forEachBackend(t *testing.T, test func(t *testing.T, s *store.Store, b *dynamotest.Backend)) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Client(t)
			test(t, store.New(db, b.Table(t, db), fixedClock()), b)
		})
	}
}

func TestCreateAssignsIDsInOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store, _ *dynamotest.Backend) {
		ctx := context.Background()
		for want := int64(1); want <= 3; want++ {
			c, err := s.Create(ctx, pedro())
			if err != nil {
				t.Fatal(err)
			}
			if c.ID != want {
				t.Fatalf("id = %d, want %d", c.ID, want)
			}
			if c.CreatedAt != c.UpdatedAt || c.Telefono != nil || c.Email != nil {
				t.Fatalf("new cliente = %+v", c)
			}
		}
		// A deleted id is never handed out again.
		if _, err := s.Delete(ctx, 3, store.IfMatch{}); err != nil {
			t.Fatal(err)
		}
		c, err := s.Create(ctx, pedro())
		if err != nil || c.ID != 4 {
			t.Fatalf("after delete: id = %d, err = %v; want 4", c.ID, err)
		}
	})
}

func TestGet(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store, _ *dynamotest.Backend) {
		ctx := context.Background()
		in := pedro()
		in.Telefono, in.Email = set("+5559876543"), set("pedro@example.com")
		created, err := s.Create(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, created) {
			t.Fatalf("get = %+v, want %+v", got, created)
		}
		if _, err := s.Get(ctx, 99); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("get missing: err = %v, want ErrNotFound", err)
		}
	})
}

func TestUpdate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store, _ *dynamotest.Backend) {
		ctx := context.Background()
		in := pedro()
		in.Email = set("old@example.com")
		created, err := s.Create(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Update(ctx, created.ID, cliente.Changes{Telefono: set("+5559876543"), Email: clear}, store.IfMatch{})
		if err != nil {
			t.Fatal(err)
		}
		want := created
		want.Telefono, want.Email = str("+5559876543"), nil
		want.UpdatedAt, want.ETag = got.UpdatedAt, got.ETag
		if !reflect.DeepEqual(got, want) || got.UpdatedAt == created.UpdatedAt ||
			got.ETag == created.ETag || !store.IsETag(got.ETag) {
			t.Fatalf("update = %+v, want %+v with a new updated_at and entity tag", got, want)
		}
		stored, err := s.Get(ctx, created.ID)
		if err != nil || !reflect.DeepEqual(stored, got) {
			t.Fatalf("stored = %+v, %v; want %+v", stored, err, got)
		}
	})
}

func TestUpdateNeverCreates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store, _ *dynamotest.Backend) {
		ctx := context.Background()
		if _, err := s.Update(ctx, 42, cliente.Changes{Nombres: set("X")}, store.IfMatch{}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update missing: err = %v, want ErrNotFound", err)
		}
		if _, err := s.Get(ctx, 42); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update of a missing id wrote something: get err = %v", err)
		}
		created, err := s.Create(ctx, pedro())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Delete(ctx, created.ID, store.IfMatch{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Update(ctx, created.ID, cliente.Changes{Telefono: set("5551234567")}, store.IfMatch{}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update deleted: err = %v, want ErrNotFound", err)
		}
		if _, err := s.Get(ctx, created.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update brought a deleted cliente back: get err = %v", err)
		}
		page, err := s.List(ctx, 0, 10)
		if err != nil || len(page.Clientes) != 0 {
			t.Fatalf("list = %+v, %v; want empty", page, err)
		}
	})
}

func TestDelete(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store, _ *dynamotest.Backend) {
		ctx := context.Background()
		created, err := s.Create(ctx, pedro())
		if err != nil {
			t.Fatal(err)
		}
		old, err := s.Delete(ctx, created.ID, store.IfMatch{})
		if err != nil || !reflect.DeepEqual(old, created) {
			t.Fatalf("delete = %+v, %v; want %+v", old, err, created)
		}
		if _, err := s.Delete(ctx, created.ID, store.IfMatch{}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: err = %v, want ErrNotFound", err)
		}
	})
}

func TestListPages(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store, _ *dynamotest.Backend) {
		ctx := context.Background()
		for range 12 { // past 9, where string order (1, 10, 2) would show
			if _, err := s.Create(ctx, pedro()); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Delete(ctx, 4, store.IfMatch{}); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		var pages int
		for after := int64(0); ; {
			page, err := s.List(ctx, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if len(page.Clientes) == 0 && page.Next != 0 {
				t.Fatal("an empty page that is not the last")
			}
			for _, c := range page.Clientes {
				ids = append(ids, c.ID)
			}
			if page.Next == 0 {
				break
			}
			after = page.Next
		}
		want := []int64{1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12}
		if len(ids) != len(want) || pages != 6 {
			t.Fatalf("listed %v in %d pages, want %v in 6", ids, pages, want)
		}
		for i := range want {
			if ids[i] != want[i] {
				t.Fatalf("listed %v, want %v", ids, want)
			}
		}
		// Exactly a full last page: known to be last without another request.
		page, err := s.List(ctx, 8, 4)
		if err != nil || len(page.Clientes) != 4 || page.Next != 0 {
			t.Fatalf("full last page = %+v, %v", page, err)
		}
		// After the last id, or after ids never issued: an empty last page.
		for _, after := range []int64{12, cliente.MaxID} {
			page, err := s.List(ctx, after, 50)
			if err != nil || len(page.Clientes) != 0 || page.Next != 0 {
				t.Fatalf("list after %d = %+v, %v", after, page, err)
			}
		}
	})
}
