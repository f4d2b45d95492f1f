// Package jwtauth checks bearer tokens for the local gateway the way an API
// Gateway HTTP API's JWT authorizer does (see the contract's "Access
// control"): RS256 signatures against the issuer's JWKS, iss, aud (or, with
// no aud, client_id), exp, nbf, iat, and the route's scopes. Only cmd/local
// imports it: no function binary links a JWT library, since API Gateway
// checks tokens before a function runs.
package jwtauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/gateway"
)

// The template's ReadScope and WriteScope defaults; a test keeps them equal.
const (
	DefaultReadScope  = "clientes/read"
	DefaultWriteScope = "clientes/write"
)

// Config is what the template's AuthIssuer, AuthAudience, ReadScope and
// WriteScope parameters say, plus where the keys come from.
type Config struct {
	Issuer     string
	Audience   []string
	ReadScope  string
	WriteScope string
	// JWKSURL is where the keys are; empty means the jwks_uri of the
	// issuer's /.well-known/openid-configuration, as API Gateway finds them.
	JWKSURL string
	// RefreshEvery is the least time between two key refreshes caused by a
	// token whose kid is unknown (a rotated key), so a flood of made-up kids
	// cannot hammer the issuer. Zero means one minute.
	RefreshEvery time.Duration
	Client       *http.Client // nil: a client with a 10 s timeout
	Log          *slog.Logger // nil: discard
}

// ConfigFromEnv reads AUTH_ISSUER, AUTH_AUDIENCE (comma-separated),
// AUTH_READ_SCOPE, AUTH_WRITE_SCOPE and AUTH_JWKS_URL. ok is false when
// AUTH_ISSUER is unset: the API is public.
func ConfigFromEnv() (cfg Config, ok bool, err error) {
	cfg = Config{
		Issuer:     os.Getenv("AUTH_ISSUER"),
		ReadScope:  envOr("AUTH_READ_SCOPE", DefaultReadScope),
		WriteScope: envOr("AUTH_WRITE_SCOPE", DefaultWriteScope),
		JWKSURL:    os.Getenv("AUTH_JWKS_URL"),
	}
	if cfg.Issuer == "" {
		return cfg, false, nil
	}
	for a := range strings.SplitSeq(os.Getenv("AUTH_AUDIENCE"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			cfg.Audience = append(cfg.Audience, a)
		}
	}
	if len(cfg.Audience) == 0 {
		return cfg, true, errors.New("AUTH_AUDIENCE must name at least one audience when AUTH_ISSUER is set")
	}
	return cfg, true, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Scopes are the scopes a route accepts, any one of which will do: reading
// takes the read or the write scope, every other method the write scope. The
// template's routes carry the same lists (a test translates it to check).
func Scopes(method, read, write string) []string {
	if method == http.MethodGet {
		return []string{read, write}
	}
	return []string{write}
}

// Authorizer is a gateway.Authorizer for one issuer.
type Authorizer struct {
	cfg    Config
	keys   keyfunc.Keyfunc
	parser *jwt.Parser
	// refresh allows a refresh of the keys for an unknown kid.
	refresh *rate.Limiter
}

// New finds the issuer's keys and fetches them once, so a wrong issuer or
// JWKS URL fails at start rather than on each request. The keys are
// refreshed hourly, and on an unknown kid at most once per RefreshEvery,
// until ctx ends.
func New(ctx context.Context, cfg Config) (*Authorizer, error) {
	if cfg.Issuer == "" || len(cfg.Audience) == 0 || cfg.ReadScope == "" || cfg.WriteScope == "" {
		return nil, errors.New("jwtauth: issuer, audience and both scopes are required")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.RefreshEvery <= 0 {
		cfg.RefreshEvery = time.Minute
	}
	if cfg.JWKSURL == "" {
		u, err := discoverJWKS(ctx, cfg.Client, cfg.Issuer)
		if err != nil {
			return nil, err
		}
		cfg.JWKSURL = u
	}
	failFirst := false
	keys, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{cfg.JWKSURL}, keyfunc.Override{
		Client:                    cfg.Client,
		NoErrorReturnFirstHTTPReq: &failFirst,
		RefreshInterval:           time.Hour,
		// The library bounds its limiter's wait and the refresh itself by
		// one deadline, RateLimitWaitMax, so a short one to refuse at once
		// past the limit would also cut every refresh short. keyFor limits
		// refreshes itself instead, refusing at once past the limit; the
		// library's limiter never waits, and the deadline is the refresh's.
		RefreshUnknownKID: rate.NewLimiter(rate.Inf, 1),
		RateLimitWaitMax:  cfg.Client.Timeout,
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(ctx context.Context, err error) {
				cfg.Log.WarnContext(ctx, "cannot refresh the JWKS", "url", u, "error", err)
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("jwtauth: keys from %s: %w", cfg.JWKSURL, err)
	}
	return &Authorizer{
		cfg:     cfg,
		keys:    keys,
		refresh: rate.NewLimiter(rate.Every(cfg.RefreshEvery), 1),
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{"RS256"}),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithJSONNumber(),
		),
	}, nil
}

// JWKSURL is where the keys come from.
func (a *Authorizer) JWKSURL() string { return a.cfg.JWKSURL }

func discoverJWKS(ctx context.Context, client *http.Client, issuer string) (string, error) {
	u := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("jwtauth: issuer %q: %w", issuer, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("jwtauth: discovery: %w", err)
	}
	defer resp.Body.Close()
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("jwtauth: discovery: %s answered %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || doc.JWKSURI == "" {
		return "", fmt.Errorf("jwtauth: discovery: %s holds no jwks_uri (%v)", u, err)
	}
	return doc.JWKSURI, nil
}

// Authorize implements gateway.Authorizer.
func (a *Authorizer) Authorize(r *http.Request, rt api.Route) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, error) {
	scopes := Scopes(rt.Method, a.cfg.ReadScope, a.cfg.WriteScope)
	// The identity source is the Authorization header alone: a token in
	// the query string or a cookie counts as no token.
	raw := strings.TrimSpace(r.Header.Get("Authorization"))
	if len(raw) > 7 && strings.EqualFold(raw[:7], "bearer ") {
		raw = strings.TrimSpace(raw[7:])
	}
	if raw == "" {
		return nil, unauthorized(scopes, "", "no token")
	}
	claims := jwt.MapClaims{}
	if _, err := a.parser.ParseWithClaims(raw, claims, a.keyFor(r.Context())); err != nil {
		return nil, unauthorized(scopes, "invalid_token", describe(err))
	}
	if !a.audienceOK(claims) {
		return nil, unauthorized(scopes, "invalid_token", "the token does not have a valid audience")
	}
	flat := flatten(claims)
	granted := tokenScopes(claims)
	if !slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(granted, s) }) {
		return nil, &gateway.Denied{
			Status:    http.StatusForbidden,
			Challenge: challenge(scopes, "insufficient_scope", "the token does not have a required scope"),
			Reason:    "the token does not have a required scope",
			Sub:       flat["sub"],
		}
	}
	return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: flat, Scopes: granted},
	}, nil
}

