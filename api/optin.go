package api

import (
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/consent"
	"github.com/tabiji/tabiji/optin"
	"github.com/tabiji/tabiji/optinconfirm"
)

// optinPage asks the customer to confirm (GET) and thanks them (POST).
// Confirming takes a button press, not the link alone: mail scanners open
// links, and an opt-in must be the customer's own act.
var optinPage = template.Must(template.New("optin").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}}</title></head>
<body><h1>{{.Title}}</h1>
{{if .Done}}<p role="status">{{.Done}}</p>
{{else}}<form method="post"><p>{{.Wording}}</p><button type="submit">{{.Button}}</button></form>{{end}}
</body></html>
`))

// optinToken reads the link's token: 404 when this server did not sign it
// (forged, tampered, or another kind of link), 410 when it has expired.
func (s *server) optinToken(c *gin.Context) (optin.Token, bool) {
	if s.UnsubscribeSecret == "" {
		problem(c, http.StatusServiceUnavailable, "confirmation links are off: set TABIJI_UNSUBSCRIBE_SECRET")
		return optin.Token{}, false
	}
	t, err := optin.Parse(s.UnsubscribeSecret, c.Param("token"), time.Now())
	switch {
	case errors.Is(err, optin.ErrExpired):
		problem(c, http.StatusGone, "this confirmation link has expired: sign up again to get a new one")
		return t, false
	case err != nil:
		problem(c, http.StatusNotFound, "this confirmation link is not valid")
		return t, false
	}
	return t, true
}

// optinForm is GET /optin/:token: the confirmation page with its button
// (optinconfirm.Service.Page).
func (s *server) optinForm(c *gin.Context) {
	t, ok := s.optinToken(c)
	if !ok {
		return
	}
	page, err := s.optinConfirm.Page(c.Request.Context(), t)
	if s.answered(c, err) {
		return
	}
	page.Done = ""
	renderOptin(c, page)
}

// confirmOptin is POST /optin/:token: records the customer's opt-in on
// the token's channel and topic with its evidence (the wording the page
// showed, the address and browser, the confirmation message), then the
// opt_in_confirmed event (optinconfirm.Service.Confirm).
func (s *server) confirmOptin(c *gin.Context) {
	t, ok := s.optinToken(c)
	if !ok {
		return
	}
	page, err := s.optinConfirm.Confirm(c.Request.Context(), t, pageEvidenceOf(c, "double_opt_in", "", t.MessageID))
	if s.answered(c, err) {
		return
	}
	renderOptin(c, page)
}

func renderOptin(c *gin.Context, view optinconfirm.Page) {
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(http.StatusOK)
	_ = optinPage.Execute(c.Writer, view) // the client went away
}

// pageEvidenceOf is the evidence of a choice the customer made on one of
// Tabiji's own pages: the form, the wording shown, their address and
// browser, the message the link came in (never the link itself, which is
// a capability).
func pageEvidenceOf(c *gin.Context, form, wording, messageID string) consent.Evidence {
	agent := c.Request.UserAgent()
	if len(agent) > 1000 {
		agent = agent[:1000]
	}
	return consent.Evidence{Form: form, Wording: wording, IP: c.ClientIP(), UserAgent: strings.ToValidUTF8(agent, ""), MessageID: messageID}
}
