package cliente

import (
	"encoding/json"
	"errors"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The fuzz targets below check DecodeUpdate, DecodeCreate and ParseID against
// an oracle built from encoding/json, unicode/utf8 and strconv only, not from
// the code under test. Their seed corpora run in every plain `go test`.

// bodySeeds are the inputs JSON parsers most often get wrong.
func bodySeeds() [][]byte {
	long := strings.Repeat("a", 16<<10)
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	deepObj := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	s := []string{
		// The plain cases.
		`{"nombres":"Pedro","apellidos":"Martínez"}`,
		`{"nombres":"Pedro","apellidos":"Martínez","telefono":"+5559876543","email":"pedro@example.com"}`,
		`{"telefono":"+5559876543","email":"pedro@example.com"}`,
		`{"telefono":null,"email":null}`,
		`{"nombres":null}`, `{"nombres":""}`, `{"nombres":"   "}`, `{"nombres":1}`, `{"nombres":true}`,
		`{"nombres":["a"]}`, `{"nombres":{"a":"b"}}`, `{"id":1}`, `{"created_at":"x"}`, `{"Nombres":"Ana"}`,
		`{"telefono":"(555) 123-4567"}`, `{"telefono":"+1 (555) 123-4567"}`, `{"telefono":"123456"}`,
		`{"telefono":"1234567890123456"}`, `{"telefono":"٥٥٥١٢٣٤٥٦٧"}`, `{"telefono":"+5559876543\n"}`,
		`{"email":"Pedro <pedro@example.com>"}`, `{"email":"pedro@example"}`, `{"email":"a@b.example"}`,
		`{"email":"\"a b\"@example.com"}`, `{"email":"a@[127.0.0.1]"}`, `{"email":"a@b.example\u0000"}`,
		// Empty, blank and non-object bodies.
		``, ` `, " \t\r\n", `null`, `[]`, `[{}]`, `1`, `"x"`, `true`, `{}`, ` {} `,
		// Trailing data.
		`{} {}`, `{}x`, `{}]`, `{}}`, `{},`, `{"a":1}{}`, "{}\x00", `{}/**/`,
		// Malformed objects.
		`{`, `}`, `{"a":1,}`, `{,}`, `{"a" 1}`, `{a:1}`, `{'a':1}`, `{"a":01}`, `{"a":-}`, `{"a":1.}`,
		`{"a":NaN}`, `{"a":Infinity}`, `{"a":"\x"}`, `{"a":"\u12"}`, `{"a":[1 2]}`, `{"a":[1,]}`, `{"a":{"b"}}`,
		// Duplicate keys, top level and nested, also spelled differently.
		`{"nombres":"A","nombres":"A"}`, `{"nombres":"A","nombr\u0065s":"B"}`, `{"a":1,"a":2}`,
		`{"x":{"a":1,"a":2}}`, `{"x":[{"a":[{"b":1,"b":1}]}]}`, `{"a":{"b":1},"c":{"b":1}}`,
		`{"\ud800":1,"\udbff":2}`, `{"\ufffd":1,"\ud800":2}`,
		// Huge numbers.
		`{"a":1e999999}`, `{"a":-1e999999}`, `{"a":123456789012345678901234567890}`, `{"nombres":1e999999}`,
		`{"a":0.0000000000000000000000000000000000000000000001}`, `{"a":-0}`,
		// Strings: escapes, surrogates, control characters.
		`{"nombres":"\ud800"}`, `{"nombres":"\udc00x"}`, `{"nombres":"\ud83d\ude00"}`, `{"nombres":"\ud800\ud800"}`,
		`{"nombres":"A\u0000B"}`, `{"nombres":"A\u001fB"}`, `{"nombres":"A\u007fB"}`, `{"nombres":"A\u0085"}`,
		`{"nombres":"A\u009fB"}`, `{"nombres":"\u00a0Ana\u3000"}`, `{"nombres":"A\u200bB"}`, `{"nombres":"\"\\\/\b\f\n\r\t"}`,
		"{\"nombres\":\"A\tB\"}", "{\"nombres\":\"A\x00B\"}", "{\"nombres\":\"A\x7fB\"}", "{\"nombres\":\"A\u0085B\"}",
		`{"nombres":"<script>&amp;"}`, `{"nombres":"\u2028\u2029"}`,
		// BOM and NUL bytes.
		"\xef\xbb\xbf{}", "\xef\xbb\xbf{\"nombres\":\"Ana\"}", `{"nombres":"` + "\ufeff" + `Ana"}`, "\x00", "{\x00}",
		"{\"nombres\":\"Ana\"}\x00",
		// Invalid UTF-8: lone continuation bytes, overlong encodings, surrogates, truncated sequences.
		"{\"nombres\":\"\x80\"}", "{\"nombres\":\"A\xbf\"}", "{\"nombres\":\"\xc0\xaf\"}", "{\"nombres\":\"\xe0\x80\xaf\"}",
		"{\"nombres\":\"\xf0\x80\x80\xaf\"}", "{\"nombres\":\"\xed\xa0\x80\"}", "{\"nombres\":\"\xed\xbf\xbf\"}",
		"{\"nombres\":\"\xc3\x28\"}", "{\"nombres\":\"\xc3\"}", "{\"nombres\":\"\xf4\x90\x80\x80\"}", "{\"nombres\":\"\xff\"}",
		"{\"\xff\":1}", "{\"a\":1}\xff", "\xff{}", "{\"a\":[\"\xed\xa0\x80\"]}",
		// Very long strings and limits.
		`{"nombres":"` + long + `"}`, `{"` + long + `":1}`, `{"email":"` + long + `@b.example"}`,
		`{"nombres":"` + strings.Repeat("ñ", 100) + `"}`, `{"nombres":"` + strings.Repeat("ñ", 101) + `"}`,
		`{"email":"` + strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + `.com"}`,
		`{"email":"` + strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + `.com"}`,
		// Deep nesting.
		deep(10000), `{"x":` + deep(9999) + `}`, `{"x":` + deep(10000) + `}`, `{"x":` + deep(5000)[:9999] + `}`,
		`{"x":` + deepObj(3000) + `}`, deepObj(3000),
	}
	out := make([][]byte, len(s))
	for i, v := range s {
		out[i] = []byte(v)
	}
	return out
}

func FuzzDecodeUpdate(f *testing.F) {
	for _, b := range bodySeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkDecode(t, body, false) })
}

