package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/dynamotest"
)

var etagForm = regexp.MustCompile(`^"[0-9a-f]{24}"$`)

const otherTag = `"000000000000000000000000"`

// TestEntityTags walks one cliente through every precondition the contract
// names, checking status, ETag, what was written and what each cost.
func TestEntityTags(t *testing.T) {
	s := newServer(t)
	created := s.do(t, request{method: "POST", path: "/api/clientes", body: `{"nombres":"Pedro","apellidos":"Martínez"}`})
	tag := created.header.Get("ETag")
	if created.status != 201 || !etagForm.MatchString(tag) {
		t.Fatalf("POST = %d, ETag %q", created.status, tag)
	}
	weak := "W/" + tag
	type step struct {
		name   string
		req    request
		status int
		// etag: the ETag the answer carries: "same" (tag), "new" (another
		// well-formed one) or "" (none).
		etag    string
		message string
		trips   int
	}
	get := func(h map[string]string) request { return request{method: "GET", path: "/api/clientes/1", header: h} }
	put := func(h map[string]string) request {
		return request{method: "PUT", path: "/api/clientes/1", body: `{"telefono":"5551234567"}`, header: h}
	}
	del := func(h map[string]string) request {
		return request{method: "DELETE", path: "/api/clientes/1", header: h}
	}
	im := func(v string) map[string]string { return map[string]string{"If-Match": v} }
	inm := func(v string) map[string]string { return map[string]string{"If-None-Match": v} }
	both := func(match, none string) map[string]string {
		return map[string]string{"If-Match": match, "If-None-Match": none}
	}
	const stale = "El cliente fue modificado por otra solicitud"
	const failed = "Precondición no cumplida"
	const current = "the tag current at this step"
	steps := []step{
		{"GET carries the tag", get(nil), 200, "same", "", 1},
		{"If-None-Match with the tag", get(inm(tag)), 304, "same", "", 1},
		{"If-None-Match with its weak form", get(inm(weak)), 304, "same", "", 1},
		{"If-None-Match in a list", get(inm(otherTag + ", " + tag)), 304, "same", "", 1},
		{"If-None-Match *", get(inm("*")), 304, "same", "", 1},
		{"If-None-Match with another tag", get(inm(otherTag)), 200, "same", "", 1},
		{"GET If-Match with the tag", get(im(tag)), 200, "same", "", 1},
		{"GET If-Match *", get(im("*")), 200, "same", "", 1},
		{"GET If-Match with another tag", get(im(otherTag)), 412, "same", stale, 1},
		{"GET If-Match with the weak tag", get(im(weak)), 412, "same", stale, 1},
		{"GET If-Match holds, If-None-Match fails", get(both(tag, tag)), 304, "same", "", 1},
		{"GET If-Match fails first", get(both(otherTag, tag)), 412, "same", stale, 1},
		{"PUT with another tag", put(im(otherTag)), 412, "same", stale, 1},
		{"PUT with the weak tag", put(im(weak)), 412, "same", stale, 1},
		{"DELETE with another tag", del(im(otherTag)), 412, "same", stale, 2},
		{"PUT If-None-Match *", put(inm("*")), 412, "same", failed, 1},
		{"PUT If-None-Match with the tag", put(inm(tag)), 412, "same", failed, 1},
		{"PUT If-None-Match with the weak tag in a list", put(inm(otherTag + "," + weak)), 412, "same", failed, 1},
		{"PUT If-Match fails before If-None-Match", put(both(otherTag, tag)), 412, "same", stale, 1},
		{"PUT If-Match holds, If-None-Match fails", put(both(tag, tag)), 412, "same", failed, 1},
		{"PUT If-Match *, If-None-Match *", put(both("*", "*")), 412, "same", failed, 1},
		{"DELETE If-None-Match *", del(inm("*")), 412, "same", failed, 2},
		{"DELETE If-None-Match with the weak tag", del(inm(weak)), 412, "same", failed, 2},
		{"DELETE If-Match holds, If-None-Match fails", del(both(tag, tag)), 412, "same", failed, 2},
		{"PUT with the tag in a list", put(im(otherTag + "," + tag)), 200, "new", "", 1},
		{"PUT with the old tag", put(im(tag)), 412, "", stale, 1},
		{"PUT with *", put(im("*")), 200, "new", "", 1},
		{"PUT with no precondition", put(nil), 200, "new", "", 1},
		{"PUT If-None-Match with another tag", put(inm(otherTag)), 200, "new", "", 1},
		{"PUT If-None-Match with the old tag", put(inm(tag)), 200, "new", "", 1},
		{"DELETE with the old tag", del(im(tag)), 412, "", stale, 2},
		{"DELETE If-None-Match with the current tag", del(inm(current)), 412, "", failed, 2},
	}
	for _, st := range steps {
		before := s.snapshot(t)
		for k, v := range st.req.header {
			if v == current {
				st.req.header[k] = tag
			}
		}
		resp := s.do(t, st.req)
		got := resp.header.Get("ETag")
		switch {
		case resp.status != st.status:
			t.Fatalf("%s: = %d %s, want %d", st.name, resp.status, resp.body, st.status)
		case st.etag == "same" && got != tag,
			st.etag == "new" && (got == tag || !etagForm.MatchString(got)),
			st.etag == "" && !etagForm.MatchString(got):
			t.Fatalf("%s: ETag %q (the tag was %q, want %s)", st.name, got, tag, st.etag)
		case st.message != "" && resp.body != `{"message":"`+st.message+`"}`:
			t.Fatalf("%s: body %s", st.name, resp.body)
		case st.status == 304 && resp.body != "":
			t.Fatalf("%s: a 304 with a body: %q", st.name, resp.body)
		case dynamotest.Total(resp.trips) != st.trips:
			t.Errorf("%s: %v DynamoDB requests, want %d", st.name, resp.trips, st.trips)
		}
		if st.status == 412 {
			if after := s.snapshot(t); after[0] != before[0] && after[0].ETag != before[0].ETag {
				t.Fatalf("%s: a 412 wrote: %+v", st.name, after)
			}
		}
		if st.status == 200 && st.req.method == "PUT" {
			tag = got
			// The body is the published one, whatever the precondition.
			if !regexp.MustCompile(`^\{"message":"Cliente actualizado","cliente":\{"id":1,"nombres":"Pedro","apellidos":"Martínez","telefono":"5551234567","email":null,"created_at":` + timestamp + `,"updated_at":` + timestamp + `\}\}$`).MatchString(resp.body) {
				t.Fatalf("%s: body %s", st.name, resp.body)
			}
		}
		if st.etag == "" && got != tag {
			t.Fatalf("%s: the 412 names %s, the current tag is %s", st.name, got, tag)
		}
	}
	if resp := s.do(t, del(im(tag))); resp.status != 200 || resp.trips["DeleteItem"] != 1 || dynamotest.Total(resp.trips) != 1 {
		t.Fatalf("DELETE with the current tag = %d %s, %v", resp.status, resp.body, resp.trips)
	}
	// A missing id is 404 whatever the precondition says.
	for _, req := range []request{get(inm("*")), put(im(tag)), put(im("*")), del(im(tag)), del(im(otherTag))} {
		if resp := s.do(t, req); resp.status != 404 || resp.body != `{"message":"Cliente no encontrado"}` {
			t.Errorf("%s %v on a deleted cliente = %d %s, want 404", req.method, req.header, resp.status, resp.body)
		}
	}
}

