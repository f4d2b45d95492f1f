package api

import (
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/clientes-api/clientes/internal/store"
)

// The fuzz targets below check the paging parameters against an oracle built
// from net/url, math/big and strconv. Their seed corpora run in every
// plain `go test`.

const maxID = 9007199254740991

// oracleID reads s as the contract's id: plain decimal, 1 to 2^53-1.
func oracleID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && strconv.FormatInt(n, 10) == s && n >= 1 && n <= maxID
}

// oracleCursor reports the id a cursor names, if it is exactly what
// EncodeCursor makes for a valid id.
func oracleCursor(s string) (int64, bool) {
	if !regexp.MustCompile(`^[0-9a-f]+$`).MatchString(s) {
		return 0, false
	}
	n, ok := new(big.Int).SetString(s, 16)
	if !ok || n.Sign() <= 0 || n.Cmp(big.NewInt(maxID)) > 0 || n.Text(16) != s {
		return 0, false
	}
	return n.Int64(), true
}

func cursorSeeds() []string {
	return []string{
		"", EncodeCursor(1), EncodeCursor(42), EncodeCursor(maxID), EncodeCursor(maxID + 1), EncodeCursor(0),
		EncodeCursor(-1), EncodeCursor(1<<63 - 1),
		base64.URLEncoding.EncodeToString([]byte("1")),    // padded: MQ==
		base64.URLEncoding.EncodeToString([]byte("12")),   // padded: MTI=
		base64.StdEncoding.EncodeToString([]byte("1")),    // MQ==
		base64.RawStdEncoding.EncodeToString([]byte("1")), // same alphabet as URL for these bytes
		base64.RawStdEncoding.EncodeToString([]byte("?>?")), base64.RawURLEncoding.EncodeToString([]byte("?>?")),
		"MR", "MQ", "MR==", "MQ=", "M", "MQ\n", "MQ\r\n", " MQ", "M Q", "MQ%3D%3D", "+/+/", "-_-_",
		base64.RawURLEncoding.EncodeToString([]byte("01")), base64.RawURLEncoding.EncodeToString([]byte("+1")),
		base64.RawURLEncoding.EncodeToString([]byte("1 ")), base64.RawURLEncoding.EncodeToString([]byte("1\x00")),
		base64.RawURLEncoding.EncodeToString([]byte("1e3")), base64.RawURLEncoding.EncodeToString([]byte("\xff")),
		strings.Repeat("A", 24), strings.Repeat("A", 25), strings.Repeat("MTIz", 1000), "\xff", "%zz",
		"1", "a", "A", "01", "0", "-1", "+1", " 1", "1 ", "0x1", "1fffffffffffff", "20000000000000", "ffffffffffffff",
		"1\n", "g", "1F", "7fffffffffffffff", strings.Repeat("f", 15),
	}
}

func FuzzDecodeCursor(f *testing.F) {
	for _, s := range cursorSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := DecodeCursor(s)
		want, ok := oracleCursor(s)
		switch {
		case err == nil && (id < 1 || id > maxID || EncodeCursor(id) != s):
			t.Fatalf("DecodeCursor(%q) = %d, but EncodeCursor(%d) = %q", s, id, id, EncodeCursor(id))
		case err == nil && !ok:
			t.Fatalf("DecodeCursor(%q) = %d, want an error", s, id)
		case err != nil && ok:
			t.Fatalf("DecodeCursor(%q) = %v, want %d", s, err, want)
		case err != nil && (err != errPaging || id != 0):
			t.Fatalf("DecodeCursor(%q) = %d, %v; want 0, errPaging", s, id, err)
		}
	})
}

