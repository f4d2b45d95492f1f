package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/apitest"
	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/store"
)

func TestMain(m *testing.M) {
	os.Exit(dynamotest.Main(m))
}

// discard takes the API's log lines in the tests that do not read them.
var discard = slog.New(slog.DiscardHandler)

// server serves every route over a real store on minidyn, routing as API
// Gateway does, and counts the DynamoDB requests each request costs.
type server struct {
	store  *store.Store
	counts *dynamotest.Counts
	faults *dynamotest.Faults
	routes map[string]http.Handler
}

func newServer(t *testing.T) *server {
	b := dynamotest.Minidyn(t)
	db := b.Client(t)
	s := &server{store: store.New(db, b.Table(t, db), nil), counts: b.Counts, faults: b.Faults, routes: map[string]http.Handler{}}
	for _, rt := range api.Routes {
		s.routes[rt.Key()] = rt.Handler(s.store, discard)
	}
	return s
}

type request struct {
	method, path, body string
	header             map[string]string
}

type response struct {
	status int
	header http.Header
	body   string
	trips  map[string]int
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return v
}

func (s *server) do(t *testing.T, req request) response {
	t.Helper()
	s.counts.Take()
	r, w := s.serve(req)
	checkSpec(t, r, req.body, w)
	resp := response{status: w.Code, header: w.Header(), body: w.Body.String(), trips: s.counts.Take()}
	if ct := resp.header.Get("Content-Type"); ct != api.ContentType && resp.status != http.StatusNotModified {
		t.Errorf("%s %s: Content-Type = %q, want %q", req.method, req.path, ct, api.ContentType)
	}
	if leak := apitest.Leak(resp.status, resp.body); leak != "" {
		t.Errorf("%s %s: error body leaks %q: %s", req.method, req.path, leak, resp.body)
	}
	return resp
}

// serve routes req as API Gateway does and answers it.
func (s *server) serve(req request) (*http.Request, *httptest.ResponseRecorder) {
	r := newRequest(req)
	w := httptest.NewRecorder()
	h := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { api.NotFound(w) }))
	for _, rt := range api.Routes {
		if _, ok := rt.Match(r.Method, r.URL.Path); ok {
			h = s.routes[rt.Key()]
		}
	}
	h.ServeHTTP(w, r)
	return r, w
}

func newRequest(req request) *http.Request {
	r := httptest.NewRequest(req.method, "http://api.test"+req.path, strings.NewReader(req.body))
	if req.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range req.header {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	return r
}

func (s *server) create(t *testing.T, body string) cliente.Cliente {
	t.Helper()
	resp := s.do(t, request{method: "POST", path: "/api/clientes", body: body})
	if resp.status != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.status, resp.body)
	}
	var out struct{ Cliente cliente.Cliente }
	json.Unmarshal([]byte(resp.body), &out)
	return out.Cliente
}

