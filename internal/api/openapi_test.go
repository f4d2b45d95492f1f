package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/store"
)

// specPath is openapi.yaml at the repository root.
const specPath = "../../openapi.yaml"

var spec struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

// reporter is the part of *testing.T that checkSpec uses, so that
// TestSpecCatchesDrift can watch it fail.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatal(args ...any)
}

// loadSpec loads and validates openapi.yaml once. It is OpenAPI 3.0, the
// version code generators read best (docs/clients.md).
func loadSpec(t reporter) (*openapi3.T, routers.Router) {
	t.Helper()
	spec.once.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(specPath)
		if err != nil {
			spec.err = fmt.Errorf("loading %s: %w", specPath, err)
			return
		}
		if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
			spec.err = fmt.Errorf("%s is OpenAPI %s, want 3.0", specPath, doc.OpenAPI)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			spec.err = fmt.Errorf("%s is not a valid OpenAPI document: %w", specPath, err)
			return
		}
		router, err := legacy.NewRouter(doc)
		if err != nil {
			spec.err = err
			return
		}
		spec.doc, spec.router = doc, router
	})
	if spec.err != nil {
		t.Fatal(spec.err)
	}
	return spec.doc, spec.router
}

// specServer is the host of openapi.yaml's one server, which the router
// requires requests to be addressed to.
const specServer = "localhost:3000"

// checkSpec checks one exchange against openapi.yaml: the response must be
// one the spec documents for its operation (status, headers and body), and a
// request the spec rejects must not have succeeded. r is the request as sent
// (its body already read: body is what it held) and w what the handler
// answered. Every handler test in api_test.go passes through here.
func checkSpec(t *testing.T, r *http.Request, body string, w *httptest.ResponseRecorder) {
	t.Helper()
	checkExchange(t, r, body, w)
}

// checkExchange is checkSpec for any reporter. It returns the operationId
// the request routes to, if any.
func checkExchange(t reporter, r *http.Request, body string, w *httptest.ResponseRecorder) string {
	t.Helper()
	_, router := loadSpec(t)
	ctx := context.Background()
	what := fmt.Sprintf("%s %s = %d %s", r.Method, r.URL.RequestURI(), w.Code, w.Body.String())

	// The spec names the media type, application/json; the code always
	// adds the charset, and this names the culprit if it did not.
	if ct := w.Header().Get("Content-Type"); ct != api.ContentType && w.Code != http.StatusNotModified {
		t.Errorf("spec: %s: Content-Type %q, want %q", what, ct, api.ContentType)
	}

	req := r.Clone(ctx)
	req.URL.Scheme, req.URL.Host, req.Host = "http", specServer, specServer
	req.Body, req.ContentLength = http.NoBody, 0
	if body != "" {
		req.Body, req.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
		// A body without Content-Type is read as JSON, as the spec says.
		if _, given := req.Header["Content-Type"]; !given {
			req.Header.Set("Content-Type", "application/json")
		}
	}

	route, params, err := router.FindRoute(req)
	if err != nil {
		// No operation: only API Gateway's answer for a route it lacks.
		if w.Code != http.StatusNotFound || w.Body.String() != `{"message":"Not Found"}` {
			t.Errorf("spec: %s: no operation in the spec (%v), so only 404 Not Found is documented", what, err)
		}
		return ""
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		// Tokens are API Gateway's JWT authorizer's to check, before any
		// handler runs; TestSpecGatewayAnswers covers its 401 and 403.
		Options: &openapi3filter.Options{SkipSettingDefaults: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && w.Code < 300 {
		t.Errorf("spec: %s: the server accepted a request the spec rejects: %v", what, err)
	}

	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 w.Code,
		Header:                 w.Header(),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes(w.Body.Bytes())
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("spec: %s: not a response %s documents for %s: %v", what, specPath, route.Operation.OperationID, err)
	}
	checkHeadersDeclared(t, what, route.Operation, w)
	return route.Operation.OperationID
}

// everyResponse are the headers every response carries, which the spec's
// description names once rather than on each response.
var everyResponse = []string{"Content-Type", "Cache-Control", "X-Content-Type-Options", "Content-Length"}

// checkHeadersDeclared: every other header the handler sent is one the spec
// declares on that response, so that generated clients know it.
func checkHeadersDeclared(t reporter, what string, op *openapi3.Operation, w *httptest.ResponseRecorder) {
	t.Helper()
	ref := op.Responses.Status(w.Code)
	if ref == nil || ref.Value == nil {
		return // an undocumented status: ValidateResponse has said so
	}
	for name := range w.Header() {
		if slices.Contains(everyResponse, name) {
			continue
		}
		if !slices.ContainsFunc(slices.Collect(maps.Keys(ref.Value.Headers)), func(h string) bool { return http.CanonicalHeaderKey(h) == name }) {
			t.Errorf("spec: %s: header %s is sent but not declared on %s's %d", what, name, op.OperationID, w.Code)
		}
	}
}

// specOperations maps "METHOD /path" to the operationId of each operation
// openapi.yaml documents.
func specOperations(t *testing.T) map[string]string {
	doc, _ := loadSpec(t)
	ops := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops[method+" "+path] = op.OperationID
		}
	}
	return ops
}

