package api_test

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"gopkg.in/yaml.v3"
)

// TestSpecShapesGeneratorsRead guards openapi.yaml against the shapes that
// broke code generators (openapi-generator, openapi-python-client,
// datamodel-code-generator): each rule names what went wrong.
func TestSpecShapesGeneratorsRead(t *testing.T) {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, f := range shapeFaults(doc) {
		t.Error(f)
	}

	// next_cursor is Cursor written out (nullable beside a $ref is lost).
	cursor := get(doc, "components", "schemas", "Cursor", "pattern")
	next := get(doc, "paths", "/api/clientes", "get", "responses", "200", "content", "application/json", "schema", "properties", "next_cursor")
	if cursor == nil || get(next, "pattern") != cursor || get(next, "nullable") != true {
		t.Errorf("next_cursor %v: want nullable with Cursor's pattern %v", next, cursor)
	}
}

// TestShapeFaultsCatch: each rule of shapeFaults fires on the shape it is
// for, and passes a good one.
func TestShapeFaultsCatch(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"allOf of strings", "s: {type: string, allOf: [{type: string, pattern: '^a$'}, {type: string, pattern: '^b$'}]}", "allOf of plain"},
		{"oneOf of strings", "s: {oneOf: [{type: string}, {type: integer}]}", "oneOf of plain"},
		{"unanchored pattern", `s: {type: string, pattern: '@[^@]*\.'}`, "not anchored"},
		{"pattern anchored at the start only", "s: {type: string, pattern: '^a'}", "not anchored"},
		{"an escaped dollar is no anchor", `s: {type: string, pattern: '^a\$'}`, "not anchored"},
		{"nullable beside allOf", "s: {type: string, nullable: true, allOf: [{$ref: '#/x'}]}", "nullable beside"},
		{"nullable beside $ref", "s: {nullable: true, $ref: '#/x'}", "nullable beside"},
		{"nullable without a type", "s: {nullable: true}", "nullable beside"},
		{"a line separator in a pattern", "s: {type: string, pattern: \"^[\\u2028]$\"}", "U+2028"},
		{"a paragraph separator in prose", "s: {description: \"a\\u2029b\"}", "U+2029"},
		{"a non-ASCII character in a pattern", "s: {type: string, pattern: \"^[\\u3000]$\"}", "not ASCII"},
		{"good", `{s: {type: string, nullable: true, pattern: '^[\u2028]+@[^@]*\.$'}, o: {allOf: [{$ref: '#/x'}, {type: object}]}}`, ""},
	} {
		var doc any
		if err := yaml.Unmarshal([]byte(tc.yaml), &doc); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		faults := shapeFaults(doc)
		got := strings.Join(faults, "\n")
		switch {
		case tc.name == "good" && len(faults) > 0:
			t.Errorf("good: faults %q", got)
		case tc.name != "good" && !strings.Contains(got, tc.want):
			t.Errorf("%s: faults %q, want one with %q", tc.name, got, tc.want)
		}
	}
}

// shapeFaults walks a parsed OpenAPI document and names each shape a
// generator mishandles:
//   - an allOf, oneOf or anyOf of plain (non-object) schemas only:
//     openapi-generator makes an empty object model of it;
//   - a pattern not anchored at both ends: clients that check it with
//     Python's re.match anchor only the start;
//   - nullable beside a $ref or allOf, or without a type of its own:
//     openapi-python-client drops it;
//   - U+2028 or U+2029 in any string, and any non-ASCII character in a
//     pattern (write \uXXXX): generated source breaks on them.
func shapeFaults(doc any) []string {
	var faults []string
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range []string{"allOf", "oneOf", "anyOf"} {
				if members, ok := v[k].([]any); ok && len(members) > 0 && allPlain(members) {
					faults = append(faults, fmt.Sprintf("%s: %s of plain schemas only", at, k))
				}
			}
			if p, ok := v["pattern"].(string); ok {
				if !strings.HasPrefix(p, "^") || !anchoredEnd.MatchString(p) {
					faults = append(faults, fmt.Sprintf("%s: pattern %q is not anchored with ^ and $", at, p))
				}
				if i := strings.IndexFunc(p, func(r rune) bool { return r > unicode.MaxASCII }); i >= 0 {
					faults = append(faults, fmt.Sprintf("%s: pattern holds %U, not ASCII: write it as \\u%04X", at, []rune(p[i:])[0], []rune(p[i:])[0]))
				}
			}
			if v["nullable"] == true {
				_, typed := v["type"]
				_, ref := v["$ref"]
				_, all := v["allOf"]
				_, one := v["oneOf"]
				_, any := v["anyOf"]
				if !typed || ref || all || one || any {
					faults = append(faults, fmt.Sprintf("%s: nullable beside a $ref or a composition, or without a type", at))
				}
			}
			for k, x := range v {
				walk(at+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s/%d", at, i), x)
			}
		case string:
			for _, r := range []rune{'\u2028', '\u2029'} {
				if strings.ContainsRune(v, r) {
					faults = append(faults, fmt.Sprintf("%s: holds %U", at, r))
				}
			}
		}
	}
	walk("#", doc)
	return faults
}