func FuzzDecodeCreate(f *testing.F) {
	for _, b := range bodySeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkDecode(t, body, true) })
}

func checkDecode(t *testing.T, body []byte, create bool) {
	decodeFn, name := DecodeUpdate, "DecodeUpdate"
	if create {
		decodeFn, name = DecodeCreate, "DecodeCreate"
	}
	c, err := decodeFn(body)

	// Every result is one of the four kinds.
	var fe FieldErrors
	switch {
	case err == nil:
		checkChanges(t, c, create)
	case errors.Is(err, ErrSyntax):
	case errors.Is(err, ErrNoChanges):
		if create {
			t.Fatalf("%s(%.80q) = ErrNoChanges, a create has no empty case", name, body)
		}
	case errors.As(err, &fe):
		if len(fe) == 0 {
			t.Fatalf("%s(%.80q) = empty FieldErrors", name, body)
		}
	default:
		t.Fatalf("%s(%.80q): unexpected error %v", name, body, err)
	}
	if err != nil && c != (Changes{}) {
		t.Fatalf("%s(%.80q) = %+v with error %v", name, body, c, err)
	}

	// Syntax, from encoding/json and unicode/utf8.
	if !utf8.Valid(body) || !json.Valid(body) {
		if nestingDepth(body) > jsonMaxDepth {
			// encoding/json refuses JSON nested deeper than 10000 levels
			// (an implementation limit RFC 8259 allows); the code under test
			// walks tokens with its own stack and has no such limit. Such a
			// body is over 16 KiB, so the API never gets this far with it.
			return
		}
		if !errors.Is(err, ErrSyntax) {
			t.Fatalf("%s(%.80q) = %v, want ErrSyntax: not valid UTF-8 JSON", name, body, err)
		}
		return
	}
	if !isObject(body) {
		if !errors.Is(err, ErrSyntax) {
			t.Fatalf("%s(%.80q) = %v, want ErrSyntax: not an object", name, body, err)
		}
		return
	}
	if hasDuplicateKey(body) {
		if !errors.Is(err, ErrSyntax) {
			t.Fatalf("%s(%.80q) = %v, want ErrSyntax: duplicate key", name, body, err)
		}
		return
	}
	if hasLoneSurrogate(body) {
		if !errors.Is(err, ErrSyntax) {
			t.Fatalf("%s(%.80q) = %v, want ErrSyntax: lone surrogate escape", name, body, err)
		}
		return
	}
	if errors.Is(err, ErrSyntax) {
		t.Fatalf("%s(%.80q) = ErrSyntax for a valid JSON object without duplicate keys", name, body)
	}

	// Fields, from the contract's rules applied to json.Unmarshal's reading.
	want := expectFields(t, body)
	if create {
		for _, k := range []string{Nombres, Apellidos} {
			if _, given := want.members[k]; !given {
				want.mustErr[k] = true
			}
		}
	}
	switch {
	case err == nil:
		if len(want.mustErr) > 0 {
			t.Fatalf("%s(%.80q) accepted, want errors for %v", name, body, slices.Sorted(maps.Keys(want.mustErr)))
		}
		for _, f := range []struct {
			name string
			got  Field
		}{{Nombres, c.Nombres}, {Apellidos, c.Apellidos}, {Telefono, c.Telefono}, {Email, c.Email}} {
			w, given := want.members[f.name]
			if f.got.Set != given {
				t.Fatalf("%s(%.80q): %s Set = %v, body gives it: %v", name, body, f.name, f.got.Set, given)
			}
			if given && !eqPtr(f.got.Value, w) {
				t.Fatalf("%s(%.80q): %s = %s, want %s", name, body, f.name, show(f.got.Value), show(w))
			}
		}
		// Idempotence: the accepted changes, written back as JSON, read the same.
		again, err2 := decodeFn(encodeChanges(t, c))
		if err2 != nil || !eqChanges(again, c) {
			t.Fatalf("%s(%.80q): re-encoded changes read %+v, %v; want %+v", name, body, again, err2, c)
		}
	case errors.Is(err, ErrNoChanges):
		if len(want.members) > 0 || len(want.mustErr) > 0 || len(want.mayErr) > 0 {
			t.Fatalf("%s(%.80q) = ErrNoChanges for a body with members", name, body)
		}
	default: // FieldErrors
		for k := range want.mustErr {
			if fe[k] == "" {
				t.Fatalf("%s(%.80q): errors %v lack %q", name, body, fe, k)
			}
		}
		for k, why := range fe {
			if why == "" || !want.mustErr[k] && !want.mayErr[k] {
				t.Fatalf("%s(%.80q): unexpected error %q: %q (errors %v)", name, body, k, why, fe)
			}
		}
	}
}

