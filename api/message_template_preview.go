package api

import (
	"cmp"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/mail"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/outbox"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/phone"
	"github.com/tabiji/tabiji/store"
)

// Preview and test send of message templates (message_templates.go).

// previewUnsubscribeURL stands for the customer's signed unsubscribe link
// in previews and test sends, which have no message to sign it for.
const previewUnsubscribeURL = "https://unsubscribe.invalid/preview"

// MessageTest is the outbox status of a message recorded by
// POST /v1/templates/{id}/test-send.
const MessageTest = "test"

// lineUserID is the form of a LINE user ID.
var lineUserID = regexp.MustCompile(`^U[0-9a-f]{32}$`)

// previewRequest is what a template is rendered with: a stored profile
// (profileId) or one given inline (profile), the entry event, the latest
// event, the journey, and for a test send the address.
type previewRequest struct {
	Version     int              `json:"version"`
	ProfileID   string           `json:"profileId"`
	Profile     *journey.Profile `json:"profile"`
	Event       *journey.Event   `json:"event"`
	LatestEvent *journey.Event   `json:"latestEvent"`
	Journey     *struct {
		ID        string         `json:"id"`
		Version   int            `json:"version"`
		Variables map[string]any `json:"variables"`
	} `json:"journey"`
	To string `json:"to"`
}

type previewResponse struct {
	TemplateID string `json:"templateId"`
	Version    int    `json:"version"`
	Channel    string `json:"channel"`
	CustomerID string `json:"customerId"`
	MessageID  string `json:"messageId"`
	To         string `json:"to,omitempty"`
	Status     string `json:"status,omitempty"`
	// SentThrough is the provider a test send went through, or "outbox".
	SentThrough string          `json:"sentThrough,omitempty"`
	ProviderID  string          `json:"providerId,omitempty"`
	Content     renderedContent `json:"content"`
}

// previewTemplate renders a template version for a real stored profile (or
// an inline one) and an event, and answers the rendered content.
func (s *server) previewTemplate(c *gin.Context) {
	var req previewRequest
	if !decodeJSON(c, 1<<20, &req, true) {
		return
	}
	if req.To != "" {
		invalid(c, "to", "is for test-send; a preview sends nothing")
		return
	}
	out, _, ok := s.renderTemplate(c, req, "preview")
	if ok {
		c.JSON(http.StatusOK, out)
	}
}

// testSendTemplate renders a template as a preview does and sends it to
// the address given through the channel's sender for the workspace (its
// provider settings, else the environment's; the development outbox when
// neither has credentials). The message log keeps it with status "test",
// which no provider event moves and neither frequency caps nor KPIs count;
// caps do not hold it back, but a suppressed address is refused.
func (s *server) testSendTemplate(c *gin.Context) {
	var req previewRequest
	if !decodeJSON(c, 1<<20, &req, true) {
		return
	}
	id := newTestMessageID()
	out, msg, ok := s.renderTemplate(c, req, id)
	if !ok || !validAddress(c, out.Channel, req.To) || !s.notSuppressed(c, out.Channel, req.To) {
		return
	}
	ctx, ws := c.Request.Context(), workspace(c)
	sender, err := s.Channels.Sender(ctx, ws, out.Channel)
	if err != nil {
		s.fail(c, err)
		return
	}
	subject, body := outboxText(msg)
	if _, _, err := s.Store.RecordMessage(ctx, store.Message{
		ID: id, WorkspaceID: ws, CustomerID: out.CustomerID, NodeID: "template:" + out.TemplateID,
		JourneyVersion: out.Version, Channel: out.Channel, Subject: subject, Body: body, Status: MessageTest,
	}); err != nil {
		s.fail(c, err)
		return
	}
	out.To, out.Status, out.SentThrough = req.To, MessageTest, "outbox"
	if _, isOutbox := sender.(*outbox.Sender); !isOutbox {
		msg.WorkspaceID, msg.CustomerID, msg.NodeID, msg.To = ws, out.CustomerID, "template:"+out.TemplateID, req.To
		if out.ProviderID, ok = s.sendTest(c, sender, msg); !ok {
			return
		}
		out.SentThrough = providerOf(out.Channel)
	}
	c.JSON(http.StatusAccepted, out)
}

