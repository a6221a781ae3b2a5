package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/store"
)

// keyView is a key as GET /v1/keys lists it: never its secret.
type keyView struct {
	ID        string     `json:"id"`
	Role      store.Role `json:"role"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"createdAt"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
}

func toKeyView(k store.KeyInfo) keyView {
	return keyView{ID: k.ID, Role: k.Role, Name: k.Name, CreatedAt: k.CreatedAt, RevokedAt: k.RevokedAt}
}

// listKeys answers GET /v1/keys: the workspace's keys, revoked ones too.
func (s *server) listKeys(c *gin.Context) {
	keys, err := s.Store.ListKeys(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]keyView, len(keys))
	for i, k := range keys {
		out[i] = toKeyView(k)
	}
	c.JSON(http.StatusOK, gin.H{"keys": out})
}

type createKeyRequest struct {
	Role store.Role `json:"role"`
	Name string     `json:"name"`
}

// createKey answers POST /v1/keys {role, name}: the new key with its
// secret, shown this once (only its hash is kept).
func (s *server) createKey(c *gin.Context) {
	var req createKeyRequest
	if !decodeJSON(c, 4<<10, &req, true) {
		return
	}
	switch req.Role {
	case store.RoleWrite, store.RoleAdmin, store.RoleClient:
	default:
		invalid(c, "role", "must be write, admin or client")
		return
	}
	if req.Name = strings.TrimSpace(req.Name); req.Name == "" || len(req.Name) > 100 || strings.ContainsAny(req.Name, "\x00\r\n") {
		invalid(c, "name", "must be 1 to 100 characters on one line")
		return
	}
	secret, k, err := s.Store.CreateKey(c.Request.Context(), workspace(c), req.Role, req.Name)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": k.ID, "role": k.Role, "name": k.Name, "createdAt": k.CreatedAt, "secret": secret})
}

// revokeKey answers DELETE /v1/keys/{id}: the key, revoked (its sessions
// and calls end); 404 for a key the workspace does not have.
func (s *server) revokeKey(c *gin.Context) {
	k, err := s.Store.RevokeWorkspaceKey(c.Request.Context(), workspace(c), c.Param("id"))
	if s.answered(c, err, notFound("no key "+c.Param("id"))) {
		return
	}
	c.JSON(http.StatusOK, toKeyView(k))
}
