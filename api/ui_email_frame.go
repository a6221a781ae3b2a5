package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// emailFrameCSP is the policy of the empty document the console's email
// previews are written into (console/assets/preview.js): an email's inline
// styles and its images show, nothing runs, nothing is fetched but images,
// and only the console may frame it. The frame is also sandboxed without
// scripts, so an email's script or handler never runs either way.
const emailFrameCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; font-src https: data:; " +
	"frame-ancestors 'self'; form-action 'none'; base-uri 'none'"

// emailFrame is that empty document.
const emailFrame = `<!doctype html><html><head><meta charset="utf-8"><title>email</title></head><body></body></html>`

// uiEmailFrame answers the empty email preview document; it holds no data.
func (s *server) uiEmailFrame(c *gin.Context) {
	c.Header("Content-Security-Policy", emailFrameCSP)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(emailFrame))
}
