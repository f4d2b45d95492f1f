// Package functions_test proves the functions as deployed code: every
// events/ fixture goes through its function's Lambda handler, in-process
// here and as a built bootstrap under the Lambda runtime emulator.
package functions_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/apitest"
	"github.com/clientes-api/clientes/internal/cliente"
	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/store"
)

func TestMain(m *testing.M) {
	code := dynamotest.Main(m)
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
	}
	os.Exit(code)
}

// deployed is how template.yaml deploys each route: the function's logical
// id and its main package under functions/. TestNoDrift holds the template,
// the folders and the Makefile to it.
var deployed = map[string]struct{ Function, Dir string }{
	api.Create.Key(): {"CreateClienteFunction", "create"},
	api.List.Key():   {"ListClientesFunction", "list"},
	api.Get.Key():    {"GetClienteFunction", "get"},
	api.Update.Key(): {"UpdateClienteFunction", "update"},
	api.Delete.Key(): {"DeleteClienteFunction", "delete"},
}

// tasks are the functions no route serves, by logical id: their main
// package under functions/ and the DynamoDB actions their role allows. The
// backfill is CloudFormation's custom resource (internal/backfill).
var tasks = map[string]struct {
	Dir     string
	Actions []string
}{
	"BackfillFunction": {"backfill", []string{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}},
	// No table at all: TestPreTrafficHookDeployed holds its role.
	hookFunction: {"pretraffic", nil},
}

// discard takes the API's log lines in the tests that do not read them.
var discard = slog.New(slog.DiscardHandler)

const ts = `"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"`

const created = `\{"message":"Cliente creado","cliente":\{"id":4,"nombres":"Ana","apellidos":"García","telefono":"\(555\) 123-4567","email":"ana@example\.com","created_at":` + ts + `,"updated_at":` + ts + `\}\}`

// expected is what each fixture must answer after seed has run on an empty
// table. Every fixture needs a line here, and every line a fixture.
var expected = map[string]struct {
	status int
	body   string // a regular expression the whole body must match
	// etag: the answer carries an ETag; transactions: the fixture needs
	// TransactWriteItems, which dynalite lacks.
	etag, transactions bool
}{
	"create-ok":                 {201, created, true, false},
	"create-keyed":              {201, created, true, true},
	"create-invalid":            {400, `\{"message":"Datos inválidos","errors":\{"id":"[^"]+","nombres":"[^"]+"\}\}`, false, false},
	"create-bad-json":           {400, `\{"message":"JSON inválido"\}`, false, false},
	"create-wrong-content-type": {415, `\{"message":"Content-Type debe ser application/json"\}`, false, false},
	"create-keyed-if-match":     {412, `\{"message":"Precondición no cumplida"\}`, false, false},
	"list-ok":                   {200, `\{"clientes":\[\{"id":1,[^\]]+\},\{"id":2,[^\]]+\}\],"next_cursor":"[A-Za-z0-9_-]+"\}`, false, false},
	"list-bad-limit":            {400, `\{"message":"Parámetros de paginación inválidos"\}`, false, false},
	"list-if-none-match-any":    {304, ``, false, false},
	"get-ok":                    {200, `\{"cliente":\{"id":1,"nombres":"Pedro","apellidos":"Martínez","telefono":null,"email":null,"created_at":` + ts + `,"updated_at":` + ts + `\}\}`, true, false},
	"get-not-modified":          {304, ``, true, false},
	"get-stale-if-match":        {412, `\{"message":"El cliente fue modificado por otra solicitud"\}`, true, false},
	"get-not-found":             {404, `\{"message":"Cliente no encontrado"\}`, false, false},
	"get-bad-id":                {400, `\{"message":"ID de cliente inválido"\}`, false, false},
	"update-ok":                 {200, `\{"message":"Cliente actualizado","cliente":\{"id":2,"nombres":"Lucía","apellidos":"Gómez","telefono":"\+5559876543","email":"pedro@example\.com","created_at":` + ts + `,"updated_at":` + ts + `\}\}`, true, false},
	"update-stale-if-match":     {412, `\{"message":"El cliente fue modificado por otra solicitud"\}`, true, false},
	"update-if-none-match-any":  {412, `\{"message":"Precondición no cumplida"\}`, true, false},
	"update-if-none-match-held": {200, `\{"message":"Cliente actualizado","cliente":\{"id":2,"nombres":"Lucía","apellidos":"Gómez","telefono":"\+5559876543","email":"pedro@example\.com","created_at":` + ts + `,"updated_at":` + ts + `\}\}`, true, false},
	"update-no-content-type":    {200, `\{"message":"Cliente actualizado","cliente":\{"id":2,"nombres":"Lucía","apellidos":"Gómez Ruiz","telefono":"5551234567","email":null,"created_at":` + ts + `,"updated_at":` + ts + `\}\}`, true, false},
	"update-not-found":          {404, `\{"message":"Cliente no encontrado"\}`, false, false},
	"update-bad-id":             {400, `\{"message":"ID de cliente inválido"\}`, false, false},
	"update-bad-json":           {400, `\{"message":"JSON inválido"\}`, false, false},
	"update-empty":              {400, `\{"message":"No hay campos para actualizar"\}`, false, false},
	"delete-ok":                 {200, `\{"message":"Cliente eliminado","cliente":\{"id":3,"nombres":"Juan","apellidos":"Pérez",.*\}\}`, false, false},
	"delete-not-found":          {404, `\{"message":"Cliente no encontrado"\}`, false, false},
	"delete-stale-if-match":     {412, `\{"message":"El cliente fue modificado por otra solicitud"\}`, true, false},
	"delete-if-none-match-any":  {412, `\{"message":"Precondición no cumplida"\}`, true, false},
	"delete-bad-id":             {400, `\{"message":"ID de cliente inválido"\}`, false, false},
}

