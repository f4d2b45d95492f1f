package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/clientes-api/clientes/internal/token"
)

// absent is an id no deployment will have given: the largest the contract
// allows. GET, PUT and DELETE of it write nothing.
const absent = "/api/clientes/9007199254740991"

// Cases lists the suite's cases for cfg, in the order they run: later cases
// build on the clientes earlier ones created.
func Cases(cfg Config) []Case {
	cases := []Case{
		{"create", caseCreate},
		{"get", caseGet},
		{"get-if-none-match", caseNotModified},
		{"update-if-match", caseUpdate},
		{"update-stale-if-match", caseStale},
		{"create-keyed", caseKeyed},
		{"create-keyed-replay", caseReplay},
		{"create-keyed-other-request", caseKeyReused},
		{"list-two-pages", caseList},
		{"delete", caseDelete},
		{"delete-again", caseDeleteAgain},
		{"update-absent", caseUpdateAbsent},
	}
	for _, e := range errorCases {
		cases = append(cases, Case{"error: " + e.name, e.run})
	}
	cases = append(cases, Case{"cors-preflight", casePreflight}, Case{"cors-request", caseCORSRequest})
	if cfg.Token != "" {
		cases = append(cases, Case{"auth-no-token", caseNoToken}, Case{"auth-bad-token", caseBadToken})
	}
	if cfg.ReadToken != "" {
		cases = append(cases, Case{"auth-read-token-reads", caseReadTokenReads}, Case{"auth-read-token-writes", caseReadTokenWrites})
	}
	return cases
}

func (c *created) path() string { return fmt.Sprintf("/api/clientes/%d", c.id) }

func caseCreate(s *Suite) error {
	r, err := s.call(request{method: "POST", path: "/api/clientes",
		body: `{"nombres":"  E2E  ","apellidos":"Prueba Martínez","telefono":"+1 (555) 123-4567","email":"e2e@example.com"}`})
	if err != nil {
		return err
	}
	c, err := r.clienteAnswer(http.StatusCreated, "Cliente creado")
	if err != nil {
		return err
	}
	want := map[string]any{"nombres": "E2E", "apellidos": "Prueba Martínez", "telefono": "+1 (555) 123-4567", "email": "e2e@example.com"}
	if err := sameFields(r.what, c, want, "nombres", "apellidos", "telefono", "email"); err != nil {
		return err
	}
	if c["created_at"] != c["updated_at"] {
		return fmt.Errorf("%s: updated_at %v differs from created_at %v on a new cliente", r.what, c["updated_at"], c["created_at"])
	}
	id, _ := c["id"].(json.Number).Int64()
	if loc := r.header.Get("Location"); loc != fmt.Sprintf("/api/clientes/%d", id) {
		return fmt.Errorf("%s: Location %q, want /api/clientes/%d", r.what, loc, id)
	}
	tag, err := r.etag()
	if err != nil {
		return err
	}
	s.main = &created{id: id, etag: tag, raw: r.body, obj: c}
	return nil
}

func caseGet(s *Suite) error {
	if err := s.need("create"); err != nil {
		return err
	}
	r, err := s.call(request{method: "GET", path: s.main.path()})
	if err != nil {
		return err
	}
	c, err := r.clienteAnswer(http.StatusOK, "")
	if err != nil {
		return err
	}
	if err := sameFields(r.what, c, s.main.obj, clienteFields...); err != nil {
		return err
	}
	if tag, err := r.etag(); err != nil || tag != s.main.etag {
		return fmt.Errorf("%s: ETag %q, want the create's %s", r.what, r.header.Get("ETag"), s.main.etag)
	}
	return nil
}

func caseNotModified(s *Suite) error {
	if err := s.need("create"); err != nil {
		return err
	}
	r, err := s.call(request{method: "GET", path: s.main.path(), header: map[string]string{"If-None-Match": s.main.etag}})
	if err != nil {
		return err
	}
	if err := r.wantStatus(http.StatusNotModified); err != nil {
		return fmt.Errorf("with If-None-Match of its ETag: %w", err)
	}
	if r.header.Get("ETag") != s.main.etag || len(r.body) != 0 {
		return fmt.Errorf("%s: 304 with ETag %q and %d bytes of body, want %s and none", r.what, r.header.Get("ETag"), len(r.body), s.main.etag)
	}
	return nil
}

