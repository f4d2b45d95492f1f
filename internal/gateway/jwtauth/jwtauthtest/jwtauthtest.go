// Package jwtauthtest is an OIDC issuer for tests: RSA keys, a discovery
// document and a JWKS served on 127.0.0.1, and tokens signed with its keys.
package jwtauthtest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer serves /.well-known/openid-configuration and /jwks, whose keys a
// test may change, and counts the JWKS fetches.
type Issuer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    map[string]*rsa.PrivateKey // published, by kid
	fetches atomic.Int32
	delay   atomic.Int64 // before each JWKS answer, in nanoseconds
}

// NewIssuer publishes keys (by kid) until the test ends.
func NewIssuer(t testing.TB, keys map[string]*rsa.PrivateKey) *Issuer {
	iss := &Issuer{keys: keys}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": iss.URL, "jwks_uri": iss.URL + "/jwks"})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		iss.fetches.Add(1)
		time.Sleep(time.Duration(iss.delay.Load()))
		iss.mu.Lock()
		defer iss.mu.Unlock()
		set := []map[string]string{}
		for kid, k := range iss.keys {
			set = append(set, map[string]string{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
				"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())})
		}
		json.NewEncoder(w).Encode(map[string]any{"keys": set})
	})
	// Started only once iss.Server is set: the handlers read iss.URL, and a
	// request from another process is no synchronisation the race detector
	// sees.
	iss.Server = httptest.NewUnstartedServer(mux)
	iss.Start()
	t.Cleanup(iss.Close)
	return iss
}

// Publish adds a key to the JWKS, as an issuer does before rotating to it.
func (iss *Issuer) Publish(kid string, k *rsa.PrivateKey) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.keys[kid] = k
}

// Slow makes every later JWKS answer take d, as a distant issuer's does.
func (iss *Issuer) Slow(d time.Duration) { iss.delay.Store(int64(d)) }

// Fetches is how often the JWKS was fetched.
func (iss *Issuer) Fetches() int { return int(iss.fetches.Load()) }

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Key is a new 2048-bit RSA key.
func Key(t testing.TB) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Mint signs claims with RS256 under kid ("" for no kid header).
func Mint(t testing.TB, key *rsa.PrivateKey, kid string, claims jwt.MapClaims) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Claims are a valid token's for iss and aud, valid for an hour, changed by
// edits.
func Claims(iss, aud, sub, scope string, edits ...func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"iss": iss, "sub": sub, "aud": aud, "scope": scope,
		"iat": now.Add(-time.Minute).Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()}
	for _, e := range edits {
		e(c)
	}
	return c
}
