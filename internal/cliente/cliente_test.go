package cliente

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64 // 0: invalid
	}{
		{"1", 1}, {"42", 42}, {"9007199254740991", MaxID},
		{"", 0}, {"0", 0}, {"-1", 0}, {"+1", 0}, {"01", 0}, {"1.5", 0}, {"1e3", 0}, {"abc", 0},
		{" 1", 0}, {"1 ", 0}, {"9007199254740992", 0}, {"99999999999999999999", 0}, {"١", 0}, {"0x1", 0},
	} {
		got, err := ParseID(tc.in)
		if tc.want == 0 {
			if !errors.Is(err, ErrInvalidID) {
				t.Errorf("ParseID(%q) = %d, %v; want ErrInvalidID", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseID(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestTimestamp(t *testing.T) {
	at := time.Date(2024, 3, 5, 10, 30, 0, 0, time.FixedZone("", -5*3600))
	if got := Timestamp(at); got != "2024-03-05T15:30:00.000Z" {
		t.Fatalf("Timestamp = %q", got)
	}
}

// long254 is a valid email of exactly 254 characters.
var long254 = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 61) + "." + strings.Repeat("c", 61) + "." + strings.Repeat("d", 61) + ".exa"

func TestFieldRules(t *testing.T) {
	for _, tc := range []struct {
		field, value string
		ok           bool
	}{
		{Nombres, "Pedro", true},
		{Nombres, strings.Repeat("ñ", 100), true}, // code points, not bytes
		{Nombres, strings.Repeat("ñ", 101), false},
		{Nombres, " \t Ana \n", true},
		{Nombres, "A\u0085", true}, // NEL is white space: trimmed
		{Nombres, "A\u0000B", false},
		{Nombres, "A\u009fB", false}, // a C1 control character is Cc too
		{Nombres, "A\u200bB", true},  // Cf, not Cc
		{Telefono, "(555) 123-4567", true},
		{Telefono, "+1 (555) 123-4567", true},
		{Telefono, "+5559876543", true},
		{Telefono, "1234567", true},
		{Telefono, "123456", false},
		{Telefono, "123456789012345", true},
		{Telefono, "1234567890123456", false},
		{Telefono, "++5551234567", false},
		{Telefono, "555.123.4567", false},
		{Telefono, "555 1234 ext 5", false},
		{Telefono, "٥٥٥١٢٣٤٥٦٧", false}, // digits, but not ASCII ones
		{Email, "a@b.example", true},
		{Email, "pedro.martinez+tag@example.com", true},
		{Email, "Pedro <pedro@example.com>", false},
		{Email, "<pedro@example.com>", false},
		{Email, "pedro@example", false},
		{Email, "pedro@@example.com", false},
		{Email, "pedro example.com", false},
		{Email, "pedro@example.com (casa)", false},
		{Email, long254, true},
		{Email, long254 + "m", false},
		{Email, "a@" + strings.Repeat("b", 63) + ".example", true},
		{Email, "a@" + strings.Repeat("b", 64) + ".example", false}, // a label is 63 at most
		{Email, "o'neil|x^{y}@a-b.example", true},
		{Email, "a@1.2", false},
		{Email, "a@b-.example", false},
		{Email, "a..b@example.com", false},
		{Email, "josé@example.com", false},
		{Email, `"a b"@example.com`, false},
		{Email, "a@[127.0.0.1]", false},
		{Email, "c4|bxdxau@ucu.example*", false},
		{Email, "a@b.c", false}, // a one-letter top-level domain
		{Email, strings.Repeat("a", 65) + "@example.com", false},
	} {
		body := `{"` + tc.field + `":` + quote(tc.value) + `}`
		_, err := DecodeUpdate([]byte(body))
		var fe FieldErrors
		if tc.ok && err != nil {
			t.Errorf("%s %q: %v %v", tc.field, tc.value, err, fe)
		}
		if !tc.ok && (!errors.As(err, &fe) || fe[tc.field] == "") {
			t.Errorf("%s %q: err = %v, want a field error", tc.field, tc.value, err)
		}
	}
}

func TestDecodeTrimsAndClears(t *testing.T) {
	c, err := DecodeUpdate([]byte(`{"nombres":"  Ana  ","telefono":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Nombres.Set || *c.Nombres.Value != "Ana" || !c.Telefono.Set || c.Telefono.Value != nil || c.Email.Set || c.Apellidos.Set {
		t.Fatalf("changes = %+v", c)
	}
	c, err = DecodeCreate([]byte(`{"nombres":"Ana","apellidos":"Paz","email":null}`))
	if err != nil || !c.Email.Set || c.Email.Value != nil {
		t.Fatalf("create = %+v, %v", c, err)
	}
}

func TestSyntax(t *testing.T) {
	deep := strings.Repeat(`[`, 5000) + strings.Repeat(`]`, 5000)
	for _, tc := range []struct {
		body string
		ok   bool
	}{
		{`{}`, true},
		{" \n{\"x\": {\"a\": [1, {\"b\": null}], \"c\": true}} \n", true},
		{`{"x":` + deep + `}`, true},
		{`{"x":1e999999}`, true}, // JSON, just the wrong type
		{`{"a":{"b":1},"c":{"b":1}}`, true},
		{``, false}, {` `, false}, {`{`, false}, {`}`, false}, {`[]`, false}, {`1`, false}, {`null`, false},
		{`{"a":1,}`, false}, {`{,}`, false}, {`{"a" 1}`, false}, {`{a:1}`, false}, {`{'a':1}`, false},
		{`{"a":1}{}`, false}, {`{"a":1} x`, false}, {`{"a":1}]`, false},
		{`{"a":1,"a":1}`, false}, {`{"x":{"a":1,"a":2}}`, false}, {`{"x":[{"a":[{"b":1,"b":1}]}]}`, false},
		{"{\"a\":\"\xc3\x28\"}", false}, {"\xef\xbb\xbf{}", false}, {"{\"\xff\":1}", false},
		{`{"x":` + deep[:len(deep)-1] + `}`, false},
		{`{"a":01}`, false}, {`{"a":NaN}`, false}, {`{"a":"\x"}`, false},
		{`{"a":"\ud83d\ude00"}`, true}, {`{"a":"\\ud800"}`, true}, {`{"a":"\uFFFD"}`, true},
		{`{"a":"\ud800"}`, false}, {`{"a":"\udc00"}`, false}, {`{"a":"\ud800\ud800"}`, false},
		{`{"a":"\ud800x"}`, false}, {`{"\ud800":1}`, false}, {`{"a":"\\\ud800"}`, false},
	} {
		_, err := readObject([]byte(tc.body))
		if tc.ok != (err == nil) {
			t.Errorf("readObject(%.40q) err = %v, want ok = %v", tc.body, err, tc.ok)
		}
	}
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteString(`\` + string(r))
		case r < 0x20:
			b.WriteString(`\u00` + string("0123456789abcdef"[r>>4]) + string("0123456789abcdef"[r&15]))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
