package jwtauth_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/gateway"
	"github.com/clientes-api/clientes/internal/gateway/jwtauth"
	"github.com/clientes-api/clientes/internal/gateway/jwtauth/jwtauthtest"
	"github.com/clientes-api/clientes/internal/store"
)

const audience = "clientes-app"

// claims are a valid token's for the test audience.
func claims(iss, sub, scope string, edits ...func(jwt.MapClaims)) jwt.MapClaims {
	return jwtauthtest.Claims(iss, audience, sub, scope, edits...)
}

var (
	mint   = jwtauthtest.Mint
	rsaKey = jwtauthtest.Key
)

// invocations counts, per test, the events that reached a function.
type invocations struct {
	mu     sync.Mutex
	events []events.APIGatewayV2HTTPRequest
}

func (inv *invocations) take() []events.APIGatewayV2HTTPRequest {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	e := inv.events
	inv.events = nil
	return e
}

// server is the local gateway with a's rules in front of the real handlers
// over minidyn, every invocation and DynamoDB request counted, and every log
// line (the gateway's and the API's) kept.
func server(t *testing.T, a gateway.Authorizer) (*httptest.Server, *invocations, *dynamotest.Backend, *bytes.Buffer) {
	b := dynamotest.Minidyn(t)
	db := b.Client(t)
	st := store.New(db, b.Table(t, db), nil)
	logs := &bytes.Buffer{}
	var mu sync.Mutex
	log := slog.New(slog.NewJSONHandler(lockedWriter{&mu, logs}, nil))
	inv := &invocations{}
	gw := &gateway.Gateway{Auth: a, CORS: gateway.DefaultCORS, Timeout: 10 * time.Second, Log: log}
	for _, rt := range api.Routes {
		h := api.Lambda(rt.Handler(st, log), log)
		gw.Functions = append(gw.Functions, gateway.Function{Route: rt, Handler: func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			inv.mu.Lock()
			inv.events = append(inv.events, ev)
			inv.mu.Unlock()
			return h(ctx, ev)
		}})
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv, inv, b, logs
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func do(t *testing.T, method, url, auth, body string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func newAuthorizer(t *testing.T, cfg jwtauth.Config) *jwtauth.Authorizer {
	t.Helper()
	a, err := jwtauth.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestTokens sends every kind of token the contract names through the local
// gateway and checks each answer, that only accepted requests reach a
// function and DynamoDB, what the function is told about the caller, and
// that no log line holds a token.
func TestTokens(t *testing.T) {
	key, otherKey := rsaKey(t), rsaKey(t)
	iss := jwtauthtest.NewIssuer(t, map[string]*rsa.PrivateKey{"k1": key})
	a := newAuthorizer(t, jwtauth.Config{Issuer: iss.URL, Audience: []string{"other-app", audience},
		ReadScope: jwtauth.DefaultReadScope, WriteScope: jwtauth.DefaultWriteScope})
	if a.JWKSURL() != iss.URL+"/jwks" {
		t.Fatalf("keys from %q, want the discovery document's jwks_uri", a.JWKSURL())
	}
	srv, inv, dynamo, logs := server(t, a)

	read := mint(t, key, "k1", claims(iss.URL, "reader-1", "openid clientes/read"))
	write := mint(t, key, "k1", claims(iss.URL, "writer-1", "clientes/write"))
	hsKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&key.PublicKey))})
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(iss.URL, "x", "clientes/write"))
	hs.Header["kid"] = "k1"
	none := jwt.NewWithClaims(jwt.SigningMethodNone, claims(iss.URL, "x", "clientes/write"))
	none.Header["kid"] = "k1"
	tokens := []string{read, write}
	token := func(s string) string { tokens = append(tokens, s); return s }
	edit := func(k string, v any) func(jwt.MapClaims) {
		return func(c jwt.MapClaims) {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
	}
	hour := time.Hour
	audList := token(mint(t, key, "k1", claims(iss.URL, "list-1", "clientes/read", edit("aud", []string{"x", audience}))))
	const unauthorized, forbidden = `{"message":"Unauthorized"}`, `{"message":"Forbidden"}`

	for _, tc := range []struct {
		name, method, path, auth string
		status                   int
		body                     string // the whole body, for refusals
		challenge                string // a part of WWW-Authenticate, for refusals
		sub                      string // the caller the function is told of
	}{
		{"write token creates", "POST", "/api/clientes", "Bearer " + write, 201, "", "", "writer-1"},
		{"read token lists", "GET", "/api/clientes", "Bearer " + read, 200, "", "", "reader-1"},
		{"read token reads one", "GET", "/api/clientes/1", "Bearer " + read, 200, "", "", "reader-1"},
		{"write token reads too", "GET", "/api/clientes/1", "Bearer " + write, 200, "", "", "writer-1"},
		{"write token updates", "PUT", "/api/clientes/1", "Bearer " + write, 200, "", "", "writer-1"},
		{"scheme in any case", "GET", "/api/clientes", "bearer " + read, 200, "", "", "reader-1"},
		{"scp as a list", "POST", "/api/clientes", "Bearer " + token(mint(t, key, "k1", claims(iss.URL, "scp-1", "", edit("scope", nil), edit("scp", []string{"clientes/write"})))), 201, "", "", "scp-1"},
		{"aud as a list", "GET", "/api/clientes", "Bearer " + audList, 200, "", "", "list-1"},
		{"client_id when no aud (Cognito access token)", "GET", "/api/clientes", "Bearer " + token(mint(t, key, "k1", claims(iss.URL, "cog-1", "clientes/read", edit("aud", nil), edit("client_id", audience)))), 200, "", "", "cog-1"},

		{"read token cannot create", "POST", "/api/clientes", "Bearer " + read, 403, forbidden, `error="insufficient_scope"`, ""},
		{"read token cannot update", "PUT", "/api/clientes/1", "Bearer " + read, 403, forbidden, `scope="clientes/write"`, ""},
		{"read token cannot delete", "DELETE", "/api/clientes/1", "Bearer " + read, 403, forbidden, "insufficient_scope", ""},
		{"no scope at all", "GET", "/api/clientes", "Bearer " + token(mint(t, key, "k1", claims(iss.URL, "s", "openid profile"))), 403, forbidden, `scope="clientes/read clientes/write"`, ""},
		{"scope named in another claim", "GET", "/api/clientes", "Bearer " + token(mint(t, key, "k1", claims(iss.URL, "s", "", edit("scopes", "clientes/read")))), 403, forbidden, "insufficient_scope", ""},

		{"no token", "GET", "/api/clientes", "", 401, unauthorized, `Bearer scope="clientes/read clientes/write"`, ""},
		{"empty bearer", "GET", "/api/clientes", "Bearer ", 401, unauthorized, "Bearer", ""},
		{"expired", "GET", "/api/clientes", "Bearer " + token(mint(t, key, "k1", claims(iss.URL, "s", "clientes/read", edit("exp", time.Now().Add(-hour).Unix())))), 401, unauthorized, "the token has expired", ""},
		{"not yet valid", "GET", "/api/clientes", "Bearer " + token(mint(t, key, "k1", claims(iss.URL, "s", "clientes/read", edit("nbf", time.Now().Add(hour).Unix())))), 401, unauthorized, "not valid yet", ""},
		{"issued in the future", "GET", "/api/clientes", "Bearer " + token(mint(t, key, "k1", claims(iss.URL, "s", "clientes/read", edit("iat", time.Now().Add(hour).Unix())))), 401, unauthorized, "invalid_token", ""},
		{"no expiry", "GET", "/api/clientes", "Bearer " + token(mint(t, key, "k1", claims(iss.URL, "s", "clientes/read", edit("exp", nil)))), 401, unauthorized, "invalid_token", ""},
		{"wrong issuer", "GET", "/api/clientes", "Bearer " + token(mint(t, key, "k1", claims("https://evil.example", "s", "clientes/read"))), 401, unauthorized, "valid issuer", ""},
		{"wrong audience", "GET", "/api/clientes", "Bearer " + token(mint(t, key, "k1", claims(iss.URL, "s", "clientes/read", edit("aud", "someone-else")))), 401, unauthorized, `error_description="the token does not have a valid audience"`, ""},
		{"aud wins over client_id", "GET", "/api/clientes", "Bearer " + token(mint(t, key, "k1", claims(iss.URL, "s", "clientes/read", edit("aud", "someone-else"), edit("client_id", audience)))), 401, unauthorized, "valid audience", ""},
		{"neither aud nor client_id", "GET", "/api/clientes", "Bearer " + token(mint(t, key, "k1", claims(iss.URL, "s", "clientes/read", edit("aud", nil)))), 401, unauthorized, "valid audience", ""},
		{"wrong key", "GET", "/api/clientes", "Bearer " + token(mint(t, otherKey, "k1", claims(iss.URL, "s", "clientes/read"))), 401, unauthorized, "invalid_token", ""},
		{"unknown kid", "GET", "/api/clientes", "Bearer " + token(mint(t, otherKey, "k9", claims(iss.URL, "s", "clientes/read"))), 401, unauthorized, "invalid_token", ""},
		{"no kid", "GET", "/api/clientes", "Bearer " + token(mint(t, key, "", claims(iss.URL, "s", "clientes/read"))), 401, unauthorized, "invalid_token", ""},
		{"alg none", "POST", "/api/clientes", "Bearer " + token(must(none.SignedString(jwt.UnsafeAllowNoneSignatureType))), 401, unauthorized, "invalid_token", ""},
		{"HS256 signed with the public key", "POST", "/api/clientes", "Bearer " + token(must(hs.SignedString(hsKey))), 401, unauthorized, "invalid_token", ""},
		{"token in the query string", "GET", "/api/clientes?access_token=" + read, "", 401, unauthorized, "Bearer", ""},
		{"garbage", "GET", "/api/clientes", "Bearer not-a-token", 401, unauthorized, "the token is malformed", ""},
		{"basic credentials", "GET", "/api/clientes", "Basic dXNlcjpwYXNz", 401, unauthorized, "invalid_token", ""},
		{"tampered payload", "GET", "/api/clientes", "Bearer " + tamper(read), 401, unauthorized, "invalid_token", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv.take()
			dynamo.Counts.Take()
			body := ""
			if tc.method == "POST" || tc.method == "PUT" {
				body = `{"nombres":"Ana","apellidos":"Díaz"}`
			}
			resp, got := do(t, tc.method, srv.URL+tc.path, tc.auth, body, nil)
			reached, calls := inv.take(), dynamotest.Total(dynamo.Counts.Take())
			if resp.StatusCode != tc.status {
				t.Fatalf("= %d %s, want %d", resp.StatusCode, got, tc.status)
			}
			if tc.status == 401 || tc.status == 403 {
				if got != tc.body || !strings.Contains(resp.Header.Get("WWW-Authenticate"), tc.challenge) ||
					!strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("= %s, WWW-Authenticate %q; want %s and %q", got, resp.Header.Get("WWW-Authenticate"), tc.body, tc.challenge)
				}
				if len(reached) != 0 || calls != 0 {
					t.Errorf("refused, yet %d invocations and %d DynamoDB requests", len(reached), calls)
				}
				return
			}
			if len(reached) != 1 || calls == 0 {
				t.Fatalf("accepted: %d invocations, %d DynamoDB requests", len(reached), calls)
			}
			jwtd := reached[0].RequestContext.Authorizer.JWT
			if jwtd.Claims["sub"] != tc.sub || jwtd.Claims["iss"] != iss.URL || len(jwtd.Scopes) == 0 {
				t.Errorf("the function was told %+v", jwtd)
			}
		})
	}

	// Claims reach the function as API Gateway writes them: all strings.
	inv.take()
	do(t, "GET", srv.URL+"/api/clientes", "Bearer "+audList, "", nil)
	c := inv.take()[0].RequestContext.Authorizer.JWT
	if c.Claims["aud"] != "[x "+audience+"]" || c.Claims["exp"] == "" || strings.ContainsAny(c.Claims["exp"], ".e") ||
		strings.Join(c.Scopes, " ") != "clientes/read" {
		t.Errorf("claims %v, scopes %v", c.Claims, c.Scopes)
	}

	// CORS preflights need no token, and unknown routes stay 404.
	resp, got := do(t, "OPTIONS", srv.URL+"/api/clientes/1", "", "", map[string]string{
		"Origin": "https://app.example", "Access-Control-Request-Method": "DELETE", "Access-Control-Request-Headers": "authorization"})
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "authorization") || len(inv.take()) != 0 {
		t.Errorf("preflight = %d %q %v", resp.StatusCode, got, resp.Header)
	}
	if resp, got := do(t, "PATCH", srv.URL+"/api/clientes/1", "", "", nil); resp.StatusCode != 404 || got != `{"message":"Not Found"}` {
		t.Errorf("PATCH = %d %s", resp.StatusCode, got)
	}

	// The log names callers, never their tokens.
	out := logs.String()
	for _, tok := range tokens {
		if sig := tok[strings.LastIndex(tok, ".")+1:]; strings.Contains(out, tok) || (sig != "" && strings.Contains(out, sig)) {
			t.Fatalf("a token is in the log:\n%s", out)
		}
	}
	if !strings.Contains(out, `"sub":"writer-1"`) || !strings.Contains(out, `"msg":"request refused"`) ||
		!strings.Contains(out, `"status":403`) || !strings.Contains(out, `"sub":"reader-1"`) {
		t.Errorf("the log does not name the callers:\n%s", out)
	}
}

