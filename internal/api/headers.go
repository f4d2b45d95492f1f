package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/clientes-api/clientes/internal/store"
)

var (
	errPrecondition   = errors.New("api: malformed If-Match or If-None-Match")
	errIdempotencyKey = errors.New("api: malformed Idempotency-Key")
)

// entityTag is one entity tag of a precondition header (RFC 9110 §8.8.3).
type entityTag struct {
	weak   bool
	opaque string // between the quotes
}

// tagList is a parsed If-Match or If-None-Match: "*", or a list of tags.
type tagList struct {
	any  bool
	tags []entityTag
}

// header is a request header's value as API Gateway delivered it: behind
// Lambda, the event's own (names in lower case, a repeated header joined by
// commas), since the adapter splits every value at its commas and trims the
// pieces, so "a, b" would read as "a,b"; served directly, the values joined
// by commas as API Gateway joins them. given is false when there is none.
func header(r *http.Request, name string) (v string, given bool) {
	if event, ok := r.Context().Value(eventHeaders{}).(map[string]string); ok {
		v, given = event[strings.ToLower(name)]
		return v, given
	}
	values, given := r.Header[http.CanonicalHeaderKey(name)]
	return strings.Join(values, ","), given
}

// parseTagList reads `"*" / #entity-tag` (RFC 9110 §13.1.1): empty list
// elements are skipped, as the list syntax allows, but at least one tag, or
// a lone *, must be there.
func parseTagList(v string) (tagList, error) {
	if strings.Trim(v, " \t") == "*" {
		return tagList{any: true}, nil
	}
	var l tagList
	for i := 0; ; {
		for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == ',') {
			i++
		}
		if i == len(v) {
			break
		}
		var t entityTag
		if strings.HasPrefix(v[i:], "W/") {
			t.weak = true
			i += 2
		}
		if i == len(v) || v[i] != '"' {
			return tagList{}, errPrecondition
		}
		end := i + 1
		for end < len(v) && v[end] != '"' {
			if c := v[end]; c < 0x21 || c == 0x7f { // etagc: %x21 / %x23-7E / obs-text
				return tagList{}, errPrecondition
			}
			end++
		}
		if end == len(v) {
			return tagList{}, errPrecondition
		}
		t.opaque = v[i+1 : end]
		l.tags = append(l.tags, t)
		i = end + 1
		for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
			i++
		}
		if i < len(v) && v[i] != ',' {
			return tagList{}, errPrecondition
		}
	}
	if len(l.tags) == 0 {
		return tagList{}, errPrecondition
	}
	return l, nil
}

// preconditions reads If-Match and If-None-Match into the store's terms:
// If-Match by strong comparison, so weak tags never match; If-None-Match by
// weak comparison, so W/"x" names "x". Only tags the store could have made
// are kept: no other can ever be current.
func preconditions(r *http.Request) (store.IfMatch, error) {
	var m store.IfMatch
	match, err := tagHeader(r, "If-Match", false)
	if err != nil {
		return store.IfMatch{}, err
	}
	none, err := tagHeader(r, "If-None-Match", true)
	if err != nil {
		return store.IfMatch{}, err
	}
	if match != nil && !match.any {
		m.Checked, m.Tags = true, match.opaques
	}
	if none != nil {
		m.NoneAny, m.NoneTags = none.any, none.opaques
	}
	return m, nil
}

// eventHeaders keys the headers of the Lambda event a request was made of.
type eventHeaders struct{}

// parsedTags is a precondition header as the store takes it.
type parsedTags struct {
	any     bool
	opaques []string
}

// tagHeader reads one precondition header; nil when it is not given. weak
// says whether weak tags compare (If-None-Match) or never match (If-Match).
func tagHeader(r *http.Request, name string, weak bool) (*parsedTags, error) {
	v, given := header(r, name)
	if !given {
		return nil, nil
	}
	l, err := parseTagList(v)
	if err != nil {
		return nil, err
	}
	p := &parsedTags{any: l.any}
	for _, t := range l.tags {
		if (weak || !t.weak) && store.IsETag(t.opaque) && !slices.Contains(p.opaques, t.opaque) {
			p.opaques = append(p.opaques, t.opaque)
		}
	}
	if len(p.opaques) > store.MaxTags {
		return nil, errPrecondition
	}
	return p, nil
}

// errPreconditionFailed: a precondition on the collection failed. It has no
// entity tag, so If-Match with a list and If-None-Match: * fail there.
var errPreconditionFailed = errors.New("api: precondition on the collection failed")

// errNotModified: If-None-Match: * on the collection, which exists. The
// list answers it 304, as a GET does; POST 412, as errPreconditionFailed.
// (errors.New, not fmt.Errorf's wrapping: it initialises statically, and a
// package init would keep every route's code in each function's binary.)
var errNotModified = errors.New("api: If-None-Match: * on the collection")

// collection evaluates m on /api/clientes, which exists and has no entity
// tag: If-Match: * and any If-None-Match list hold; If-Match first.
func collection(m store.IfMatch) error {
	switch {
	case m.Checked:
		return errPreconditionFailed
	case m.NoneAny:
		return errNotModified
	}
	return nil
}

// MaxIdempotencyKey is the longest Idempotency-Key accepted.
const MaxIdempotencyKey = 255

// idempotencyKey reads Idempotency-Key: 1 to 255 visible ASCII characters,
// or the same in double quotes, the draft's structured-field form.
func idempotencyKey(r *http.Request) (key string, given bool, err error) {
	v, given := header(r, "Idempotency-Key")
	if !given {
		return "", false, nil
	}
	v = strings.Trim(v, " \t") // as net/http trims a value, so API Gateway's match
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	if len(v) < 1 || len(v) > MaxIdempotencyKey {
		return "", true, errIdempotencyKey
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return "", true, errIdempotencyKey
		}
	}
	return v, true, nil
}

// quoteETag writes a store tag as the ETag header's strong entity tag.
func quoteETag(etag string) string { return `"` + etag + `"` }