// notSuppressed refuses a test send to an address the workspace
// suppressed (a bounce, a spam report, an unsubscribe, a LINE unfollow).
func (s *server) notSuppressed(c *gin.Context, channel, to string) bool {
	sp, err := s.Store.Suppressed(c.Request.Context(), workspace(c), channel, to)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return true
	case err != nil:
		s.fail(c, err)
	default:
		problem(c, http.StatusUnprocessableEntity, "to: the address is suppressed ("+sp.Reason+"); a test send respects suppression",
			jsonfields.Error{Field: "to", Message: "is suppressed: " + sp.Reason})
	}
	return false
}

// sendTest calls the provider and logs its answer on the test message; a
// refusal or an outage is a 502 saying which.
func (s *server) sendTest(c *gin.Context, sender channels.Sender, msg channels.Message) (string, bool) {
	ctx := c.Request.Context()
	res, sendErr := sender.Send(ctx, msg)
	ev := store.MessageEvent{WorkspaceID: msg.WorkspaceID, EventID: "send:" + msg.ID, MessageID: msg.ID,
		Status: MessageTest, ProviderEvent: "test_sent", ProviderID: res.ProviderID}
	if sendErr != nil {
		ev.Status, ev.ProviderEvent = "failed", "send_failed"
		ev.Detail, _ = json.Marshal(map[string]string{"reason": sendErr.Error()})
	}
	if _, _, err := s.Store.RecordMessageEvent(ctx, ev); err != nil {
		s.fail(c, err)
		return "", false
	}
	switch {
	case sendErr == nil:
		return res.ProviderID, true
	case channels.IsPermanent(sendErr):
		problem(c, http.StatusBadGateway, providerOf(msg.Channel)+" refused the test message: "+sendErr.Error())
	default:
		problem(c, http.StatusBadGateway, providerOf(msg.Channel)+" did not take the test message (try again): "+sendErr.Error())
	}
	return "", false
}

func providerOf(channel string) string {
	return map[string]string{"email": "sendgrid", "line": "line", "push": "fcm", "sms": "twilio"}[channel]
}

// renderTemplate loads the template, the profile and renders; it answers
// the problem itself when it returns false.
func (s *server) renderTemplate(c *gin.Context, req previewRequest, messageID string) (previewResponse, channels.Message, bool) {
	if req.Version < 0 {
		invalid(c, "version", "must be a whole number from 1")
		return previewResponse{}, channels.Message{}, false
	}
	m, err := s.Store.GetMessageTemplate(c.Request.Context(), workspace(c), c.Param("id"), req.Version)
	if s.answered(c, err, noTemplate(c)) {
		return previewResponse{}, channels.Message{}, false
	}
	content, err := msgtemplates.Parse(m.Channel, m.Content)
	if err != nil {
		// Stored content was valid when stored; the sandbox may refuse it
		// since (an include, a budget).
		s.templateProblem(c, err)
		return previewResponse{}, channels.Message{}, false
	}
	data, ok := s.previewData(c, req, messageID)
	if !ok {
		return previewResponse{}, channels.Message{}, false
	}
	msg, err := msgtemplates.Render(c.Request.Context(), content, data)
	if err != nil {
		s.templateProblem(c, err)
		return previewResponse{}, channels.Message{}, false
	}
	return previewResponse{TemplateID: m.ID, Version: m.Version, Channel: m.Channel, CustomerID: data.CustomerID,
		MessageID: messageID, Content: toRenderedContent(msg)}, msg, true
}

