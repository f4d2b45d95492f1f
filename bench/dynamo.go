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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	miniserver "github.com/truora/minidyn/server"

	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/store"
)

const table = "clientes"

// dynamo is minidyn served over loopback HTTP by this process, behind a
// meter that counts each request and computes its capacity units.
type dynamo struct {
	endpoint string
	meter    *meter
	srv      *http.Server
	seeded   int
	floorKey string // SDKFLOOR_KEY: the key of cliente 1
}

func startDynamo(ctx context.Context, seed int) (*dynamo, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	m := &meter{mini: miniserver.NewServer()}
	d := &dynamo{endpoint: "http://" + ln.Addr().String(), meter: m,
		srv: &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}}
	go d.srv.Serve(ln)
	db, err := store.NewClient(store.Config{Endpoint: d.endpoint, Region: "us-east-1"},
		// minidyn sends no X-Amz-Crc32 header to check responses against.
		func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	if err != nil {
		return nil, err
	}
	if err := store.CreateTable(ctx, db, table); err != nil {
		return nil, err
	}
	s := store.New(db, table, nil)
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
	// The key of cliente 1, as the store writes it, for sdkfloor to read.
	rec := &keyRecorder{API: db}
	if _, err := store.New(rec, table, nil).Get(ctx, 1); err != nil {
		return nil, err
	}
	key := map[string]map[string]string{}
	for name, v := range rec.key {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			key[name] = map[string]string{"S": v.Value}
		case *types.AttributeValueMemberN:
			key[name] = map[string]string{"N": v.Value}
		default:
			return nil, fmt.Errorf("key attribute %s is %T, neither S nor N", name, v)
		}
	}
	k, _ := json.Marshal(key)
	d.floorKey = string(k)
	m.take()
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

// request is one DynamoDB request as the meter saw it.
type request struct {
	op       string
	retry    bool // a second or later attempt of the SDK (amz-sdk-request: attempt=N)
	rcu, wcu float64
}

// meter counts DynamoDB requests by operation (X-Amz-Target) and computes the
// read and write units each would consume on DynamoDB on demand, following
// its documented rules, from the sizes of the items involved. minidyn does
// not report ConsumedCapacity itself.
type meter struct {
	mini http.Handler
	mu   sync.Mutex // one request at a time: the units need before and after
	reqs []request
}

func (m *meter) take() []request {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.reqs
	m.reqs = nil
	return r
}

func (m *meter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	var in struct {
		TableName      string
		Key, Item      map[string]json.RawMessage
		ConsistentRead bool
	}
	json.Unmarshal(body, &in)
	key := in.Key
	if op == "PutItem" && in.Item != nil {
		key = map[string]json.RawMessage{store.PartitionKey: in.Item[store.PartitionKey], store.SortKey: in.Item[store.SortKey]}
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	before := -1
	write := op == "PutItem" || op == "UpdateItem" || op == "DeleteItem"
	if write {
		before = m.itemSize(in.TableName, key)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	// minidyn answers into a recorder; the answer goes out whole, with its
	// length, and flushed before the units are worked out, so that the
	// client does not wait for the meter.
	tee := httptest.NewRecorder()
	m.mini.ServeHTTP(tee, r)
	for k, v := range tee.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(tee.Body.Len()))
	w.WriteHeader(tee.Code)
	w.Write(tee.Body.Bytes())
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}

	req := request{op: op, retry: !strings.HasPrefix(r.Header.Get("Amz-Sdk-Request"), "attempt=1;") && r.Header.Get("Amz-Sdk-Request") != ""}

	var out struct {
		Item  map[string]json.RawMessage
		Items []map[string]json.RawMessage
	}
	if tee.Code == http.StatusOK {
		json.Unmarshal(tee.Body.Bytes(), &out)
	}
	readFactor := 0.5 // eventually consistent reads cost half
	if in.ConsistentRead {
		readFactor = 1
	}
	switch op {
	case "GetItem":
		req.rcu = readFactor * readUnits(itemSize(out.Item))
	case "Query", "Scan":
		n := 0
		for _, it := range out.Items {
			n += itemSize(it)
		}
		req.rcu = readFactor * readUnits(n)
	case "PutItem", "UpdateItem", "DeleteItem":
		after := 0
		if op != "DeleteItem" {
			after = max(m.itemSize(in.TableName, key), 0)
		}
		req.wcu = writeUnits(max(before, after))
	}
	m.reqs = append(m.reqs, req)
}

// itemSize reads an item straight from minidyn, unmetered; -1 if absent.
func (m *meter) itemSize(tableName string, key map[string]json.RawMessage) int {
	if key == nil {
		return -1
	}
	body, _ := json.Marshal(map[string]any{"TableName": tableName, "Key": key, "ConsistentRead": true})
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	r.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	w := httptest.NewRecorder()
	m.mini.ServeHTTP(w, r)
	var out struct{ Item map[string]json.RawMessage }
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &out) != nil || out.Item == nil {
		return -1
	}
	return itemSize(out.Item)
}

// readUnits: one strongly consistent read unit per 4 KB read, rounded up,
// at least one (a GetItem that finds nothing still costs one).
func readUnits(size int) float64 { return max(1, math.Ceil(float64(size)/4096)) }

// writeUnits: one write unit per 1 KB written, rounded up, at least one. For
// an update, the larger of the item before and after; for a delete, the item
// deleted.
func writeUnits(size int) float64 { return max(1, math.Ceil(float64(size)/1024)) }

// itemSize is an item's size as DynamoDB counts it: the UTF-8 length of each
// attribute name plus the size of its value.
func itemSize(item map[string]json.RawMessage) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

// valueSize follows "Item sizes and formats" in the DynamoDB developer guide:
// strings their UTF-8 length, binaries their length, numbers 1 byte per two
// significant digits plus 1, booleans and NULL 1 byte, lists and maps 3 bytes
// plus 1 byte per element plus their contents.
func valueSize(raw json.RawMessage) int {
	var av map[string]json.RawMessage
	if json.Unmarshal(raw, &av) != nil {
		return 0
	}
	n := 0
	for typ, v := range av {
		switch typ {
		case "S":
			var s string
			json.Unmarshal(v, &s)
			n += len(s)
		case "B":
			var b []byte
			json.Unmarshal(v, &b)
			n += len(b)
		case "N":
			var s string
			json.Unmarshal(v, &s)
			n += numberSize(s)
		case "BOOL", "NULL":
			n++
		case "SS", "NS", "BS":
			var list []json.RawMessage
			json.Unmarshal(v, &list)
			for _, e := range list {
				n += valueSize(json.RawMessage(fmt.Sprintf(`{%q:%s}`, typ[:1], e)))
			}
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
			n += 3
			for k, e := range m {
				n += 1 + len(k) + valueSize(e)
			}
		}
	}
	return n
}

func numberSize(s string) int {
	s = strings.TrimLeft(s, "+-")
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	s = strings.Replace(s, ".", "", 1)
	s = strings.Trim(s, "0")
	return (len(s)+1)/2 + 1
}
