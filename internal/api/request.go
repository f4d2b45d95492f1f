package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/clientes-api/clientes/internal/cliente"
)

// MaxBody is the largest request body accepted, in bytes.
const MaxBody = 16 << 10

var (
	errMediaType = errors.New("api: content type is not JSON")
	errTooLarge  = errors.New("api: body too large")
	errPaging    = errors.New("api: bad limit or cursor")
)

// readBody checks the Content-Type, then reads at most MaxBody bytes.
func readBody(r *http.Request) ([]byte, error) {
	if ct, given := r.Header["Content-Type"]; given && !isJSON(strings.Join(ct, ",")) {
		return nil, errMediaType
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxBody {
		return nil, errTooLarge
	}
	return body, nil
}

// isJSON accepts application/json with any parameters, but a charset, if
// given, must be UTF-8: that is the only encoding the body is read in.
func isJSON(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

const (
	defaultLimit = 50
	maxLimit     = 100
)

// readPaging reads limit and cursor from a raw query string. Other parameters
// are ignored, whatever they hold.
func readPaging(rawQuery string) (after int64, limit int, err error) {
	limit = defaultLimit
	var seenLimit, seenCursor bool
	for pair := range strings.SplitSeq(rawQuery, "&") {
		k, v, _ := strings.Cut(pair, "=")
		k, kerr := url.QueryUnescape(k)
		if kerr != nil || (k != "limit" && k != "cursor") {
			continue
		}
		v, verr := url.QueryUnescape(v)
		if verr != nil {
			return 0, 0, errPaging
		}
		switch k {
		case "limit":
			if seenLimit {
				return 0, 0, errPaging
			}
			seenLimit = true
			if limit, err = parseLimit(v); err != nil {
				return 0, 0, err
			}
		case "cursor":
			if seenCursor {
				return 0, 0, errPaging
			}
			seenCursor = true
			if after, err = DecodeCursor(v); err != nil {
				return 0, 0, err
			}
		}
	}
	return after, limit, nil
}

func parseLimit(v string) (int, error) {
	if v == "" || len(v) > 3 || v[0] == '0' {
		return 0, errPaging
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit || strconv.Itoa(n) != v {
		return 0, errPaging
	}
	return n, nil
}

// EncodeCursor makes the opaque cursor of a page that ends at id: the id in
// lower-case hexadecimal. Every string of that form up to cliente.MaxID is a
// cursor, so openapi.yaml can describe the set exactly; a forged one merely
// starts the page after some id.
func EncodeCursor(id int64) string { return strconv.FormatInt(id, 16) }

// DecodeCursor reads a cursor made by EncodeCursor; any other spelling (upper
// case, leading zeros, signs, white space) is a paging error.
func DecodeCursor(s string) (int64, error) {
	if s == "" || len(s) > 14 {
		return 0, errPaging
	}
	id, err := strconv.ParseInt(s, 16, 64)
	if err != nil || id < 1 || id > cliente.MaxID || EncodeCursor(id) != s {
		return 0, errPaging
	}
	return id, nil
}