// keyFor picks the key by the token's kid, which API Gateway requires.
func (a *Authorizer) keyFor(ctx context.Context) jwt.Keyfunc {
	kf := a.keys.KeyfuncCtx(ctx)
	return func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("no kid")
		}
		// An unknown kid makes kf refresh the keys: past the limit, the
		// token is refused at once, with no fetch and no wait.
		if !a.known(ctx, kid) && !a.refresh.Allow() {
			return nil, fmt.Errorf("unknown kid %q, and the keys were refreshed lately", kid)
		}
		return kf(t)
	}
}

// known reports whether kid is among the keys held, without a refresh.
func (a *Authorizer) known(ctx context.Context, kid string) bool {
	keys, err := a.keys.Storage().KeyReadAll(ctx)
	return err == nil && slices.ContainsFunc(keys, func(k jwkset.JWK) bool { return k.Marshal().KID == kid })
}

// audienceOK: aud must name one of the audiences; a token without aud is
// judged by client_id instead (as Amazon Cognito's access tokens are).
func (a *Authorizer) audienceOK(c jwt.MapClaims) bool {
	if _, has := c["aud"]; has {
		aud, err := c.GetAudience()
		return err == nil && slices.ContainsFunc(aud, func(s string) bool { return slices.Contains(a.cfg.Audience, s) })
	}
	id, _ := c["client_id"].(string)
	return id != "" && slices.Contains(a.cfg.Audience, id)
}

// tokenScopes reads scope (space-separated) and scp (a list, or a string).
func tokenScopes(c jwt.MapClaims) []string {
	var out []string
	if s, ok := c["scope"].(string); ok {
		out = append(out, strings.Fields(s)...)
	}
	switch v := c["scp"].(type) {
	case string:
		out = append(out, strings.Fields(v)...)
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func describe(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the token has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "the token is not valid yet"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "the token was issued in the future"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "the token does not have a valid issuer"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "the token has no expiry"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "the token is malformed"
	default:
		return "the token signature is invalid"
	}
}

func unauthorized(scopes []string, code, reason string) *gateway.Denied {
	return &gateway.Denied{Status: http.StatusUnauthorized, Challenge: challenge(scopes, code, reason), Reason: reason}
}

// challenge is written as API Gateway writes it:
// Bearer scope="…" error="invalid_token" error_description="…". With no
// token at all there is no error code (RFC 6750, section 3.1).
func challenge(scopes []string, code, description string) string {
	c := fmt.Sprintf("Bearer scope=%q", strings.Join(scopes, " "))
	if code != "" {
		c += fmt.Sprintf(" error=%q error_description=%q", code, description)
	}
	return c
}