func caseUpdate(s *Suite) error {
	if err := s.need("create"); err != nil {
		return err
	}
	r, err := s.call(request{method: "PUT", path: s.main.path(), body: `{"nombres":"E2E Dos","telefono":null}`,
		header: map[string]string{"If-Match": s.main.etag}})
	if err != nil {
		return err
	}
	c, err := r.clienteAnswer(http.StatusOK, "Cliente actualizado")
	if err != nil {
		return fmt.Errorf("with If-Match of its ETag: %w", err)
	}
	want := map[string]any{"nombres": "E2E Dos", "telefono": nil}
	if err := sameFields(r.what, c, want, "nombres", "telefono"); err != nil {
		return err
	}
	if err := sameFields(r.what, c, s.main.obj, "id", "apellidos", "email", "created_at"); err != nil {
		return err
	}
	if c["updated_at"].(string) < c["created_at"].(string) {
		return fmt.Errorf("%s: updated_at %v is before created_at %v", r.what, c["updated_at"], c["created_at"])
	}
	tag, err := r.etag()
	if err != nil {
		return err
	}
	if tag == s.main.etag {
		return fmt.Errorf("%s: the ETag %s did not change with the update", r.what, tag)
	}
	s.main.stale, s.main.etag, s.main.obj = s.main.etag, tag, c
	return nil
}

func caseStale(s *Suite) error {
	if err := s.need("update-if-match"); err != nil {
		return err
	}
	r, err := s.call(request{method: "PUT", path: s.main.path(), body: `{"nombres":"E2E Tres"}`,
		header: map[string]string{"If-Match": s.main.stale}})
	if err != nil {
		return err
	}
	if err := r.wantError(http.StatusPreconditionFailed, "El cliente fue modificado por otra solicitud"); err != nil {
		return fmt.Errorf("with the ETag from before the update: %w", err)
	}
	if r.header.Get("ETag") != s.main.etag {
		return fmt.Errorf("%s: the 412 carries ETag %q, want the current %s", r.what, r.header.Get("ETag"), s.main.etag)
	}
	g, err := s.call(request{method: "GET", path: s.main.path()})
	if err != nil {
		return err
	}
	c, err := g.clienteAnswer(http.StatusOK, "")
	if err != nil {
		return err
	}
	if err := sameFields(g.what+" after the 412", c, s.main.obj, clienteFields...); err != nil {
		return err
	}
	return nil
}

const keyedBody = `{"nombres":"E2E Clave","apellidos":"Prueba"}`

func caseKeyed(s *Suite) error {
	s.key = "e2e-" + token.Hex(12)
	r, err := s.call(request{method: "POST", path: "/api/clientes", body: keyedBody,
		header: map[string]string{"Idempotency-Key": s.key}})
	if err != nil {
		return err
	}
	c, err := r.clienteAnswer(http.StatusCreated, "Cliente creado")
	if err != nil {
		return err
	}
	if r.header.Get("Idempotent-Replayed") != "" {
		return fmt.Errorf("%s: the first create with a new key says Idempotent-Replayed: %s", r.what, r.header.Get("Idempotent-Replayed"))
	}
	tag, err := r.etag()
	if err != nil {
		return err
	}
	id, _ := c["id"].(json.Number).Int64()
	s.keyed = &created{id: id, etag: tag, raw: r.body, obj: c}
	return nil
}

func caseReplay(s *Suite) error {
	if err := s.need("create-keyed"); err != nil {
		return err
	}
	// The same fields, spaced and ordered differently: the same request.
	r, err := s.call(request{method: "POST", path: "/api/clientes", body: `{ "apellidos": " Prueba ", "nombres": "E2E Clave" }`,
		header: map[string]string{"Idempotency-Key": s.key}})
	if err != nil {
		return err
	}
	if err := r.wantStatus(http.StatusCreated); err != nil {
		return fmt.Errorf("replaying the key: %w", err)
	}
	switch {
	case r.header.Get("Idempotent-Replayed") != "true":
		return fmt.Errorf("%s: replay without Idempotent-Replayed: true (got %q)", r.what, r.header.Get("Idempotent-Replayed"))
	case string(r.body) != string(s.keyed.raw):
		return fmt.Errorf("%s: replay body %s, want the first 201's byte for byte: %s", r.what, snippet(r.body), snippet(s.keyed.raw))
	case r.header.Get("Location") != s.keyed.path() || r.header.Get("ETag") != s.keyed.etag:
		return fmt.Errorf("%s: replay Location %q, ETag %q; want %s, %s", r.what, r.header.Get("Location"), r.header.Get("ETag"), s.keyed.path(), s.keyed.etag)
	}
	return nil
}

