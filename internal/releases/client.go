package releases

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Answer is one HTTP answer of a server.
type Answer struct {
	Method, Path string
	Status       int
	Header       http.Header
	Body         []byte
}

// ETag is the answer's ETag header, quotes included.
func (a Answer) ETag() string { return a.Header.Get("ETag") }

// Cliente is the cliente an answer carries ({"cliente": {…}}), or nil.
func (a Answer) Cliente() map[string]any {
	var body struct {
		Cliente map[string]any `json:"cliente"`
	}
	json.Unmarshal(a.Body, &body)
	return body.Cliente
}

func (a Answer) String() string {
	return a.Method + " " + a.Path + ": " + http.StatusText(a.Status) + " " + string(a.Body)
}

var client = &http.Client{Timeout: 30 * time.Second}

// Do sends one request to s and returns its answer. headers are pairs of
// name and value. Any 5xx fails the test: no release may answer one to
// these requests.
func (s *Server) Do(t testing.TB, method, path, body string, headers ...string) Answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("release %s: %s %s: %v", s.Release, method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("release %s: %s %s: %v", s.Release, method, path, err)
	}
	a := Answer{Method: method, Path: path, Status: resp.StatusCode, Header: resp.Header, Body: b}
	if a.Status >= 500 {
		t.Errorf("release %s answered a 5xx: %s", s.Release, a)
	}
	return a
}

// Expect sends a request like Do and fails the test unless it answers
// status.
func (s *Server) Expect(t testing.TB, status int, method, path, body string, headers ...string) Answer {
	t.Helper()
	a := s.Do(t, method, path, body, headers...)
	if a.Status != status {
		t.Errorf("release %s: want %d, got %s", s.Release, status, a)
	}
	return a
}

// List reads every page of the listing and returns the clientes in order.
func (s *Server) List(t testing.TB) []map[string]any {
	t.Helper()
	var all []map[string]any
	path := "/api/clientes?limit=2" // small pages, so paging over every kind of item is exercised
	for range 1000 {
		a := s.Expect(t, http.StatusOK, http.MethodGet, path, "")
		var page struct {
			Clientes   []map[string]any `json:"clientes"`
			NextCursor *string          `json:"next_cursor"`
		}
		if err := json.Unmarshal(a.Body, &page); err != nil {
			t.Fatalf("release %s: list page: %v: %s", s.Release, err, a.Body)
		}
		all = append(all, page.Clientes...)
		if page.NextCursor == nil || a.Status != http.StatusOK {
			return all
		}
		path = "/api/clientes?limit=2&cursor=" + url.QueryEscape(*page.NextCursor)
	}
	t.Fatalf("release %s: the listing did not end after 1000 pages", s.Release)
	return nil
}
