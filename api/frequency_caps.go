package api

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/frequency"
	"github.com/tabiji/tabiji/jsonfields"
)

// frequencyCapsBody is GET and PUT /v1/frequency-caps: the workspace's caps
// per channel, e.g. {"caps": {"email": [{"max": 3, "window": "1d"}]}}.
type frequencyCapsBody struct {
	Caps frequency.Caps `json:"caps"`
}

// getFrequencyCaps answers the workspace's frequency caps ({} when none).
func (s *server) getFrequencyCaps(c *gin.Context) {
	caps, err := frequency.Load(c.Request.Context(), s.Store, workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, frequencyCapsBody{Caps: caps})
}

// putFrequencyCaps replaces the workspace's frequency caps; a bad rule is a
// 422 naming caps.<channel>[i].max or .window.
func (s *server) putFrequencyCaps(c *gin.Context) {
	var b frequencyCapsBody
	if !decodeJSON(c, 16<<10, &b, true) {
		return
	}
	if b.Caps == nil {
		invalid(c, "caps", "is required: an object of rules per channel ({} for none)")
		return
	}
	if errs := frequency.Validate(b.Caps); len(errs) > 0 {
		fes := make([]jsonfields.Error, len(errs))
		for i, e := range errs {
			fes[i] = jsonfields.Error{Field: "caps." + e.Field, Message: e.Message}
		}
		problem(c, http.StatusUnprocessableEntity, "the frequency caps are not valid", fes...)
		return
	}
	raw, err := json.Marshal(b.Caps)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Store.PutFrequencyCaps(c.Request.Context(), workspace(c), raw); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, b)
}
