package gateway

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// CORS is an HTTP API's CorsConfiguration. The same values sit in
// template.yaml; a test keeps the two equal.
type CORS struct {
	AllowOrigins  []string
	AllowMethods  []string
	AllowHeaders  []string
	ExposeHeaders []string
	MaxAge        int
}

// DefaultCORS is the configuration the template deploys unless its
// CorsAllowOrigins parameter says otherwise.
var DefaultCORS = CORS{
	AllowOrigins:  []string{"*"},
	AllowMethods:  []string{"GET", "POST", "PUT", "DELETE", "OPTIONS"},
	AllowHeaders:  []string{"content-type", "authorization", "if-match", "if-none-match", "idempotency-key"},
	ExposeHeaders: []string{"location", "etag", "retry-after", "idempotent-replayed"},
	MaxAge:        600,
}

func (c CORS) allowedOrigin(origin string) (string, bool) {
	if origin == "" {
		return "", false
	}
	if slices.Contains(c.AllowOrigins, "*") {
		return "*", true
	}
	if slices.Contains(c.AllowOrigins, origin) {
		return origin, true
	}
	return "", false
}

// preflight answers an OPTIONS request that carries an Origin and an
// Access-Control-Request-Method, as API Gateway does without invoking any
// function. It reports whether it answered.
func (c CORS) preflight(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodOptions || r.Header.Get("Origin") == "" ||
		r.Header.Get("Access-Control-Request-Method") == "" || len(c.AllowOrigins) == 0 {
		return false
	}
	h := w.Header()
	if origin, ok := c.allowedOrigin(r.Header.Get("Origin")); ok {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
		h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
		h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
		if origin != "*" {
			h.Add("Vary", "Origin")
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

// decorate adds the CORS headers of a simple or actual request.
func (c CORS) decorate(w http.ResponseWriter, r *http.Request) {
	origin, ok := c.allowedOrigin(r.Header.Get("Origin"))
	if !ok {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	if len(c.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
	}
	if origin != "*" {
		h.Add("Vary", "Origin")
	}
}

func isCORSHeader(name string) bool {
	return strings.HasPrefix(strings.ToLower(name), "access-control-")
}
