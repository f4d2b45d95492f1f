package functions_test

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"go/parser"
	"go/token"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"gopkg.in/yaml.v3"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/gateway"
	"github.com/clientes-api/clientes/internal/store"
)

// template is template.yaml as CloudFormation will read it, its Fn::ForEach
// loops expanded (tools/samtranslate.py --expand, the one expansion every
// tool here uses), read as plain data: an intrinsic function is dropped and
// its argument kept ({"Ref": "T"} → "T", {"Fn::GetAtt": ["T", "Arn"]} →
// "T.Arn"), as a YAML tag was before the loops.
type template struct {
	Parameters map[string]map[string]any `yaml:"Parameters"`
	Globals    struct {
		Function map[string]any `yaml:"Function"`
	} `yaml:"Globals"`
	Resources map[string]struct {
		Type           string         `yaml:"Type"`
		Metadata       map[string]any `yaml:"Metadata"`
		DeletionPolicy string         `yaml:"DeletionPolicy"`
		Properties     map[string]any `yaml:"Properties"`
	} `yaml:"Resources"`
}

func readTemplate(t *testing.T) template {
	t.Helper()
	var raw any
	if err := json.Unmarshal(samtranslate(t, "--expand", "template.yaml"), &raw); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(plain(raw))
	if err != nil {
		t.Fatal(err)
	}
	// Read as YAML (JSON is YAML), whole numbers become ints, as before.
	var tpl template
	if err := yaml.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

// plain drops each intrinsic function around its argument.
func plain(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			for k, arg := range v {
				if k == "Fn::GetAtt" {
					if l, ok := arg.([]any); ok && len(l) == 2 {
						return toString(l[0]) + "." + toString(l[1])
					}
				}
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return plain(arg)
				}
			}
		}
		out := map[string]any{}
		for k, x := range v {
			out[k] = plain(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = plain(x)
		}
		return out
	}
	return v
}

// get walks nested maps and lists: get(v, "Properties", "Events", "Api").
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func strs(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			out = append(out, strings.TrimSpace(toString(x)))
		}
	case string:
		out = []string{v}
	}
	return out
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}

// contractRoutes reads the route table of the contract, from the copy in
// docs/, which must equal the shared original wherever that is present.
func contractRoutes(t *testing.T) []string {
	t.Helper()
	doc, err := os.ReadFile("../docs/clientes-contract.md")
	if err != nil {
		t.Fatal(err)
	}
	if shared, err := os.ReadFile("../../shared/clientes-contract.md"); err == nil && !bytes.Equal(shared, doc) {
		t.Errorf("docs/clientes-contract.md differs from ../shared/clientes-contract.md: copy it again")
	}
	var routes []string
	for _, m := range regexp.MustCompile("(?m)^\\| `((?:GET|POST|PUT|DELETE) /[^`]+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		routes = append(routes, m[1])
	}
	return routes
}