// TestSpecMatchesRoutes: the spec documents exactly the routes of api.Routes,
// under the operationIds other tools (schemathesis) rely on.
func TestSpecMatchesRoutes(t *testing.T) {
	want := map[string]string{
		api.Create.Key(): "createCliente",
		api.List.Key():   "listClientes",
		api.Get.Key():    "getCliente",
		api.Update.Key(): "updateCliente",
		api.Delete.Key(): "deleteCliente",
	}
	if len(want) != len(api.Routes) {
		t.Fatalf("api.Routes has %d routes, this test knows %d", len(api.Routes), len(want))
	}
	ops := specOperations(t)
	for _, rt := range api.Routes {
		id, ok := ops[rt.Key()]
		switch {
		case !ok:
			t.Errorf("%s is a route the spec does not document", rt.Key())
		case id != want[rt.Key()]:
			t.Errorf("%s: operationId %q, want %q", rt.Key(), id, want[rt.Key()])
		}
	}
	for key := range ops {
		if !slices.ContainsFunc(api.Routes, func(rt api.Route) bool { return rt.Key() == key }) {
			t.Errorf("the spec documents %s, which no route serves", key)
		}
	}

	doc, _ := loadSpec(t)
	if len(doc.Servers) == 0 || doc.Servers[0].URL != "http://"+specServer {
		t.Errorf("first server = %v, want http://%s", doc.Servers, specServer)
	}
	created := doc.Paths.Value("/api/clientes").Post.Responses.Status(http.StatusCreated).Value
	for _, op := range []string{"getCliente", "updateCliente", "deleteCliente"} {
		found := false
		for _, link := range created.Links {
			if l := link.Value; l.OperationID == op && l.Parameters["id"] == "$response.body#/cliente/id" {
				found = true
			}
		}
		if !found {
			t.Errorf("createCliente's 201 has no link to %s with id $response.body#/cliente/id", op)
		}
	}
}

