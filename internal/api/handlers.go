package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/store"
)

type clienteBody struct {
	Message string          `json:"message,omitempty"`
	Cliente cliente.Cliente `json:"cliente"`
}

type listBody struct {
	Clientes   []cliente.Cliente `json:"clientes"`
	NextCursor *string           `json:"next_cursor"`
}

func serveCreate(s Store, w http.ResponseWriter, r *http.Request, _ map[string]string) error {
	key, keyed, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	cond, err := preconditions(r)
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	changes, err := cliente.DecodeCreate(body)
	if err != nil {
		return err
	}
	// Decided before anything is stored: a 412 uses up no key.
	if err := collection(cond); err != nil {
		return err
	}
	if !keyed {
		c, err := s.Create(r.Context(), changes)
		if err != nil {
			return err
		}
		created, err := renderCreated(c)
		if err != nil {
			return err
		}
		writeCreated(w, c.ID, c.ETag, created)
		return nil
	}
	kept, replayed, err := s.CreateOnce(r.Context(), changes, Caller(r.Context()), key, renderCreated)
	if err != nil {
		return err
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeCreated(w, kept.ClienteID, kept.ETag, kept.Body)
	return nil
}

// renderCreated is the body of a create's 201, which a create with an
// Idempotency-Key keeps to answer again byte for byte.
func renderCreated(c cliente.Cliente) (string, error) {
	return marshal(clienteBody{"Cliente creado", c})
}

func writeCreated(w http.ResponseWriter, id int64, etag, body string) {
	w.Header().Set("Location", "/api/clientes/"+strconv.FormatInt(id, 10))
	w.Header().Set("ETag", quoteETag(etag))
	writeBody(w, http.StatusCreated, body)
}

func serveList(s Store, w http.ResponseWriter, r *http.Request, _ map[string]string) error {
	cond, err := preconditions(r)
	if err != nil {
		return err
	}
	after, limit, err := readPaging(r.URL.RawQuery)
	if err != nil {
		return err
	}
	if err := collection(cond); errors.Is(err, errNotModified) {
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNotModified)
		return nil
	} else if err != nil {
		return err
	}
	page, err := s.List(r.Context(), after, limit)
	if err != nil {
		return err
	}
	out := listBody{Clientes: page.Clientes}
	if page.Next != 0 {
		next := EncodeCursor(page.Next)
		out.NextCursor = &next
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func serveGet(s Store, w http.ResponseWriter, r *http.Request, params map[string]string) error {
	id, err := cliente.ParseID(params["id"])
	if err != nil {
		return err
	}
	cond, err := preconditions(r)
	if err != nil {
		return err
	}
	c, err := s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	var matched *store.MatchedError
	if err := cond.Check(c.ETag); errors.As(err, &matched) {
		// RFC 9110 §15.4.5: a 304 carries the headers a 200 would have.
		w.Header().Set("ETag", quoteETag(c.ETag))
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNotModified)
		return nil
	} else if err != nil {
		return err
	}
	w.Header().Set("ETag", quoteETag(c.ETag))
	writeJSON(w, http.StatusOK, clienteBody{Cliente: c})
	return nil
}

func serveUpdate(s Store, w http.ResponseWriter, r *http.Request, params map[string]string) error {
	id, err := cliente.ParseID(params["id"])
	if err != nil {
		return err
	}
	cond, err := preconditions(r)
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	changes, err := cliente.DecodeUpdate(body)
	if err != nil {
		return err
	}
	c, err := s.Update(r.Context(), id, changes, cond)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", quoteETag(c.ETag))
	writeJSON(w, http.StatusOK, clienteBody{"Cliente actualizado", c})
	return nil
}

func serveDelete(s Store, w http.ResponseWriter, r *http.Request, params map[string]string) error {
	id, err := cliente.ParseID(params["id"])
	if err != nil {
		return err
	}
	cond, err := preconditions(r)
	if err != nil {
		return err
	}
	c, err := s.Delete(r.Context(), id, cond)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, clienteBody{"Cliente eliminado", c})
	return nil
}