func FuzzReadPaging(f *testing.F) {
	for _, s := range []string{
		"", "limit=5", "limit=05", "limit=%2B5", "limit=+5", "limit=-5", "limit=0", "limit=1", "limit=100",
		"limit=101", "limit=1000", "limit=5.0", "limit=5e0", "limit=0x5", "limit= 5", "limit=5%20", "limit=",
		"limit", "limit=1&limit=1", "limit=1&limit=2", "cursor=", "cursor", "cursor=MQ&cursor=MQ",
		"cursor=" + EncodeCursor(1), "cursor=" + EncodeCursor(maxID), "cursor=" + EncodeCursor(maxID+1),
		"cursor=MQ==", "cursor=MQ%3D%3D", "cursor=MQ%0A", "cursor=MQ%0D%0A", "cursor=" + EncodeCursor(1) + "&limit=10", "limit=10&cursor=" + EncodeCursor(7),
		"%zz", "limit=%zz", "cursor=%zz", "%zz=1", "foo=%zz&limit=5", "foo=%&limit=5", "limit=5&foo=%",
		"lim%69t=5", "limit%3D5", "LIMIT=5", "limit=5;cursor=MQ", "limit=5&&", "&", "=", "==", "&&limit=5&&",
		"foo=bar", "foo&bar", "limit=5#frag", "limit=%00", "limit=\xff", "cursor=\xff",
		"limit=" + strings.Repeat("9", 10000), "cursor=" + strings.Repeat("A", 10000), strings.Repeat("&", 10000),
		strings.Repeat("x=1&", 2000) + "limit=5",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		after, limit, err := readPaging(q)
		if err != nil {
			if err != errPaging || after != 0 || limit != 0 {
				t.Fatalf("readPaging(%.80q) = %d, %d, %v; want 0, 0, errPaging", q, after, limit, err)
			}
		} else {
			if limit < 1 || limit > 100 {
				t.Fatalf("readPaging(%.80q): limit %d", q, limit)
			}
			if after != 0 && (after < 1 || after > maxID) {
				t.Fatalf("readPaging(%.80q): after %d", q, after)
			}
		}

		// Where net/url reads the whole query, it tells what readPaging must do.
		vals, perr := url.ParseQuery(q)
		if perr != nil {
			return
		}
		wantLimit, wantAfter, ok := defaultLimit, int64(0), true
		if l, given := vals["limit"]; given {
			n, valid := oracleID(l[0])
			ok = ok && len(l) == 1 && valid && n <= 100 && l[0] == strconv.Itoa(int(n))
			wantLimit = int(n)
		}
		if c, given := vals["cursor"]; given {
			id, valid := oracleCursor(c[0])
			ok = ok && len(c) == 1 && valid
			wantAfter = id
		}
		switch {
		case ok && err != nil:
			t.Fatalf("readPaging(%.80q) = %v; want after %d, limit %d", q, err, wantAfter, wantLimit)
		case !ok && err == nil:
			t.Fatalf("readPaging(%.80q) = %d, %d; want an error", q, after, limit)
		case ok && (after != wantAfter || limit != wantLimit):
			t.Fatalf("readPaging(%.80q) = %d, %d; want %d, %d", q, after, limit, wantAfter, wantLimit)
		}
	})
}

// tagListForm is RFC 9110's `"*" / #entity-tag`, list elements possibly
// empty, as a regular expression: the oracle of parseTagList.
var tagListForm = regexp.MustCompile(`^(?:[ \t]*\*[ \t]*|[ \t,]*(?:W/)?"[!#-~\x80-\xff]*"(?:[ \t]*,[ \t,]*(?:W/)?"[!#-~\x80-\xff]*")*[ \t,]*)$`)

func FuzzParseTagList(f *testing.F) {
	for _, s := range []string{`*`, ` * `, `"a"`, `W/"a"`, `"a", W/"b"`, `, ,"a",`, `"a,b"`, `""`, `abc`, `"a" "b"`,
		`*, "a"`, `W/ "a"`, `w/"a"`, "\"a\x80\"", "\"a\tb\"", `"a"b"`, ``, `,`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := parseTagList(s)
		// The regexp reads bytes; Go's reads runes: compare on bytes.
		if ok := tagListForm.MatchString(latin1(s)); ok != (err == nil) {
			t.Fatalf("parseTagList(%q) = %+v, %v; the grammar says ok=%v", s, l, err, ok)
		}
		if err != nil || l.any {
			return
		}
		parts := make([]string, len(l.tags))
		for i, tag := range l.tags {
			parts[i] = `"` + tag.opaque + `"`
			if tag.weak {
				parts[i] = "W/" + parts[i]
			}
		}
		again, err := parseTagList(strings.Join(parts, ", "))
		if err != nil || len(again.tags) != len(l.tags) {
			t.Fatalf("%q read as %+v, written back and read as %+v, %v", s, l, again, err)
		}
		for i := range again.tags {
			if again.tags[i] != l.tags[i] {
				t.Fatalf("%q: tag %d is %+v, then %+v", s, i, l.tags[i], again.tags[i])
			}
		}
	})
}