// TestSpecStatusesAreReached makes each answer openapi.yaml documents, so the
// spec promises no status the code cannot give. It drives its own requests,
// one or more per documented status, and stands alone in any order.
func TestSpecStatusesAreReached(t *testing.T) {
	seen := map[string]bool{}
	record := func(r *http.Request, body string, w *httptest.ResponseRecorder) {
		if op := checkExchange(t, r, body, w); op != "" {
			seen[op+" "+strconv.Itoa(w.Code)] = true
		}
	}
	s := newServer(t)
	key := map[string]string{"Idempotency-Key": "k"}
	body := `{"nombres":"A","apellidos":"B"}`
	big := `{"nombres":"` + strings.Repeat("a", api.MaxBody) + `"}`
	text := map[string]string{"Content-Type": "text/plain"}
	stale := map[string]string{"If-Match": `"000000000000000000000000"`}
	for _, req := range []request{
		{method: "POST", path: "/api/clientes", body: body, header: key},
		{method: "POST", path: "/api/clientes", body: `{"nombres":"C","apellidos":"D"}`, header: key},
		{method: "POST", path: "/api/clientes", body: `{`},
		{method: "POST", path: "/api/clientes", body: big},
		{method: "POST", path: "/api/clientes", body: body, header: text},
		{method: "POST", path: "/api/clientes", body: body, header: stale},
		{method: "GET", path: "/api/clientes"},
		{method: "GET", path: "/api/clientes?limit=0"},
		{method: "GET", path: "/api/clientes", header: map[string]string{"If-None-Match": "*"}},
		{method: "GET", path: "/api/clientes", header: stale},
		{method: "GET", path: "/api/clientes/1"},
		{method: "GET", path: "/api/clientes/1", header: stale},
		{method: "GET", path: "/api/clientes/1", header: map[string]string{"If-None-Match": "*"}},
		{method: "GET", path: "/api/clientes/x"},
		{method: "GET", path: "/api/clientes/9"},
		{method: "PUT", path: "/api/clientes/1", body: `{"nombres":"E"}`},
		{method: "PUT", path: "/api/clientes/1", body: `{}`},
		{method: "PUT", path: "/api/clientes/9", body: `{"nombres":"E"}`},
		{method: "PUT", path: "/api/clientes/1", body: `{"nombres":"E"}`, header: stale},
		{method: "PUT", path: "/api/clientes/1", body: big},
		{method: "PUT", path: "/api/clientes/1", body: `{"nombres":"E"}`, header: text},
		{method: "DELETE", path: "/api/clientes/x"},
		{method: "DELETE", path: "/api/clientes/1", header: stale},
		{method: "DELETE", path: "/api/clientes/1"},
		{method: "DELETE", path: "/api/clientes/9"},
	} {
		r, w := s.serve(req)
		record(r, req.body, w)
	}
	s.faults.Respond("TransactWriteItems", http.StatusBadRequest,
		`{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","message":"cancelled",`+
			`"CancellationReasons":[{"Code":"None"},{"Code":"TransactionConflict"}]}`, 1)
	r, w := s.serve(request{method: "POST", path: "/api/clientes", body: body, header: map[string]string{"Idempotency-Key": "other"}})
	record(r, body, w)
	paths := map[string]request{
		"POST": {method: "POST", path: "/api/clientes", body: body}, "GET": {method: "GET", path: "/api/clientes/1"},
		"PUT": {method: "PUT", path: "/api/clientes/1", body: `{"nombres":"E"}`}, "DELETE": {method: "DELETE", path: "/api/clientes/1"},
	}
	for _, rt := range api.Routes {
		req := paths[rt.Method]
		if rt.Key() == api.List.Key() {
			req = request{method: "GET", path: "/api/clientes"}
		}
		for _, err := range []error{errors.New("boom"), store.ErrUnavailable} {
			r, w := newRequest(req), httptest.NewRecorder()
			rt.Handler(fakeStore{err}, discard).ServeHTTP(w, r)
			record(r, req.body, w)
		}
	}
	doc, _ := loadSpec(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status := range op.Responses.Map() {
				if _, ok := gatewayAnswers[status]; ok {
					continue // API Gateway's, not a handler's: TestSpecGatewayAnswers
				}
				if !seen[op.OperationID+" "+status] {
					t.Errorf("%s %s (%s) documents %s, which no request here produced", method, path, op.OperationID, status)
				}
			}
		}
	}
}

// gatewayAnswers are the statuses API Gateway answers, with its own bodies,
// before any function runs: its JWT authorizer's (contract, "Access
// control") and its throttle's (docs/local-server.md).
var gatewayAnswers = map[string]string{"401": "Unauthorized", "403": "Forbidden", "429": "Too Many Requests"}

// TestSpecGatewayAnswers: every operation documents the authorizer's 401 and
// 403 and the throttle's 429 with exactly API Gateway's bodies, and the spec declares the bearer
// scheme as optional (public unless the stack turns access control on).
func TestSpecGatewayAnswers(t *testing.T) {
	doc, _ := loadSpec(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, message := range gatewayAnswers {
				resp := op.Responses.Value(status)
				if resp == nil {
					t.Errorf("%s %s does not document %s", method, path, status)
					continue
				}
				body := fmt.Sprintf(`{"message":%q}`, message)
				if err := resp.Value.Content.Get("application/json").Schema.Value.VisitJSON(map[string]any{"message": message}); err != nil {
					t.Errorf("%s %s %s: API Gateway's %s is not what it documents: %v", method, path, status, body, err)
				}
				if err := resp.Value.Content.Get("application/json").Schema.Value.VisitJSON(map[string]any{"message": "Cliente no encontrado"}); err == nil {
					t.Errorf("%s %s %s documents any message, want only %s", method, path, status, body)
				}
			}
		}
	}
	scheme := doc.Components.SecuritySchemes["bearerAuth"]
	if scheme == nil || scheme.Value.Type != "http" || scheme.Value.Scheme != "bearer" || scheme.Value.BearerFormat != "JWT" {
		t.Errorf("components.securitySchemes.bearerAuth = %+v, want an http bearer JWT scheme", scheme)
	}
	if len(doc.Security) != 2 || len(doc.Security[0]) != 0 || doc.Security[1]["bearerAuth"] == nil {
		t.Errorf("security = %v, want [{}, {bearerAuth: []}]: public, or a bearer token", doc.Security)
	}
}

