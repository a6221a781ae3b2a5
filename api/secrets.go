package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/secrets"
)

// The workspace's named secrets (secrets/): GET /v1/secrets lists names
// and fingerprints, PUT /v1/secrets/{name} sets a value (never shown
// again), DELETE removes one. Journeys reference them as
// {{ secrets.NAME }} in webhook URLs, headers and bodies.

// secretBodyLimit bounds a PUT body.
const secretBodyLimit = 16 << 10

func (s *server) vault() *secrets.Vault { return secrets.NewVault(s.Store, s.keyring()) }

// listSecrets answers the workspace's secrets: names and fingerprints.
func (s *server) listSecrets(c *gin.Context) {
	list, err := s.vault().List(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"secrets": list})
}

// putSecret seals and stores {"value": "…"} under the name: 201 when new,
// 200 when replaced; the answer shows the fingerprint, never the value.
func (s *server) putSecret(c *gin.Context) {
	name := c.Param("name")
	if msg := secrets.CheckName(name); msg != "" {
		problem(c, http.StatusUnprocessableEntity, "name: "+msg, jsonfields.Error{Field: "name", Message: msg})
		return
	}
	var req struct {
		Value *string `json:"value"`
	}
	if !decodeJSON(c, secretBodyLimit, &req, true) {
		return
	}
	if req.Value == nil {
		invalid(c, "value", `is required: {"value": "…"}`)
		return
	}
	if msg := secrets.CheckValue(*req.Value); msg != "" {
		problem(c, http.StatusUnprocessableEntity, "value: "+msg, jsonfields.Error{Field: "value", Message: msg})
		return
	}
	created, err := s.vault().Put(c.Request.Context(), workspace(c), name, *req.Value)
	if errors.Is(err, secrets.ErrNoKey) {
		problem(c, http.StatusServiceUnavailable, "this server cannot store secrets: start the API and the workers with the same TABIJI_SECRETS_KEY (32+ characters)")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, gin.H{"name": name, "fingerprint": settings.Fingerprint(*req.Value)})
}

// deleteSecret removes the named secret; a journey still using it fails
// that webhook step with a clear error.
func (s *server) deleteSecret(c *gin.Context) {
	err := s.vault().Delete(c.Request.Context(), workspace(c), c.Param("name"))
	if s.answered(c, err, notFound("workspace has no secret "+c.Param("name"))) {
		return
	}
	c.Status(http.StatusNoContent)
}
