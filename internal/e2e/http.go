package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/clientes-api/clientes/internal/apitest"
)

var (
	// errStopped ends a case whose next request Config.Stop refused.
	errStopped = errors.New("e2e: stopped")
	// errNoAnswer is a request that got no HTTP answer at all.
	errNoAnswer = errors.New("no answer")
)

// contentType is the Content-Type of every answer the functions write.
const contentType = "application/json; charset=utf-8"

type request struct {
	method, path, body string
	header             map[string]string
	token              string // the bearer token sent; "" sends none
}

type response struct {
	what   string // "PUT /api/clientes/7", for the failure lines
	status int
	header http.Header
	body   []byte
}

// call sends a case's request with the write token (when the run has one),
// unless the case is already stopped.
func (s *Suite) call(r request) (*response, error) {
	if r.token == "" {
		r.token = s.cfg.Token
	}
	return s.callAs(r)
}

// callAs sends r with exactly the token it names, or none.
func (s *Suite) callAs(r request) (*response, error) {
	if s.cfg.Stop.Err() != nil {
		return nil, errStopped
	}
	// The request in flight when Stop comes still finishes, so that a
	// cliente it creates is known and deleted.
	return s.send(s.cfg.Abort, r)
}

// send makes one request. A 201 to a POST has its id remembered before the
// caller sees it, so cleanup deletes it whatever the case then finds.
func (s *Suite) send(ctx context.Context, r request) (*response, error) {
	what := r.method + " " + r.path
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, s.cfg.BaseURL+r.path, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		// The URL, not the token, is all an error of net/http names.
		return nil, fmt.Errorf("%s: %w: %v", what, errNoAnswer, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the answer: %v", what, err)
	}
	s.answered.Store(true)
	out := &response{what: what, status: resp.StatusCode, header: resp.Header, body: b}
	if r.method == http.MethodPost && resp.StatusCode == http.StatusCreated {
		if id, ok := createdID(out); ok {
			s.remember(id)
		}
	}
	return out, nil
}

// createdID reads the id of a 201 from its Location, or else its body.
func createdID(r *response) (int64, bool) {
	if rest, ok := strings.CutPrefix(r.header.Get("Location"), "/api/clientes/"); ok {
		if id, err := strconv.ParseInt(rest, 10, 64); err == nil && id > 0 {
			return id, true
		}
	}
	var b struct {
		Cliente struct {
			ID json.Number `json:"id"`
		} `json:"cliente"`
	}
	if json.Unmarshal(r.body, &b) == nil {
		if id, err := b.Cliente.ID.Int64(); err == nil && id > 0 {
			return id, true
		}
	}
	return 0, false
}

// snippet is the start of a body, for a failure line.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	if s == "" {
		return "(no body)"
	}
	return s
}

// wantStatus fails unless r answered status.
func (r *response) wantStatus(status int) error {
	if r.status != status {
		hint := ""
		if r.status == http.StatusUnauthorized {
			hint = " (is access control on? pass TOKEN=<jwt>)"
		}
		return fmt.Errorf("%s answered %d, want %d: %s%s", r.what, r.status, status, snippet(r.body), hint)
	}
	return nil
}

// object decodes a JSON object answer. exact holds the Content-Type to the
// functions' own; API Gateway's answers need only be JSON.
func (r *response) object(exact bool) (map[string]any, error) {
	ct := r.header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" || (exact && ct != contentType) {
		return nil, fmt.Errorf("%s: Content-Type %q, want %q: %s", r.what, ct, contentType, snippet(r.body))
	}
	d := json.NewDecoder(bytes.NewReader(r.body))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil || m == nil || d.More() {
		return nil, fmt.Errorf("%s: body is not one JSON object: %s", r.what, snippet(r.body))
	}
	return m, nil
}

// wantError checks a function's error answer: status, the exact message,
// an "errors" object naming fields (when given) and nothing else, and no
// leak of the implementation.
func (r *response) wantError(status int, message string, fields ...string) error {
	return r.errorAnswer(true, status, message, fields)
}

// wantGatewayError checks an answer API Gateway makes itself.
func (r *response) wantGatewayError(status int, message string) error {
	return r.errorAnswer(false, status, message, nil)
}

