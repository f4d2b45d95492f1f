// Package pretraffic is CodeDeploy's pre-traffic hook: before any traffic
// moves to the new versions of the functions, it invokes each of them with
// probes that write nothing, as API Gateway would invoke them, and reports
// Succeeded only when every probe got its contract answer. Writes are the
// e2e suite's job (internal/e2e), after the deploy.
package pretraffic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/token"
)

// Target is one function to probe: the route it serves, the environment
// variable the template sets to its new version (`!Ref <Fn>.Version`), and
// what to ask it.
type Target struct {
	Route  api.Route
	Env    string
	Probes []Probe
}

// Probe is one invocation and the answer it must get.
type Probe struct {
	Name  string
	Event events.APIGatewayV2HTTPRequest
	Check func(events.APIGatewayV2HTTPResponse) error
}

// absentID is an id no deployment will have given, the largest the contract
// allows: reading, updating or deleting it writes nothing.
const absentID = "9007199254740991"

// Targets are the five functions, one per route. A test holds the template's
// environment of the hook to this list.
var Targets = []Target{
	{api.Create, "CREATE_VERSION", []Probe{{
		Name:  "POST with an invalid body",
		Event: event(api.Create, "", `{"nombres":""}`),
		Check: invalid,
	}}},
	{api.List, "LIST_VERSION", []Probe{{
		Name:  "list with limit=1",
		Event: event(api.List, "", "", "limit", "1"),
		Check: page,
	}}},
	{api.Get, "GET_VERSION", []Probe{{
		Name:  "GET of an absent id",
		Event: event(api.Get, absentID, ""),
		Check: notFound,
	}}},
	{api.Update, "UPDATE_VERSION", []Probe{{
		Name:  "PUT of an absent id",
		Event: event(api.Update, absentID, `{"nombres":"Sonda"}`),
		Check: notFound,
	}}},
	{api.Delete, "DELETE_VERSION", []Probe{{
		Name:  "DELETE of an absent id",
		Event: event(api.Delete, absentID, ""),
		Check: notFound,
	}}},
}

// event is the HTTP API payload 2.0 event API Gateway sends rt's function
// for a request on the id (routes with one), with body and query pairs.
func event(rt api.Route, id, body string, query ...string) events.APIGatewayV2HTTPRequest {
	path := strings.Replace(rt.Pattern, "{id}", id, 1)
	var params map[string]string
	if strings.Contains(rt.Pattern, "{id}") {
		params = map[string]string{"id": id}
	}
	q := url.Values{}
	qs := map[string]string{}
	for i := 0; i+1 < len(query); i += 2 {
		q.Set(query[i], query[i+1])
		qs[query[i]] = query[i+1]
	}
	if len(qs) == 0 {
		qs = nil
	}
	headers := map[string]string{"accept": "application/json", "user-agent": "clientes-pretraffic-hook"}
	if body != "" {
		headers["content-type"] = "application/json"
	}
	return events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              rt.Key(),
		RawPath:               path,
		RawQueryString:        q.Encode(),
		Headers:               headers,
		QueryStringParameters: qs,
		PathParameters:        params,
		Body:                  body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:   rt.Key(),
			Stage:      "$default",
			DomainName: "pretraffic.invalid",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: rt.Method, Path: path, Protocol: "HTTP/1.1", SourceIP: "127.0.0.1", UserAgent: headers["user-agent"],
			},
		},
	}
}

// stamped is p's event with a request id and time of its own.
func stamped(p Probe) events.APIGatewayV2HTTPRequest {
	ev := p.Event
	ev.RequestContext.RequestID = "pretraffic-" + token.Hex(8)
	ev.RequestContext.TimeEpoch = time.Now().UnixMilli()
	return ev
}

// body checks the status and Content-Type of an answer and decodes its JSON
// object.
func body(resp events.APIGatewayV2HTTPResponse, status int) (map[string]any, error) {
	if resp.StatusCode != status {
		return nil, fmt.Errorf("status %d, want %d: %.200s", resp.StatusCode, status, resp.Body)
	}
	if ct := resp.Headers["Content-Type"]; ct != api.ContentType || resp.IsBase64Encoded {
		return nil, fmt.Errorf("Content-Type %q (base64 %v), want %q", ct, resp.IsBase64Encoded, api.ContentType)
	}
	d := json.NewDecoder(bytes.NewReader([]byte(resp.Body)))
	var m map[string]any
	if err := d.Decode(&m); err != nil || m == nil || d.More() {
		return nil, fmt.Errorf("body is not a JSON object: %.200s", resp.Body)
	}
	return m, nil
}

// notFound is the contract's 404 for an id that does not exist.
func notFound(resp events.APIGatewayV2HTTPResponse) error {
	m, err := body(resp, 404)
	if err != nil {
		return err
	}
	if m["message"] != "Cliente no encontrado" || len(m) != 1 {
		return fmt.Errorf("body %.200s, want {\"message\":\"Cliente no encontrado\"}", resp.Body)
	}
	return nil
}

// invalid is the contract's 400 for a create whose fields break the rules.
func invalid(resp events.APIGatewayV2HTTPResponse) error {
	m, err := body(resp, 400)
	if err != nil {
		return err
	}
	errs, _ := m["errors"].(map[string]any)
	if m["message"] != "Datos inválidos" || len(m) != 2 || errs["nombres"] == nil || errs["apellidos"] == nil {
		return fmt.Errorf("body %.200s, want Datos inválidos naming nombres and apellidos", resp.Body)
	}
	return nil
}

// page is a list page of at most one cliente.
func page(resp events.APIGatewayV2HTTPResponse) error {
	m, err := body(resp, 200)
	if err != nil {
		return err
	}
	list, ok := m["clientes"].([]any)
	if _, has := m["next_cursor"]; !ok || !has || len(list) > 1 || len(m) != 2 {
		return fmt.Errorf("keys %v, %d clientes: want clientes (at most 1) and next_cursor", slices.Sorted(maps.Keys(m)), len(list))
	}
	return nil
}
