// Package api serves the clientes routes as net/http handlers, one per
// route, and maps every error to the contract's JSON answers in one place.
package api

import (
	"context"
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
type Route struct {
	// Function is the logical id of the route's function in template.yaml.
	Function string
	// Dir is the route's main package under functions/.
	Dir     string
	Method  string
	Pattern string // API Gateway's form: "/api/clientes/{id}"
	// Failure is the message of the route's 500.
	Failure string
	serve   func(s Store, w http.ResponseWriter, r *http.Request, params map[string]string) error
}

// The five routes. Each is served by its own function; the local server and
// the drift tests read this list, so a route is defined only here.
var (
	Create = Route{"CreateClienteFunction", "create", http.MethodPost, "/api/clientes", "Error al crear cliente", serveCreate}
	List   = Route{"ListClientesFunction", "list", http.MethodGet, "/api/clientes", "Error al listar clientes", serveList}
	Get    = Route{"GetClienteFunction", "get", http.MethodGet, "/api/clientes/{id}", "Error al obtener cliente", serveGet}
	Update = Route{"UpdateClienteFunction", "update", http.MethodPut, "/api/clientes/{id}", "Error al actualizar cliente", serveUpdate}
	Delete = Route{"DeleteClienteFunction", "delete", http.MethodDelete, "/api/clientes/{id}", "Error al eliminar cliente", serveDelete}
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

// Handler serves rt over s. Any other method or path answers what API
// Gateway answers for a route it does not have.
func (rt Route) Handler(s Store) http.Handler {
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
				logger(r.Context()).Error("panic", "route", rt.Key(), "panic", p, "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeError(rec, http.StatusInternalServerError, rt.Failure)
				}
			}
			logger(r.Context()).Info("request", "route", rt.Key(), "path", r.URL.Path,
				"status", rec.status, "duration_ms", millisSince(start))
		}()
		if err := rt.serve(s, rec, r, params); err != nil {
			rt.fail(rec, r, err)
		}
	})
}