// TestNoDrift checks that the contract, the template and the routes the code
// serves (locally and in each function) are one and the same set.
func TestNoDrift(t *testing.T) {
	tpl := readTemplate(t)
	var code []string
	for _, rt := range api.Routes {
		code = append(code, rt.Key())
	}
	var inTemplate []string
	functions := map[string]bool{}
	for name, r := range tpl.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		functions[name] = true
		if task, ok := tasks[name]; ok {
			delete(functions, name)
			if get(r.Properties, "Events") != nil || toString(get(r.Properties, "CodeUri")) != "functions/"+task.Dir ||
				get(r.Metadata, "BuildMethod") != "makefile" {
				t.Errorf("%s: events %v, CodeUri %v, Metadata %v; want no event, functions/%s, the makefile build",
					name, get(r.Properties, "Events"), get(r.Properties, "CodeUri"), r.Metadata, task.Dir)
			}
			makefile, _ := os.ReadFile("../Makefile")
			if !strings.Contains(string(makefile), "build-"+name+":") || !strings.Contains(string(makefile), ",./functions/"+task.Dir+",linux,arm64,$(ARTIFACTS_DIR)/bootstrap)") {
				t.Errorf("the Makefile has no build-%s target building ./functions/%s for linux/arm64", name, task.Dir)
			}
			continue
		}
		for _, ev := range get(r.Properties, "Events").(map[string]any) {
			if get(ev, "Type") != "HttpApi" || get(ev, "Properties", "ApiId") != "HttpApi" {
				t.Errorf("%s: event %v is not on the HttpApi", name, ev)
			}
			inTemplate = append(inTemplate, toString(get(ev, "Properties", "Method"))+" "+toString(get(ev, "Properties", "Path")))
		}
	}
	contract := contractRoutes(t)
	slices.Sort(code)
	slices.Sort(inTemplate)
	slices.Sort(contract)
	if !slices.Equal(code, inTemplate) || !slices.Equal(code, contract) || len(code) != 5 || len(deployed) != 5 {
		t.Fatalf("routes differ:\n code     %v\n template %v\n contract %v", code, inTemplate, contract)
	}

	fset := token.NewFileSet()
	for _, rt := range api.Routes {
		r, ok := tpl.Resources[deployed[rt.Key()].Function]
		if !ok {
			t.Errorf("route %s: no function %s in template.yaml", rt.Key(), deployed[rt.Key()].Function)
			continue
		}
		delete(functions, deployed[rt.Key()].Function)
		if got := toString(get(r.Properties, "CodeUri")); got != "functions/"+deployed[rt.Key()].Dir {
			t.Errorf("%s: CodeUri %q, want functions/%s", deployed[rt.Key()].Function, got, deployed[rt.Key()].Dir)
		}
		ev := get(r.Properties, "Events", "Api", "Properties")
		if get(ev, "Method") != rt.Method || get(ev, "Path") != rt.Pattern {
			t.Errorf("%s: event %v, want %s", deployed[rt.Key()].Function, ev, rt.Key())
		}
		if get(r.Metadata, "BuildMethod") != "makefile" || get(r.Metadata, "ContextPath") != "." || get(r.Metadata, "WorkingDirectory") != "." {
			t.Errorf("%s: Metadata %v, want BuildMethod makefile, ContextPath and WorkingDirectory .", deployed[rt.Key()].Function, r.Metadata)
		}
		makefile, _ := os.ReadFile("../Makefile")
		if !strings.Contains(string(makefile), "build-"+deployed[rt.Key()].Function+":") || !strings.Contains(string(makefile), ",./functions/"+deployed[rt.Key()].Dir+",linux,arm64,$(ARTIFACTS_DIR)/bootstrap)") {
			t.Errorf("the Makefile has no build-%s target building ./functions/%s for linux/arm64", deployed[rt.Key()].Function, deployed[rt.Key()].Dir)
		}
		pkgs, err := parser.ParseDir(fset, "../functions/"+deployed[rt.Key()].Dir, nil, parser.PackageClauseOnly)
		if _, ok := pkgs["main"]; err != nil || !ok || len(pkgs) != 1 {
			t.Errorf("%s: functions/%s does not hold a main package: %v %v", deployed[rt.Key()].Function, deployed[rt.Key()].Dir, slices.Collect(maps.Keys(pkgs)), err)
		}
		src, _ := os.ReadFile("../functions/" + deployed[rt.Key()].Dir + "/main.go")
		if !strings.Contains(string(src), "api."+strings.ToUpper(deployed[rt.Key()].Dir[:1])+deployed[rt.Key()].Dir[1:]+".Handler(") {
			t.Errorf("functions/%s/main.go does not serve its own route", deployed[rt.Key()].Dir)
		}
	}
	if len(functions) > 0 {
		t.Errorf("template.yaml has functions no route serves: %v", slices.Collect(maps.Keys(functions)))
	}

	g := tpl.Globals.Function
	if g["Runtime"] != "provided.al2023" || !slices.Equal(strs(g["Architectures"]), []string{"arm64"}) || g["Handler"] != "bootstrap" {
		t.Errorf("Globals: runtime %v, architectures %v, handler %v", g["Runtime"], g["Architectures"], g["Handler"])
	}
	if timeout, _ := g["Timeout"].(int); timeout < 1 || timeout >= 30 {
		t.Errorf("Globals Timeout %v is not under the HTTP API's 30 s", g["Timeout"])
	}
	if get(g, "Environment", "Variables", "TABLE_NAME") != "ClientesTable" || get(g, "LoggingConfig", "LogFormat") != "JSON" {
		t.Errorf("Globals: environment %v, logging %v", get(g, "Environment"), get(g, "LoggingConfig"))
	}
}