// TestSpecCatchesDrift makes sure checkSpec fails on what the spec does not
// document: a message off its enum, a status the operation lacks, a missing
// required header, an extra field.
func TestSpecCatchesDrift(t *testing.T) {
	loadSpec(t)
	const notDocumented = "not a response"
	for _, tc := range []struct {
		name, method, path, reqBody string
		status                      int
		header                      map[string]string
		body                        string
		want                        string // in one of the failures
	}{
		{"message off the enum", "GET", "/api/clientes/1", "", 404, nil, `{"message":"No encontrado"}`, notDocumented},
		{"status not documented", "GET", "/api/clientes", "", 404, nil, `{"message":"Cliente no encontrado"}`, notDocumented},
		{"errors on a plain message", "PUT", "/api/clientes/1", `{}`, 400, nil, `{"message":"JSON inválido","errors":{"x":"y"}}`, notDocumented},
		{"Datos inválidos without errors", "POST", "/api/clientes", `{}`, 400, nil, `{"message":"Datos inválidos"}`, notDocumented},
		{"503 without Retry-After", "GET", "/api/clientes", "", 503, nil, `{"message":"Servicio no disponible, intente de nuevo"}`, notDocumented},
		{"201 without Location", "POST", "/api/clientes", `{"nombres":"A","apellidos":"B"}`, 201, nil,
			`{"message":"Cliente creado","cliente":{"id":1,"nombres":"A","apellidos":"B","telefono":null,"email":null,"created_at":"2024-03-05T15:30:00.000Z","updated_at":"2024-03-05T15:30:00.000Z"}}`, notDocumented},
		{"extra field", "GET", "/api/clientes/1", "", 200, nil,
			`{"cliente":{"id":1,"nombres":"A","apellidos":"B","telefono":null,"email":null,"created_at":"2024-03-05T15:30:00.000Z","updated_at":"2024-03-05T15:30:00.000Z","x":1}}`, notDocumented},
		{"timestamp without milliseconds", "GET", "/api/clientes/1", "", 200, nil,
			`{"cliente":{"id":1,"nombres":"A","apellidos":"B","telefono":null,"email":null,"created_at":"2024-03-05T15:30:00Z","updated_at":"2024-03-05T15:30:00.000Z"}}`, notDocumented},
		{"a header the response does not declare", "GET", "/api/clientes/1", "", 404, map[string]string{"Retry-After": "1"}, `{"message":"Cliente no encontrado"}`, "is sent but not declared"},
		{"Content-Type without charset", "GET", "/api/clientes/1", "", 404, map[string]string{"Content-Type": "application/json"}, `{"message":"Cliente no encontrado"}`, `want "application/json; charset=utf-8"`},
		{"a rejected request that succeeded", "PUT", "/api/clientes/1", `{"nombre":"typo"}`, 200, nil,
			`{"message":"Cliente actualizado","cliente":{"id":1,"nombres":"A","apellidos":"B","telefono":null,"email":null,"created_at":"2024-03-05T15:30:00.000Z","updated_at":"2024-03-05T15:30:00.000Z"}}`, "accepted a request the spec rejects"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.reqBody))
			w := httptest.NewRecorder()
			w.Header().Set("Content-Type", api.ContentType)
			for k, v := range tc.header {
				w.Header().Set(k, v)
			}
			w.WriteHeader(tc.status)
			w.WriteString(tc.body)
			rec := &failures{}
			checkExchange(rec, r, tc.reqBody, w)
			if !slices.ContainsFunc(rec.errors, func(e string) bool { return strings.Contains(e, tc.want) }) {
				t.Errorf("checkSpec did not fail with %q on %d %s: %q", tc.want, tc.status, tc.body, rec.errors)
			}
		})
	}
}

// failures is a reporter that only keeps what it is told.
type failures struct{ errors []string }