// checkChanges checks the contract's rules on each field an accepted body sets.
func checkChanges(t *testing.T, c Changes, create bool) {
	t.Helper()
	if create && (!c.Nombres.Set || !c.Apellidos.Set) {
		t.Fatalf("create accepted without nombres or apellidos: %+v", c)
	}
	if !create && !c.Nombres.Set && !c.Apellidos.Set && !c.Telefono.Set && !c.Email.Set {
		t.Fatalf("update accepted with no fields: %+v", c)
	}
	for _, f := range []struct {
		name string
		f    Field
	}{{Nombres, c.Nombres}, {Apellidos, c.Apellidos}, {Telefono, c.Telefono}, {Email, c.Email}} {
		if !f.f.Set && f.f.Value != nil {
			t.Fatalf("%s: a value without Set: %q", f.name, *f.f.Value)
		}
		if !f.f.Set || f.f.Value == nil {
			if f.f.Set && (f.name == Nombres || f.name == Apellidos) {
				t.Fatalf("%s accepted as null", f.name)
			}
			continue
		}
		if why := contractRule(f.name, *f.f.Value); why != "" {
			t.Fatalf("%s = %q accepted, but %s", f.name, *f.f.Value, why)
		}
	}
}

var oracleTelefono = regexp.MustCompile(`^\+?[0-9()\- ]+$`)