// TestLocalCORSMatchesTemplate keeps `make run`'s CORS answers equal to the
// HTTP API's configuration.
func TestLocalCORSMatchesTemplate(t *testing.T) {
	tpl := readTemplate(t)
	cors := get(tpl.Resources["HttpApi"].Properties, "CorsConfiguration")
	want := gateway.DefaultCORS
	lower := func(s []string) []string {
		out := slices.Clone(s)
		for i := range out {
			out[i] = strings.ToLower(out[i])
		}
		return out
	}
	if get(cors, "AllowOrigins") != "CorsAllowOrigins" ||
		toString(tpl.Parameters["CorsAllowOrigins"]["Default"]) != strings.Join(want.AllowOrigins, ",") ||
		!slices.Equal(strs(get(cors, "AllowMethods")), want.AllowMethods) ||
		!slices.Equal(lower(strs(get(cors, "AllowHeaders"))), want.AllowHeaders) ||
		!slices.Equal(lower(strs(get(cors, "ExposeHeaders"))), want.ExposeHeaders) ||
		get(cors, "MaxAge") != want.MaxAge {
		t.Fatalf("template CORS %v (origins default %v) differs from the local server's %+v",
			cors, tpl.Parameters["CorsAllowOrigins"]["Default"], want)
	}
}

// TestCORSOrigins translates the template with the default origin and with
// two, and checks the CORS configuration SAM writes into the API: each
// origin its own entry, as API Gateway needs them, not one "a,b" string.
// tools/samtranslate.py hands SAM a CommaDelimitedList as CloudFormation
// hands it to a transform, a list; SAM writes the value itself in.
func TestCORSOrigins(t *testing.T) {
	for _, tc := range []struct {
		param string
		want  []any
	}{
		{"", []any{"*"}},
		{"CorsAllowOrigins=https://app.example.com,https://admin.example.com", []any{"https://app.example.com", "https://admin.example.com"}},
	} {
		var params []string
		if tc.param != "" {
			params = append(params, tc.param)
		}
		res, _ := translate(t, params...)["Resources"].(map[string]any)
		got := get(res, "HttpApi", "Properties", "Body", "x-amazon-apigateway-cors", "allowOrigins")
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: allowOrigins %#v, want %#v", tc.param, got, tc.want)
		}
	}
}

// TestTableMatchesStore keeps the deployed table's key schema equal to the
// one the store creates locally and reads everywhere.
func TestTableMatchesStore(t *testing.T) {
	tpl := readTemplate(t)
	table := tpl.Resources["ClientesTable"]
	p := table.Properties
	keys := map[string]string{}
	for _, k := range get(p, "KeySchema").([]any) {
		keys[toString(get(k, "KeyType"))] = toString(get(k, "AttributeName"))
	}
	attrs := map[string]string{}
	for _, a := range get(p, "AttributeDefinitions").([]any) {
		attrs[toString(get(a, "AttributeName"))] = toString(get(a, "AttributeType"))
	}
	if keys["HASH"] != store.PartitionKey || keys["RANGE"] != store.SortKey ||
		attrs[store.PartitionKey] != "S" || attrs[store.SortKey] != "S" || len(attrs) != 2 {
		t.Errorf("table keys %v, attributes %v; the store uses %s (S) and %s (S)", keys, attrs, store.PartitionKey, store.SortKey)
	}
	if table.DeletionPolicy != "Retain" || get(p, "BillingMode") != "PAY_PER_REQUEST" ||
		get(p, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled") != true {
		t.Errorf("table is not retained, on demand and backed up: %+v", table)
	}
	if get(p, "TimeToLiveSpecification", "AttributeName") != store.ExpiryAttr ||
		get(p, "TimeToLiveSpecification", "Enabled") != true {
		t.Errorf("table TTL %v; the store expires kept answers by %s", get(p, "TimeToLiveSpecification"), store.ExpiryAttr)
	}
}

