package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/store"
)

// These tests write items the way earlier releases write them, with those
// releases' own expressions, to pin the store's side of each rule; the
// proof with the earlier releases' own code, built from git, and their
// captured items is in internal/releases.

// table is a fresh table on b, with a store over it and a raw client.
type table struct {
	s    *store.Store
	db   *dynamodb.Client
	name string
	b    *dynamotest.Backend
}

func eachTable(t *testing.T, test func(t *testing.T, tb table)) {
	for _, b := range dynamotest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Client(t)
			name := b.Table(t, db)
			test(t, table{store.New(db, name, fixedClock()), db, name, b})
		})
	}
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func sk(id int64) string { return fmt.Sprintf("%016d", id) }

func (tb table) key(id int64) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": s("cliente"), "id": s(sk(id))}
}

// put100 stores a cliente as 1.0.0's create did: token_alta, no etag, no
// telefono or email when none was given.
func (tb table) put100(t *testing.T, id int64, extra map[string]types.AttributeValue) {
	t.Helper()
	item := tb.key(id)
	for k, v := range map[string]types.AttributeValue{
		"nombres": s("Ana"), "apellidos": s("Gómez"), "created_at": s("2024-03-05T15:30:00.000Z"),
		"updated_at": s("2024-03-05T15:30:00.000Z"), "token_alta": s("0123456789abcdef0123456789abcdef"),
	} {
		item[k] = v
	}
	for k, v := range extra {
		item[k] = v
	}
	if _, err := tb.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: &tb.name, Item: item}); err != nil {
		t.Fatal(err)
	}
}