// TestCollectionPreconditions: /api/clientes exists and has no entity tag.
// A failed precondition on the list or POST is a 412 that costs nothing,
// writes nothing and uses up no Idempotency-Key; the route's own 400s come
// first, and the 412 before a 422 or a replay.
func TestCollectionPreconditions(t *testing.T) {
	s := newServer(t)
	const failed = `{"message":"Precondición no cumplida"}`
	post := func(body string, h map[string]string) request {
		return request{method: "POST", path: "/api/clientes", body: body, header: h}
	}
	list := func(query string, h map[string]string) request {
		return request{method: "GET", path: "/api/clientes" + query, header: h}
	}
	const pedro = `{"nombres":"Pedro","apellidos":"Martínez"}`
	const ana = `{"nombres":"Ana","apellidos":"García"}`
	h := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		req    request
		status int
		body   string // the whole body, or "" for any
		trips  int    // -1: any
	}{
		{"list If-Match *", list("", h("If-Match", "*")), 200, "", 1},
		{"list If-None-Match with a tag", list("", h("If-None-Match", otherTag)), 200, "", 1},
		{"list If-None-Match with a weak tag", list("", h("If-None-Match", "W/"+otherTag)), 200, "", 1},
		{"list If-Match with a tag", list("", h("If-Match", otherTag)), 412, failed, 0},
		{"list If-Match with a tag not of the API's form", list("", h("If-Match", `"x"`)), 412, failed, 0},
		{"list If-None-Match *: not modified, as a GET", list("", h("If-None-Match", "*")), 304, "", 0},
		{"list If-Match * and If-None-Match *", list("", h("If-Match", "*", "If-None-Match", "*")), 304, "", 0},
		{"list If-Match first, then If-None-Match", list("", h("If-Match", otherTag, "If-None-Match", "*")), 412, failed, 0},
		{"list: the header's syntax before paging", list("?limit=0", h("If-Match", "abc")), 400, `{"message":"Encabezado de precondición inválido"}`, 0},
		{"list: paging before the 412", list("?limit=0", h("If-Match", otherTag)), 400, `{"message":"Parámetros de paginación inválidos"}`, 0},
		{"POST If-Match with a tag", post(pedro, h("If-Match", otherTag)), 412, failed, 0},
		{"POST If-None-Match *", post(pedro, h("If-None-Match", "*")), 412, failed, 0},
		{"POST keyed If-None-Match *", post(pedro, h("If-None-Match", "*", "Idempotency-Key", "k")), 412, failed, 0},
		{"POST: fields before the 412", post(`{"nombres":""}`, h("If-Match", otherTag)), 400, "", 0},
		{"POST: Content-Type before the 412", post(pedro, h("If-Match", otherTag, "Content-Type", "text/plain")), 415, "", 0},
		{"POST: the header's syntax before Content-Type", post(pedro, h("If-Match", "abc", "Content-Type", "text/plain")), 400, `{"message":"Encabezado de precondición inválido"}`, 0},
		{"POST: the key's syntax first", post(pedro, h("If-Match", "abc", "Idempotency-Key", "a b")), 400, `{"message":"Idempotency-Key inválida"}`, 0},
		{"POST If-Match *", post(pedro, h("If-Match", "*")), 201, "", 2},
		{"POST If-None-Match with a tag", post(pedro, h("If-None-Match", otherTag)), 201, "", 2},
		// The key was not used up by the 412 above.
		{"POST keyed", post(pedro, h("Idempotency-Key", "k")), 201, "", 3},
		{"POST keyed, a replay refused by If-Match", post(pedro, h("Idempotency-Key", "k", "If-Match", otherTag)), 412, failed, 0},
		{"POST keyed, the 412 before the 422", post(ana, h("Idempotency-Key", "k", "If-None-Match", "*")), 412, failed, 0},
		{"POST keyed, replayed", post(pedro, h("Idempotency-Key", "k", "If-None-Match", otherTag)), 201, "", -1},
	} {
		before := s.snapshot(t)
		resp := s.do(t, tc.req)
		if resp.status != tc.status || (tc.body != "" && resp.body != tc.body) {
			t.Errorf("%s: = %d %s, want %d %s", tc.name, resp.status, resp.body, tc.status, tc.body)
		}
		if tc.trips >= 0 && dynamotest.Total(resp.trips) != tc.trips {
			t.Errorf("%s: DynamoDB requests %v, want %d", tc.name, resp.trips, tc.trips)
		}
		if tc.status == 412 && resp.header.Get("ETag") != "" {
			t.Errorf("%s: a 412 on the collection names an ETag %q", tc.name, resp.header.Get("ETag"))
		}
		if after := s.snapshot(t); tc.status != 201 && !reflect.DeepEqual(after, before) {
			t.Errorf("%s: changed %+v into %+v", tc.name, before, after)
		}
		if tc.name == "POST keyed" && resp.header.Get("Idempotent-Replayed") != "" {
			t.Errorf("the key was used up by a 412: %v", resp.header)
		}
		if tc.name == "POST keyed, replayed" && resp.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("no replay: %d %v %s", resp.status, resp.header, resp.body)
		}
	}
}

