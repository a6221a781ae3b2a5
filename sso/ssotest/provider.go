// Package ssotest is a fake OpenID Connect provider for tests: discovery,
// a JWKS with a generated RSA key, an authorization endpoint that signs the
// test's person in at once and redirects back with a code, and a token
// endpoint that issues ID tokens signed with go-jose. It takes exactly what
// the specifications require (OpenID Connect Core 1.0, RFC 6749, RFC 7636
// PKCE with S256): a request that breaks a rule is refused as a real
// provider would refuse it, and recorded as a violation that fails the
// test unless the test expects it.
package ssotest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Person is who signs in at the authorization endpoint: the claims of
// their ID token besides iss, aud, exp, iat and nonce (sub, email,
// email_verified, groups, ...).
type Person map[string]any

// Provider is the fake. Set its fields before a flow starts; they are
// read under its lock.
type Provider struct {
	*httptest.Server
	ClientID, ClientSecret string
	// RedirectURIs are the registered redirect URIs (exact match).
	RedirectURIs []string
	// AuthMethod is the token endpoint's client authentication:
	// "client_secret_basic" (default) or "client_secret_post".
	AuthMethod string

	t         testing.TB
	host      string // the host name the provider names itself by, "" for the server's address
	key       *rsa.PrivateKey
	signer    jose.Signer
	mu        sync.Mutex
	person    Person
	deny      string
	tamper    func(claims map[string]any)
	codes     map[string]*grant
	expect    bool
	violation []string
	discover  int // discovery documents served
}

// grant is an issued authorization code.
type grant struct {
	redirectURI, challenge, nonce string
	person                        Person
	used                          bool
	at                            time.Time
}

// New starts a provider for the client on a loopback port; it stops, and
// fails the test on any unexpected violation, when the test ends.
func New(t testing.TB, clientID, clientSecret string) *Provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "test-key-1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{ClientID: clientID, ClientSecret: clientSecret, t: t, key: key, signer: signer, codes: map[string]*grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.Server = httptest.NewServer(mux)
	t.Cleanup(func() {
		p.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		if !p.expect {
			for _, v := range p.violation {
				t.Errorf("ssotest: the client broke the protocol: %s", v)
			}
		}
	})
	return p
}

// SignIn sets who signs in at the authorization endpoint from now on.
func (p *Provider) SignIn(person Person) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.person, p.deny, p.tamper = person, "", nil
}

// Deny makes the authorization endpoint answer with the error code
// (access_denied, say) instead of signing anyone in.
func (p *Provider) Deny(code string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deny = code
}

// Tamper changes the claims of the ID tokens issued from now on, just
// before they are signed (a wrong audience, an old expiry, another nonce).
func (p *Provider) Tamper(f func(claims map[string]any)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tamper = f
}

// ExpectViolations says the test breaks the protocol on purpose: the
// violations are refused but do not fail it.
func (p *Provider) ExpectViolations() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expect = true
}

// Violations are the protocol rules the client broke so far.
func (p *Provider) Violations() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.violation...)
}

// UseHost makes the provider name itself by another host name for the
// same address (localhost for 127.0.0.1: another site to a browser).
func (p *Provider) UseHost(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.host = name
}

// Issuer is the provider's issuer URL, the base of its endpoints.
func (p *Provider) Issuer() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.host == "" {
		return p.URL
	}
	return "http://" + net.JoinHostPort(p.host, strconv.Itoa(p.Listener.Addr().(*net.TCPAddr).Port))
}

func (p *Provider) violate(w http.ResponseWriter, status int, code, msg string) {
	p.mu.Lock()
	p.violation = append(p.violation, msg)
	p.mu.Unlock()
	oauthError(w, status, code, msg)
}

func oauthError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": msg})
}

// Discoveries is how many times the discovery document was fetched.
func (p *Provider) Discoveries() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.discover
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	p.discover++
	p.mu.Unlock()
	method := p.AuthMethod
	if method == "" {
		method = "client_secret_basic"
	}
	base := p.Issuer()
	writeJSON(w, map[string]any{
		"issuer": base, "authorization_endpoint": base + "/authorize", "token_endpoint": base + "/token",
		"jwks_uri": base + "/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{method}, "scopes_supported": []string{"openid", "email", "profile"},
		"grant_types_supported": []string{"authorization_code"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "test-key-1", Algorithm: "RS256", Use: "sig"}}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
