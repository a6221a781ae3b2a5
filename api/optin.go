package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/consent"
	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/optin"
	"github.com/tabiji/tabiji/store"
)

// OptInConfirmedEvent is the event a confirmed double opt-in records for
// the customer (properties channel and topic), so a journey can wait for it.
const OptInConfirmedEvent = "opt_in_confirmed"

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

// optinWords are the page's words, by language; Wording's %s are the
// sender and the channel.
var optinWords = map[string]struct{ Title, Wording, Button, Done string }{
	"en": {"Confirm your subscription", "Yes, send me %s messages from %s.", "Confirm", "Thank you: your subscription is confirmed."},
	"ja": {"配信登録の確認", "%[2]sからの%[1]sによるお知らせの受信に同意します。", "登録を確定する", "ありがとうございます。配信登録が完了しました。"},
}

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

// optinView is what the page shows for the token: its language follows
// the workspace's locale, the sender is the workspace's advertising sender.
func (s *server) optinView(c *gin.Context, t optin.Token) (map[string]string, bool) {
	p, err := s.Store.AdvertisingPolicy(c.Request.Context(), t.WorkspaceID)
	if s.answered(c, err) {
		return nil, false
	}
	lang := "en"
	if p.Locale == "ja" {
		lang = "ja"
	}
	w := optinWords[lang]
	sender := p.SenderName
	if sender == "" {
		sender = map[string]string{"en": "us", "ja": "当店"}[lang]
	}
	return map[string]string{"Lang": lang, "Title": w.Title, "Wording": fmt.Sprintf(w.Wording, t.Channel, sender),
		"Button": w.Button, "Done": w.Done}, true
}

// optinForm is GET /optin/:token: the confirmation page with its button.
func (s *server) optinForm(c *gin.Context) {
	t, ok := s.optinToken(c)
	if !ok {
		return
	}
	view, ok := s.optinView(c, t)
	if !ok {
		return
	}
	view["Done"] = ""
	renderOptin(c, view)
}

// confirmOptin is POST /optin/:token: records the customer's opt-in on
// the token's channel and topic with its evidence (the wording the page
// showed, the address and browser, the confirmation message), then the
// opt_in_confirmed event through the ingestion pipeline (its messageId
// derived from the confirmation message, so pressing twice stores it once).
func (s *server) confirmOptin(c *gin.Context) {
	t, ok := s.optinToken(c)
	if !ok {
		return
	}
	view, ok := s.optinView(c, t)
	if !ok {
		return
	}
	ev := pageEvidenceOf(c, "double_opt_in", view["Wording"], t.MessageID)
	ctx := c.Request.Context()
	if _, err := s.Store.SetConsent(ctx, store.Consent{WorkspaceID: t.WorkspaceID, CustomerID: t.CustomerID, Channel: t.Channel,
		Topic: t.Topic, Status: store.OptedIn, Source: "double_opt_in", Evidence: ev.EvidenceJSON()}); s.answered(c, err) {
		return
	}
	raw, _ := json.Marshal(map[string]any{"userId": t.CustomerID, "event": OptInConfirmedEvent, "messageId": "optin:" + t.MessageID + ":" + t.Channel + ":" + t.Topic,
		"properties": map[string]string{"channel": t.Channel, "topic": t.Topic}, "context": map[string]string{"ip": ev.IP, "userAgent": ev.UserAgent}})
	if m, err := ingest.Decode(ingest.Track, raw, time.Now().UTC()); err == nil {
		if _, err := s.pipeline.Submit(ctx, t.WorkspaceID, []ingest.Message{m}); err != nil {
			// The opt-in stands; the event is what a journey may wait for.
			s.Logger.Error("record opt_in_confirmed", "workspace", t.WorkspaceID, "error", err)
		}
	}
	renderOptin(c, view)
}

func renderOptin(c *gin.Context, view map[string]string) {
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
