package store_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/store"
)

// TestWritesAreNeverAppliedTwice: the SDK retries a write DynamoDB refused
// (throttling), never one that may have landed (a lost answer, a 500): the
// retry would apply it again over any write made in between. One read
// settles the outcome instead.
func TestWritesAreNeverAppliedTwice(t *testing.T) {
	eachTable(t, func(t *testing.T, tb table) {
		ctx := context.Background()
		f, counts := tb.b.Faults, tb.b.Counts
		defer f.Clear()
		for _, tc := range []struct {
			name, op string
			fault    func()
			tries    int
			ok       bool
		}{
			{"create, answer lost", "PutItem", func() { f.LoseResponse("PutItem", 1) }, 1, true},
			{"update, answer lost", "UpdateItem", func() { f.LoseResponse("UpdateItem", 1) }, 1, true},
			{"update, a 500 (not applied)", "UpdateItem", func() { f.Error("UpdateItem", "InternalServerError", 1) }, 1, false},
			{"update, throttled twice", "UpdateItem", func() { f.Error("UpdateItem", "ThrottlingException", 2) }, 3, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c, err := tb.s.Create(ctx, pedro())
				if err != nil {
					t.Fatal(err)
				}
				counts.Take()
				tc.fault()
				var got cliente.Cliente
				if tc.op == "PutItem" {
					got, err = tb.s.Create(ctx, pedro())
				} else {
					got, err = tb.s.Update(ctx, c.ID, cliente.Changes{Nombres: set("Eva")}, store.IfMatch{})
				}
				f.Clear()
				if n := counts.Take()[tc.op]; n != tc.tries {
					t.Errorf("%s tried %d times, want %d", tc.op, n, tc.tries)
				}
				if (err == nil) != tc.ok {
					t.Fatalf("= %+v, %v; want ok %v", got, err, tc.ok)
				}
				if tc.ok && storedTag(tb.raw(t, got.ID)) != got.ETag {
					t.Errorf("answered tag %s, stored %s", got.ETag, storedTag(tb.raw(t, got.ID)))
				}
			})
		}
	})
}

// interleaved applies a write, lets another request write, then loses the
// first write's answer: what a request sees when its connection drops after
// DynamoDB applied its write and before the settling read.
type interleaved struct {
	store.API
	op      string
	between func()
}

var errLost = &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}

func (w *interleaved) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if w.op != "PutItem" {
		return w.API.PutItem(ctx, in, o...)
	}
	if _, err := w.API.PutItem(ctx, in, o...); err != nil {
		return nil, err
	}
	w.between()
	return nil, errLost
}

func (w *interleaved) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if w.op != "UpdateItem" || in.Key["pk"].(*types.AttributeValueMemberS).Value != "cliente" {
		return w.API.UpdateItem(ctx, in, o...)
	}
	if _, err := w.API.UpdateItem(ctx, in, o...); err != nil {
		return nil, err
	}
	w.between()
	return nil, errLost
}

// TestSettledDespiteALaterWrite: a create whose answer is lost is its own
// once its id holds a cliente created at its instant, whatever was written
// since; an update whose answer is lost, with a later update over it, cannot
// be told from one that never landed, and answers a 5xx, leaving the later
// update in place.
func TestSettledDespiteALaterWrite(t *testing.T) {
	eachTable(t, func(t *testing.T, tb table) {
		ctx := context.Background()
		other := func() {
			if _, err := tb.s.Update(ctx, 1, cliente.Changes{Nombres: set("Otro")}, store.IfMatch{}); err != nil {
				t.Fatal(err)
			}
		}
		w := &interleaved{API: tb.db, op: "PutItem", between: other}
		c, err := store.New(w, tb.name, fixedClock()).Create(ctx, pedro())
		if err != nil || c.ID != 1 || c.Nombres != "Pedro" {
			t.Fatalf("create whose answer was lost after another write = %+v, %v; want its 201", c, err)
		}
		w.op = "UpdateItem"
		_, err = store.New(w, tb.name, fixedClock()).Update(ctx, 1, cliente.Changes{Apellidos: set("Nuevo")}, store.IfMatch{})
		if err == nil || errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update overwritten before it was settled: %v, want a failure", err)
		}
		if got, _ := tb.s.Get(ctx, 1); got.Nombres != "Otro" || got.Apellidos != "Nuevo" {
			t.Fatalf("stored %+v: the later update must stand", got)
		}
	})
}