// TestSafeWriteBadHeaders: malformed precondition headers and keys are a
// 400 in their place in the order of checks, cost nothing and change nothing.
func TestSafeWriteBadHeaders(t *testing.T) {
	s := newServer(t)
	s.create(t, `{"nombres":"Pedro","apellidos":"Martínez"}`)
	const badPrecondition = `{"message":"Encabezado de precondición inválido"}`
	const badKey = `{"message":"Idempotency-Key inválida"}`
	var cases []struct {
		req  request
		want int
		body string
	}
	add := func(req request, want int, body string) {
		cases = append(cases, struct {
			req  request
			want int
			body string
		}{req, want, body})
	}
	for _, v := range []string{`abc`, `"abc`, `W/abc`, `"a" "b"`, `*, "a"`, `"a", *`, ` `, `,`, `, ,`, `"a"x`, `W/ "a"`, `w/"a"`, "\"a\tb\"", `"a"b"`} {
		add(request{method: "PUT", path: "/api/clientes/1", body: `{"nombres":"X"}`, header: map[string]string{"If-Match": v}}, 400, badPrecondition)
		add(request{method: "DELETE", path: "/api/clientes/1", header: map[string]string{"If-Match": v}}, 400, badPrecondition)
		add(request{method: "GET", path: "/api/clientes/1", header: map[string]string{"If-None-Match": v}}, 400, badPrecondition)
		add(request{method: "GET", path: "/api/clientes/1", header: map[string]string{"If-Match": v}}, 400, badPrecondition)
		add(request{method: "PUT", path: "/api/clientes/1", body: `{"nombres":"X"}`, header: map[string]string{"If-None-Match": v}}, 400, badPrecondition)
		add(request{method: "DELETE", path: "/api/clientes/1", header: map[string]string{"If-None-Match": v}}, 400, badPrecondition)
		for _, h := range []string{"If-Match", "If-None-Match"} {
			add(request{method: "GET", path: "/api/clientes", header: map[string]string{h: v}}, 400, badPrecondition)
			add(request{method: "POST", path: "/api/clientes", body: `{"nombres":"A","apellidos":"B"}`, header: map[string]string{h: v}}, 400, badPrecondition)
		}
	}
	for _, v := range []string{` `, `a b`, `""`, `"` + strings.Repeat("k", 256) + `"`, strings.Repeat("k", 256), "clave-ñ", "a\x7fb"} {
		add(request{method: "POST", path: "/api/clientes", body: `{"nombres":"A","apellidos":"B"}`, header: map[string]string{"Idempotency-Key": v}}, 400, badKey)
	}
	// The order of checks: the id first, then the header, then the body.
	add(request{method: "PUT", path: "/api/clientes/abc", body: `{`, header: map[string]string{"If-Match": "abc"}}, 400, `{"message":"ID de cliente inválido"}`)
	add(request{method: "PUT", path: "/api/clientes/1", body: `{`, header: map[string]string{"If-Match": "abc", "Content-Type": "text/plain"}}, 400, badPrecondition)
	add(request{method: "PUT", path: "/api/clientes/1", body: `{`, header: map[string]string{"If-Match": otherTag}}, 400, `{"message":"JSON inválido"}`)
	add(request{method: "PUT", path: "/api/clientes/1", body: `{}`, header: map[string]string{"If-Match": otherTag}}, 400, `{"message":"No hay campos para actualizar"}`)
	add(request{method: "PUT", path: "/api/clientes/1", body: `{"nombres":1}`, header: map[string]string{"If-Match": otherTag, "Content-Type": "text/plain"}}, 415, `{"message":"Content-Type debe ser application/json"}`)
	add(request{method: "POST", path: "/api/clientes", body: `{`, header: map[string]string{"Idempotency-Key": "a b", "Content-Type": "text/plain"}}, 400, badKey)
	add(request{method: "POST", path: "/api/clientes", body: `{"nombres":""}`, header: map[string]string{"Idempotency-Key": "k"}}, 400, "")
	// More than MaxTags distinct tags of the API's form.
	many := make([]string, 100)
	for i := range many {
		many[i] = fmt.Sprintf(`"%024x"`, i)
	}
	add(request{method: "PUT", path: "/api/clientes/1", body: `{"nombres":"X"}`, header: map[string]string{"If-Match": strings.Join(many, ",")}}, 400, badPrecondition)
	add(request{method: "DELETE", path: "/api/clientes/1", header: map[string]string{"If-None-Match": strings.Join(many, ",")}}, 400, badPrecondition)
	// A well-formed header with a bad one beside it: still the 400.
	add(request{method: "GET", path: "/api/clientes/1", header: map[string]string{"If-Match": "*", "If-None-Match": "abc"}}, 400, badPrecondition)

	for _, tc := range cases {
		before := s.snapshot(t)
		resp := s.do(t, tc.req)
		if resp.status != tc.want || (tc.body != "" && resp.body != tc.body) {
			t.Errorf("%s %s %q = %d %s, want %d %s", tc.req.method, tc.req.path, tc.req.header, resp.status, resp.body, tc.want, tc.body)
		}
		if dynamotest.Total(resp.trips) != 0 {
			t.Errorf("%s %q reached DynamoDB: %v", tc.req.method, tc.req.header, resp.trips)
		}
		if after := s.snapshot(t); len(after) != len(before) || after[0] != before[0] {
			t.Errorf("%s %q changed %+v into %+v", tc.req.method, tc.req.header, before, after)
		}
	}
	// A refused request does not use up its key.
	if resp := s.do(t, request{method: "POST", path: "/api/clientes", body: `{"nombres":"A","apellidos":"B"}`, header: map[string]string{"Idempotency-Key": "k"}}); resp.status != 201 || resp.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("the key after a refused request = %d %s", resp.status, resp.body)
	}
}