func caseKeyReused(s *Suite) error {
	if err := s.need("create-keyed"); err != nil {
		return err
	}
	r, err := s.call(request{method: "POST", path: "/api/clientes", body: `{"nombres":"E2E Otra","apellidos":"Prueba"}`,
		header: map[string]string{"Idempotency-Key": s.key}})
	if err != nil {
		return err
	}
	return r.wantError(http.StatusUnprocessableEntity, "Idempotency-Key ya usada con otra solicitud")
}

// caseList reads the first two pages of one cliente each: at least two
// clientes (this run's) exist, so the first page must lead to a second. It
// pages no further: the table may be large.
func caseList(s *Suite) error {
	if err := s.need("create"); err != nil {
		return err
	}
	if err := s.need("create-keyed"); err != nil {
		return err
	}
	var last json.Number
	cursor := ""
	for page := 1; page <= 2; page++ {
		path := "/api/clientes?limit=1"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		r, err := s.call(request{method: "GET", path: path})
		if err != nil {
			return err
		}
		if err := r.wantStatus(http.StatusOK); err != nil {
			return err
		}
		m, err := r.object(true)
		if err != nil {
			return err
		}
		if got := slices.Sorted(maps.Keys(m)); strings.Join(got, ",") != "clientes,next_cursor" {
			return fmt.Errorf("%s: body has keys %v, want clientes and next_cursor", r.what, got)
		}
		var b struct {
			Clientes []json.RawMessage `json:"clientes"`
		}
		json.Unmarshal(r.body, &b)
		if len(b.Clientes) != 1 {
			return fmt.Errorf("%s: page %d holds %d clientes, want 1 (at least two exist)", r.what, page, len(b.Clientes))
		}
		c, err := cliente(r.what, b.Clientes[0])
		if err != nil {
			return err
		}
		id := c["id"].(json.Number)
		if page == 2 {
			a, _ := last.Int64()
			b, _ := id.Int64()
			if b <= a {
				return fmt.Errorf("%s: page 2 starts at id %d, not after page 1's %d", r.what, b, a)
			}
			return nil
		}
		last = id
		if cursor, _ = m["next_cursor"].(string); cursor == "" {
			return fmt.Errorf("%s: next_cursor %v on page 1 of at least two", r.what, m["next_cursor"])
		}
	}
	return nil
}

func caseDelete(s *Suite) error {
	if err := s.need("update-if-match"); err != nil {
		return err
	}
	r, err := s.call(request{method: "DELETE", path: s.main.path()})
	if err != nil {
		return err
	}
	c, err := r.clienteAnswer(http.StatusOK, "Cliente eliminado")
	if err != nil {
		return err
	}
	s.gone(s.main.id)
	if err := sameFields(r.what+" (the cliente as it was)", c, s.main.obj, clienteFields...); err != nil {
		return err
	}
	g, err := s.call(request{method: "GET", path: s.main.path()})
	if err != nil {
		return err
	}
	if err := g.wantError(http.StatusNotFound, "Cliente no encontrado"); err != nil {
		return fmt.Errorf("after the delete: %w", err)
	}
	return nil
}

func caseDeleteAgain(s *Suite) error {
	if err := s.need("delete"); err != nil {
		return err
	}
	r, err := s.call(request{method: "DELETE", path: s.main.path()})
	if err != nil {
		return err
	}
	return r.wantError(http.StatusNotFound, "Cliente no encontrado")
}

func caseUpdateAbsent(s *Suite) error {
	r, err := s.call(request{method: "PUT", path: absent, body: `{"nombres":"E2E"}`})
	if err != nil {
		return err
	}
	if err := r.wantError(http.StatusNotFound, "Cliente no encontrado"); err != nil {
		return err
	}
	g, err := s.call(request{method: "GET", path: absent})
	if err != nil {
		return err
	}
	if err := g.wantError(http.StatusNotFound, "Cliente no encontrado"); err != nil {
		return fmt.Errorf("an update must never create: %w", err)
	}
	return nil
}
