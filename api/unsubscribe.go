package api

import (
	"encoding/json"
	"html/template"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/unsubscribe"
)

// preferencePage lists the customer's channels and topics with a button to
// opt in or out of each (buttons post back to the same link), and the
// workspace's purposes of use, in the customer's language; a key missing
// from a catalog fails the page rather than leave a hole.
var preferencePage = template.Must(template.New("prefs").Option("missingkey=error").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.T.title}}</title></head>
<body><h1>{{.T.title}}</h1>
{{with .Done}}<p role="status">{{$.T.saved}}: {{index $.T .Channel}} {{if eq .Status "opted_in"}}{{$.T.subscribed}}{{else}}{{$.T.unsubscribed}}{{end}}{{$.T.end}}</p>{{end}}
<table><thead><tr><th>{{.T.channel}}</th><th>{{.T.topic}}</th><th>{{.T.status}}</th><th></th></tr></thead><tbody>
{{range .Rows}}<tr><td>{{index $.T .Channel}}</td><td>{{if .Topic}}{{.Topic}}{{else}}{{$.T.all}}{{end}}</td>
<td>{{if eq .Status "opted_out"}}{{$.T.unsubscribed}}{{else}}{{$.T.subscribed}}{{end}}</td>
<td><form method="post"><input type="hidden" name="channel" value="{{.Channel}}"><input type="hidden" name="topic" value="{{.Topic}}">
{{if eq .Status "opted_out"}}<button name="status" value="opted_in">{{$.T.subscribe}}</button>
{{else}}<button name="status" value="opted_out">{{$.T.unsubscribe}}</button>{{end}}</form></td></tr>
{{end}}</tbody></table>
{{with .Purposes}}<section id="purposes"><h2>{{$.T.purposes}}</h2>
{{range .}}<p>{{.}}</p>
{{end}}</section>{{end}}</body></html>
`))

type preferenceRow struct{ Channel, Topic, Status string }

// unsubscribeToken reads the link's token, answering 404 when this server
// did not sign it (a tampered or made-up link).
func (s *server) unsubscribeToken(c *gin.Context) (unsubscribe.Token, bool) {
	if s.UnsubscribeSecret == "" {
		problem(c, http.StatusServiceUnavailable, "unsubscribe links are off: set TABIJI_UNSUBSCRIBE_SECRET")
		return unsubscribe.Token{}, false
	}
	t, err := unsubscribe.Parse(s.UnsubscribeSecret, c.Param("token"))
	if err != nil {
		problem(c, http.StatusNotFound, "this unsubscribe link is not valid")
		return unsubscribe.Token{}, false
	}
	return t, true
}

// preferences is GET /u/:token: the customer's preference page.
func (s *server) preferences(c *gin.Context) {
	t, ok := s.unsubscribeToken(c)
	if !ok {
		return
	}
	v, err := s.Store.PreferencesView(c.Request.Context(), preferenceLink(t))
	if s.answered(c, err) {
		return
	}
	s.renderPreferences(c, v, nil)
}

// preferenceLink is what the link's token names.
func preferenceLink(t unsubscribe.Token) store.PreferenceLink {
	return store.PreferenceLink{WorkspaceID: t.WorkspaceID, CustomerID: t.CustomerID, Channel: t.Channel, Topic: t.Topic, MessageID: t.MessageID}
}

// renderPreferences answers the link's page; done is the change just
// saved, if any.
func (s *server) renderPreferences(c *gin.Context, v store.PreferencesView, done *preferenceRow) {
	rows, page := make([]preferenceRow, len(v.Rows)), v.Page
	for i, r := range v.Rows {
		rows[i] = preferenceRow(r)
	}
	lang := preferenceLanguage(page.Locale)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := preferencePage.Execute(c.Writer, map[string]any{"Rows": rows, "Done": done, "Lang": lang,
		"T": preferenceText[lang], "Purposes": purposesIn(lang, page)}); err != nil {
		s.Logger.Error("render preference page", "error", err)
	}
}

// changePreference is POST /u/:token. A mail client's one-click unsubscribe
// (RFC 8058: List-Unsubscribe=One-Click) or a POST without a choice opts
// the customer out of the token's channel and topic; the page's buttons
// post a channel, topic and status, and see the page again.
func (s *server) changePreference(c *gin.Context) {
	t, ok := s.unsubscribeToken(c)
	if !ok {
		return
	}
	status := c.PostForm("status")
	channel, topic := t.Channel, t.Topic
	if status != "" {
		channel, topic = c.PostForm("channel"), c.PostForm("topic")
	} else {
		status = store.OptedOut
	}
	switch {
	case status != store.OptedIn && status != store.OptedOut:
		invalid(c, "status", "must be opted_in or opted_out")
		return
	case !slices.Contains([]string{"email", "line", "push", "sms"}, channel):
		invalid(c, "channel", "must be email, line, push or sms")
		return
	}
	source := "preference_page"
	if c.PostForm("List-Unsubscribe") == "One-Click" {
		source = "one_click"
	}
	v, err := s.Store.ChangePreference(c.Request.Context(), preferenceLink(t), store.PreferenceChange{Channel: channel, Topic: topic,
		Status: status, Source: source, Evidence: pageEvidence(c, status, source, t.MessageID)}, source != "one_click")
	if s.answered(c, err) {
		return
	}
	if source == "one_click" {
		c.String(http.StatusOK, "unsubscribed")
		return
	}
	s.renderPreferences(c, v, &preferenceRow{Channel: channel, Topic: topic, Status: status})
}

// pageEvidence is the proof kept with a change made through the link.
func pageEvidence(c *gin.Context, status, source, messageID string) json.RawMessage {
	wording := map[string]string{store.OptedIn: "Subscribe", store.OptedOut: "Unsubscribe"}[status]
	if source == "one_click" {
		wording = "List-Unsubscribe=One-Click"
	}
	return pageEvidenceOf(c, source, wording, messageID).EvidenceJSON()
}
