package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// errorCase is one request the API must refuse, with the contract's answer.
type errorCase struct {
	name string
	run  func(*Suite) error
}

// refuse is an errorCase whose request the API must answer with status and
// message (and an "errors" object naming fields).
func refuse(name string, r request, status int, message string, fields ...string) errorCase {
	return errorCase{name, func(s *Suite) error {
		resp, err := s.call(r)
		if err != nil {
			return err
		}
		return resp.wantError(status, message, fields...)
	}}
}

// gatewayRefuse is an errorCase API Gateway answers itself.
func gatewayRefuse(name string, r request, status int, message string) errorCase {
	return errorCase{name, func(s *Suite) error {
		resp, err := s.call(r)
		if err != nil {
			return err
		}
		return resp.wantGatewayError(status, message)
	}}
}

const valid = `{"nombres":"E2E","apellidos":"Prueba"}`

// errorCases are the contract's "Errors" table, one request each. None
// writes anything on an API that keeps the contract; one that does not
// creates at most a cliente, which the run then deletes.
var errorCases = []errorCase{
	refuse("id not a number", request{method: "GET", path: "/api/clientes/abc"}, 400, "ID de cliente inválido"),
	refuse("id zero", request{method: "DELETE", path: "/api/clientes/0"}, 400, "ID de cliente inválido"),
	refuse("id not an integer", request{method: "PUT", path: "/api/clientes/1.5", body: `{"nombres":"E2E"}`}, 400, "ID de cliente inválido"),
	refuse("get absent id", request{method: "GET", path: absent}, 404, "Cliente no encontrado"),
	refuse("delete absent id", request{method: "DELETE", path: absent}, 404, "Cliente no encontrado"),
	refuse("body not JSON", request{method: "POST", path: "/api/clientes", body: `{"nombres":`}, 400, "JSON inválido"),
	refuse("body not an object", request{method: "POST", path: "/api/clientes", body: `[1]`}, 400, "JSON inválido"),
	refuse("fields out of their rules", request{method: "POST", path: "/api/clientes", body: `{"nombres":"","apellidos":"Prueba","id":7}`},
		400, "Datos inválidos", "nombres", "id"),
	refuse("create without apellidos", request{method: "POST", path: "/api/clientes", body: `{"nombres":"E2E"}`}, 400, "Datos inválidos", "apellidos"),
	refuse("update with no fields", request{method: "PUT", path: absent, body: `{}`}, 400, "No hay campos para actualizar"),
	refuse("Content-Type not JSON", request{method: "POST", path: "/api/clientes", body: valid, header: map[string]string{"Content-Type": "text/plain"}},
		415, "Content-Type debe ser application/json"),
	refuse("body over 16 KiB", request{method: "POST", path: "/api/clientes", body: oversized()}, 413, "Cuerpo de la solicitud demasiado grande"),
	refuse("limit 0", request{method: "GET", path: "/api/clientes?limit=0"}, 400, "Parámetros de paginación inválidos"),
	refuse("limit 101", request{method: "GET", path: "/api/clientes?limit=101"}, 400, "Parámetros de paginación inválidos"),
	refuse("cursor not one the API gave", request{method: "GET", path: "/api/clientes?cursor=%21"}, 400, "Parámetros de paginación inválidos"),
	refuse("If-Match not an entity tag", request{method: "PUT", path: absent, body: `{"nombres":"E2E"}`, header: map[string]string{"If-Match": "sin-comillas"}},
		400, "Encabezado de precondición inválido"),
	refuse("Idempotency-Key with spaces", request{method: "POST", path: "/api/clientes", body: valid, header: map[string]string{"Idempotency-Key": "clave con espacios"}},
		400, "Idempotency-Key inválida"),
	gatewayRefuse("unknown route", request{method: "GET", path: "/api/clientez"}, 404, "Not Found"),
	gatewayRefuse("unknown method", request{method: "PATCH", path: absent, body: `{"nombres":"E2E"}`}, 404, "Not Found"),
}

// oversized is a create of 16,385 bytes, one over the limit.
func oversized() string {
	const frame = `{"nombres":"","apellidos":"Prueba"}`
	return strings.Replace(frame, `""`, `"`+strings.Repeat("a", 16385-len(frame))+`"`, 1)
}

// origin is the origin the CORS cases send.
func (s *Suite) origin() string {
	if s.cfg.Origin != "" {
		return s.cfg.Origin
	}
	return DefaultOrigin
}

// allowedOrigin checks an answer's Access-Control-Allow-Origin.
func (s *Suite) allowedOrigin(r *response) error {
	got := r.header.Get("Access-Control-Allow-Origin")
	if got == s.origin() || got == "*" {
		return nil
	}
	hint := ""
	if s.cfg.Origin == "" {
		hint = " (a deployment that lists its origins needs ORIGIN=<one of them>)"
	}
	return fmt.Errorf("%s from Origin %s: Access-Control-Allow-Origin %q%s", r.what, s.origin(), got, hint)
}

