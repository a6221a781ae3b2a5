package sso

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tabiji/tabiji/store"
)

// LoginTTL is how long a person has at the provider before the login
// cookie (state, nonce, PKCE verifier) expires.
const LoginTTL = 10 * time.Minute

// The reasons a sign-in fails, each a message of the console's catalogs
// ("sso.failed." + reason) telling the person what to do.
const (
	ReasonUnconfigured = "unconfigured" // the workspace has no provider
	ReasonExpired      = "expired"      // no login cookie, or an old one: start again
	ReasonState        = "state"        // the answer is not for this browser's login
	ReasonDenied       = "denied"       // the provider answered with an error
	ReasonUnreachable  = "unreachable"  // the provider did not answer
	ReasonToken        = "token"        // the code or the ID token was refused
	ReasonUnverified   = "unverified"   // the provider has not verified the address
	ReasonDomain       = "domain"       // the address is outside the allowed domains
	ReasonUnmapped     = "unmapped"     // no claim value maps to a role and there is no default
	ReasonNoKey        = "nokey"        // the server has no secrets key
)

// Failure is a sign-in that did not end in a session: the reason for the
// person, the HTTP status of the page, the workspace when known, and the
// cause for the log.
type Failure struct {
	Reason      string
	Status      int
	WorkspaceID string
	Err         error
}

func (f *Failure) Error() string {
	return fmt.Sprintf("sso: sign-in failed (%s): %v", f.Reason, f.Err)
}

func (f *Failure) Unwrap() error { return f.Err }

func fail(reason string, status int, ws string, err error) *Failure {
	return &Failure{Reason: reason, Status: status, WorkspaceID: ws, Err: err}
}

// pending is what the login cookie holds between the start and the
// callback, sealed (AES-GCM under the secrets key, bound to the
// workspace): readable and changeable by nobody, the browser included.
type pending struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x"`
	Expires  int64  `json:"e"`
}

// Begin starts a sign-in to the workspace: it returns the provider's
// authorization URL to send the browser to, and the login cookie's value
// (the workspace id, then the sealed state, nonce and PKCE verifier).
func (s *Service) Begin(ctx context.Context, workspaceID, redirectURI, next string) (authURL, cookie string, err error) {
	cfg, err := s.Store.WorkspaceSSO(ctx, workspaceID)
	if errors.Is(err, store.ErrNotFound) {
		return "", "", fail(ReasonUnconfigured, http.StatusNotFound, "", err)
	}
	if err != nil {
		return "", "", err
	}
	p, err := s.provider(ctx, cfg.Issuer)
	if err != nil {
		return "", "", fail(ReasonUnreachable, http.StatusBadGateway, workspaceID, err)
	}
	pd := pending{State: rand.Text(), Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier(), Next: next,
		Expires: s.now().Add(LoginTTL).Unix()}
	raw, _ := json.Marshal(pd) // strings and a number
	if s.Keys == nil {
		return "", "", fail(ReasonNoKey, http.StatusServiceUnavailable, workspaceID, ErrNoKey)
	}
	sealed, err := s.Keys.Seal(workspaceID, loginPurpose, raw)
	if err != nil {
		return "", "", fmt.Errorf("sso: unable to seal the login cookie: %w", err)
	}
	conf := oauthConfig(cfg, p, "", redirectURI)
	authURL = conf.AuthCodeURL(pd.State, oidc.Nonce(pd.Nonce), oauth2.S256ChallengeOption(pd.Verifier))
	return authURL, workspaceID + "." + base64.RawURLEncoding.EncodeToString(sealed), nil
}

func oauthConfig(cfg store.WorkspaceSSO, p *oidc.Provider, secret, redirectURI string) *oauth2.Config {
	ep := p.Endpoint()
	ep.AuthStyle = authStyle(p)
	return &oauth2.Config{ClientID: cfg.ClientID, ClientSecret: secret, Endpoint: ep, RedirectURL: redirectURI,
		Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// authStyle is how the client authenticates at the token endpoint: HTTP
// Basic (client_secret_basic, the default when the provider names none),
// else in the form (client_secret_post) when that is all it takes.
func authStyle(p *oidc.Provider) oauth2.AuthStyle {
	var doc struct {
		Methods []string `json:"token_endpoint_auth_methods_supported"`
	}
	_ = p.Claims(&doc) // already read once by discover
	if len(doc.Methods) > 0 && !slices.Contains(doc.Methods, "client_secret_basic") && slices.Contains(doc.Methods, "client_secret_post") {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleInHeader
}

// openCookie reads the login cookie: its workspace and what it sealed.
func (s *Service) openCookie(cookie string) (string, pending, error) {
	ws, sealedText, ok := strings.Cut(cookie, ".")
	sealed, err := base64.RawURLEncoding.DecodeString(sealedText)
	if !ok || ws == "" || err != nil {
		return "", pending{}, fail(ReasonExpired, http.StatusBadRequest, "", errors.New("no readable login cookie"))
	}
	if s.Keys == nil {
		return "", pending{}, fail(ReasonNoKey, http.StatusServiceUnavailable, ws, ErrNoKey)
	}
	raw, err := s.Keys.Open(ws, loginPurpose, sealed)
	var pd pending
	if err == nil {
		err = json.Unmarshal(raw, &pd)
	}
	if err != nil {
		return "", pending{}, fail(ReasonExpired, http.StatusBadRequest, "", fmt.Errorf("the login cookie does not open: %w", err))
	}
	if s.now().Unix() > pd.Expires {
		return "", pending{}, fail(ReasonExpired, http.StatusBadRequest, ws, errors.New("the login cookie has expired"))
	}
	return ws, pd, nil
}