// tamper changes a signed token's payload (its sub), keeping the signature.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	parts[1] = base64.RawURLEncoding.EncodeToString(bytes.Replace(raw, []byte("reader-1"), []byte("admin-00"), 1))
	return strings.Join(parts, ".")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestKeyRotation: a token signed with a new key is accepted once its kid is
// in the JWKS, after one refresh, from an issuer as slow as a distant one; a
// flood of unknown kids then costs the issuer no further fetch until the
// refresh limit allows one.
func TestKeyRotation(t *testing.T) {
	oldKey, newKey := rsaKey(t), rsaKey(t)
	iss := jwtauthtest.NewIssuer(t, map[string]*rsa.PrivateKey{"old": oldKey})
	a := newAuthorizer(t, jwtauth.Config{Issuer: iss.URL, Audience: []string{audience},
		ReadScope: jwtauth.DefaultReadScope, WriteScope: jwtauth.DefaultWriteScope, RefreshEvery: time.Hour})
	srv, inv, _, _ := server(t, a)
	if n := iss.Fetches(); n != 1 {
		t.Fatalf("%d JWKS fetches at start, want 1", n)
	}
	get := func(tok string) int {
		resp, _ := do(t, "GET", srv.URL+"/api/clientes", "Bearer "+tok, "", nil)
		return resp.StatusCode
	}
	if s := get(mint(t, oldKey, "old", claims(iss.URL, "s", "clientes/read"))); s != 200 {
		t.Fatalf("old key: %d", s)
	}
	iss.Publish("new", newKey)
	iss.Slow(200 * time.Millisecond)
	if s := get(mint(t, newKey, "new", claims(iss.URL, "s", "clientes/read"))); s != 200 {
		t.Fatalf("new key after rotation: %d, want 200", s)
	}
	if n := iss.Fetches(); n != 2 {
		t.Fatalf("%d JWKS fetches after the rotation, want 2", n)
	}
	for i := range 20 {
		if s := get(mint(t, newKey, "made-up-"+string(rune('a'+i)), claims(iss.URL, "s", "clientes/read"))); s != 401 {
			t.Fatalf("unknown kid: %d", s)
		}
	}
	if n := iss.Fetches(); n != 2 {
		t.Errorf("%d JWKS fetches after 20 unknown kids, want still 2 (rate-limited)", n)
	}
	if len(inv.take()) != 2 {
		t.Errorf("only the two valid tokens may reach the function")
	}
}

