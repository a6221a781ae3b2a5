package ssotest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// codeTTL is how long an authorization code may be exchanged (RFC 6749
// 4.1.2 recommends at most 10 minutes).
const codeTTL = 10 * time.Minute

// verifierPattern is RFC 7636 4.1's code_verifier: 43 to 128 unreserved characters.
var verifierPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// authorize is the authorization endpoint (OpenID Connect Core 3.1.2.1,
// RFC 7636 4.3): it signs the test's person in and redirects back.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	// An unknown client or redirect URI must not be redirected to (RFC 6749 4.1.2.1).
	if q.Get("client_id") != p.ClientID {
		p.violate(w, http.StatusBadRequest, "invalid_request", "authorize: client_id "+q.Get("client_id")+" is not the registered client")
		return
	}
	if !slices.Contains(p.RedirectURIs, redirect) {
		p.violate(w, http.StatusBadRequest, "invalid_request", "authorize: redirect_uri "+redirect+" is not registered")
		return
	}
	back := func(params url.Values) {
		params.Set("state", q.Get("state"))
		http.Redirect(w, r, redirect+"?"+params.Encode(), http.StatusFound) //nolint:gosec // G710: redirect is one of the registered RedirectURIs, checked above
	}
	scopes := strings.Fields(q.Get("scope"))
	switch {
	case q.Get("response_type") != "code":
		p.record("authorize: response_type " + q.Get("response_type") + " is not code")
		back(url.Values{"error": {"unsupported_response_type"}})
		return
	case !slices.Contains(scopes, "openid"):
		p.record("authorize: scope " + q.Get("scope") + " lacks openid")
		back(url.Values{"error": {"invalid_scope"}})
		return
	case q.Get("state") == "" || q.Get("nonce") == "":
		p.record("authorize: no state or no nonce (Tabiji's flow always sends both)")
		back(url.Values{"error": {"invalid_request"}, "error_description": {"state and nonce are required"}})
		return
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43:
		p.record("authorize: no S256 code_challenge (RFC 7636 4.3)")
		back(url.Values{"error": {"invalid_request"}, "error_description": {"PKCE with S256 is required"}})
		return
	}
	p.mu.Lock()
	deny, person := p.deny, maps.Clone(p.person)
	p.mu.Unlock()
	if deny != "" {
		back(url.Values{"error": {deny}, "error_description": {"the person did not sign in"}})
		return
	}
	code := rand.Text()
	p.mu.Lock()
	p.codes[code] = &grant{redirectURI: redirect, challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), person: person, at: time.Now()}
	p.mu.Unlock()
	back(url.Values{"code": {code}})
}

func (p *Provider) record(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.violation = append(p.violation, msg)
}

// token is the token endpoint (RFC 6749 4.1.3, RFC 7636 4.5, OpenID
// Connect Core 3.1.3): it authenticates the client as the discovery
// document says, checks the code, its redirect URI and the PKCE verifier,
// and answers with a signed ID token.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		p.violate(w, http.StatusBadRequest, "invalid_request", "token: the body is not application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		p.violate(w, http.StatusBadRequest, "invalid_request", "token: the form does not read")
		return
	}
	if msg := p.clientAuth(r); msg != "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="ssotest"`)
		p.violate(w, http.StatusUnauthorized, "invalid_client", "token: "+msg)
		return
	}
	f := r.PostForm
	verifier := f.Get("code_verifier")
	switch {
	case f.Get("grant_type") != "authorization_code":
		p.violate(w, http.StatusBadRequest, "unsupported_grant_type", "token: grant_type "+f.Get("grant_type"))
		return
	case !verifierPattern.MatchString(verifier):
		p.violate(w, http.StatusBadRequest, "invalid_request", "token: no code_verifier of 43-128 unreserved characters (RFC 7636 4.1)")
		return
	}
	p.mu.Lock()
	g := p.codes[f.Get("code")]
	ok := g != nil && !g.used && time.Since(g.at) < codeTTL
	if g != nil {
		g.used = true // a code is used once; a second try fails (RFC 6749 4.1.2)
	}
	tamper := p.tamper
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(verifier))
	switch {
	case !ok:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown, used or expired code")
		return
	case f.Get("redirect_uri") != g.redirectURI:
		p.violate(w, http.StatusBadRequest, "invalid_grant", "token: redirect_uri "+f.Get("redirect_uri")+" is not the authorization request's")
		return
	case subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(g.challenge)) != 1:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the code_verifier does not match the code_challenge")
		return
	}
	idToken, err := p.sign(g, tamper)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, map[string]any{"access_token": rand.Text(), "token_type": "Bearer", "expires_in": 300, "id_token": idToken})
}

// clientAuth checks the client's credentials in the way the discovery
// document names, "" when they are right (RFC 6749 2.3.1: Basic with the
// form-encoded id and secret, or both in the form; never both ways).
func (p *Provider) clientAuth(r *http.Request) string {
	user, pass, basic := r.BasicAuth()
	inForm := r.PostForm.Get("client_secret") != ""
	if p.AuthMethod == "client_secret_post" {
		if basic || !inForm {
			return "client_secret_post is the method: the id and secret go in the form"
		}
		user, pass = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	} else {
		if !basic || inForm {
			return "client_secret_basic is the method: the id and secret go in the Authorization header"
		}
		var err1, err2 error
		user, err1 = url.QueryUnescape(user)
		pass, err2 = url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return "the Basic credentials are not form-encoded"
		}
	}
	if user != p.ClientID || subtle.ConstantTimeCompare([]byte(pass), []byte(p.ClientSecret)) != 1 {
		return "wrong client id or secret"
	}
	if id := r.PostForm.Get("client_id"); id != "" && id != p.ClientID {
		return "client_id in the form is another client's"
	}
	return ""
}

// sign makes the grant's ID token.
func (p *Provider) sign(g *grant, tamper func(map[string]any)) (string, error) {
	now := time.Now()
	claims := maps.Clone(g.person)
	if claims == nil {
		claims = map[string]any{}
	}
	claims["iss"], claims["aud"], claims["iat"], claims["exp"], claims["nonce"] = p.Issuer(), p.ClientID, now.Unix(), now.Add(5*time.Minute).Unix(), g.nonce
	if _, ok := claims["sub"]; !ok {
		claims["sub"] = "sub-1"
	}
	if tamper != nil {
		tamper(claims)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := p.signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}
