package functions_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/gateway/jwtauth"
)

// translate returns the CloudFormation template that template.yaml becomes
// when deployed with params: tools/samtranslate.py expands its loops,
// resolves the Fn::If around each Auth as AWS::LanguageExtensions does, and
// runs the SAM translator, as `sam validate --language-extensions` does.
func translate(t *testing.T, params ...string) map[string]any {
	t.Helper()
	var tpl map[string]any
	if err := json.Unmarshal(samtranslate(t, append([]string{"template.yaml"}, params...)...), &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

// translations keeps each samtranslate answer, by its arguments, for the
// tests after the first that asks (the template does not change meanwhile).
var translations = struct {
	sync.Mutex
	out map[string][]byte
}{out: map[string][]byte{}}

// samtranslate runs tools/samtranslate.py with args in the repository root.
func samtranslate(t *testing.T, args ...string) []byte {
	t.Helper()
	key := strings.Join(args, "\x00")
	translations.Lock()
	defer translations.Unlock()
	if out, ok := translations.out[key]; ok {
		return out
	}
	python := os.Getenv("SAM_PYTHON")
	if python == "" {
		python = "../.venv/bin/python"
	}
	python, err := exec.LookPath(python)
	if err == nil {
		python, err = filepath.Abs(python)
	}
	if err != nil {
		t.Fatalf("the venv's python not found (%v): run the tests with `make test`, which installs it, or set SAM_PYTHON", err)
	}
	cmd := exec.Command(python, append([]string{"tools/samtranslate.py"}, args...)...)
	cmd.Dir = ".."
	cmd.Stderr = &strings.Builder{}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("samtranslate %v: %v\n%s", args, err, cmd.Stderr)
	}
	translations.out[key] = out
	return out
}

// TestAuthorizerModes translates the template public (the default) and with
// an issuer, and checks how API Gateway will authorize every route. SAM
// writes an HTTP API's routes and authorizers as the OpenAPI body of the
// AWS::ApiGatewayV2::Api (no Route or Authorizer resources), which API
// Gateway imports: an operation's security names the authorizer (JWT) and
// the scopes any one of which will do; no security is AuthorizationType NONE.
func TestAuthorizerModes(t *testing.T) {
	const issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
	for _, tc := range []struct {
		name        string
		params      []string
		audience    []string
		read, write string // "" for a public API
	}{
		{name: "public by default"},
		{name: "issuer, default scopes", params: []string{"AuthIssuer=" + issuer, "AuthAudience=app-client-1"},
			audience: []string{"app-client-1"}, read: jwtauth.DefaultReadScope, write: jwtauth.DefaultWriteScope},
		{name: "issuer, own scopes, two audiences", params: []string{"AuthIssuer=" + issuer, "AuthAudience=a1,a2", "ReadScope=api/r", "WriteScope=api/w"},
			audience: []string{"a1", "a2"}, read: "api/r", write: "api/w"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl := translate(t, tc.params...)
			// A parameter's value, which CloudFormation puts in for a Ref
			// when it deploys the translated template.
			defaults := readTemplate(t).Parameters
			param := func(v any) any {
				name := toString(get(v, "Ref"))
				if name == "" {
					return v
				}
				val, found := toString(defaults[name]["Default"]), false
				for _, p := range tc.params {
					if k, given, _ := strings.Cut(p, "="); k == name {
						val, found = given, true
					}
				}
				if _, declared := defaults[name]; !declared && !found {
					return v
				}
				if name == "AuthAudience" {
					return strings.Split(val, ",")
				}
				return val
			}
			resources, _ := tpl["Resources"].(map[string]any)
			var apis []string
			for name, r := range resources {
				switch typ := get(r, "Type"); typ {
				case "AWS::ApiGatewayV2::Api":
					apis = append(apis, name)
				case "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Authorizer":
					t.Errorf("%s is a %s: the checks below read the API's body only", name, typ)
				}
			}
			if len(apis) != 1 {
				t.Fatalf("HTTP APIs %v, want one", apis)
			}
			body := get(resources[apis[0]], "Properties", "Body")
			if get(body, "x-amazon-apigateway-cors", "allowOrigins") == nil {
				t.Error("no CORS configuration: preflights would not be answered before the routes")
			}

			// Exactly the API's routes: no OPTIONS, ANY or $default route that
			// a preflight could reach (and need a token for).
			paths, _ := get(body, "paths").(map[string]any)
			var ops []string
			for p, item := range paths {
				for m := range item.(map[string]any) {
					ops = append(ops, strings.ToUpper(m)+" "+p)
				}
			}
			var want []string
			for _, rt := range api.Routes {
				want = append(want, rt.Key())
			}
			slices.Sort(ops)
			slices.Sort(want)
			if !slices.Equal(ops, want) {
				t.Fatalf("operations %v, want %v", ops, want)
			}

			schemes, _ := get(body, "components", "securitySchemes").(map[string]any)
			for _, rt := range api.Routes {
				security := get(paths, rt.Pattern, strings.ToLower(rt.Method), "security")
				if tc.read == "" {
					if security != nil {
						t.Errorf("%s: security %v on a public API", rt.Key(), security)
					}
					continue
				}
				list, _ := security.([]any)
				if len(list) != 1 || len(list[0].(map[string]any)) != 1 {
					t.Errorf("%s: security %v, want one authorizer", rt.Key(), security)
					continue
				}
				for name, scopes := range list[0].(map[string]any) {
					var got []string
					for _, sc := range scopes.([]any) {
						got = append(got, toString(param(sc)))
					}
					if want := jwtauth.Scopes(rt.Method, tc.read, tc.write); !slices.Equal(got, want) {
						t.Errorf("%s: scopes %v, want %v", rt.Key(), got, want)
					}
					authz := get(schemes, name, "x-amazon-apigateway-authorizer")
					if get(schemes, name, "type") != "oauth2" || get(authz, "type") != "jwt" ||
						get(authz, "identitySource") != "$request.header.Authorization" ||
						param(get(authz, "jwtConfiguration", "issuer")) != issuer ||
						!reflect.DeepEqual(param(get(authz, "jwtConfiguration", "audience")), tc.audience) {
						t.Errorf("%s: authorizer %s is %v", rt.Key(), name, get(schemes, name))
					}
				}
			}
			if tc.read == "" && schemes != nil {
				t.Errorf("a public API with authorizers %v", schemes)
			}
		})
	}
}

