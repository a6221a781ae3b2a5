package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/outbound"
	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/store"
)

// ErrNoKey means the process has no TABIJI_SECRETS_KEY, so it can neither
// seal a client secret nor the login cookie.
var ErrNoKey = settings.ErrNoKey

// The purposes sealed values are bound to (with the workspace).
const (
	secretPurpose = "sso/client-secret" //nolint:gosec // G101: the name the sealed secret is bound to, not a credential
	loginPurpose  = "sso/login"
)

// Service keeps workspaces' providers and signs people in through them.
type Service struct {
	Store  *store.Store
	People *people.Service
	// Keys seal the client secrets and the login cookie; nil: ErrNoKey.
	Keys *settings.Keyring
	// Client makes the calls to providers (discovery, keys, the code
	// exchange): HTTPClient's guarded client.
	Client *http.Client
	// Now is the clock of the login cookie, the ID token and the
	// discovery cache; nil: time.Now.
	Now func() time.Time

	discovered discoveries // discovery.go
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// HTTPClient is the client for calls to providers: through out (public
// addresses only, unless the operator allows more; nil: outbound's
// defaults), following a redirect only on the same host and scheme.
func HTTPClient(out *outbound.Client) *http.Client {
	if out == nil {
		out = outbound.New(outbound.Options{})
	}
	return &http.Client{
		Transport: guarded{out},
		Timeout:   15 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			first := via[0].URL
			if len(via) > 3 || req.URL.Host != first.Host || req.URL.Scheme != first.Scheme {
				return fmt.Errorf("sso: the provider redirected to %s://%s, not its own host", req.URL.Scheme, req.URL.Host)
			}
			return nil
		},
	}
}

// guarded sends requests through the outbound client.
type guarded struct{ out *outbound.Client }

func (g guarded) RoundTrip(r *http.Request) (*http.Response, error) { return g.out.Do(r) }

// Configure checks and stores the workspace's provider: the settings'
// fields, then discovery at the issuer (which must name itself as the
// issuer and give https endpoints); the client secret is sealed. A
// settings without clientSecret keeps the stored one.
func (s *Service) Configure(ctx context.Context, workspaceID string, set Settings) (store.WorkspaceSSO, bool, error) {
	set.Normalize()
	if errs := set.Check(false); len(errs) > 0 {
		return store.WorkspaceSSO{}, false, fmt.Errorf("sso: invalid settings: %w", errs)
	}
	if _, err := s.rediscover(ctx, set.Issuer); err != nil {
		msg := "discovery failed: " + err.Error()
		return store.WorkspaceSSO{}, false, store.Refuse(store.ErrInvalid, "issuer: "+msg, jsonfields.Error{Field: "issuer", Message: msg})
	}
	row := store.WorkspaceSSO{WorkspaceID: workspaceID, Issuer: set.Issuer, ClientID: set.ClientID, AllowedDomains: set.AllowedDomains,
		RoleClaim: set.RoleClaim, Roles: set.Roles, DefaultRole: set.DefaultRole}
	if set.ClientSecret != nil {
		if s.Keys == nil {
			return store.WorkspaceSSO{}, false, ErrNoKey
		}
		sealed, err := s.Keys.Seal(workspaceID, secretPurpose, []byte(*set.ClientSecret))
		if err != nil {
			return store.WorkspaceSSO{}, false, fmt.Errorf("sso: unable to seal the client secret: %w", err)
		}
		row.SecretSealed, row.SecretFingerprint = sealed, settings.Fingerprint(*set.ClientSecret)
	}
	saved, created, err := s.Store.PutWorkspaceSSO(ctx, row)
	if errors.Is(err, store.ErrNotFound) && set.ClientSecret == nil { // no secret stored yet
		msg := "is required: the client secret the provider gave for this client"
		return store.WorkspaceSSO{}, false, store.Refuse(store.ErrInvalid, "clientSecret: "+msg, jsonfields.Error{Field: "clientSecret", Message: msg})
	}
	return saved, created, err
}

// Get returns the workspace's provider (store.ErrNotFound when none).
func (s *Service) Get(ctx context.Context, workspaceID string) (store.WorkspaceSSO, error) {
	return s.Store.WorkspaceSSO(ctx, workspaceID)
}

// Remove removes the workspace's provider (store.ErrNotFound when none).
func (s *Service) Remove(ctx context.Context, workspaceID string) error {
	return s.Store.DeleteWorkspaceSSO(ctx, workspaceID)
}

// LoginButton is the workspace whose "Sign in with SSO" the login page
// shows: the asked one when it has a provider, else the only workspace
// with one; "" for none.
func (s *Service) LoginButton(ctx context.Context, asked string) (string, error) {
	if asked != "" {
		_, err := s.Store.WorkspaceSSO(ctx, asked)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return "", nil
		case err != nil:
			return "", err
		}
		return asked, nil
	}
	ids, err := s.Store.SSOWorkspaceIDs(ctx, 2)
	if err != nil || len(ids) != 1 {
		return "", err
	}
	return ids[0], nil
}

// discover reads the issuer's discovery document through the guarded
// client: it must name the issuer exactly and give endpoints a browser and
// this server may use.
func (s *Service) discover(ctx context.Context, issuer string) (*oidc.Provider, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, s.Client), issuer)
	if err != nil {
		return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "oidc: "))
	}
	var doc struct {
		Auth  string `json:"authorization_endpoint"`
		Token string `json:"token_endpoint"`
		JWKS  string `json:"jwks_uri"`
	}
	if err := p.Claims(&doc); err != nil {
		return nil, fmt.Errorf("the discovery document does not read: %w", err)
	}
	for name, u := range map[string]string{"authorization_endpoint": doc.Auth, "token_endpoint": doc.Token, "jwks_uri": doc.JWKS} {
		if msg := checkEndpoint(u); msg != "" {
			return nil, fmt.Errorf("the discovery document's %s %s", name, msg)
		}
	}
	return p, nil
}

// checkEndpoint says what is wrong with an endpoint of the discovery
// document: as an issuer, but it may have a query.
func checkEndpoint(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return "is not a URL"
	}
	u.RawQuery, u.ForceQuery = "", false
	return CheckIssuer(u.String())
}