// TestLeastPrivilege checks that each function may call exactly the DynamoDB
// actions its code calls, on the table alone, with no wildcard anywhere. The
// actions are observed: each route runs against minidyn, finding its cliente,
// not finding it, on a cliente 1.0.0 stored (with a stale If-Match), and with
// every answer of its write lost; the backfill runs over 1.0.0's clientes
// with a write racing it.
func TestLeastPrivilege(t *testing.T) {
	tpl := readTemplate(t)
	b := dynamotest.Minidyn(t)
	db := b.Client(t)
	table := b.Table(t, db)
	s := store.New(db, table, nil)
	seed(t, s)
	legacy := func(id string) {
		item := map[string]types.AttributeValue{}
		for k, v := range map[string]string{"pk": "cliente", "id": id, "nombres": "A", "apellidos": "B",
			"created_at": "2024-03-05T15:30:00.000Z", "updated_at": "2024-03-05T15:30:00.000Z", "token_alta": "0123456789abcdef0123456789abcdef"} {
			item[k] = &types.AttributeValueMemberS{Value: v}
		}
		if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"0000000000000050", "0000000000000051", "0000000000000052", "0000000000000053"} {
		legacy(id)
	}
	stale := `"000000000000000000000000"`
	requests := map[string][]*http.Request{
		"create": {jsonRequest("POST", "/api/clientes", `{"nombres":"A","apellidos":"B"}`),
			withHeader(jsonRequest("POST", "/api/clientes", `{"nombres":"A","apellidos":"B"}`), "Idempotency-Key", "k")},
		"list": {jsonRequest("GET", "/api/clientes?limit=1", "")},
		"get":  {jsonRequest("GET", "/api/clientes/1", ""), jsonRequest("GET", "/api/clientes/99", ""), jsonRequest("GET", "/api/clientes/50", "")},
		"update": {jsonRequest("PUT", "/api/clientes/1", `{"nombres":"C"}`), jsonRequest("PUT", "/api/clientes/99", `{"nombres":"C"}`),
			withHeader(jsonRequest("PUT", "/api/clientes/51", `{"nombres":"C"}`), "If-Match", stale)},
		"delete": {jsonRequest("DELETE", "/api/clientes/1", ""), jsonRequest("DELETE", "/api/clientes/99", ""),
			withHeader(jsonRequest("DELETE", "/api/clientes/52", ""), "If-Match", stale)},
	}
	lost := map[string][2]string{ // a write whose every answer is lost
		"create": {"PutItem", `{"nombres":"A","apellidos":"B"}`},
		"update": {"UpdateItem", `{"nombres":"D"}`},
		"delete": {"DeleteItem", ""},
	}
	for _, rt := range api.Routes {
		dir := deployed[rt.Key()].Dir
		b.Counts.Take()
		serve := func(r *http.Request) {
			w := httptest.NewRecorder()
			rt.Handler(s, discard).ServeHTTP(w, r)
			if w.Code >= 500 {
				t.Fatalf("%s: %d %s", rt.Key(), w.Code, w.Body)
			}
		}
		for _, r := range requests[dir] {
			serve(r)
		}
		if l, ok := lost[dir]; ok {
			b.Faults.LoseResponse(l[0], -1)
			serve(jsonRequest(rt.Method, strings.Replace(rt.Pattern, "{id}", "2", 1), l[1]))
			b.Faults.Clear()
		}
		checkRole(t, tpl, deployed[rt.Key()].Function, observed(b.Counts.Take()))
	}

	b.Counts.Take()
	b.Faults.Respond("UpdateItem", 400, `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"raced"}`, 1)
	if _, err := s.Backfill(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	b.Faults.Clear()
	called := observed(b.Counts.Take())
	checkRole(t, tpl, "BackfillFunction", called)
	if !slices.Equal(called, tasks["BackfillFunction"].Actions) {
		t.Errorf("the backfill calls %v; tasks says %v", called, tasks["BackfillFunction"].Actions)
	}
}

// observed is the IAM actions of the DynamoDB requests counted.
func observed(counts map[string]int) []string {
	var called []string
	for op := range counts {
		// IAM has no action of its own for a transaction: each of its
		// writes needs its single-item action. The store's only
		// transaction puts two items.
		if op == "TransactWriteItems" {
			op = "PutItem"
		}
		if !slices.Contains(called, "dynamodb:"+op) {
			called = append(called, "dynamodb:"+op)
		}
	}
	slices.Sort(called)
	return called
}

// checkRole holds function's role to called: no wildcard, the table alone,
// and exactly those DynamoDB actions.
func checkRole(t *testing.T, tpl template, function string, called []string) {
	t.Helper()
	role := strings.TrimSuffix(toString(get(tpl.Resources[function].Properties, "Role")), ".Arn")
	var allowed []string
	for _, policy := range get(tpl.Resources[role].Properties, "Policies").([]any) {
		for _, st := range get(policy, "PolicyDocument", "Statement").([]any) {
			actions := strs(get(st, "Action"))
			resource := toString(get(st, "Resource"))
			if get(st, "Effect") != "Allow" || strings.Contains(strings.Join(actions, ","), "*") ||
				resource == "*" || strings.Contains(resource, ":*:") {
				t.Errorf("%s: statement %v is not least privilege", role, st)
			}
			for _, a := range actions {
				if strings.HasPrefix(a, "dynamodb:") {
					allowed = append(allowed, a)
					if resource != "ClientesTable.Arn" {
						t.Errorf("%s: %s on %q, want the table's ARN", role, a, resource)
					}
				}
			}
		}
	}
	slices.Sort(allowed)
	if !slices.Equal(called, allowed) || len(called) == 0 {
		t.Errorf("%s: the code calls %v, the role %s allows %v", function, called, role, allowed)
	}
}

func withHeader(r *http.Request, name, value string) *http.Request {
	r.Header.Set(name, value)
	return r
}

func jsonRequest(method, path, body string) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return r.WithContext(context.Background())
}

