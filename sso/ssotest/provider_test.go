package ssotest

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestTheFakeTakesOnlyWhatTheSpecsAllow: the fake provider refuses what a
// real one refuses, so a client that passes against it speaks the protocol.
func TestTheFakeTakesOnlyWhatTheSpecsAllow(t *testing.T) {
	p := New(t, "client", "secret")
	p.RedirectURIs = []string{"http://127.0.0.1:9/cb"}
	p.ExpectViolations()
	p.SignIn(Person{"email": "a@example.com", "email_verified": true})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	verifier := strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	authorize := func(q url.Values) *http.Response {
		t.Helper()
		resp, err := noRedirect.Get(p.URL + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	good := url.Values{"client_id": {"client"}, "redirect_uri": {"http://127.0.0.1:9/cb"}, "response_type": {"code"},
		"scope": {"openid email"}, "state": {"s"}, "nonce": {"n"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	code := func() string {
		loc, err := url.Parse(authorize(good).Header.Get("Location"))
		if err != nil || loc.Query().Get("code") == "" {
			t.Fatalf("no code: %v %v", loc, err)
		}
		return loc.Query().Get("code")
	}
	token := func(form url.Values, user, pass string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, p.URL+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	t.Run("AnUnregisteredRedirectURIIsNotRedirectedTo", func(t *testing.T) {
		q := url.Values{}
		for k, v := range good {
			q[k] = v
		}
		q.Set("redirect_uri", "https://evil.example/cb")
		if resp := authorize(q); resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("%d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("NoPKCEChallengeIsAnError", func(t *testing.T) {
		q := url.Values{}
		for k, v := range good {
			q[k] = v
		}
		q.Del("code_challenge")
		if loc := authorize(q).Header.Get("Location"); !strings.Contains(loc, "error=invalid_request") {
			t.Errorf("redirected to %q", loc)
		}
	})
	form := func(c, verifier, redirect string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
	}
	t.Run("TheTokenEndpointChecksClientVerifierAndRedirect", func(t *testing.T) {
		if got := token(form(code(), verifier, "http://127.0.0.1:9/cb"), "client", "wrong"); got != http.StatusUnauthorized {
			t.Errorf("wrong secret: %d", got)
		}
		if got := token(form(code(), strings.Repeat("w", 43), "http://127.0.0.1:9/cb"), "client", "secret"); got != http.StatusBadRequest {
			t.Errorf("wrong verifier: %d", got)
		}
		if got := token(form(code(), "", "http://127.0.0.1:9/cb"), "client", "secret"); got != http.StatusBadRequest {
			t.Errorf("no verifier: %d", got)
		}
		if got := token(form(code(), verifier, "http://127.0.0.1:9/other"), "client", "secret"); got != http.StatusBadRequest {
			t.Errorf("another redirect_uri: %d", got)
		}
		c := code()
		if got := token(form(c, verifier, "http://127.0.0.1:9/cb"), "client", "secret"); got != http.StatusOK {
			t.Errorf("a right request: %d", got)
		}
		if got := token(form(c, verifier, "http://127.0.0.1:9/cb"), "client", "secret"); got != http.StatusBadRequest {
			t.Errorf("a code used twice: %d", got)
		}
	})
	if len(p.Violations()) != 5 {
		t.Errorf("violations %q, want the five broken rules", p.Violations())
	}
}
