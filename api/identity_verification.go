package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/store"
)

// identitySecretResponse is the workspace's identity-verification secret,
// for the admin who puts it in the workspace's backend.
type identitySecretResponse struct {
	Secret    string    `json:"secret"` // hex; the HMAC key is these characters as UTF-8 bytes
	RotatedAt time.Time `json:"rotatedAt"`
	Usage     string    `json:"usage"`
}

const identityUsage = "send context.userHash = hex(HMAC-SHA256(key = secret, message = userId)) with calls from client keys"

// getIdentitySecret is GET /v1/workspace/identity-verification: the
// workspace's secret, generated on first use.
func (s *server) getIdentitySecret(c *gin.Context) {
	ws := workspace(c)
	sec, err := s.Store.IdentitySecretOrNew(c.Request.Context(), ws, func() ([]byte, error) { return s.newIdentitySecret(ws) })
	if err != nil {
		s.secretsProblem(c, err)
		return
	}
	s.answerIdentitySecret(c, ws, sec)
}

// rotateIdentitySecret is POST /v1/workspace/identity-verification/rotate:
// a new secret, and hashes made with the old one stop verifying (at once in
// this process, within seconds in others).
func (s *server) rotateIdentitySecret(c *gin.Context) {
	ws := workspace(c)
	sealed, err := s.newIdentitySecret(ws)
	if err != nil {
		s.secretsProblem(c, err)
		return
	}
	sec, err := s.Store.RotateIdentitySecret(c.Request.Context(), ws, sealed)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.identitySecrets.Invalidate(ws)
	s.answerIdentitySecret(c, ws, sec)
}

func (s *server) answerIdentitySecret(c *gin.Context, ws string, sec store.IdentitySecret) {
	plain, err := s.keyring().Open(ws, identityPurpose, sec.Sealed)
	if err != nil {
		s.secretsProblem(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, identitySecretResponse{Secret: string(plain), RotatedAt: sec.RotatedAt, Usage: identityUsage})
}

// newIdentitySecret makes a random secret (hex, so it pastes as text) and seals it.
func (s *server) newIdentitySecret(ws string) ([]byte, error) {
	raw := make([]byte, identitySecretSize)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("generate the identity-verification secret: %w", err)
	}
	return s.keyring().Seal(ws, identityPurpose, []byte(hex.EncodeToString(raw)))
}

// secretsProblem answers a server without a secrets key with what to set.
func (s *server) secretsProblem(c *gin.Context, err error) {
	if errors.Is(err, settings.ErrNoKey) {
		problem(c, http.StatusServiceUnavailable, "this server has no secrets key to seal the identity-verification secret: set TABIJI_SECRETS_KEY")
		return
	}
	s.fail(c, err)
}