func TestIdempotentCreate(t *testing.T) {
	s := newServer(t)
	key := map[string]string{"Idempotency-Key": "3f2a-ñ"[:4]}
	first := s.do(t, request{method: "POST", path: "/api/clientes", body: `{"nombres":"Pedro","apellidos":"Martínez","telefono":"5551234567"}`, header: key})
	if first.status != 201 || first.header.Get("Idempotent-Replayed") != "" || first.header.Get("Location") != "/api/clientes/1" ||
		!etagForm.MatchString(first.header.Get("ETag")) {
		t.Fatalf("first keyed POST = %d %v %s", first.status, first.header, first.body)
	}
	if first.trips["GetItem"] != 1 || first.trips["UpdateItem"] != 1 || first.trips["TransactWriteItems"] != 1 || dynamotest.Total(first.trips) != 3 {
		t.Errorf("a keyed create made %v, want 3 requests", first.trips)
	}
	replay := func(name, body string, h map[string]string) {
		t.Helper()
		resp := s.do(t, request{method: "POST", path: "/api/clientes", body: body, header: h})
		if resp.status != 201 || resp.body != first.body || resp.header.Get("Idempotent-Replayed") != "true" ||
			resp.header.Get("Location") != first.header.Get("Location") || resp.header.Get("ETag") != first.header.Get("ETag") {
			t.Fatalf("%s: = %d %v %s, want the first answer again", name, resp.status, resp.header, resp.body)
		}
		if dynamotest.Total(resp.trips) > 2 {
			t.Errorf("%s: a replay made %v, want at most 2 requests", name, resp.trips)
		}
	}
	replay("same request", `{"nombres":"Pedro","apellidos":"Martínez","telefono":"5551234567"}`, key)
	replay("white space, key order, null", ` { "telefono" : " 5551234567 ", "email": null, "apellidos":"Martínez ","nombres":"Pedro"}`, key)
	replay("quoted key", `{"nombres":"Pedro","apellidos":"Martínez","telefono":"5551234567"}`, map[string]string{"Idempotency-Key": `"` + key["Idempotency-Key"] + `"`})
	if resp := s.do(t, request{method: "PUT", path: "/api/clientes/1", body: `{"nombres":"Otro"}`}); resp.status != 200 {
		t.Fatal(resp.body)
	}
	replay("after an update", `{"nombres":"Pedro","apellidos":"Martínez","telefono":"5551234567"}`, key)
	if resp := s.do(t, request{method: "DELETE", path: "/api/clientes/1"}); resp.status != 200 {
		t.Fatal(resp.body)
	}
	replay("after the delete", `{"nombres":"Pedro","apellidos":"Martínez","telefono":"5551234567"}`, key)
	if resp := s.do(t, request{method: "GET", path: "/api/clientes/1"}); resp.status != 404 {
		t.Fatalf("a replay brought the deleted cliente back: %d %s", resp.status, resp.body)
	}
	resp := s.do(t, request{method: "POST", path: "/api/clientes", body: `{"nombres":"Ana","apellidos":"García"}`, header: key})
	if resp.status != 422 || resp.body != `{"message":"Idempotency-Key ya usada con otra solicitud"}` {
		t.Fatalf("the key with another request = %d %s", resp.status, resp.body)
	}
	if all := s.snapshot(t); len(all) != 0 {
		t.Fatalf("stored %+v; want nothing: kept answers are never listed", all)
	}
	if resp := s.do(t, request{method: "GET", path: "/api/clientes"}); resp.body != `{"clientes":[],"next_cursor":null}` {
		t.Fatalf("GET /api/clientes = %s", resp.body)
	}
}

