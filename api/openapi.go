package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/openapi"
)

// openapiDocument is GET /v1/openapi.json: the API's own description
// (package openapi), built once per process on first request: loading and
// checking it takes most of a second, which a process that is never asked
// should not spend at start.
func (s *server) openapiDocument(c *gin.Context) {
	body, err := s.description()
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/json", body)
}

// loadDescription is what server.description runs once. The description is
// embedded in the binary, so nothing in it depends on the request.
func loadDescription() ([]byte, error) {
	return openapi.JSON(context.Background())
}
