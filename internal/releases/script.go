package releases

import (
	"fmt"
	"net/http"
	"testing"
)

// Script drives one of every write a release makes through s's HTTP API, so
// that its table then holds every item shape that release stores: creates
// with and without telefono and email, updates that set a field, change a
// name and clear a field to null, a delete, and, when keyed, a create with an
// Idempotency-Key, whose answer 1.1.0 and later keep (an earlier release
// ignores the header and stores a plain cliente). dynalite has no
// TransactWriteItems, which keyed creates use: keyed is for minidyn.
//
// It returns the ids of the clientes it left, in id order.
func Script(t testing.TB, s *Server, keyed bool) []string {
	t.Helper()
	create := func(body string, headers ...string) string {
		t.Helper()
		a := s.Expect(t, http.StatusCreated, http.MethodPost, "/api/clientes", body, headers...)
		id, ok := a.Cliente()["id"].(float64)
		if !ok {
			t.Fatalf("release %s: create answered no id: %s", s.Release, a)
		}
		return fmt.Sprint(int64(id))
	}
	bare := create(`{"nombres":"Ana","apellidos":"Perez"}`)
	both := create(`{"nombres":"Bruno","apellidos":"Diaz","telefono":"+56912345678","email":"bruno@example.com"}`)
	phone := create(`{"nombres":"Carla","apellidos":"Soto","telefono":"(02) 2345-6789"}`)
	mail := create(`{"nombres":"Diego","apellidos":"Rojas","email":"diego@example.com"}`)
	s.Expect(t, http.StatusOK, http.MethodPut, "/api/clientes/"+bare, `{"email":"ana@example.com"}`)
	s.Expect(t, http.StatusOK, http.MethodPut, "/api/clientes/"+both, `{"nombres":"Bruno Andres"}`)
	s.Expect(t, http.StatusOK, http.MethodPut, "/api/clientes/"+phone, `{"telefono":null}`)
	s.Expect(t, http.StatusOK, http.MethodDelete, "/api/clientes/"+mail, "")
	ids := []string{bare, both, phone}
	if keyed {
		ids = append(ids, create(`{"nombres":"Elena","apellidos":"Munoz","email":"elena@example.com"}`,
			"Idempotency-Key", "captura-1"))
	}
	return ids
}