// snapshot is every stored cliente, to prove a request changed nothing.
func (s *server) snapshot(t *testing.T) []cliente.Cliente {
	t.Helper()
	page, err := s.store.List(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return page.Clientes
}

var timestamp = `"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"`

func TestPublishedPutExample(t *testing.T) {
	s := newServer(t)
	created := s.create(t, `{"nombres":"Pedro","apellidos":"Martínez"}`)
	resp := s.do(t, request{method: "PUT", path: fmt.Sprintf("/api/clientes/%d", created.ID),
		body: `{"telefono": "+5559876543", "email": "pedro@example.com"}`})
	want := regexp.MustCompile(`^\{"message":"Cliente actualizado","cliente":\{"id":1,"nombres":"Pedro","apellidos":"Martínez",` +
		`"telefono":"\+5559876543","email":"pedro@example\.com","created_at":"` + regexp.QuoteMeta(created.CreatedAt) +
		`","updated_at":` + timestamp + `\}\}$`)
	if resp.status != http.StatusOK || !want.MatchString(resp.body) {
		t.Fatalf("PUT = %d %s", resp.status, resp.body)
	}
	if got := dynamotest.Total(resp.trips); got != 1 || resp.trips["UpdateItem"] != 1 {
		t.Errorf("PUT made DynamoDB requests %v, want one UpdateItem", resp.trips)
	}
}

func TestRoutesSucceed(t *testing.T) {
	s := newServer(t)
	resp := s.do(t, request{method: "POST", path: "/api/clientes",
		body: `{"nombres":"  Ana ","apellidos":"García","telefono":" (555) 123-4567 ","email":"ana@example.com"}`})
	want := regexp.MustCompile(`^\{"message":"Cliente creado","cliente":\{"id":1,"nombres":"Ana","apellidos":"García",` +
		`"telefono":"\(555\) 123-4567","email":"ana@example\.com","created_at":(` + timestamp + `),"updated_at":(` + timestamp + `)\}\}$`)
	m := want.FindStringSubmatch(resp.body)
	if resp.status != http.StatusCreated || m == nil || m[1] != m[2] {
		t.Fatalf("POST = %d %s", resp.status, resp.body)
	}
	if loc := resp.header.Get("Location"); loc != "/api/clientes/1" {
		t.Errorf("Location = %q", loc)
	}
	if n := dynamotest.Total(resp.trips); n > 2 {
		t.Errorf("POST made %d DynamoDB requests (%v), want at most 2", n, resp.trips)
	}
	s.create(t, `{"nombres":"Luis","apellidos":"Pérez","telefono":null}`)

	resp = s.do(t, request{method: "GET", path: "/api/clientes/1"})
	if resp.status != 200 || !regexp.MustCompile(`^\{"cliente":\{"id":1,"nombres":"Ana",`).MatchString(resp.body) {
		t.Fatalf("GET one = %d %s", resp.status, resp.body)
	}
	if resp.trips["GetItem"] != 1 || dynamotest.Total(resp.trips) != 1 {
		t.Errorf("GET one made %v, want one GetItem", resp.trips)
	}

	resp = s.do(t, request{method: "GET", path: "/api/clientes?limit=1&utm_source=x"})
	body := resp.json(t)
	cursor, _ := body["next_cursor"].(string)
	if resp.status != 200 || len(body["clientes"].([]any)) != 1 || cursor == "" {
		t.Fatalf("GET page 1 = %d %s", resp.status, resp.body)
	}
	if resp.trips["Query"] != 1 || dynamotest.Total(resp.trips) != 1 {
		t.Errorf("GET page made %v, want one Query", resp.trips)
	}
	resp = s.do(t, request{method: "GET", path: "/api/clientes?cursor=" + cursor})
	if resp.status != 200 || !regexp.MustCompile(`^\{"clientes":\[\{"id":2,.*\}\],"next_cursor":null\}$`).MatchString(resp.body) {
		t.Fatalf("GET page 2 = %d %s", resp.status, resp.body)
	}

	resp = s.do(t, request{method: "PUT", path: "/api/clientes/1", body: `{"telefono":null,"email":null}`})
	if resp.status != 200 || !strings.Contains(resp.body, `"telefono":null,"email":null`) {
		t.Fatalf("PUT clearing = %d %s", resp.status, resp.body)
	}

	before := s.snapshot(t)[0]
	resp = s.do(t, request{method: "DELETE", path: "/api/clientes/1"})
	var deleted struct {
		Message string
		Cliente cliente.Cliente
	}
	json.Unmarshal([]byte(resp.body), &deleted)
	before.ETag = "" // the tag travels in a header, never in the body
	if resp.status != 200 || deleted.Message != "Cliente eliminado" || !reflect.DeepEqual(deleted.Cliente, before) {
		t.Fatalf("DELETE = %d %s, want the cliente as it was: %+v", resp.status, resp.body, before)
	}
	if resp.trips["DeleteItem"] != 1 || dynamotest.Total(resp.trips) != 1 {
		t.Errorf("DELETE made %v, want one DeleteItem", resp.trips)
	}
	resp = s.do(t, request{method: "GET", path: "/api/clientes"})
	if resp.status != 200 || !regexp.MustCompile(`^\{"clientes":\[\{"id":2,[^\]]*\],"next_cursor":null\}$`).MatchString(resp.body) {
		t.Fatalf("GET after delete = %d %s", resp.status, resp.body)
	}
}

func TestEmptyList(t *testing.T) {
	s := newServer(t)
	resp := s.do(t, request{method: "GET", path: "/api/clientes"})
	if resp.status != 200 || resp.body != `{"clientes":[],"next_cursor":null}` {
		t.Fatalf("empty list = %d %s", resp.status, resp.body)
	}
}

// TestBadRequests covers each row of the contract's error table that a
// client can cause. Every one answers its 4xx, reaches no storage, and
// changes nothing.
func TestBadRequests(t *testing.T) {
	const (
		badID      = "ID de cliente inválido"
		badJSON    = "JSON inválido"
		badData    = "Datos inválidos"
		noFields   = "No hay campos para actualizar"
		badType    = "Content-Type debe ser application/json"
		tooLarge   = "Cuerpo de la solicitud demasiado grande"
		badPaging  = "Parámetros de paginación inválidos"
		notFound   = "Cliente no encontrado"
		validOne   = `{"nombres":"Ana"}`
		plainText  = "text/plain"
		missingOne = "/api/clientes/999"
	)
	big := `{"nombres":"` + strings.Repeat("a", api.MaxBody) + `"}`
	type errs map[string]string
	cases := []struct {
		name    string
		req     request
		status  int
		message string
		fields  []string // the fields "errors" must name, exactly
	}{
		{"id letters", request{method: "GET", path: "/api/clientes/abc"}, 400, badID, nil},
		{"id zero", request{method: "GET", path: "/api/clientes/0"}, 400, badID, nil},
		{"id negative", request{method: "DELETE", path: "/api/clientes/-1"}, 400, badID, nil},
		{"id decimal", request{method: "PUT", path: "/api/clientes/1.5", body: validOne}, 400, badID, nil},
		{"id exponent", request{method: "GET", path: "/api/clientes/1e3"}, 400, badID, nil},
		{"id leading zero", request{method: "GET", path: "/api/clientes/01"}, 400, badID, nil},
		{"id plus", request{method: "GET", path: "/api/clientes/+1"}, 400, badID, nil},
		{"id space", request{method: "GET", path: "/api/clientes/%201"}, 400, badID, nil},
		{"id over 2^53-1", request{method: "GET", path: "/api/clientes/9007199254740992"}, 400, badID, nil},
		{"id huge", request{method: "DELETE", path: "/api/clientes/" + strings.Repeat("9", 400)}, 400, badID, nil},
		{"id 2^53-1 is valid", request{method: "GET", path: "/api/clientes/9007199254740991"}, 404, notFound, nil},
		{"not JSON", request{method: "POST", path: "/api/clientes", body: `{"nombres":`}, 400, badJSON, nil},
		{"empty body", request{method: "PUT", path: "/api/clientes/1", body: ""}, 400, badJSON, nil},
		{"array", request{method: "POST", path: "/api/clientes", body: `[]`}, 400, badJSON, nil},
		{"string", request{method: "PUT", path: "/api/clientes/1", body: `"hola"`}, 400, badJSON, nil},
		{"null", request{method: "PUT", path: "/api/clientes/1", body: `null`}, 400, badJSON, nil},
		{"trailing data", request{method: "PUT", path: "/api/clientes/1", body: `{"nombres":"A"} {}`}, 400, badJSON, nil},
		{"trailing comma", request{method: "PUT", path: "/api/clientes/1", body: `{"nombres":"A",}`}, 400, badJSON, nil},
		{"duplicate key", request{method: "PUT", path: "/api/clientes/1", body: `{"nombres":"A","nombres":"B"}`}, 400, badJSON, nil},
		{"nested duplicate key", request{method: "PUT", path: "/api/clientes/1", body: `{"x":[{"a":1,"a":2}]}`}, 400, badJSON, nil},
		{"invalid UTF-8", request{method: "PUT", path: "/api/clientes/1", body: "{\"nombres\":\"\xff\"}"}, 400, badJSON, nil},
		{"create without names", request{method: "POST", path: "/api/clientes", body: `{}`}, 400, badData, []string{"nombres", "apellidos"}},
		{"create without apellidos", request{method: "POST", path: "/api/clientes", body: validOne}, 400, badData, []string{"apellidos"}},
		{"unknown and read-only fields", request{method: "PUT", path: "/api/clientes/1",
			body: `{"id":7,"created_at":"x","nombre":"typo","Nombres":"case"}`}, 400, badData, []string{"id", "created_at", "nombre", "Nombres"}},
		{"wrong types", request{method: "PUT", path: "/api/clientes/1",
			body: `{"nombres":1,"apellidos":["a"],"telefono":5551234567,"email":{"a":1}}`}, 400, badData, []string{"nombres", "apellidos", "telefono", "email"}},
		{"null names", request{method: "PUT", path: "/api/clientes/1", body: `{"nombres":null,"apellidos":null}`}, 400, badData, []string{"nombres", "apellidos"}},
		{"blank strings", request{method: "PUT", path: "/api/clientes/1",
			body: `{"nombres":"  ","apellidos":"","telefono":" ","email":""}`}, 400, badData, []string{"nombres", "apellidos", "telefono", "email"}},
		{"too long", request{method: "PUT", path: "/api/clientes/1",
			body: `{"nombres":"` + strings.Repeat("ñ", 101) + `","email":"` + strings.Repeat("a", 243) + `@example.com"}`}, 400, badData, []string{"nombres", "email"}},
		{"control character", request{method: "PUT", path: "/api/clientes/1", body: `{"apellidos":"a\u0007b"}`}, 400, badData, []string{"apellidos"}},
		{"bad telefono", request{method: "PUT", path: "/api/clientes/1", body: `{"telefono":"555-12ab"}`}, 400, badData, []string{"telefono"}},
		{"telefono too short", request{method: "PUT", path: "/api/clientes/1", body: `{"telefono":"123-456"}`}, 400, badData, []string{"telefono"}},
		{"telefono too long", request{method: "PUT", path: "/api/clientes/1", body: `{"telefono":"+1234567890123456"}`}, 400, badData, []string{"telefono"}},
		{"email display name", request{method: "PUT", path: "/api/clientes/1", body: `{"email":"Pedro <pedro@example.com>"}`}, 400, badData, []string{"email"}},
		{"email no domain", request{method: "PUT", path: "/api/clientes/1", body: `{"email":"pedro@"}`}, 400, badData, []string{"email"}},
		{"empty update", request{method: "PUT", path: "/api/clientes/1", body: `{}`}, 400, noFields, nil},
		{"text/plain", request{method: "POST", path: "/api/clientes", body: validOne, header: map[string]string{"Content-Type": plainText}}, 415, badType, nil},
		{"form", request{method: "PUT", path: "/api/clientes/1", body: validOne, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415, badType, nil},
		{"latin1", request{method: "PUT", path: "/api/clientes/1", body: validOne, header: map[string]string{"Content-Type": "application/json; charset=latin1"}}, 415, badType, nil},
		{"empty content type", request{method: "PUT", path: "/api/clientes/1", body: validOne, header: map[string]string{"Content-Type": " "}}, 415, badType, nil},
		{"body over 16 KiB", request{method: "POST", path: "/api/clientes", body: big}, 413, tooLarge, nil},
		{"limit zero", request{method: "GET", path: "/api/clientes?limit=0"}, 400, badPaging, nil},
		{"limit over 100", request{method: "GET", path: "/api/clientes?limit=101"}, 400, badPaging, nil},
		{"limit leading zero", request{method: "GET", path: "/api/clientes?limit=05"}, 400, badPaging, nil},
		{"limit plus", request{method: "GET", path: "/api/clientes?limit=%2B5"}, 400, badPaging, nil},
		{"limit empty", request{method: "GET", path: "/api/clientes?limit="}, 400, badPaging, nil},
		{"limit twice", request{method: "GET", path: "/api/clientes?limit=5&limit=5"}, 400, badPaging, nil},
		{"cursor empty", request{method: "GET", path: "/api/clientes?cursor="}, 400, badPaging, nil},
		{"cursor garbage", request{method: "GET", path: "/api/clientes?cursor=%%%"}, 400, badPaging, nil},
		{"cursor forged", request{method: "GET", path: "/api/clientes?cursor=" + api.EncodeCursor(1)[1:]}, 400, badPaging, nil},
		{"cursor twice", request{method: "GET", path: "/api/clientes?cursor=" + api.EncodeCursor(1) + "&cursor=" + api.EncodeCursor(1)}, 400, badPaging, nil},
		{"get missing", request{method: "GET", path: missingOne}, 404, notFound, nil},
		{"update missing", request{method: "PUT", path: missingOne, body: validOne}, 404, notFound, nil},
		{"delete missing", request{method: "DELETE", path: missingOne}, 404, notFound, nil},
		// Which error wins: id, Content-Type, size, syntax, fields, empty update, existence.
		{"id before content type", request{method: "PUT", path: "/api/clientes/abc", body: big, header: map[string]string{"Content-Type": plainText}}, 400, badID, nil},
		{"content type before size", request{method: "PUT", path: "/api/clientes/1", body: big, header: map[string]string{"Content-Type": plainText}}, 415, badType, nil},
		{"size before syntax", request{method: "PUT", path: "/api/clientes/1", body: big[1:]}, 413, tooLarge, nil},
		{"syntax before fields", request{method: "PUT", path: "/api/clientes/1", body: `{"id":1,"id":2}`}, 400, badJSON, nil},
		{"fields before existence", request{method: "PUT", path: missingOne, body: `{"id":1}`}, 400, badData, []string{"id"}},
		{"empty before existence", request{method: "PUT", path: missingOne, body: `{}`}, 400, noFields, nil},
	}
	s := newServer(t)
	s.create(t, `{"nombres":"Pedro","apellidos":"Martínez","email":"pedro@example.com"}`)
	before := s.snapshot(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := s.do(t, tc.req)
			body := resp.json(t)
			if resp.status != tc.status || body["message"] != tc.message {
				t.Fatalf("= %d %s, want %d %q", resp.status, resp.body, tc.status, tc.message)
			}
			fields, _ := body["errors"].(map[string]any)
			var names []string
			for _, f := range tc.fields {
				if _, ok := fields[f]; !ok {
					t.Errorf("errors %v does not name %q", fields, f)
				}
				names = append(names, f)
			}
			if len(fields) != len(tc.fields) {
				t.Errorf("errors = %v, want exactly %v", fields, names)
			}
			if wantKeys := 1 + min(len(tc.fields), 1); len(body) != wantKeys {
				t.Errorf("body has keys %v", body)
			}
			if tc.status != 404 && dynamotest.Total(resp.trips) != 0 {
				t.Errorf("a bad request reached DynamoDB: %v", resp.trips)
			}
		})
	}
	if after := s.snapshot(t); !reflect.DeepEqual(before, after) {
		t.Fatalf("bad requests changed stored data:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestBodyLimitIsExact(t *testing.T) {
	s := newServer(t)
	prefix, suffix := `{"nombres":"Ana","apellidos":"López"`, `}`
	body := prefix + strings.Repeat(" ", api.MaxBody-len(prefix)-len(suffix)) + suffix
	if resp := s.do(t, request{method: "POST", path: "/api/clientes", body: body}); resp.status != 201 {
		t.Fatalf("16,384 bytes: %d %s", resp.status, resp.body)
	}
	if resp := s.do(t, request{method: "POST", path: "/api/clientes", body: body + " "}); resp.status != 413 {
		t.Fatalf("16,385 bytes: %d %s", resp.status, resp.body)
	}
}

func TestContentTypeVariants(t *testing.T) {
	s := newServer(t)
	for _, ct := range []string{"", "application/json", "Application/JSON; charset=UTF-8", "application/json;charset=utf-8", "application/json; foo=bar"} {
		resp := s.do(t, request{method: "POST", path: "/api/clientes", body: `{"nombres":"A","apellidos":"B"}`,
			header: map[string]string{"Content-Type": ct}})
		if resp.status != 201 {
			t.Errorf("Content-Type %q: %d %s", ct, resp.status, resp.body)
		}
	}
}

// fakeStore fails every call with err, or panics when err is nil.
type fakeStore struct{ err error }

func (f fakeStore) fail() error {
	if f.err == nil {
		panic("boom")
	}
	return f.err
}
func (f fakeStore) Create(context.Context, cliente.Changes) (cliente.Cliente, error) {
	return cliente.Cliente{}, f.fail()
}
func (f fakeStore) Get(context.Context, int64) (cliente.Cliente, error) {
	return cliente.Cliente{}, f.fail()
}
func (f fakeStore) List(context.Context, int64, int) (store.Page, error) {
	return store.Page{}, f.fail()
}
func (f fakeStore) CreateOnce(context.Context, cliente.Changes, string, string, store.Render) (store.Kept, bool, error) {
	return store.Kept{}, false, f.fail()
}
func (f fakeStore) Update(context.Context, int64, cliente.Changes, store.IfMatch) (cliente.Cliente, error) {
	return cliente.Cliente{}, f.fail()
}
func (f fakeStore) Delete(context.Context, int64, store.IfMatch) (cliente.Cliente, error) {
	return cliente.Cliente{}, f.fail()
}

func TestFailures(t *testing.T) {
	requests := map[string]request{
		"Error al crear cliente":      {method: "POST", path: "/api/clientes", body: `{"nombres":"A","apellidos":"B"}`},
		"Error al listar clientes":    {method: "GET", path: "/api/clientes"},
		"Error al obtener cliente":    {method: "GET", path: "/api/clientes/1"},
		"Error al actualizar cliente": {method: "PUT", path: "/api/clientes/1", body: `{"nombres":"A"}`},
		"Error al eliminar cliente":   {method: "DELETE", path: "/api/clientes/1"},
	}
	leak := errors.New("operation error DynamoDB: PutItem, ResourceNotFoundException: arn:aws:dynamodb:us-east-1:123456789012:table/clientes")
	for _, rt := range api.Routes {
		req := requests[rt.Failure]
		for _, tc := range []struct {
			name    string
			err     error
			status  int
			message string
		}{
			{"failure", leak, 500, rt.Failure},
			{"panic", nil, 500, rt.Failure},
			{"throttled", fmt.Errorf("op: %w: %w", store.ErrUnavailable, leak), 503, "Servicio no disponible, intente de nuevo"},
		} {
			t.Run(rt.Key()+" "+tc.name, func(t *testing.T) {
				r := httptest.NewRequest(req.method, req.path, strings.NewReader(req.body))
				w := httptest.NewRecorder()
				rt.Handler(fakeStore{tc.err}, discard).ServeHTTP(w, r)
				checkSpec(t, r, req.body, w)
				body, _ := io.ReadAll(w.Body)
				want := fmt.Sprintf(`{"message":%q}`, tc.message)
				if w.Code != tc.status || string(body) != want {
					t.Fatalf("= %d %s, want %d %s", w.Code, body, tc.status, want)
				}
				if leak := apitest.Leak(w.Code, string(body)); leak != "" {
					t.Errorf("error body leaks %q", leak)
				}
				if tc.status == 503 && w.Header().Get("Retry-After") != api.RetryAfter {
					t.Errorf("503 without Retry-After")
				}
			})
		}
	}
}

func TestTextComesBackAsWritten(t *testing.T) {
	s := newServer(t)
	resp := s.do(t, request{method: "POST", path: "/api/clientes", body: `{"nombres":"O'Brien & <Hijos>","apellidos":"Mart\u00ednez 😀"}`})
	if resp.status != 201 || !strings.Contains(resp.body, `"nombres":"O'Brien & <Hijos>","apellidos":"Martínez 😀"`) {
		t.Fatalf("= %d %s", resp.status, resp.body)
	}
}