// TestSAMBuild runs plain `sam build` as a user or a CI pipeline would, and
// checks each function's bootstrap is an arm64 Linux executable built with
// the Makefile's flags (stripped, so -ldflags '-s -w' reached it).
func TestSAMBuild(t *testing.T) {
	sam := samPath(t)
	dir := t.TempDir()
	cmd := exec.Command(sam, "build", "--template-file", "template.yaml", "--build-dir", dir, "--cache-dir", filepath.Join(dir, "cache"))
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sam build: %v\n%s", err, out)
	}
	for _, rt := range api.Routes {
		path := filepath.Join(dir, deployed[rt.Key()].Function, "bootstrap")
		f, err := elf.Open(path)
		if err != nil {
			t.Errorf("%s: %v", deployed[rt.Key()].Function, err)
			continue
		}
		info, _ := os.Stat(path)
		if f.Machine != elf.EM_AARCH64 || f.Type != elf.ET_EXEC || info.Mode()&0o111 == 0 {
			t.Errorf("%s: bootstrap is %v %v %v, want an arm64 executable", deployed[rt.Key()].Function, f.Machine, f.Type, info.Mode())
		}
		if f.Section(".symtab") != nil {
			t.Errorf("%s: bootstrap is not stripped: the build flags did not reach sam build", deployed[rt.Key()].Function)
		}
		f.Close()
	}
}

// samPath is the absolute path of SAM CLI: $SAM, or the one make test
// installs.
func samPath(t *testing.T) string {
	t.Helper()
	sam := os.Getenv("SAM")
	if sam == "" {
		sam = "../.venv/bin/sam"
	}
	sam, err := exec.LookPath(sam)
	if err == nil {
		sam, err = filepath.Abs(sam)
	}
	if err != nil {
		t.Fatalf("sam not found (%v): run the tests with `make test`, which installs it, or set SAM", err)
	}
	return sam
}