// contractRule says why a trimmed value breaks the contract's rules, or ""
// when it keeps them. For email it checks only what can be checked without
// an address parser, so "" there means "maybe".
func contractRule(field, v string) string {
	if !utf8.ValidString(v) {
		return "not UTF-8"
	}
	if strings.TrimSpace(v) != v {
		return "not trimmed"
	}
	n := utf8.RuneCountInString(v)
	cc := strings.IndexFunc(v, func(r rune) bool { return unicode.Is(unicode.Cc, r) }) >= 0
	switch field {
	case Nombres, Apellidos:
		switch {
		case n < 1 || n > 100:
			return "length " + strconv.Itoa(n) + " not in 1-100"
		case cc:
			return "a control character"
		}
	case Telefono:
		digits := 0
		for _, r := range v {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		switch {
		case !oracleTelefono.MatchString(v):
			return "does not match the pattern"
		case digits < 7 || digits > 15:
			return strconv.Itoa(digits) + " digits"
		}
	case Email:
		switch {
		case n < 1 || n > 254:
			return "length " + strconv.Itoa(n) + " not in 1-254"
		case cc:
			return "a control character"
		case !strings.Contains(v, "@"):
			return "no @"
		}
	}
	return ""
}

type expected struct {
	members map[string]*string // the known fields the body sets, as they should read
	mustErr map[string]bool    // fields that must be errors
	mayErr  map[string]bool    // emails the oracle cannot judge
}

// expectFields reads a valid, duplicate-free JSON object with json.Unmarshal
// and applies the contract's rules to each member.
func expectFields(t *testing.T, body []byte) expected {
	t.Helper()
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		t.Fatalf("oracle: json.Unmarshal(%.80q): %v", body, err)
	}
	e := expected{members: map[string]*string{}, mustErr: map[string]bool{}, mayErr: map[string]bool{}}
	for k, raw := range obj {
		switch k {
		case Nombres, Apellidos, Telefono, Email:
		default:
			e.mustErr[k] = true
			continue
		}
		if string(raw) == "null" {
			if k == Nombres || k == Apellidos {
				e.mustErr[k] = true
			} else {
				e.members[k] = nil
			}
			continue
		}
		var s string
		if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			e.mustErr[k] = true
			continue
		}
		v := strings.TrimSpace(s)
		if contractRule(k, v) != "" {
			e.mustErr[k] = true
			continue
		}
		if k == Email {
			e.mayErr[k] = true
		}
		e.members[k] = &v
	}
	return e
}

