package api_test

// Benchmarks of the whole request path of a function, in-process: an API
// Gateway payload 2.0 event → api.Lambda(route.Handler(store)) → the store →
// the AWS SDK → minidyn over loopback HTTP, against the bare SDK call the
// store makes for that route, with the same client on the same minidyn. The
// difference is what the handler adds per request (event adaptation, routing,
// parsing, JSON in and out, the log line). `make test` runs them once so they
// keep working; `make bench` measures the same difference for all five routes
// on its own, with spread. Nothing here asserts a time.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/store"
)

// benchEnv is one minidyn with a seeded table, a store over it and the
// client the store uses.
type benchEnv struct {
	db     *benchRecorder
	store  *store.Store
	counts *dynamotest.Counts
	log    *slog.Logger
}

// benchRecorder passes the store's calls to the client and keeps the last input
// of each read and update, so that the bare benchmarks replay exactly the
// request the store makes, whatever its key format or expressions.
type benchRecorder struct {
	*dynamodb.Client
	get    *dynamodb.GetItemInput
	update *dynamodb.UpdateItemInput
	query  *dynamodb.QueryInput
}

func (r *benchRecorder) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	r.get = in
	return r.Client.GetItem(ctx, in, opts...)
}

func (r *benchRecorder) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	r.update = in
	return r.Client.UpdateItem(ctx, in, opts...)
}

func (r *benchRecorder) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	r.query = in
	return r.Client.Query(ctx, in, opts...)
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	backend := dynamotest.Minidyn(b)
	client := backend.Client(b)
	// The functions write one JSON log line per request; format it as they
	// do, into io.Discard, rather than skip it as the tests do.
	e := &benchEnv{db: &benchRecorder{Client: client}, counts: backend.Counts, log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	e.store = store.New(e.db, backend.Table(b, client), nil)
	ctx := context.Background()
	for i := range 60 {
		changes, err := cliente.DecodeCreate(fmt.Appendf(nil,
			`{"nombres":"Ana %d","apellidos":"García","telefono":"(555) 123-4567","email":"ana%d@example.com"}`, i, i))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.store.Create(ctx, changes); err != nil {
			b.Fatal(err)
		}
	}
	// Record the requests of the fixtures: get-ok reads 1, update-ok
	// updates 2, list-ok lists 2.
	changes, err := cliente.DecodeUpdate([]byte(benchEvent(b, "update-ok").Body))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.store.Get(ctx, 1); err != nil {
		b.Fatal(err)
	}
	if _, err := e.store.Update(ctx, 2, changes, store.IfMatch{}); err != nil {
		b.Fatal(err)
	}
	if _, err := e.store.List(ctx, 0, 2); err != nil {
		b.Fatal(err)
	}
	return e
}

// benchEvent reads one of the events/ fixtures.
func benchEvent(b *testing.B, name string) events.APIGatewayV2HTTPRequest {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", name+".json"))
	if err != nil {
		b.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		b.Fatal(err)
	}
	return ev
}

// benchContext is what the runtime hands a handler: a deadline and the
// Lambda request id.
func benchContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	return lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "8476a536-e9f4-11e8-9739-2dfe598c3fcd"}), cancel
}

// runPath invokes the route's Lambda handler with ev b.N times.
func (e *benchEnv) runPath(b *testing.B, rt api.Route, ev events.APIGatewayV2HTTPRequest, status int) {
	h := api.Lambda(rt.Handler(e.store, e.log), e.log)
	ctx, cancel := benchContext()
	defer cancel()
	e.counts.Take()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		resp, err := h(ctx, ev)
		if err != nil || resp.StatusCode != status {
			b.Fatalf("%s: %d %s (%v)", rt.Key(), resp.StatusCode, resp.Body, err)
		}
		n++
	}
	e.reportTrips(b, n)
}

// runBare makes the SDK call alone b.N times.
func (e *benchEnv) runBare(b *testing.B, call func(context.Context) error) {
	ctx := context.Background()
	e.counts.Take()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if err := call(ctx); err != nil {
			b.Fatal(err)
		}
		n++
	}
	e.reportTrips(b, n)
}

func (e *benchEnv) reportTrips(b *testing.B, n int) {
	if n > 0 {
		b.ReportMetric(float64(dynamotest.Total(e.counts.Take()))/float64(n), "trips/op")
	}
}

// BenchmarkGet: GET /api/clientes/1 (events/get-ok.json) against the
// consistent GetItem the store makes for it.
func BenchmarkGet(b *testing.B) {
	e := newBenchEnv(b)
	b.Run("path", func(b *testing.B) { e.runPath(b, api.Get, benchEvent(b, "get-ok"), 200) })
	in := *e.db.get
	b.Run("bare-sdk", func(b *testing.B) {
		e.runBare(b, func(ctx context.Context) error {
			out, err := e.db.Client.GetItem(ctx, &in)
			if err == nil && out.Item == nil {
				err = fmt.Errorf("no item")
			}
			return err
		})
	})
}

// BenchmarkUpdate: PUT /api/clientes/2 (events/update-ok.json) against the
// conditional UpdateItem the store makes for it.
func BenchmarkUpdate(b *testing.B) {
	e := newBenchEnv(b)
	b.Run("path", func(b *testing.B) { e.runPath(b, api.Update, benchEvent(b, "update-ok"), 200) })
	in := *e.db.update
	b.Run("bare-sdk", func(b *testing.B) {
		e.runBare(b, func(ctx context.Context) error {
			_, err := e.db.Client.UpdateItem(ctx, &in)
			return err
		})
	})
}

// BenchmarkList: GET /api/clientes?limit=2 (events/list-ok.json) against the
// consistent Query of limit+1 items the store makes for it.
func BenchmarkList(b *testing.B) {
	e := newBenchEnv(b)
	b.Run("path", func(b *testing.B) { e.runPath(b, api.List, benchEvent(b, "list-ok"), 200) })
	in := *e.db.query
	b.Run("bare-sdk", func(b *testing.B) {
		e.runBare(b, func(ctx context.Context) error {
			out, err := e.db.Client.Query(ctx, &in)
			if err == nil && len(out.Items) != 3 {
				err = fmt.Errorf("query read %d items, want 3", len(out.Items))
			}
			return err
		})
	})
}