// TestIdempotencyKeysPerCaller: with access control on, API Gateway hands
// the caller's sub in the event, and the same key from two callers is two
// keys.
func TestIdempotencyKeysPerCaller(t *testing.T) {
	s := newServer(t)
	handler := api.Lambda(api.Create.Handler(s.store, discard), discard)
	post := func(sub string) events.APIGatewayV2HTTPResponse {
		ev := events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: "POST /api/clientes", RawPath: "/api/clientes",
			Headers: map[string]string{"content-type": "application/json", "idempotency-key": "k"},
			Body:    `{"nombres":"Pedro","apellidos":"Martínez"}`,
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/api/clientes"},
				Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
					JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
						Claims: map[string]string{"sub": sub}, Scopes: []string{"clientes/write"},
					},
				},
			},
		}
		resp, err := handler(context.Background(), ev)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("POST as %s = %+v, %v", sub, resp, err)
		}
		return resp
	}
	alice, bob, again := post("alice"), post("bob"), post("alice")
	var a, b struct{ Cliente struct{ ID int } }
	json.Unmarshal([]byte(alice.Body), &a)
	json.Unmarshal([]byte(bob.Body), &b)
	if a.Cliente.ID == b.Cliente.ID || again.Body != alice.Body || again.Headers["Idempotent-Replayed"] != "true" {
		t.Fatalf("alice %s, bob %s, alice again %s %v", alice.Body, bob.Body, again.Body, again.Headers)
	}
}

// TestKeyInFlight: AWS cancels a transaction that meets another writing the
// same key; the client is told to come back, and nothing is written.
func TestKeyInFlight(t *testing.T) {
	s := newServer(t)
	s.faults.Respond("TransactWriteItems", http.StatusBadRequest,
		`{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","message":"Transaction cancelled",`+
			`"CancellationReasons":[{"Code":"None"},{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}]}`, 1)
	req := request{method: "POST", path: "/api/clientes", body: `{"nombres":"A","apellidos":"B"}`, header: map[string]string{"Idempotency-Key": "k"}}
	resp := s.do(t, req)
	if resp.status != 409 || resp.header.Get("Retry-After") != api.RetryAfter ||
		resp.body != `{"message":"Solicitud con la misma Idempotency-Key en curso"}` {
		t.Fatalf("= %d %v %s, want 409 with Retry-After", resp.status, resp.header, resp.body)
	}
	if s.faults.Clear() != 1 || len(s.snapshot(t)) != 0 {
		t.Fatal("the fault was not hit, or something was written")
	}
	if resp := s.do(t, req); resp.status != 201 || resp.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("retry = %d %s", resp.status, resp.body)
	}
}
