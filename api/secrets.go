package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/journey"
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

// secretRef is one {{ secrets.NAME }} in a definition, with its field.
type secretRef struct{ field, name string }

// secretRefs lists the secrets a definition's webhook nodes reference.
func secretRefs(def journey.Definition) []secretRef {
	var refs []secretRef
	add := func(field, s string) {
		for _, name := range secrets.References(s) {
			refs = append(refs, secretRef{field, name})
		}
	}
	for i, n := range def.Nodes {
		if n.Kind != journey.KindWebhook {
			continue
		}
		path := fmt.Sprintf("definition.nodes[%d]", i)
		add(path+".url", n.URL)
		keys := make([]string, 0, len(n.Headers))
		for k := range n.Headers {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			add(path+".headers."+k, n.Headers[k])
		}
		walkStrings(path+".body", n.Body, add)
	}
	return refs
}

// walkStrings calls f with every string of a JSON value and its path.
func walkStrings(path string, v any, f func(path, s string)) {
	switch v := v.(type) {
	case string:
		f(path, v)
	case []any:
		for i, x := range v {
			walkStrings(fmt.Sprintf("%s[%d]", path, i), x, f)
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			walkStrings(path+"."+k, v[k], f)
		}
	}
}

// checkSecretRefs answers 422 naming each field that references a secret
// the workspace does not have (or by a name no secret can have).
func (s *server) checkSecretRefs(c *gin.Context, def journey.Definition) bool {
	refs := secretRefs(def)
	if len(refs) == 0 {
		return true
	}
	var names []string
	for _, r := range refs {
		names = append(names, r.name)
	}
	missing, err := s.vault().Missing(c.Request.Context(), workspace(c), names)
	if err != nil {
		s.fail(c, err)
		return false
	}
	var errs []jsonfields.Error
	for _, r := range refs {
		switch {
		case secrets.CheckName(r.name) != "":
			errs = append(errs, jsonfields.Error{Field: r.field, Message: "secrets." + r.name + " is not a secret name: " + secrets.CheckName(r.name)})
		case slices.Contains(missing, r.name):
			errs = append(errs, jsonfields.Error{Field: r.field, Message: "secrets." + r.name + " is not a secret of this workspace: PUT /v1/secrets/" + r.name + " first"})
		}
	}
	if len(errs) > 0 {
		problem(c, http.StatusUnprocessableEntity, errs[0].Field+": "+errs[0].Message, errs...)
		return false
	}
	return true
}
