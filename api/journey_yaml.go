package api

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/journey"
)

// yamlToJSON lets a journey be sent as YAML (application/yaml, as written by
// hand or by `tabiji journeys apply -f journey.yaml`): the body becomes JSON
// and goes through the same strict decoder, so errors name the same fields.
func yamlToJSON(c *gin.Context, limit int64) bool {
	switch c.ContentType() {
	case "application/yaml", "application/x-yaml", "text/yaml":
	default:
		return true
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err != nil {
		problem(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d KB", limit/1024))
		return false
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		invalid(c, "body", "is empty: send a YAML document")
		return false
	}
	converted, err := journey.ToJSON(raw)
	if err != nil {
		invalid(c, "body", err.Error())
		return false
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(converted))
	c.Request.Header.Set("Content-Type", "application/json")
	return true
}
