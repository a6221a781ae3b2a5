package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// workspaceBody names the workspace an admin key belongs to.
type workspaceBody struct {
	ID string `json:"id"`
}

// getWorkspace is GET /v1/workspace: which workspace the calling key acts
// on, so a client (the taxonomy commands' --workspace) can check it before
// it changes anything.
func (s *server) getWorkspace(c *gin.Context) {
	c.JSON(http.StatusOK, workspaceBody{ID: workspace(c)})
}