func (*failures) Helper() {}
func (f *failures) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *failures) Fatal(args ...any) { panic(fmt.Sprint(args...)) } // loadSpec ran first: not reached

// TestSpecFieldRules compares the request field schemas of openapi.yaml with
// the rules the code applies: the spec's patterns are exact, so both must
// agree on every sample.
func TestSpecFieldRules(t *testing.T) {
	doc, _ := loadSpec(t)
	schema := func(name string) *openapi3.Schema {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			t.Fatalf("components.schemas.%s is missing", name)
		}
		return ref.Value
	}
	spaces := []string{" ", "\t", "\n", "\v", "\f", "\r", "\u0085", "\u00a0", "\u1680", "\u2000", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000"}
	names := []string{"Ana", "Martínez", "a", "José María", "O'Brien-Smith", "日本", "😀", "a\u00a0b", "a\u200bb", "\ufeff",
		"", "a\u0007b", "a\tb", "\u0000", "a\u007fb", "a\u0085b", "a\u009fb",
		strings.Repeat("ñ", 100), strings.Repeat("ñ", 101), strings.Repeat("😀", 100), strings.Repeat("😀", 101),
		" " + strings.Repeat("a", 100) + " ", "a" + strings.Repeat(" ", 98) + "b", "a" + strings.Repeat(" ", 99) + "b"}
	telefonos := []string{"+5559876543", "(555) 123-4567", "+1 (555) 123-4567", "1234567", "123456789012345", "+()- 1234567 -()",
		"", "+", "123456", "1234567890123456", "++1234567", "1234567+", "555-12ab", "１２３４５６７", "12 34\u00a056 7", "(555)\t1234567"}
	var emails = []string{"pedro@example.com", "a@b.co", "a.b+c@example.com", "x@sub.example.org", "o'neil|x^{y}@a-b.example",
		"", "pedro@", "@example.com", "pedro@example", "Pedro <pedro@example.com>", "a@b.", "a@.b", "a b@example.com", "a@b@example.com",
		"c4|bxdxau@ucu.example*", "a@1.2", "a@b-.example", "a@-b.example", "a..b@example.com", ".a@example.com", "a.@example.com",
		"josé@example.com", "a@exámple.com", `"a b"@example.com`, "a@[127.0.0.1]", "a@b.example (casa)",
		strings.Repeat("a", 64) + "@" + strings.Repeat("b", 61) + "." + strings.Repeat("c", 61) + "." + strings.Repeat("d", 61) + ".example",
		strings.Repeat("a", 64) + "@" + strings.Repeat("b", 61) + "." + strings.Repeat("c", 61) + "." + strings.Repeat("d", 62) + ".example",
		"a@" + strings.Repeat("b", 63) + ".example", "a@" + strings.Repeat("b", 64) + ".example",
		"a@b.c", "a@b.co", strings.Repeat("a", 64) + "@example.com", strings.Repeat("a", 65) + "@example.com",
		strings.Repeat("a.", 32) + "a@example.com", strings.Repeat("a.", 32) + "@example.com"}
	for _, s := range slices.Clone(names) {
		for _, sp := range spaces {
			names = append(names, sp+s+sp, sp, s+sp+sp)
		}
	}
	for _, s := range slices.Clone(telefonos) {
		for _, sp := range spaces {
			telefonos = append(telefonos, sp+s, s+sp)
		}
	}
	for _, s := range slices.Clone(emails) {
		for _, sp := range spaces {
			emails = append(emails, sp+s+sp)
		}
	}
	check := func(field, schemaName string, samples []string, exact bool) {
		for _, s := range samples {
			_, err := cliente.DecodeUpdate(fmt.Appendf(nil, `{%q:%s}`, field, mustJSON(t, s)))
			codeOK := err == nil
			specOK := schema(schemaName).VisitJSON(s) == nil
			if codeOK && !specOK {
				t.Errorf("%s %q: the code accepts it, the spec's %s rejects it", field, s, schemaName)
			}
			if exact && !codeOK && specOK {
				t.Errorf("%s %q: the code rejects it (%v), the spec's %s accepts it", field, s, err, schemaName)
			}
		}
	}
	check(cliente.Nombres, "NameInput", names, true)
	check(cliente.Telefono, "TelefonoInput", telefonos, true)
	check(cliente.Email, "EmailInput", emails, true)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
