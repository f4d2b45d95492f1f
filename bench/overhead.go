package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/store"
)

// overhead is what a route's handler adds over the DynamoDB calls its store
// makes, in-process: the route's Lambda handler (api.Lambda over the route's
// net/http handler, the store, the SDK, minidyn over loopback) against the
// same SDK calls replayed bare, with the same client on the same minidyn.
type overhead struct {
	path, bare []float64 // µs per request, one per repetition
	diff       []float64 // ms, path − bare, one per repetition
}

// replay is one DynamoDB call as the store made it, made again; id is a
// fresh cliente id for the calls whose key must change each time (delete).
type replay func(ctx context.Context, id int64) error

// recorder passes the store's calls on and keeps a replay of each.
type recorder struct {
	store.API
	calls []replay
}

func (r *recorder) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c := *in
	r.calls = append(r.calls, func(ctx context.Context, _ int64) error { _, err := r.API.GetItem(ctx, &c); return err })
	return r.API.GetItem(ctx, in, o...)
}

func (r *recorder) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c := *in
	r.calls = append(r.calls, func(ctx context.Context, _ int64) error { _, err := r.API.Query(ctx, &c); return err })
	return r.API.Query(ctx, in, o...)
}

func (r *recorder) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c := *in
	r.calls = append(r.calls, func(ctx context.Context, _ int64) error { _, err := r.API.PutItem(ctx, &c); return err })
	return r.API.PutItem(ctx, in, o...)
}

func (r *recorder) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c := *in
	r.calls = append(r.calls, func(ctx context.Context, _ int64) error { _, err := r.API.UpdateItem(ctx, &c); return err })
	return r.API.UpdateItem(ctx, in, o...)
}

func (r *recorder) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c := *in
	width := len(in.Key[store.SortKey].(*types.AttributeValueMemberS).Value)
	r.calls = append(r.calls, func(ctx context.Context, id int64) error {
		k := *in
		k.Key = map[string]types.AttributeValue{store.PartitionKey: c.Key[store.PartitionKey],
			store.SortKey: &types.AttributeValueMemberS{Value: fmt.Sprintf("%0*d", width, id)}}
		_, err := r.API.DeleteItem(ctx, &k)
		return err
	})
	return r.API.DeleteItem(ctx, in, o...)
}

// measureOverhead seeds a table of its own and measures each function's
// route reps times, c.overheadOps requests of each kind per repetition,
// path and bare in alternating order.
func measureOverhead(ctx context.Context, db *dynamo, c config) (map[string]*overhead, error) {
	const name = "overhead"
	if err := store.CreateTable(ctx, db.client, name); err != nil {
		return nil, err
	}
	seed := 10 + 1 + 2*c.reps*c.overheadOps // one id per delete
	s := store.New(db.client, name, nil)
	for i := range seed {
		changes, _ := cliente.DecodeCreate(fmt.Appendf(nil, `{"nombres":"Ana %d","apellidos":"García","email":"ana%d@example.com"}`, i, i))
		if _, err := s.Create(ctx, changes); err != nil {
			return nil, err
		}
	}
	// The functions write one JSON log line per request: format it, as
	// they do, into io.Discard.
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "8476a536-e9f4-11e8-9739-2dfe598c3fcd"})
	nextID := int64(seed)
	out := map[string]*overhead{}
	for _, t := range functions() {
		raw, err := os.ReadFile(filepath.Join("events", t.event+".json"))
		if err != nil {
			return nil, err
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, err
		}
		rec := &recorder{API: db.client}
		h := api.Lambda(t.route.Handler(store.New(rec, name, nil), log), log)
		path := func(id int64) error {
			if t.name == "delete" {
				ev.PathParameters = map[string]string{"id": strconv.FormatInt(id, 10)}
				ev.RawPath = "/api/clientes/" + ev.PathParameters["id"]
				ev.RequestContext.HTTP.Path = ev.RawPath
			}
			resp, err := h(ctx, ev)
			if err == nil && resp.StatusCode != t.status {
				err = fmt.Errorf("%s answered %d %s", t.name, resp.StatusCode, resp.Body)
			}
			return err
		}
		if err := path(nextID); err != nil { // records the calls to replay
			return nil, err
		}
		if t.name == "delete" {
			nextID--
		}
		calls := rec.calls
		bare := func(id int64) error {
			for _, call := range calls {
				if err := call(ctx, id); err != nil {
					return fmt.Errorf("%s, bare: %v", t.name, err)
				}
			}
			return nil
		}
		o := &overhead{}
		for rep := range c.reps {
			var us [2]float64
			for i := range 2 {
				run := [2]func(int64) error{path, bare}[(i+rep)%2]
				start := time.Now()
				for range c.overheadOps {
					if err := run(nextID); err != nil {
						return nil, err
					}
					if t.name == "delete" {
						nextID--
					}
				}
				us[(i+rep)%2] = float64(time.Since(start).Microseconds()) / float64(c.overheadOps)
			}
			o.path, o.bare = append(o.path, us[0]), append(o.bare, us[1])
			o.diff = append(o.diff, (us[0]-us[1])/1000)
		}
		out[t.name] = o
	}
	return out, nil
}
