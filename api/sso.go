package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/sso"
	"github.com/tabiji/tabiji/store"
)

// The workspace's single sign-on (sso/): GET, PUT and DELETE
// /v1/workspace/sso, the owner's. The client secret is write-only: the
// answer says whether one is set and its fingerprint.

// ssoBodyLimit bounds a PUT body (two hundred role mappings fit).
const ssoBodyLimit = 64 << 10

// ssoResponse is the workspace's provider as the API shows it, with the
// redirect URI to register at the provider and the login link to hand out.
type ssoResponse struct {
	Issuer                  string            `json:"issuer"`
	ClientID                string            `json:"clientId"`
	ClientSecretSet         bool              `json:"clientSecretSet"`
	ClientSecretFingerprint string            `json:"clientSecretFingerprint"`
	AllowedDomains          []string          `json:"allowedDomains"`
	RoleClaim               string            `json:"roleClaim"`
	Roles                   map[string]string `json:"roles"`
	DefaultRole             string            `json:"defaultRole"`
	RedirectURI             string            `json:"redirectUri"`
	LoginURL                string            `json:"loginUrl"`
	UpdatedAt               time.Time         `json:"updatedAt"`
}

func (s *server) toSSOResponse(c *gin.Context, w store.WorkspaceSSO) ssoResponse {
	roles := w.Roles
	if roles == nil {
		roles = map[string]string{}
	}
	base := s.publicBase(c.Request)
	login := *base
	login.Path, login.RawQuery = "/ui/login", url.Values{"workspace": {w.WorkspaceID}}.Encode()
	return ssoResponse{Issuer: w.Issuer, ClientID: w.ClientID, ClientSecretSet: len(w.SecretSealed) > 0,
		ClientSecretFingerprint: w.SecretFingerprint, AllowedDomains: w.AllowedDomains, RoleClaim: w.RoleClaim,
		Roles: roles, DefaultRole: w.DefaultRole, RedirectURI: s.ssoRedirectURI(c), LoginURL: login.String(), UpdatedAt: w.UpdatedAt}
}

// ssoRedirectURI is the callback every provider sends people back to.
func (s *server) ssoRedirectURI(c *gin.Context) string {
	u := *s.publicBase(c.Request)
	u.Path, u.RawQuery = "/ui/sso/callback", ""
	return u.String()
}

var noSSO = notFound("this workspace has no single sign-on: PUT /v1/workspace/sso sets it up")

// getSSO is GET /v1/workspace/sso.
func (s *server) getSSO(c *gin.Context) {
	w, err := s.sso.Get(c.Request.Context(), workspace(c))
	if s.answered(c, err, noSSO) {
		return
	}
	c.JSON(http.StatusOK, s.toSSOResponse(c, w))
}

// putSSO is PUT /v1/workspace/sso: the provider's issuer (discovered
// before it is stored), the client, the allowed domains and the role
// mapping; 201 when the workspace had none. Without clientSecret the
// stored secret stays.
func (s *server) putSSO(c *gin.Context) {
	var body sso.Settings
	if !decodeJSON(c, ssoBodyLimit, &body, true) {
		return
	}
	w, created, err := s.sso.Configure(c.Request.Context(), workspace(c), body)
	if s.answered(c, err, on(sso.ErrNoKey, http.StatusServiceUnavailable,
		"this server cannot store a client secret: start the API with TABIJI_SECRETS_KEY (32+ characters)")) {
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, s.toSSOResponse(c, w))
}

// deleteSSO is DELETE /v1/workspace/sso: people sign in with passwords
// only; sessions single sign-on opened last until they end.
func (s *server) deleteSSO(c *gin.Context) {
	err := s.sso.Remove(c.Request.Context(), workspace(c))
	if s.answered(c, err, noSSO) {
		return
	}
	c.Status(http.StatusNoContent)
}
