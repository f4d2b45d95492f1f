package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	miniserver "github.com/truora/minidyn/server"

	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/store"
)

const table = "clientes"

// dynamo is minidyn served over loopback HTTP by this process: requests are
// counted by dynamotest.Counts, and their capacity units worked out by units.
type dynamo struct {
	endpoint string
	counts   *dynamotest.Counts
	units    *units
	client   *dynamodb.Client
	srv      *http.Server
	seeded   int
	floorKey string // SDKFLOOR_KEY: the key of cliente 1, as the store writes it
}

func startDynamo(ctx context.Context, seed int) (*dynamo, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d := &dynamo{endpoint: "http://" + ln.Addr().String(), counts: &dynamotest.Counts{}, units: &units{}}
	d.srv = &http.Server{Handler: d.counts.Wrap(d.units.wrap(miniserver.NewServer())), ReadHeaderTimeout: 10 * time.Second}
	go d.srv.Serve(ln)
	d.client, err = store.NewClient(store.Config{Endpoint: d.endpoint, Region: "us-east-1"},
		// minidyn sends no X-Amz-Crc32 header to check responses against.
		func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	if err != nil {
		return nil, err
	}
	if err := store.CreateTable(ctx, d.client, table); err != nil {
		return nil, err
	}
	s := store.New(d.client, table, nil)
	for i := 1; i <= seed; i++ {
		changes, err := cliente.DecodeCreate(fmt.Appendf(nil,
			`{"nombres":"Ana María","apellidos":"García López","telefono":"+52 (55) 1234-%04d","email":"ana.garcia%d@example.com"}`, i%10000, i))
		if err != nil {
			return nil, err
		}
		if _, err := s.Create(ctx, changes); err != nil {
			return nil, err
		}
	}
	d.seeded = seed
	rec := &keyRecorder{API: d.client}
	if _, err := store.New(rec, table, nil).Get(ctx, 1); err != nil {
		return nil, err
	}
	key := map[string]map[string]string{}
	for name, v := range rec.key {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return nil, fmt.Errorf("key attribute %s is %T, not S", name, v)
		}
		key[name] = map[string]string{"S": s.Value}
	}
	k, _ := json.Marshal(key)
	d.floorKey = string(k)
	d.take()
	return d, nil
}

// keyRecorder keeps the key of the store's last GetItem.
type keyRecorder struct {
	store.API
	key map[string]types.AttributeValue
}

func (r *keyRecorder) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	r.key = in.Key
	return r.API.GetItem(ctx, in, opts...)
}

func (d *dynamo) close() { d.srv.Close() }

// usage is what a stretch of requests cost: first attempts by operation,
// the SDK's further attempts, and the capacity units of all.
type usage struct {
	trips    map[string]int
	retries  int
	rcu, wcu float64
}

// take returns the usage since the last take.
func (d *dynamo) take() usage {
	d.units.mu.Lock()
	defer d.units.mu.Unlock()
	u := usage{trips: d.counts.Take(), rcu: d.units.rcu, wcu: d.units.wcu}
	for op, n := range d.units.retries {
		u.trips[op] -= n
		u.retries += n
	}
	d.units.retries, d.units.rcu, d.units.wcu = nil, 0, 0
	return u
}

// units works out the read and write units each request would consume on
// DynamoDB on demand, from the sizes of the items in its request and
// response (minidyn reports no ConsumedCapacity), and counts the SDK's
// retries (amz-sdk-request: attempt=2 and on) by operation.
type units struct {
	mu       sync.Mutex
	retries  map[string]int
	rcu, wcu float64
}

func (u *units) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Item           map[string]json.RawMessage
			ConsistentRead bool
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		json.Unmarshal(body, &in)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())

		var out struct {
			Item, Attributes map[string]json.RawMessage
			Items            []map[string]json.RawMessage
		}
		json.Unmarshal(rec.Body.Bytes(), &out)
		op := dynamotest.Operation(r)
		read := 0.5 // eventually consistent reads cost half
		if in.ConsistentRead {
			read = 1
		}
		var rcu, wcu float64
		switch op {
		case "GetItem":
			rcu = read * readUnits(itemSize(out.Item))
		case "Query":
			n := 0
			for _, it := range out.Items {
				n += itemSize(it)
			}
			rcu = read * readUnits(n)
		case "PutItem":
			wcu = writeUnits(itemSize(in.Item))
		case "UpdateItem", "DeleteItem":
			wcu = writeUnits(itemSize(out.Attributes))
		}
		u.mu.Lock()
		defer u.mu.Unlock()
		if a := r.Header.Get("Amz-Sdk-Request"); a != "" && !strings.HasPrefix(a, "attempt=1;") {
			if u.retries == nil {
				u.retries = map[string]int{}
			}
			u.retries[op]++
		}
		u.rcu += rcu
		u.wcu += wcu
	})
}

// readUnits: one strongly consistent read unit per 4 KB read, rounded up,
// at least one (a GetItem that finds nothing still costs one).
func readUnits(size int) float64 { return max(1, math.Ceil(float64(size)/4096)) }

// writeUnits: one write unit per 1 KB written, rounded up, at least one.
func writeUnits(size int) float64 { return max(1, math.Ceil(float64(size)/1024)) }

// itemSize is an item's size as DynamoDB counts it ("Item sizes and
// formats"): each attribute name's UTF-8 length plus its value's: strings
// their length, numbers 1 byte per two significant digits plus 1, booleans
// and NULL 1 byte, lists and maps 3 bytes plus 1 per element plus contents.
func itemSize(item map[string]json.RawMessage) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(raw json.RawMessage) int {
	var av map[string]json.RawMessage
	if json.Unmarshal(raw, &av) != nil {
		return 0
	}
	n := 0
	for typ, v := range av {
		switch typ {
		case "S", "N":
			var s string
			json.Unmarshal(v, &s)
			if typ == "N" {
				s = strings.Trim(strings.Replace(strings.TrimLeft(s, "+-"), ".", "", 1), "0")
				n += (len(s)+1)/2 + 1
			} else {
				n += len(s)
			}
		case "BOOL", "NULL":
			n++
		case "L":
			var list []json.RawMessage
			json.Unmarshal(v, &list)
			n += 3
			for _, e := range list {
				n += 1 + valueSize(e)
			}
		case "M":
			var m map[string]json.RawMessage
			json.Unmarshal(v, &m)
			n += 3 + itemSize(m) + len(m)
		}
	}
	return n
}
