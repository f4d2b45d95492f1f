package api

import (
	"net/http"
	"strconv"

	"github.com/clientes-api/clientes/internal/cliente"
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
	body, err := readBody(r)
	if err != nil {
		return err
	}
	changes, err := cliente.DecodeCreate(body)
	if err != nil {
		return err
	}
	c, err := s.Create(r.Context(), changes)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/clientes/"+strconv.FormatInt(c.ID, 10))
	writeJSON(w, http.StatusCreated, clienteBody{"Cliente creado", c})
	return nil
}

func serveList(s Store, w http.ResponseWriter, r *http.Request, _ map[string]string) error {
	after, limit, err := readPaging(r.URL.RawQuery)
	if err != nil {
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
	c, err := s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, clienteBody{Cliente: c})
	return nil
}

func serveUpdate(s Store, w http.ResponseWriter, r *http.Request, params map[string]string) error {
	id, err := cliente.ParseID(params["id"])
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
	c, err := s.Update(r.Context(), id, changes)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, clienteBody{"Cliente actualizado", c})
	return nil
}

func serveDelete(s Store, w http.ResponseWriter, r *http.Request, params map[string]string) error {
	id, err := cliente.ParseID(params["id"])
	if err != nil {
		return err
	}
	c, err := s.Delete(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, clienteBody{"Cliente eliminado", c})
	return nil
}
