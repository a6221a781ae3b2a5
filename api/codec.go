package api

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/rs/cors"
	"go.temporal.io/sdk/converter"
)

// codecBodyLimit caps a codec request: Temporal refuses payloads over 2 MB,
// and the Web UI sends one event's payloads at a time.
const codecBodyLimit = 8 << 20

// codecRoutes serves the Temporal codec server protocol (POST
// /ui/codec/encode and /ui/codec/decode, a JSON commonpb.Payloads each way)
// for the Temporal Web UI and CLI, to an admin key or an admin console
// session. It lives under /ui/ because that is where the session cookie
// goes (its path is /ui/ unless the public URL is https).
// Browsers call it from the Web UI's origin, so it answers CORS for the
// origins in Deps.CodecOrigins, with credentials.
func (s *server) codecRoutes(r *gin.Engine) {
	chain := []gin.HandlerFunc{s.codecCORS(), s.codecAuth, s.codec()}
	for _, op := range []string{"encode", "decode"} {
		r.POST("/ui/codec/"+op, chain...)
		r.OPTIONS("/ui/codec/"+op, chain[0])
	}
}

// codecCORS answers preflights and sets the CORS headers of actual requests
// (errors included, so the Web UI can read them) for the allowed origins
// only: never a wildcard, as the answers carry decrypted data.
func (s *server) codecCORS() gin.HandlerFunc {
	origins := s.CodecOrigins
	c := cors.New(cors.Options{
		AllowOriginFunc:  func(origin string) bool { return slices.Contains(origins, origin) },
		AllowCredentials: true,
		AllowedMethods:   []string{http.MethodPost},
		AllowedHeaders:   []string{"Content-Type", "X-Namespace", "Authorization", "Authorization-Extras"},
		MaxAge:           600,
	})
	return func(ctx *gin.Context) {
		c.HandlerFunc(ctx.Writer, ctx.Request)
		if ctx.Request.Method == http.MethodOptions {
			if !ctx.Writer.Written() {
				ctx.Status(http.StatusNoContent)
			}
			ctx.Abort()
		}
	}
}

// codecAuth lets through a console session (the cookie the Web UI sends
// with credentials included; no CSRF token, as the Web UI cannot send one
// and decoding changes nothing) or else whatever auth(roleAdmin) lets
// through: no credentials 401, a write key 403.
func (s *server) codecAuth(c *gin.Context) {
	ss, ok, err := s.liveSession(c)
	switch {
	case err != nil:
		s.fail(c, err)
	case ok:
		setSession(c, ss)
		if permitted(c, ss.Role) {
			c.Next()
		}
	default:
		s.auth(roleAdmin)(c)
	}
}

// codec runs the SDK's codec handler for the caller's workspace, its
// plain-text errors turned into problem details naming the payloads.
func (s *server) codec() gin.HandlerFunc {
	if s.PayloadCodec == nil {
		return func(c *gin.Context) {
			problem(c, http.StatusNotFound, "this server encrypts no Temporal payloads (no TABIJI_SECRETS_KEY)")
		}
	}
	return func(c *gin.Context) {
		// An admin decodes the payloads of their own workspace only.
		h := converter.NewPayloadCodecHTTPHandler(s.PayloadCodec.ForWorkspace(workspace(c)))
		if c.Request.ContentLength > codecBodyLimit {
			problem(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d MB", codecBodyLimit>>20))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, codecBodyLimit)
		w := &codecWriter{ResponseWriter: c.Writer}
		h.ServeHTTP(w, c.Request)
		if w.status >= http.StatusBadRequest {
			msg := strings.TrimSpace(w.errBody.String())
			invalid(c, "payloads", msg)
		}
	}
}

// codecWriter passes a success through and holds back an error's status
// and text.
type codecWriter struct {
	http.ResponseWriter
	status  int
	errBody bytes.Buffer
}

func (w *codecWriter) WriteHeader(code int) {
	w.status = code
	if code < http.StatusBadRequest {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *codecWriter) Write(b []byte) (int, error) {
	if w.status >= http.StatusBadRequest {
		return w.errBody.Write(b)
	}
	return w.ResponseWriter.Write(b)
}
