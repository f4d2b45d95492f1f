package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/gateway"
	"github.com/clientes-api/clientes/internal/store"
)

// TestStartLogSaysWhere: the first line the server logs names the DynamoDB
// and the table it serves from, for each kind of DYNAMODB_ENDPOINT.
func TestStartLogSaysWhere(t *testing.T) {
	dynalite := dynamotest.Dynalite(t).Endpoint
	for _, tc := range []struct {
		endpoint, want string
	}{
		{"", "embedded minidyn at http://127.0.0.1:"},
		{dynalite, dynalite},
	} {
		var out syncBuffer
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		cfg := store.Config{Table: "start-log", Endpoint: tc.endpoint, Region: "us-east-1"}
		go func() { done <- run(ctx, ln, cfg, gateway.Throttle{}, slog.New(slog.NewJSONHandler(&out, nil))) }()
		var line struct{ Msg, Table, DynamoDB string }
		for deadline := time.Now().Add(10 * time.Second); line.Msg == "" && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
			if first, _, ok := strings.Cut(out.String(), "\n"); ok {
				if err := json.Unmarshal([]byte(first), &line); err != nil {
					t.Fatalf("%v: %s", err, first)
				}
			}
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if line.Msg != "serving the clientes API" || line.Table != "start-log" || !strings.HasPrefix(line.DynamoDB, tc.want) {
			t.Errorf("DYNAMODB_ENDPOINT=%q: first log line %+v, want the table and a dynamodb starting %q", tc.endpoint, line, tc.want)
		}
	}
}

// TestAWSIsAskedFor: DYNAMODB_ENDPOINT=aws goes to AWS, never to the embedded
// minidyn; without credentials it stops at once and says why.
func TestAWSIsAskedFor(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var out syncBuffer
	err = run(context.Background(), ln, store.Config{Table: "t", Endpoint: awsEndpoint, Region: "eu-west-1"}, gateway.Throttle{}, slog.New(slog.NewJSONHandler(&out, nil)))
	if err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Errorf("run with DYNAMODB_ENDPOINT=aws and no credentials = %v, want an error naming AWS_ACCESS_KEY_ID", err)
	}
	if out.Len() != 0 {
		t.Errorf("it logged %s", out.String())
	}
}

// syncBuffer is a bytes.Buffer the server's goroutine writes while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

// TestOpeningATableBackfillsIt: make run over a table an earlier release
// wrote gives its clientes their tags before it serves, as a deploy does.
func TestOpeningATableBackfillsIt(t *testing.T) {
	b := dynamotest.Dynalite(t)
	db := b.Client(t)
	table := b.Table(t, db)
	ctx := context.Background()
	item := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "cliente"}, "id": &types.AttributeValueMemberS{Value: "0000000000000001"},
		"nombres": &types.AttributeValueMemberS{Value: "Ana"}, "apellidos": &types.AttributeValueMemberS{Value: "Gómez"},
		"created_at": &types.AttributeValueMemberS{Value: "2024-03-05T15:30:00.000Z"},
		"updated_at": &types.AttributeValueMemberS{Value: "2024-03-05T15:30:00.000Z"},
		"token_alta": &types.AttributeValueMemberS{Value: "0123456789abcdef0123456789abcdef"},
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- run(runCtx, ln, store.Config{Table: table, Endpoint: b.Endpoint, Region: "us-east-1"}, gateway.Throttle{}, slog.New(slog.NewJSONHandler(&out, nil)))
	}()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), "serving") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"backfill":{"read":1,"retagged":1,"stamped":0,"unreadable_ids":null}`) {
		t.Errorf("start-up log: %s", out.String())
	}
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: map[string]types.AttributeValue{"pk": item["pk"], "id": item["id"]}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if tag, ok := got.Item["etag"].(*types.AttributeValueMemberS); !ok || !store.IsETag(tag.Value) {
		t.Fatalf("after start-up: %v, want an etag", got.Item)
	}
}

// TestStoreOnAWSTrustsOldItems: with DYNAMODB_ENDPOINT=aws the store knows
// that a failed condition returns the item, and reads nothing more; on an
// emulator it reads once to tell a 412 from a 404. minidyn, which returns no
// item from a failed DeleteItem, shows which store it is.
func TestStoreOnAWSTrustsOldItems(t *testing.T) {
	b := dynamotest.Minidyn(t)
	db := b.Client(t)
	table := b.Table(t, db)
	for _, tc := range []struct {
		endpoint string
		reads    int
	}{
		{awsEndpoint, 0},
		{b.Endpoint, 1},
	} {
		s := newStore(db, store.Config{Table: table, Endpoint: tc.endpoint})
		c, err := s.Create(context.Background(), cliente.Changes{Nombres: set("A"), Apellidos: set("B")})
		if err != nil {
			t.Fatal(err)
		}
		b.Counts.Take()
		s.Delete(context.Background(), c.ID, store.IfMatch{Checked: true, Tags: []string{"000000000000000000000000"}})
		if got := b.Counts.Take(); got["DeleteItem"] != 1 || got["GetItem"] != tc.reads {
			t.Errorf("DYNAMODB_ENDPOINT=%s: a failed If-Match made %v, want %d GetItem", tc.endpoint, got, tc.reads)
		}
	}
}

func set(v string) cliente.Field { return cliente.Field{Set: true, Value: &v} }