// TestLocalAuthMatchesTemplate keeps `make run`'s default scopes equal to
// the template's parameters.
func TestLocalAuthMatchesTemplate(t *testing.T) {
	p := readTemplate(t).Parameters
	if p["ReadScope"]["Default"] != jwtauth.DefaultReadScope || p["WriteScope"]["Default"] != jwtauth.DefaultWriteScope ||
		p["AuthIssuer"]["Default"] != "" {
		t.Errorf("template scopes %v %v, issuer %v; local %s %s", p["ReadScope"]["Default"], p["WriteScope"]["Default"],
			p["AuthIssuer"]["Default"], jwtauth.DefaultReadScope, jwtauth.DefaultWriteScope)
	}
}

// TestNoJWTLibraryInFunctions: tokens are API Gateway's business; a JWT
// library in a function would only cost cold-start time and binary size.
func TestNoJWTLibraryInFunctions(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./...").Output()
	if err != nil {
		t.Fatal(err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/clientes-api/clientes/internal/api") {
		t.Fatalf("go list -deps ./functions/... does not list internal/api: %v", deps)
	}
	for _, d := range deps {
		if strings.Contains(d, "golang-jwt") || strings.Contains(d, "MicahParks") || strings.Contains(d, "jwx") ||
			strings.HasSuffix(d, "/internal/gateway") || strings.Contains(d, "/internal/gateway/") {
			t.Errorf("a function links %s", d)
		}
	}
}