// seedBodies are the clientes every fixture finds: ids 1, 2 and 3.
var seedBodies = []string{
	`{"nombres":"Pedro","apellidos":"Martínez"}`,
	`{"nombres":"Lucía","apellidos":"Gómez","telefono":"5551234567"}`,
	`{"nombres":"Juan","apellidos":"Pérez","email":"juan@example.com"}`,
}

func seed(t *testing.T, s *store.Store) {
	t.Helper()
	for _, body := range seedBodies {
		c, err := cliente.DecodeCreate([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
}

type fixture struct {
	name  string
	route api.Route
	raw   []byte
	event events.APIGatewayV2HTTPRequest
}

// fixtures reads events/, checking that each file belongs to a route, is the
// event API Gateway sends for that route, and has an expectation.
func fixtures(t *testing.T) []fixture {
	t.Helper()
	paths, err := filepath.Glob("../events/*.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures in events/: %v", err)
	}
	byDir := map[string]api.Route{}
	for _, rt := range api.Routes {
		byDir[deployed[rt.Key()].Dir] = rt
	}
	covered := map[string]bool{}
	var out []fixture
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		dir, _, _ := strings.Cut(name, "-")
		rt, ok := byDir[dir]
		if !ok {
			t.Fatalf("%s: name does not start with a function's folder", p)
		}
		if _, ok := expected[name]; !ok {
			t.Fatalf("%s: no expectation in fixtures_test.go", p)
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		rc := ev.RequestContext
		if ev.Version != "2.0" || ev.RouteKey != rt.Key() || rc.RouteKey != rt.Key() || rc.Stage != "$default" ||
			rc.RequestID == "" || rc.HTTP.Method != rt.Method || ev.RawPath == "" {
			t.Fatalf("%s: not an HTTP API payload 2.0 event for %s: %+v", p, rt.Key(), ev)
		}
		if _, ok := rt.Match(rc.HTTP.Method, ev.RawPath); !ok {
			t.Fatalf("%s: rawPath %q is not a path of %s", p, ev.RawPath, rt.Key())
		}
		covered[deployed[rt.Key()].Dir] = true
		out = append(out, fixture{name, rt, raw, ev})
	}
	for name := range expected {
		if _, err := os.Stat("../events/" + name + ".json"); err != nil {
			t.Errorf("expectation %q has no fixture: %v", name, err)
		}
	}
	for _, rt := range api.Routes {
		if !covered[deployed[rt.Key()].Dir] {
			t.Errorf("function %s has no fixture in events/", deployed[rt.Key()].Dir)
		}
	}
	return out
}

func checkResponse(t *testing.T, name string, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	want := expected[name]
	body := resp.Body
	if resp.IsBase64Encoded {
		t.Errorf("%s: response body is base64", name)
	}
	if resp.StatusCode != want.status || !regexp.MustCompile(`^`+want.body+`$`).MatchString(body) {
		t.Errorf("%s: = %d %s\nwant %d %s", name, resp.StatusCode, body, want.status, want.body)
	}
	if ct := resp.Headers["Content-Type"]; ct != api.ContentType && resp.StatusCode != 304 {
		t.Errorf("%s: Content-Type = %q", name, ct)
	}
	if etag := resp.Headers["Etag"]; want.etag != regexp.MustCompile(`^"[0-9a-f]{24}"$`).MatchString(etag) {
		t.Errorf("%s: ETag = %q, want one: %v", name, etag, want.etag)
	}
	if leak := apitest.Leak(resp.StatusCode, body); leak != "" {
		t.Errorf("%s: error body leaks %q", name, leak)
	}
}

func TestFixturesInProcess(t *testing.T) {
	for _, f := range fixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			b := dynamotest.Minidyn(t)
			db := b.Client(t)
			s := store.New(db, b.Table(t, db), nil)
			seed(t, s)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "test-" + f.name})
			resp, err := api.Lambda(f.route.Handler(s, discard), discard)(ctx, f.event)
			if err != nil {
				t.Fatal(err)
			}
			checkResponse(t, f.name, resp)
		})
	}
}