// update100 is 1.0.0's update: SET updated_at and the fields, on an item
// that exists; it never touches etag.
func (tb table) update100(t *testing.T, id int64, updatedAt, nombres string) {
	t.Helper()
	_, err := tb.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: &tb.name, Key: tb.key(id),
		UpdateExpression:          aws.String("SET #updated_at = :updated_at, #nombres = :nombres"),
		ConditionExpression:       aws.String("attribute_exists(#id)"),
		ExpressionAttributeNames:  map[string]string{"#id": "id", "#updated_at": "updated_at", "#nombres": "nombres"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":updated_at": s(updatedAt), ":nombres": s(nombres)},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// update110 is 1.1.0's update: a new etag with every write, no stamp.
func (tb table) update110(t *testing.T, id int64, etag, nombres string) {
	t.Helper()
	_, err := tb.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: &tb.name, Key: tb.key(id),
		UpdateExpression:         aws.String("SET #updated_at = :updated_at, #etag = :etag, #nombres = :nombres"),
		ConditionExpression:      aws.String("attribute_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": "id", "#updated_at": "updated_at", "#etag": "etag", "#nombres": "nombres"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":updated_at": s(cliente.Timestamp(time.Now())), ":etag": s(etag), ":nombres": s(nombres)},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (tb table) raw(t *testing.T, id int64) map[string]types.AttributeValue {
	t.Helper()
	out, err := tb.db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: &tb.name, Key: tb.key(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

func storedTag(item map[string]types.AttributeValue) string {
	if v, ok := item["etag"].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func ifMatch(tags ...string) store.IfMatch { return store.IfMatch{Checked: true, Tags: tags} }

func TestClientesOf100AreServed(t *testing.T) {
	eachTable(t, func(t *testing.T, tb table) {
		ctx := context.Background()
		tb.put100(t, 1, nil)
		tb.put100(t, 2, map[string]types.AttributeValue{"telefono": s("+5559876543")})
		tb.put100(t, 3, nil)

		page, err := tb.s.List(ctx, 0, 10)
		if err != nil || len(page.Clientes) != 3 || page.Clientes[0].Telefono != nil || *page.Clientes[1].Telefono != "+5559876543" {
			t.Fatalf("list = %+v, %v", page, err)
		}
		c, err := tb.s.Get(ctx, 1)
		if err != nil || !store.IsETag(c.ETag) {
			t.Fatalf("get = %+v, %v; want a cliente with a tag", c, err)
		}
		if got := storedTag(tb.raw(t, 1)); got != c.ETag {
			t.Fatalf("stored tag %q, handed out %q: the tag must be stored, for 1.1.0 to accept it", got, c.ETag)
		}
		again, err := tb.s.Get(ctx, 1)
		if err != nil || again.ETag != c.ETag {
			t.Fatalf("second get = %+v, %v; want the same tag %s", again, err, c.ETag)
		}
		if _, err := tb.s.Update(ctx, 1, cliente.Changes{Nombres: set("Eva")}, ifMatch("000000000000000000000000")); !isStale(err, c.ETag) {
			t.Fatalf("update with a made-up tag: %v, want a 412 naming %s", err, c.ETag)
		}
		u, err := tb.s.Update(ctx, 1, cliente.Changes{Nombres: set("Eva")}, ifMatch(c.ETag))
		if err != nil || u.Nombres != "Eva" || u.ETag == c.ETag || u.Telefono != nil {
			t.Fatalf("update with the current tag = %+v, %v", u, err)
		}
		// A first write without If-Match, and a 412 on a cliente with no tag yet.
		u, err = tb.s.Update(ctx, 2, cliente.Changes{Email: set("ana@example.com")}, store.IfMatch{})
		if err != nil || !store.IsETag(u.ETag) || *u.Telefono != "+5559876543" || *u.Email != "ana@example.com" {
			t.Fatalf("update of 2 = %+v, %v", u, err)
		}
		_, err = tb.s.Update(ctx, 3, cliente.Changes{Nombres: set("Eva")}, ifMatch("000000000000000000000000"))
		var stale *store.StaleError
		if !errors.As(err, &stale) || stale.ETag != storedTag(tb.raw(t, 3)) {
			t.Fatalf("412 on an untagged cliente: %v; want the tag it now has (%q)", err, storedTag(tb.raw(t, 3)))
		}
		d, err := tb.s.Delete(ctx, 3, store.IfMatch{})
		if err != nil || d.ID != 3 || d.Nombres != "Ana" {
			t.Fatalf("delete = %+v, %v", d, err)
		}
	})
}

func isStale(err error, current string) bool {
	var stale *store.StaleError
	return errors.As(err, &stale) && stale.ETag == current
}

// TestA100WriteMakesTagsStale: 1.0.0 never touches etag, even in the very
// millisecond of this release's write; its write must still make the tag
// stale, and the next read hands out a new one.
func TestA100WriteMakesTagsStale(t *testing.T) {
	eachTable(t, func(t *testing.T, tb table) {
		ctx := context.Background()
		c, err := tb.s.Create(ctx, pedro())
		if err != nil {
			t.Fatal(err)
		}
		tb.update100(t, c.ID, c.UpdatedAt, "Pablo") // same millisecond
		if _, err := tb.s.Update(ctx, c.ID, cliente.Changes{Apellidos: set("X")}, ifMatch(c.ETag)); err == nil {
			t.Fatal("a stale tag matched after a 1.0.0 write in the same millisecond")
		}
		if _, err := tb.s.Delete(ctx, c.ID, ifMatch(c.ETag)); err == nil {
			t.Fatal("a stale tag deleted after a 1.0.0 write")
		}
		g, err := tb.s.Get(ctx, c.ID)
		if err != nil || g.ETag == c.ETag || g.Nombres != "Pablo" {
			t.Fatalf("get after a 1.0.0 write = %+v, %v; want a new tag", g, err)
		}
		if _, err := tb.s.Update(ctx, c.ID, cliente.Changes{Apellidos: set("X")}, ifMatch(g.ETag)); err != nil {
			t.Fatalf("the new tag: %v", err)
		}
	})
}

// TestTagsAcross110: 1.1.0 renews etag on every write and knows no stamp;
// its tag is current for this release until the next write.
func TestTagsAcross110(t *testing.T) {
	eachTable(t, func(t *testing.T, tb table) {
		ctx := context.Background()
		c, err := tb.s.Create(ctx, pedro())
		if err != nil {
			t.Fatal(err)
		}
		const tag110 = "aaaaaaaaaaaaaaaaaaaaaaaa"
		tb.update110(t, c.ID, tag110, "Pablo")
		if _, err := tb.s.Update(ctx, c.ID, cliente.Changes{Apellidos: set("X")}, ifMatch(c.ETag)); !isStale(err, tag110) {
			t.Fatalf("our tag after a 1.1.0 write: %v, want 412 naming 1.1.0's", err)
		}
		g, err := tb.s.Get(ctx, c.ID)
		if err != nil || g.ETag != tag110 {
			t.Fatalf("get = %+v, %v; want 1.1.0's tag, as stored", g, err)
		}
		u, err := tb.s.Update(ctx, c.ID, cliente.Changes{Apellidos: set("X")}, ifMatch(tag110))
		if err != nil {
			t.Fatalf("1.1.0's current tag refused: %v", err)
		}
		if storedTag(tb.raw(t, c.ID)) != u.ETag {
			t.Fatal("the tag handed out is not the stored one")
		}
	})
}

// TestUnreadableItemsAreLeftAlone: a write never lands on an item whose
// answer would be a 500.
func TestUnreadableItemsAreLeftAlone(t *testing.T) {
	eachTable(t, func(t *testing.T, tb table) {
		ctx := context.Background()
		tb.put100(t, 1, map[string]types.AttributeValue{"nombres": &types.AttributeValueMemberN{Value: "7"}})
		before := tb.raw(t, 1)
		for name, write := range map[string]func() error{
			"update": func() error {
				_, err := tb.s.Update(ctx, 1, cliente.Changes{Apellidos: set("X")}, store.IfMatch{})
				return err
			},
			"delete": func() error { _, err := tb.s.Delete(ctx, 1, store.IfMatch{}); return err },
			"update if-match": func() error {
				_, err := tb.s.Update(ctx, 1, cliente.Changes{Apellidos: set("X")}, ifMatch("000000000000000000000000"))
				return err
			},
		} {
			err := write()
			if err == nil || errors.Is(err, store.ErrNotFound) || errors.As(err, new(*store.StaleError)) {
				t.Errorf("%s of an unreadable item: %v, want a plain failure", name, err)
			}
			if after := tb.raw(t, 1); len(after) != len(before) || storedTag(after) != "" {
				t.Errorf("%s wrote: %v", name, after)
			}
		}
		if _, err := tb.s.Update(ctx, 2, cliente.Changes{Apellidos: set("X")}, store.IfMatch{}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update of a missing id: %v", err)
		}
	})
}

// TestUnknownOutcomesAreSettled: when every attempt's answer is lost after
// DynamoDB applied the write, the write is found by its tag and reported as
// done; a delete is found done by the cliente's absence.
func TestUnknownOutcomesAreSettled(t *testing.T) {
	eachTable(t, func(t *testing.T, tb table) {
		ctx := context.Background()
		defer tb.b.Faults.Clear()
		tb.b.Faults.LoseResponse("PutItem", -1)
		c, err := tb.s.Create(ctx, pedro())
		tb.b.Faults.Clear()
		if err != nil || storedTag(tb.raw(t, c.ID)) != c.ETag {
			t.Fatalf("create with every answer lost = %+v, %v; want it reported as created", c, err)
		}
		tb.b.Faults.LoseResponse("UpdateItem", -1)
		u, err := tb.s.Update(ctx, c.ID, cliente.Changes{Nombres: set("Eva")}, ifMatch(c.ETag))
		tb.b.Faults.Clear()
		if err != nil || u.Nombres != "Eva" || storedTag(tb.raw(t, c.ID)) != u.ETag {
			t.Fatalf("update with every answer lost = %+v, %v", u, err)
		}
		tb.b.Faults.LoseResponse("DeleteItem", -1)
		_, err = tb.s.Delete(ctx, c.ID, store.IfMatch{})
		tb.b.Faults.Clear()
		if !errors.Is(err, store.ErrNotFound) || tb.raw(t, c.ID) != nil {
			t.Fatalf("delete with every answer lost: %v; want it gone and told as not found", err)
		}
		// The request's context ends while DynamoDB applies the write: the
		// settling read outlives it.
		tb.b.Faults.Stall("PutItem", time.Second, 1)
		short, cancel := context.WithTimeout(ctx, store.SettleReserve+100*time.Millisecond)
		defer cancel()
		c, err = tb.s.Create(short, pedro())
		if err != nil || storedTag(tb.raw(t, c.ID)) != c.ETag {
			t.Fatalf("create whose context ended meanwhile = %+v, %v", c, err)
		}
	})
}

func TestBackfill(t *testing.T) {
	eachTable(t, func(t *testing.T, tb table) {
		ctx := context.Background()
		for id := int64(1); id <= 5; id++ {
			tb.put100(t, id, nil)
		}
		tb.put100(t, 6, map[string]types.AttributeValue{"apellidos": &types.AttributeValueMemberN{Value: "1"}})
		c, err := tb.s.Get(ctx, 1) // tagged before the backfill
		if err != nil {
			t.Fatal(err)
		}
		tb.update100(t, 1, "2030-01-01T00:00:00.000Z", "Pablo") // and made stale
		done, err := tb.s.Backfill(ctx, 0)
		if err != nil || done.Read != 5 || done.Retagged != 5 || len(done.Unreadable) != 1 || done.Unreadable[0] != 6 || done.Next != 0 {
			t.Fatalf("backfill = %+v, %v", done, err)
		}
		for id := int64(1); id <= 5; id++ {
			if tag := storedTag(tb.raw(t, id)); !store.IsETag(tag) || id == 1 && tag == c.ETag {
				t.Errorf("cliente %d: tag %q after the backfill", id, tag)
			}
		}
		again, err := tb.s.Backfill(ctx, 0)
		if err != nil || again.Retagged != 0 {
			t.Fatalf("second backfill = %+v, %v; want nothing to do", again, err)
		}
	})
}