// TestKeyedCreateLandedThenThrottled: the first transaction lands and its
// answer is lost; the retries are throttled. The cliente and its kept answer
// are stored, so the create answers 201.
func TestKeyedCreateLandedThenThrottled(t *testing.T) {
	s, b, _ := keyedStore(t)
	b.Faults.LoseResponse("TransactWriteItems", 1)
	b.Faults.Respond("TransactWriteItems", http.StatusBadRequest,
		`{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","message":"Transaction cancelled [ThrottlingError, None]","CancellationReasons":[{"Code":"ThrottlingError","Message":"throttled"},{"Code":"None"}]}`, -1)
	kept, _, err := s.CreateOnce(context.Background(), pedro(), "", "k", render)
	b.Faults.Clear()
	if err != nil || kept.ClienteID != 1 {
		t.Fatalf("= %+v, %v; want the 201 of cliente 1", kept, err)
	}
	again, replayed, err := s.CreateOnce(context.Background(), pedro(), "", "k", render)
	if err != nil || !replayed || again != kept {
		t.Fatalf("retry = %+v %v %v; want the kept answer", again, replayed, err)
	}
}

// TestStampedTagsOf110: the backfill stamps a tag 1.1.0 wrote, keeping it
// (the canary beside it still hands it out), so that a 1.0.0 write from
// then on makes it stale.
func TestStampedTagsOf110(t *testing.T) {
	eachTable(t, func(t *testing.T, tb table) {
		ctx := context.Background()
		tag := strings.Repeat("c", 24)
		tb.put100(t, 7, map[string]types.AttributeValue{"etag": s(tag)})
		done, err := tb.s.Backfill(ctx, 0)
		if err != nil || done.Stamped != 1 || done.Retagged != 0 || storedTag(tb.raw(t, 7)) != tag {
			t.Fatalf("backfill = %+v, %v; want 1.1.0's tag stamped and kept", done, err)
		}
		tb.update100(t, 7, "2024-03-05T15:30:00.000Z", "Cambiado por 1.0.0") // the same millisecond
		if _, err := tb.s.Update(ctx, 7, cliente.Changes{Nombres: set("Perdido")}, ifMatch(tag)); !errors.As(err, new(*store.StaleError)) {
			t.Fatalf("a stale 1.1.0 tag after a 1.0.0 write: %v, want 412", err)
		}
		again, err := tb.s.Backfill(ctx, 0)
		if err != nil || again.Stamped != 0 {
			t.Fatalf("second backfill = %+v, %v; want nothing to stamp", again, err)
		}
	})
}

// TestReadThatTagsSettlesItsWrite: a GET that tags a 1.0.0 cliente and
// loses the answer finds its tag by reading again; it never answers a 5xx
// after writing.
func TestReadThatTagsSettlesItsWrite(t *testing.T) {
	eachTable(t, func(t *testing.T, tb table) {
		tb.put100(t, 3, nil)
		tb.b.Faults.LoseResponse("UpdateItem", 1)
		tb.b.Faults.Error("UpdateItem", "InternalServerError", -1)
		c, err := tb.s.Get(context.Background(), 3)
		tb.b.Faults.Clear()
		if err != nil || c.ETag == "" || storedTag(tb.raw(t, 3)) != c.ETag {
			t.Fatalf("get = %+v, %v; stored tag %q", c, err, storedTag(tb.raw(t, 3)))
		}
	})
}