// latin1 spells each byte of s as the rune of the same number, so that a
// regexp's byte ranges see bytes.
func latin1(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

func FuzzIdempotencyKey(f *testing.F) {
	for _, s := range []string{`k`, `"k"`, `""`, `"`, `a b`, ` k `, strings.Repeat("k", 255), strings.Repeat("k", 256),
		`"` + strings.Repeat("k", 255) + `"`, "clave-ñ", "a\x7fb", `"a"b"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := &http.Request{Header: http.Header{"Idempotency-Key": {s}}}
		key, given, err := idempotencyKey(r)
		v := strings.Trim(s, " \t")
		inner := v
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			inner = v[1 : len(v)-1]
		}
		ok := len(inner) >= 1 && len(inner) <= 255 && strings.Trim(inner, "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~") == ""
		if !given || ok != (err == nil) || (ok && key != inner) {
			t.Fatalf("idempotencyKey(%q) = %q, %v, %v; want ok=%v with %q", s, key, given, err, ok, inner)
		}
	})
}

// quotedTag finds the entity tags of a list the grammar accepts.
var quotedTag = regexp.MustCompile(`(W/)?"([^"]*)"`)

// FuzzPreconditions checks how If-Match and If-None-Match are read and
// evaluated, on a cliente and on the collection, against RFC 9110 §13.1.1,
// §13.1.2 and §13.2.2 spelled out again here: the grammar above, strong
// comparison for If-Match, weak for If-None-Match, If-Match first.
func FuzzPreconditions(f *testing.F) {
	const tag = "0123456789abcdef01234567"
	for _, s := range []struct {
		match    string
		hasMatch bool
		none     string
		hasNone  bool
		current  string
	}{
		{"", false, "", false, tag},
		{"*", true, "", false, tag},
		{`"` + tag + `"`, true, "", false, tag},
		{`W/"` + tag + `"`, true, "", false, tag},
		{`"000000000000000000000000", "` + tag + `"`, true, "", false, tag},
		{"", false, `"` + tag + `"`, true, tag},
		{"", false, `W/"` + tag + `"`, true, tag},
		{"", false, "*", true, tag},
		{"*", true, "*", true, tag},
		{`"` + tag + `"`, true, `"` + tag + `"`, true, tag},
		{`"000000000000000000000000"`, true, `"` + tag + `"`, true, tag},
		{`"x"`, true, `"x"`, true, "x"},
		{"", true, "", false, tag},
		{"", false, "", true, tag},
		{"abc", true, `"a"`, true, tag},
		{`"a", *`, true, "", false, tag},
		{" , " + `"` + tag + `"` + " ,", true, "\t*\t", true, tag},
		{strings.Repeat(`"0123456789abcdef0123456a",`, 100), true, "", false, tag},
		{"", false, strings.Repeat(`W/"0123456789abcdef0123456b",`, 100), true, tag},
	} {
		f.Add(s.match, s.hasMatch, s.none, s.hasNone, s.current)
	}
	f.Fuzz(func(t *testing.T, match string, hasMatch bool, none string, hasNone bool, current string) {
		if !store.IsETag(current) {
			current = tag
		}
		r := &http.Request{Header: http.Header{}}
		if hasMatch {
			r.Header["If-Match"] = []string{match}
		}
		if hasNone {
			r.Header["If-None-Match"] = []string{none}
		}
		m, err := preconditions(r)

		type reading struct {
			given, valid, any bool
			tags              []entityTag
		}
		read := func(given bool, v string, weakCounts bool) reading {
			if !given {
				return reading{valid: true}
			}
			rd := reading{given: true, valid: tagListForm.MatchString(latin1(v))}
			if strings.Trim(v, " \t") == "*" {
				rd.any = true
				return rd
			}
			distinct := map[string]bool{}
			for _, sub := range quotedTag.FindAllStringSubmatch(v, -1) {
				t := entityTag{weak: sub[1] != "", opaque: sub[2]}
				rd.tags = append(rd.tags, t)
				if store.IsETag(t.opaque) && (weakCounts || !t.weak) {
					distinct[t.opaque] = true
				}
			}
			if len(distinct) > store.MaxTags {
				rd.valid = false
			}
			return rd
		}
		im, inm := read(hasMatch, match, false), read(hasNone, none, true)
		if (err == nil) != (im.valid && inm.valid) {
			t.Fatalf("If-Match %q (%v), If-None-Match %q (%v): %v; the grammar says valid %v, %v", match, hasMatch, none, hasNone, err, im.valid, inm.valid)
		}
		if err != nil {
			if err != errPrecondition {
				t.Fatalf("error %v, want errPrecondition", err)
			}
			return
		}

		// On a cliente whose tag is current.
		matchHolds := !im.given || im.any || slices.ContainsFunc(im.tags, func(t entityTag) bool { return !t.weak && t.opaque == current })
		noneFails := inm.given && (inm.any || slices.ContainsFunc(inm.tags, func(t entityTag) bool { return t.opaque == current }))
		got := m.Check(current)
		var stale *store.StaleError
		var matched *store.MatchedError
		switch {
		case !matchHolds:
			if !errors.As(got, &stale) || stale.ETag != current {
				t.Fatalf("If-Match %q on %s: %v, want stale", match, current, got)
			}
		case noneFails:
			if !errors.As(got, &matched) || matched.ETag != current {
				t.Fatalf("If-None-Match %q on %s: %v, want matched", none, current, got)
			}
		case got != nil:
			t.Fatalf("If-Match %q (%v), If-None-Match %q (%v) on %s: %v, want both to hold", match, hasMatch, none, hasNone, current, got)
		}

		// On the collection, which has no tag: If-Match first, then
		// If-None-Match, which only * fails (304 on the list).
		want := error(nil)
		switch {
		case im.given && !im.any:
			want = errPreconditionFailed
		case inm.given && inm.any:
			want = errNotModified
		}
		if cerr := collection(m); cerr != want {
			t.Fatalf("collection, If-Match %q (%v), If-None-Match %q (%v): %v, want %v", match, hasMatch, none, hasNone, cerr, want)
		}
	})
}
