package sso

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/store"
)

// From is where a sign-in's browser came from, for the audit log.
type From struct{ IP, UserAgent string }

// Login is a finished sign-in: the session (people.SSOLogin) and where
// the browser goes next.
type Login struct {
	people.SSOLogin
	WorkspaceID, Email, Next string
}

// Complete finishes a sign-in at the callback: the login cookie must be
// this browser's and the answer's state its state; the code is exchanged
// with the PKCE verifier and the client's credentials; the ID token must
// be signed by a key of the provider's JWKS, issued by the issuer for this
// client, unexpired, and carry the cookie's nonce; the address must be
// verified by the provider and in an allowed domain, and the role claim
// must map to a role (or the default apply). Then the person is signed in
// (people.Service.SSOLogin) and the change to their membership audited.
// Every refusal is a *Failure.
func (s *Service) Complete(ctx context.Context, cookie string, answer url.Values, redirectURI string, from From) (Login, error) {
	ws, pd, err := s.openCookie(cookie)
	if err != nil {
		return Login{}, err
	}
	if subtle.ConstantTimeCompare([]byte(answer.Get("state")), []byte(pd.State)) != 1 {
		return Login{}, fail(ReasonState, http.StatusBadRequest, ws, errors.New("the answer's state is not the login cookie's"))
	}
	if e := answer.Get("error"); e != "" {
		return Login{}, fail(ReasonDenied, http.StatusForbidden, ws, fmt.Errorf("the provider answered %.64q: %.256q", e, answer.Get("error_description")))
	}
	cfg, err := s.Store.WorkspaceSSO(ctx, ws)
	if errors.Is(err, store.ErrNotFound) {
		return Login{}, fail(ReasonUnconfigured, http.StatusNotFound, "", err)
	}
	if err != nil {
		return Login{}, err
	}
	claims, err := s.identify(ctx, cfg, pd, answer.Get("code"), redirectURI)
	if err != nil {
		return Login{}, err
	}
	email, role, err := admit(cfg, claims)
	if err != nil {
		return Login{}, err
	}
	// With a role mapping the provider's claim decides the role at every
	// sign-in; with only a default role, the default is a new member's and
	// roles are then managed in Tabiji.
	in, err := s.People.SSOLogin(ctx, ws, email, role, len(cfg.Roles) == 0, "")
	if err != nil {
		return Login{}, err
	}
	if err := s.auditMembership(ctx, ws, email, in, from); err != nil {
		return Login{}, err
	}
	return Login{SSOLogin: in, WorkspaceID: ws, Email: email, Next: pd.Next}, nil
}

// identify exchanges the code and verifies the ID token, returning its claims.
func (s *Service) identify(ctx context.Context, cfg store.WorkspaceSSO, pd pending, code, redirectURI string) (map[string]any, error) {
	ws := cfg.WorkspaceID
	if code == "" {
		return nil, fail(ReasonToken, http.StatusBadRequest, ws, errors.New("the answer has no code"))
	}
	p, err := s.provider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fail(ReasonUnreachable, http.StatusBadGateway, ws, err)
	}
	secret, err := s.Keys.Open(ws, secretPurpose, cfg.SecretSealed)
	if err != nil {
		return nil, fail(ReasonNoKey, http.StatusServiceUnavailable, ws, err)
	}
	octx := oidc.ClientContext(ctx, s.Client)
	tok, err := oauthConfig(cfg, p, string(secret), redirectURI).Exchange(octx, code, oauth2.VerifierOption(pd.Verifier))
	var refused *oauth2.RetrieveError
	switch {
	case errors.As(err, &refused):
		return nil, fail(ReasonToken, http.StatusBadRequest, ws, fmt.Errorf("the token endpoint refused the code: %w", err))
	case err != nil:
		return nil, fail(ReasonUnreachable, http.StatusBadGateway, ws, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, fail(ReasonToken, http.StatusBadRequest, ws, errors.New("the token answer has no id_token"))
	}
	idt, err := p.VerifierContext(octx, &oidc.Config{ClientID: cfg.ClientID, Now: s.now}).Verify(octx, raw)
	if err != nil {
		return nil, fail(ReasonToken, http.StatusBadRequest, ws, fmt.Errorf("the ID token does not verify: %w", err))
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pd.Nonce)) != 1 {
		return nil, fail(ReasonToken, http.StatusBadRequest, ws, errors.New("the ID token's nonce is not the login's"))
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, fail(ReasonToken, http.StatusBadRequest, ws, fmt.Errorf("the ID token's claims do not read: %w", err))
	}
	return claims, nil
}

// admit checks the person the claims name: a verified address in an
// allowed domain, and a role.
func admit(cfg store.WorkspaceSSO, claims map[string]any) (string, people.Role, error) {
	ws := cfg.WorkspaceID
	set := Settings{AllowedDomains: cfg.AllowedDomains, RoleClaim: cfg.RoleClaim, Roles: cfg.Roles, DefaultRole: cfg.DefaultRole}
	email, _ := claims["email"].(string)
	email = people.NormalizeEmail(email)
	verified := claims["email_verified"] == true || claims["email_verified"] == "true"
	switch {
	case !verified:
		return "", "", fail(ReasonUnverified, http.StatusForbidden, ws, fmt.Errorf("the ID token's email %q is not verified", email))
	case !wellFormed(email):
		return "", "", fail(ReasonUnverified, http.StatusForbidden, ws, fmt.Errorf("the ID token's email %q is not an address", email))
	case !set.AllowsEmail(email):
		return "", "", fail(ReasonDomain, http.StatusForbidden, ws, fmt.Errorf("%s is outside the allowed domains %s", email, strings.Join(cfg.AllowedDomains, ", ")))
	}
	role, ok := set.RoleFor(claims)
	if !ok {
		return "", "", fail(ReasonUnmapped, http.StatusForbidden, ws, fmt.Errorf("no value of the claim %q maps to a role", cfg.RoleClaim))
	}
	return email, role, nil
}

// wellFormed says whether email is one plain address (name@domain).
func wellFormed(email string) bool {
	a, err := mail.ParseAddress(email)
	return err == nil && a.Address == email
}

// auditMembership records the membership a sign-in made or changed, as
// the person's own change through the provider's mapping.
func (s *Service) auditMembership(ctx context.Context, ws, email string, in people.SSOLogin, from From) error {
	if in.RoleBefore == in.Role {
		return nil
	}
	rec := store.AuditRecord{WorkspaceID: ws, Actor: store.AuditActor{Kind: store.ActorPerson, ID: in.Session.PersonID, Name: email},
		Resource: "members", ResourceID: in.Session.PersonID, Action: "update", Method: http.MethodGet, Route: "/ui/sso/callback",
		ClientIP: from.IP, UserAgent: from.UserAgent}
	if in.RoleBefore == "" {
		rec.Action = "create"
	} else {
		rec.Before, _ = json.Marshal(map[string]string{"email": email, "role": in.RoleBefore})
	}
	begun, err := s.Store.BeginAudit(ctx, rec)
	if err == nil {
		after, _ := json.Marshal(map[string]any{"email": email, "role": in.Role, "via": "sso"})
		err = s.Store.FinishAudit(ctx, ws, begun.ID, store.AuditEnd{Outcome: store.AuditSucceeded, Status: http.StatusOK, After: after})
	}
	if err != nil {
		return fmt.Errorf("sso: unable to audit the membership of %s: %w", email, err)
	}
	return nil
}