// previewData is what the template sees: the profile, read from the store
// for profileId, and the events and journey of the request.
func (s *server) previewData(c *gin.Context, req previewRequest, messageID string) (msgtemplates.Data, bool) {
	d := msgtemplates.Data{CustomerID: "preview", MessageID: messageID, UnsubscribeURL: previewUnsubscribeURL, Latest: req.LatestEvent}
	switch {
	case req.ProfileID != "" && req.Profile != nil:
		invalid(c, "profile", "give profileId or profile, not both")
		return d, false
	case req.ProfileID != "":
		p, err := s.Store.GetProfile(c.Request.Context(), workspace(c), req.ProfileID)
		if s.answered(c, err, on(store.ErrNotFound, http.StatusBadRequest, "profileId: no profile "+req.ProfileID+" in this workspace",
			jsonfields.Error{Field: "profileId", Message: "no profile " + req.ProfileID + " in this workspace"})) {
			return d, false
		}
		jp := store.ToJourneyProfile(p)
		d.Profile, d.CustomerID = &jp, p.ID
	case req.Profile != nil:
		d.Profile = req.Profile
		if req.Profile.ID != "" {
			d.CustomerID = req.Profile.ID
		}
	}
	if req.Event != nil {
		d.Entry = *req.Event
	}
	if j := req.Journey; j != nil {
		d.JourneyID, d.Version, d.Variables = j.ID, j.Version, j.Variables
	}
	return d, true
}

// validAddress checks a test send's address for the channel.
func validAddress(c *gin.Context, channel, to string) bool {
	var rule string
	switch {
	case strings.TrimSpace(to) == "":
		rule = "is required: the address to send the test to"
	case channel == msgtemplates.ChannelEmail:
		if a, err := mail.ParseAddress(to); err != nil || a.Address != to {
			rule = "must be an email address (name@domain)"
		}
	case channel == msgtemplates.ChannelLINE:
		if !lineUserID.MatchString(to) {
			rule = "must be a LINE user ID (U followed by 32 hex digits)"
		}
	case channel == msgtemplates.ChannelSMS:
		if e, err := phone.E164(to, ""); err != nil || e != to {
			rule = "must be a phone number in E.164, as +819012345678"
		}
	}
	if rule != "" {
		invalid(c, "to", rule)
		return false
	}
	return true
}

// outboxText is how the development outbox shows a message: the email's
// subject and HTML (or text), the push title and body, the LINE messages
// as a JSON array.
func outboxText(m channels.Message) (subject, body string) {
	switch {
	case m.Email != nil:
		return m.Email.Subject, cmp.Or(m.Email.HTML, m.Email.Text)
	case m.Push != nil:
		return m.Push.Title, m.Push.Body
	case m.SMS != nil:
		return "", m.SMS.Body
	default:
		raw, _ := json.Marshal(m.LINE)
		return "", string(raw)
	}
}

// newTestMessageID names a test send's outbox row: random, as a test send
// belongs to no run.
func newTestMessageID() string { return "test_" + strings.ToLower(rand.Text()) }

// renderedContent is a rendered message as the API shows it.
type renderedContent struct {
	Email      *renderedEmail    `json:"email,omitempty"`
	LINE       []json.RawMessage `json:"line,omitempty"`
	Push       *renderedPush     `json:"push,omitempty"`
	SMS        *renderedSMS      `json:"sms,omitempty"`
	Categories []string          `json:"categories,omitempty"`
}

type renderedSMS struct {
	Body string `json:"body"`
}

type renderedEmail struct {
	From           string `json:"from"`
	FromName       string `json:"fromName,omitempty"`
	ReplyTo        string `json:"replyTo,omitempty"`
	Subject        string `json:"subject"`
	HTML           string `json:"html,omitempty"`
	Text           string `json:"text"`
	UnsubscribeURL string `json:"unsubscribeUrl,omitempty"`
}

type renderedPush struct {
	Title    string            `json:"title"`
	Body     string            `json:"body"`
	ImageURL string            `json:"imageUrl,omitempty"`
	DeepLink string            `json:"deepLink,omitempty"`
	Data     map[string]string `json:"data,omitempty"`
}

func toRenderedContent(m channels.Message) renderedContent {
	r := renderedContent{LINE: m.LINE, Categories: m.Categories}
	if e := m.Email; e != nil {
		r.Email = &renderedEmail{From: e.From, FromName: e.FromName, ReplyTo: e.ReplyTo, Subject: e.Subject,
			HTML: e.HTML, Text: e.Text, UnsubscribeURL: e.UnsubscribeURL}
	}
	if p := m.Push; p != nil {
		r.Push = &renderedPush{Title: p.Title, Body: p.Body, ImageURL: p.ImageURL, DeepLink: p.DeepLink, Data: p.Data}
	}
	if m.SMS != nil {
		r.SMS = &renderedSMS{Body: m.SMS.Body}
	}
	return r
}