// listed reports whether a comma-separated header value holds each of want
// (case-insensitively), or is "*".
func listed(value string, want ...string) bool {
	var have []string
	for _, v := range strings.Split(value, ",") {
		have = append(have, strings.ToLower(strings.TrimSpace(v)))
	}
	if slices.Contains(have, "*") {
		return true
	}
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// casePreflight asks, without a token, whether a browser may send a PUT
// with If-Match: preflights never need one.
func casePreflight(s *Suite) error {
	r, err := s.callAs(request{method: "OPTIONS", path: absent, header: map[string]string{
		"Origin": s.origin(), "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type,if-match"}})
	if err != nil {
		return err
	}
	if r.status != http.StatusOK && r.status != http.StatusNoContent {
		return fmt.Errorf("%s (preflight): answered %d, want 204 or 200: %s", r.what, r.status, snippet(r.body))
	}
	if err := s.allowedOrigin(r); err != nil {
		return err
	}
	if m, h := r.header.Get("Access-Control-Allow-Methods"), r.header.Get("Access-Control-Allow-Headers"); !listed(m, "put") || !listed(h, "content-type", "if-match") {
		return fmt.Errorf("%s (preflight): Access-Control-Allow-Methods %q, -Headers %q; want PUT, content-type and if-match", r.what, m, h)
	}
	return nil
}

// caseCORSRequest checks that an answer to a page read from another origin
// may be read by the page, and exposes the headers the contract names.
func caseCORSRequest(s *Suite) error {
	r, err := s.call(request{method: "GET", path: "/api/clientes?limit=1", header: map[string]string{"Origin": s.origin()}})
	if err != nil {
		return err
	}
	if err := r.wantStatus(http.StatusOK); err != nil {
		return err
	}
	if err := s.allowedOrigin(r); err != nil {
		return err
	}
	if e := r.header.Get("Access-Control-Expose-Headers"); !listed(e, "location", "etag", "retry-after", "idempotent-replayed") {
		return fmt.Errorf("%s: Access-Control-Expose-Headers %q, want location, etag, retry-after and idempotent-replayed", r.what, e)
	}
	return nil
}

// unauthorized checks API Gateway's 401, with its challenge.
func unauthorized(r *response) error {
	if err := r.wantGatewayError(http.StatusUnauthorized, "Unauthorized"); err != nil {
		return err
	}
	if r.header.Get("WWW-Authenticate") == "" {
		return fmt.Errorf("%s: 401 without WWW-Authenticate", r.what)
	}
	return nil
}

func caseNoToken(s *Suite) error {
	for _, r := range []request{{method: "GET", path: "/api/clientes"}, {method: "POST", path: "/api/clientes", body: valid}} {
		resp, err := s.callAs(r)
		if err != nil {
			return err
		}
		if err := unauthorized(resp); err != nil {
			return fmt.Errorf("without a token: %w", err)
		}
	}
	return nil
}

func caseBadToken(s *Suite) error {
	resp, err := s.callAs(request{method: "GET", path: absent, token: "no.es-un.jwt"})
	if err != nil {
		return err
	}
	if err := unauthorized(resp); err != nil {
		return fmt.Errorf("with a token that is no JWT: %w", err)
	}
	return nil
}

func caseReadTokenReads(s *Suite) error {
	r, err := s.callAs(request{method: "GET", path: "/api/clientes?limit=1", token: s.cfg.ReadToken})
	if err != nil {
		return err
	}
	if err := r.wantStatus(http.StatusOK); err != nil {
		return fmt.Errorf("with READ_TOKEN: %w", err)
	}
	g, err := s.callAs(request{method: "GET", path: absent, token: s.cfg.ReadToken})
	if err != nil {
		return err
	}
	if err := g.wantError(http.StatusNotFound, "Cliente no encontrado"); err != nil {
		return fmt.Errorf("with READ_TOKEN: %w", err)
	}
	return nil
}

func caseReadTokenWrites(s *Suite) error {
	for _, r := range []request{
		{method: "POST", path: "/api/clientes", body: valid},
		{method: "PUT", path: absent, body: `{"nombres":"E2E"}`},
		{method: "DELETE", path: absent},
	} {
		r.token = s.cfg.ReadToken
		resp, err := s.callAs(r)
		if err != nil {
			return err
		}
		if err := resp.wantGatewayError(http.StatusForbidden, "Forbidden"); err != nil {
			return fmt.Errorf("with READ_TOKEN, a write: %w", err)
		}
	}
	return nil
}