func encodeChanges(t *testing.T, c Changes) []byte {
	t.Helper()
	m := map[string]*string{}
	for _, f := range []struct {
		name string
		f    Field
	}{{Nombres, c.Nombres}, {Apellidos, c.Apellidos}, {Telefono, c.Telefono}, {Email, c.Email}} {
		if f.f.Set {
			m[f.name] = f.f.Value
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("json.Marshal(%v): %v", m, err)
	}
	return b
}

func eqPtr(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func eqChanges(a, b Changes) bool {
	eq := func(x, y Field) bool { return x.Set == y.Set && eqPtr(x.Value, y.Value) }
	return eq(a.Nombres, b.Nombres) && eq(a.Apellidos, b.Apellidos) && eq(a.Telefono, b.Telefono) && eq(a.Email, b.Email)
}

func show(p *string) string {
	if p == nil {
		return "null"
	}
	return strconv.Quote(*p)
}

// jsonMaxDepth is encoding/json's nesting limit.
const jsonMaxDepth = 10000

// nestingDepth is the deepest nesting of brackets outside strings.
func nestingDepth(b []byte) int {
	depth, most, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			most = max(most, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return most
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

func isObject(b []byte) bool {
	i := skipWS(b, 0)
	return i < len(b) && b[i] == '{'
}

var (
	escapedBackslash = regexp.MustCompile(`\\\\`)
	surrogateEscape  = regexp.MustCompile(`\\u[dD][89a-fA-F][0-9a-fA-F]{2}`)
)

// hasLoneSurrogate reports whether valid JSON b escapes half of a UTF-16
// surrogate pair without the other half right after it.
func hasLoneSurrogate(b []byte) bool {
	b = escapedBackslash.ReplaceAll(b, []byte("__"))
	locs := surrogateEscape.FindAllIndex(b, -1)
	for k := 0; k < len(locs); k++ {
		v, _ := strconv.ParseUint(string(b[locs[k][0]+2:locs[k][1]]), 16, 16)
		if v >= 0xdc00 { // a low half with no high half before it
			return true
		}
		if k+1 == len(locs) || locs[k+1][0] != locs[k][1] {
			return true
		}
		w, _ := strconv.ParseUint(string(b[locs[k+1][0]+2:locs[k+1][1]]), 16, 16)
		if w < 0xdc00 {
			return true
		}
		k++
	}
	return false
}

// hasDuplicateKey reports whether any object in b, which json.Valid accepts,
// names a key twice, comparing keys as json.Unmarshal decodes them.
func hasDuplicateKey(b []byte) bool {
	_, dup := scanValue(b, skipWS(b, 0))
	return dup
}

// scanValue walks the valid JSON value at b[i:] and returns the index after it.
func scanValue(b []byte, i int) (int, bool) {
	switch b[i] {
	case '{':
		keys := map[string]bool{}
		i = skipWS(b, i+1)
		if b[i] == '}' {
			return i + 1, false
		}
		for {
			end := scanString(b, i)
			var k string
			if err := json.Unmarshal(b[i:end], &k); err != nil {
				panic("oracle: key " + string(b[i:end]) + ": " + err.Error())
			}
			if keys[k] {
				return end, true
			}
			keys[k] = true
			i = skipWS(b, end)
			i = skipWS(b, i+1) // the colon
			var dup bool
			if i, dup = scanValue(b, i); dup {
				return i, true
			}
			i = skipWS(b, i)
			if b[i] == '}' {
				return i + 1, false
			}
			i = skipWS(b, i+1) // the comma
		}
	case '[':
		i = skipWS(b, i+1)
		if b[i] == ']' {
			return i + 1, false
		}
		for {
			var dup bool
			if i, dup = scanValue(b, i); dup {
				return i, true
			}
			i = skipWS(b, i)
			if b[i] == ']' {
				return i + 1, false
			}
			i = skipWS(b, i+1)
		}
	case '"':
		return scanString(b, i), false
	default:
		for i < len(b) && !strings.ContainsRune(",]} \t\r\n", rune(b[i])) {
			i++
		}
		return i, false
	}
}

// scanString returns the index after the string literal that starts at b[i].
func scanString(b []byte, i int) int {
	for i++; b[i] != '"'; i++ {
		if b[i] == '\\' {
			i++
		}
	}
	return i + 1
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{
		"1", "42", "9007199254740991", "9007199254740992", "9223372036854775807", "9223372036854775808",
		"18446744073709551616", "99999999999999999999", "", "0", "00", "01", "-1", "-0", "+1", "1.5", "1e3",
		"1E3", "0x1", "0b1", "0o7", "1_000", " 1", "1 ", "\t1", "1\n", "1\x00", "١", "１", "abc", "NaN",
		"\xff", "1\xff", "\xed\xa0\x80", strings.Repeat("1", 1000), strings.Repeat("0", 16) + "1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		n, perr := strconv.ParseInt(s, 10, 64)
		valid := perr == nil && strconv.FormatInt(n, 10) == s && n >= 1 && n <= 9007199254740991
		switch {
		case valid && (err != nil || id != n):
			t.Fatalf("ParseID(%q) = %d, %v; want %d", s, id, err, n)
		case !valid && err == nil:
			t.Fatalf("ParseID(%q) = %d, want an error", s, id)
		case !valid && (!errors.Is(err, ErrInvalidID) || id != 0):
			t.Fatalf("ParseID(%q) = %d, %v; want 0, ErrInvalidID", s, id, err)
		}
	})
}