// TestKeysFromJWKSURL: AUTH_JWKS_URL is used as is, with no discovery; an
// issuer that cannot be reached stops the server at start.
func TestKeysFromJWKSURL(t *testing.T) {
	key := rsaKey(t)
	iss := jwtauthtest.NewIssuer(t, map[string]*rsa.PrivateKey{"k1": key})
	const other = "https://issuer.example"
	a := newAuthorizer(t, jwtauth.Config{Issuer: other, JWKSURL: iss.URL + "/jwks", Audience: []string{audience},
		ReadScope: "r", WriteScope: "w"})
	srv, _, _, _ := server(t, a)
	resp, _ := do(t, "POST", srv.URL+"/api/clientes", "Bearer "+mint(t, key, "k1", claims(other, "s", "w")), `{"nombres":"A","apellidos":"B"}`, nil)
	if resp.StatusCode != 201 {
		t.Errorf("custom scopes and JWKS URL: %d", resp.StatusCode)
	}
	iss.Close()
	if _, err := jwtauth.New(t.Context(), jwtauth.Config{Issuer: iss.URL, Audience: []string{audience}, ReadScope: "r", WriteScope: "w"}); err == nil {
		t.Error("an unreachable issuer was accepted")
	}
}

func TestConfigFromEnv(t *testing.T) {
	for _, tc := range []struct {
		issuer, audience, read string
		on, fails              bool
		wantAud                []string
	}{
		{"", "", "", false, false, nil},
		{"https://i.example", "", "", true, true, nil},
		{"https://i.example", " , ", "", true, true, nil},
		{"https://i.example", "a, b", "x/read", true, false, []string{"a", "b"}},
	} {
		t.Setenv("AUTH_ISSUER", tc.issuer)
		t.Setenv("AUTH_AUDIENCE", tc.audience)
		t.Setenv("AUTH_READ_SCOPE", tc.read)
		cfg, on, err := jwtauth.ConfigFromEnv()
		wantRead := tc.read
		if wantRead == "" {
			wantRead = jwtauth.DefaultReadScope
		}
		if on != tc.on || (err != nil) != tc.fails || (!tc.fails && strings.Join(cfg.Audience, "|") != strings.Join(tc.wantAud, "|")) ||
			cfg.ReadScope != wantRead || cfg.WriteScope != jwtauth.DefaultWriteScope {
			t.Errorf("%+v: on %v, err %v, cfg %+v", tc, on, err, cfg)
		}
	}
}