func (r *response) errorAnswer(exact bool, status int, message string, fields []string) error {
	if err := r.wantStatus(status); err != nil {
		return err
	}
	m, err := r.object(exact)
	if err != nil {
		return err
	}
	if m["message"] != message {
		return fmt.Errorf("%s: message %v, want %q", r.what, m["message"], message)
	}
	keys := []string{"message"}
	if len(fields) > 0 {
		keys = []string{"errors", "message"}
		errs, _ := m["errors"].(map[string]any)
		for _, f := range fields {
			if why, _ := errs[f].(string); why == "" {
				return fmt.Errorf("%s: errors %v does not explain the field %q", r.what, m["errors"], f)
			}
		}
	}
	if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, keys) {
		return fmt.Errorf("%s: error body has keys %v, want %v: %s", r.what, got, keys, snippet(r.body))
	}
	if leak := apitest.Leak(r.status, string(r.body)); leak != "" {
		return fmt.Errorf("%s: error body shows %q: %s", r.what, leak, snippet(r.body))
	}
	return nil
}

// clienteFields are a cliente's fields, in the order the contract shows.
var clienteFields = []string{"id", "nombres", "apellidos", "telefono", "email", "created_at", "updated_at"}

var timestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// cliente checks one cliente object of an answer: its fields in order, and
// the type and form of each.
func cliente(what string, raw json.RawMessage) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var keys []string
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("%s: cliente is not an object: %s", what, snippet(raw))
	}
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("%s: cliente: %v", what, err)
		}
		keys = append(keys, fmt.Sprint(k))
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return nil, fmt.Errorf("%s: cliente: %v", what, err)
		}
	}
	if !slices.Equal(keys, clienteFields) {
		return nil, fmt.Errorf("%s: cliente has fields %v, want %v in that order", what, keys, clienteFields)
	}
	var m map[string]any
	d = json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: cliente: %v", what, err)
	}
	if n, ok := m["id"].(json.Number); !ok || !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(n.String()) {
		return nil, fmt.Errorf("%s: id %v is not a positive integer", what, m["id"])
	}
	for _, f := range []string{"nombres", "apellidos"} {
		if v, ok := m[f].(string); !ok || v == "" {
			return nil, fmt.Errorf("%s: %s %v is not a non-empty string", what, f, m[f])
		}
	}
	for _, f := range []string{"telefono", "email"} {
		if _, ok := m[f].(string); !ok && m[f] != nil {
			return nil, fmt.Errorf("%s: %s %v is neither a string nor null", what, f, m[f])
		}
	}
	for _, f := range []string{"created_at", "updated_at"} {
		if v, _ := m[f].(string); !timestamp.MatchString(v) {
			return nil, fmt.Errorf("%s: %s %v is not of the form 2006-01-02T15:04:05.000Z", what, f, m[f])
		}
	}
	return m, nil
}

// clienteAnswer checks a 2xx answer that carries one cliente: the status,
// the Content-Type, exactly the keys message (when wanted) and cliente, and
// the cliente itself.
func (r *response) clienteAnswer(status int, message string) (map[string]any, error) {
	if err := r.wantStatus(status); err != nil {
		return nil, err
	}
	m, err := r.object(true)
	if err != nil {
		return nil, err
	}
	keys := []string{"cliente"}
	if message != "" {
		keys = []string{"cliente", "message"}
		if m["message"] != message {
			return nil, fmt.Errorf("%s: message %v, want %q", r.what, m["message"], message)
		}
	}
	if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, keys) {
		return nil, fmt.Errorf("%s: body has keys %v, want %v", r.what, got, keys)
	}
	var b struct {
		Cliente json.RawMessage `json:"cliente"`
	}
	json.Unmarshal(r.body, &b)
	return cliente(r.what, b.Cliente)
}

var strongTag = regexp.MustCompile(`^"[\x21\x23-\x7e\x80-\xff]*"$`)

// etag returns the answer's entity tag, which must be a strong one.
func (r *response) etag() (string, error) {
	tag := r.header.Get("ETag")
	if !strongTag.MatchString(tag) {
		return "", fmt.Errorf("%s: ETag %q, want a strong entity tag (\"…\")", r.what, tag)
	}
	return tag, nil
}

// sameFields fails unless got holds want's value for each of fields.
func sameFields(what string, got, want map[string]any, fields ...string) error {
	for _, f := range fields {
		if fmt.Sprint(got[f]) != fmt.Sprint(want[f]) {
			return fmt.Errorf("%s: %s is %v, want %v", what, f, got[f], want[f])
		}
	}
	return nil
}
