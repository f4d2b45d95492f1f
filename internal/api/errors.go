package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/store"
)

// RetryAfter is the Retry-After, in seconds, of a 503 (about how long
// DynamoDB's adaptive capacity takes to absorb a burst) and of a 409 (a
// transaction in flight ends well within it).
const RetryAfter = "1"

type errorBody struct {
	Message string              `json:"message"`
	Errors  cliente.FieldErrors `json:"errors,omitempty"`
}

// fail answers err. It is the one place where errors become HTTP: only the
// contract's messages leave, and causes go to the log, never to the client.
func (rt Route) fail(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var fields cliente.FieldErrors
	var stale *store.StaleError
	var matched *store.MatchedError
	switch {
	case errors.Is(err, cliente.ErrInvalidID):
		writeError(w, http.StatusBadRequest, "ID de cliente inválido")
	case errors.Is(err, errPrecondition):
		writeError(w, http.StatusBadRequest, "Encabezado de precondición inválido")
	case errors.Is(err, errIdempotencyKey):
		writeError(w, http.StatusBadRequest, "Idempotency-Key inválida")
	case errors.Is(err, errMediaType):
		writeError(w, http.StatusUnsupportedMediaType, "Content-Type debe ser application/json")
	case errors.Is(err, errTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "Cuerpo de la solicitud demasiado grande")
	case errors.Is(err, cliente.ErrSyntax):
		writeError(w, http.StatusBadRequest, "JSON inválido")
	case errors.As(err, &fields):
		writeJSON(w, http.StatusBadRequest, errorBody{"Datos inválidos", fields})
	case errors.Is(err, cliente.ErrNoChanges):
		writeError(w, http.StatusBadRequest, "No hay campos para actualizar")
	case errors.Is(err, errPaging):
		writeError(w, http.StatusBadRequest, "Parámetros de paginación inválidos")
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "Cliente no encontrado")
	case errors.As(err, &stale):
		w.Header().Set("ETag", quoteETag(stale.ETag))
		writeError(w, http.StatusPreconditionFailed, "El cliente fue modificado por otra solicitud")
	case errors.As(err, &matched):
		w.Header().Set("ETag", quoteETag(matched.ETag))
		writeError(w, http.StatusPreconditionFailed, "Precondición no cumplida")
	case errors.Is(err, errPreconditionFailed), errors.Is(err, errNotModified):
		writeError(w, http.StatusPreconditionFailed, "Precondición no cumplida")
	case errors.Is(err, store.ErrKeyReused):
		writeError(w, http.StatusUnprocessableEntity, "Idempotency-Key ya usada con otra solicitud")
	case errors.Is(err, store.ErrKeyInFlight):
		w.Header().Set("Retry-After", RetryAfter)
		writeError(w, http.StatusConflict, "Solicitud con la misma Idempotency-Key en curso")
	case errors.Is(err, store.ErrUnavailable):
		requestLog(log, r.Context()).Warn("throttled", "route", rt.Key(), "error", err)
		w.Header().Set("Retry-After", RetryAfter)
		writeError(w, http.StatusServiceUnavailable, "Servicio no disponible, intente de nuevo")
	default:
		requestLog(log, r.Context()).Error("failure", "route", rt.Key(), "error", err)
		writeError(w, http.StatusInternalServerError, rt.Failure)
	}
}

// NotFound answers as API Gateway does for a route it does not have.
func NotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "Not Found")
}

func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, errorBody{Message: message})
}

// ContentType is the Content-Type of every response.
const ContentType = "application/json; charset=utf-8"

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := marshal(v)
	if err != nil {
		// Only a bug could get here: every value written is a plain struct.
		status, body = http.StatusInternalServerError, `{"message":"Error interno"}`
	}
	writeBody(w, status, body)
}

// marshal writes v as the API's JSON: plain UTF-8, "O'Brien & Hijos" as
// written. The answer is JSON for API clients, never HTML, so json.Marshal's
// HTML escaping only gets in the way. (U+2028 and U+2029 stay escaped;
// encoding/json always does that.)
func marshal(v any) (string, error) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(body.String(), "\n"), nil
}

// writeBody writes a JSON body with the headers every answer carries.
func writeBody(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// statusRecorder remembers the status written, for the log and so that a
// panic after the answer began does not write a second one.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(status int) {
	if s.status == 0 {
		s.status = status
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}
