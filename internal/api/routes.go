// Package api serves the clientes routes as net/http handlers, one per
// route, and maps every error to the contract's JSON answers in one place.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/store"
)

// Store is what the handlers need from storage; *store.Store is one.
type Store interface {
	Create(context.Context, cliente.Changes) (cliente.Cliente, error)
	CreateOnce(ctx context.Context, c cliente.Changes, caller, key string, render store.Render) (kept store.Kept, replayed bool, err error)
	Get(context.Context, int64) (cliente.Cliente, error)
	List(ctx context.Context, after int64, limit int) (store.Page, error)
	Update(context.Context, int64, cliente.Changes, store.IfMatch) (cliente.Cliente, error)
	Delete(context.Context, int64, store.IfMatch) (cliente.Cliente, error)
}

// Route is one route of the API: one Lambda function, one API Gateway route.
// Which function and folder deploy it is the template's business; the drift
// tests in functions/ keep the two in step.
type Route struct {
	Method  string
	Pattern string // API Gateway's form: "/api/clientes/{id}"
	// Failure is the message of the route's 500.
	Failure string
	serve   func(s Store, w http.ResponseWriter, r *http.Request, params map[string]string) error
}

// The five routes. Each is served by its own function; the local server and
// the drift tests read this list, so a route is defined only here.
var (
	Create = Route{Method: http.MethodPost, Pattern: "/api/clientes", Failure: "Error al crear cliente", serve: serveCreate}
	List   = Route{Method: http.MethodGet, Pattern: "/api/clientes", Failure: "Error al listar clientes", serve: serveList}
	Get    = Route{Method: http.MethodGet, Pattern: "/api/clientes/{id}", Failure: "Error al obtener cliente", serve: serveGet}
	Update = Route{Method: http.MethodPut, Pattern: "/api/clientes/{id}", Failure: "Error al actualizar cliente", serve: serveUpdate}
	Delete = Route{Method: http.MethodDelete, Pattern: "/api/clientes/{id}", Failure: "Error al eliminar cliente", serve: serveDelete}
)

// Routes lists every route of the API.
var Routes = []Route{Create, List, Get, Update, Delete}

// Key is the route as API Gateway names it: "PUT /api/clientes/{id}".
func (rt Route) Key() string { return rt.Method + " " + rt.Pattern }

// Match reports whether a request for method and (decoded) path is this
// route's, with the path parameters it binds. Like API Gateway, a {param}
// matches exactly one non-empty segment; nothing is cleaned or redirected.
func (rt Route) Match(method, path string) (map[string]string, bool) {
	if method != rt.Method {
		return nil, false
	}
	return matchPath(rt.Pattern, path)
}

func matchPath(pattern, path string) (map[string]string, bool) {
	var params map[string]string
	for {
		pseg, prest, pmore := strings.Cut(pattern, "/")
		seg, rest, more := strings.Cut(path, "/")
		if pmore != more {
			return nil, false
		}
		if name, ok := strings.CutPrefix(pseg, "{"); ok {
			if seg == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[strings.TrimSuffix(name, "}")] = seg
		} else if pseg != seg {
			return nil, false
		}
		if !more {
			return params, true
		}
		pattern, path = prest, rest
	}
}

// Handler serves rt over s, logging to log. Any other method or path answers
// what API Gateway answers for a route it does not have.
func (rt Route) Handler(s Store, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		params, ok := rt.Match(r.Method, r.URL.Path)
		if !ok {
			NotFound(w)
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				requestLog(log, r.Context()).Error("panic", "route", rt.Key(), "panic", p, "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeError(rec, http.StatusInternalServerError, rt.Failure)
				}
			}
			requestLog(log, r.Context()).Info("request", "route", rt.Key(), "path", r.URL.Path,
				"status", rec.status, "duration_ms", millisSince(start))
		}()
		if err := rt.serve(s, rec, r, params); err != nil {
			rt.fail(rec, r, log, err)
		}
	})
}