// anchoredEnd matches a pattern that ends in a $ no backslash escapes.
var anchoredEnd = regexp.MustCompile(`(^|[^\\])(\\\\)*\$$`)

// allPlain tells whether every schema in members is a plain value (a
// string, number, integer or boolean), none an object, array or $ref.
func allPlain(members []any) bool {
	for _, m := range members {
		s, _ := m.(map[string]any)
		switch s["type"] {
		case "string", "number", "integer", "boolean":
		default:
			return false
		}
	}
	return true
}

// get walks nested maps by key.
func get(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// TestSpecExamplesMeetNoState: a tool that sends the spec's example
// precondition headers (schemathesis' example phase does) gets what it
// would without them, whatever clientes exist; and no Idempotency-Key
// example is given, since any fixed key is state.
func TestSpecExamplesMeetNoState(t *testing.T) {
	doc, _ := loadSpec(t)
	params := doc.Components.Parameters
	if ex := params["IdempotencyKey"].Value.Example; ex != nil {
		t.Errorf("Idempotency-Key example %v: a fixed key replays or is refused; give none", ex)
	}
	example := func(name string) string {
		s, ok := params[name].Value.Example.(string)
		if !ok {
			t.Fatalf("parameter %s has no string example", name)
		}
		return s
	}
	s := newServer(t)
	c := s.create(t, `{"nombres":"Ana","apellidos":"Ruiz"}`)
	path := fmt.Sprintf("/api/clientes/%d", c.ID)
	for _, tc := range []struct {
		req    request
		status int
	}{
		{request{method: "GET", path: path, header: map[string]string{"If-None-Match": example("IfNoneMatch")}}, http.StatusOK},
		{request{method: "PUT", path: path, body: `{"nombres":"Eva"}`, header: map[string]string{"If-Match": example("IfMatch")}}, http.StatusOK},
		{request{method: "PUT", path: "/api/clientes/999", body: `{"nombres":"Eva"}`, header: map[string]string{"If-Match": example("IfMatch")}}, http.StatusNotFound},
		{request{method: "DELETE", path: path, header: map[string]string{"If-Match": example("IfMatch")}}, http.StatusOK},
	} {
		if resp := s.do(t, tc.req); resp.status != tc.status {
			t.Errorf("%s %s with %v = %d %s, want %d", tc.req.method, tc.req.path, tc.req.header, resp.status, resp.body, tc.status)
		}
	}
}

// TestSpecIdempotencyKeyIsExact: the Idempotency-Key pattern accepts what
// the handler accepts and nothing else, spaces and tabs around the value
// (HTTP's, dropped before the key is read) included.
func TestSpecIdempotencyKeyIsExact(t *testing.T) {
	doc, _ := loadSpec(t)
	schema := doc.Components.Parameters["IdempotencyKey"].Value.Schema.Value
	s := newServer(t)
	for i, key := range []string{"k", `"k"`, `""`, `"`, "a b", " k ", "k\t", "\tk", " ", "\t", `"a"b"`, `a"`, `"a`,
		"clave-ñ", "a\x7fb", " \"k\" ", strings.Repeat("k", 255), strings.Repeat("k", 256),
		`"` + strings.Repeat("k", 255) + `"`, `"` + strings.Repeat("k", 256) + `"`, " " + strings.Repeat("k", 255) + "\t"} {
		// Each its own body: a key that reads as an earlier one's (" k "
		// and "k") is a 422, which also says the key was read.
		body := fmt.Sprintf(`{"nombres":"N%d","apellidos":"A"}`, i)
		r, w := s.serve(request{method: "POST", path: "/api/clientes", body: body, header: map[string]string{"Idempotency-Key": key}})
		checkSpec(t, r, body, w)
		codeOK := w.Code == http.StatusCreated || w.Code == http.StatusUnprocessableEntity
		if !codeOK && w.Code != http.StatusBadRequest {
			t.Errorf("Idempotency-Key %q: %d %s, want 201, 422 or 400", key, w.Code, w.Body)
			continue
		}
		if specOK := schema.VisitJSON(key) == nil; codeOK != specOK {
			t.Errorf("Idempotency-Key %q: the handler accepts it: %v, the spec: %v", key, codeOK, specOK)
		}
	}
}
