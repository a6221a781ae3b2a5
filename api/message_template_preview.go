package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/previews"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// Preview and test send of message templates (message_templates.go).

// MessageTest is the outbox status of a message recorded by
// POST /v1/templates/{id}/test-send.
const MessageTest = previews.StatusTest

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
	// Source is a draft's content as it would be stored (POST
	// /v1/templates/render): an email's blocks with the compiled HTML.
	Source json.RawMessage `json:"source,omitempty"`
	// Valid is true on a checked draft the rules accept (render with check).
	Valid *bool `json:"valid,omitempty"`
}

// draftRequest is a preview request with the draft content to render.
// Check asks for the verdict as a check endpoint gives it: a draft the
// rules refuse is answered 200 with valid false and its field errors, so
// an editor checking as the marketer types gets no failing response.
type draftRequest struct {
	previewRequest
	Channel string          `json:"channel"`
	Content json.RawMessage `json:"content"`
	Check   bool            `json:"check"`
}

// draftVerdict is a checked draft the rules refuse (POST
// /v1/templates/render with check).
type draftVerdict struct {
	Valid  bool               `json:"valid"`
	Errors []jsonfields.Error `json:"errors"`
}

// renderDraft validates unsaved content as a save would (Liquid, each
// channel's rules, an email's blocks compiled to HTML) and renders it for
// a customer, as the console's editors do while the marketer types;
// nothing is stored or sent.
func (s *server) renderDraft(c *gin.Context) {
	var req draftRequest
	if !decodeJSON(c, 1<<20, &req, true) {
		return
	}
	if req.To != "" {
		invalid(c, "to", "is for test-send; a preview sends nothing")
		return
	}
	in := req.toPreviews("")
	in.Channel, in.Content = req.Channel, req.Content
	if in.Content == nil {
		in.Content = json.RawMessage("null")
	}
	r, err := s.previews.Preview(c.Request.Context(), workspace(c), in)
	if fields := draftFaults(err); req.Check && len(fields) > 0 {
		c.JSON(http.StatusOK, draftVerdict{Valid: false, Errors: fields})
		return
	}
	if s.answered(c, err) {
		return
	}
	out := toPreviewResponse(r)
	out.Source = r.Source
	if req.Check {
		valid := true
		out.Valid = &valid
	}
	c.JSON(http.StatusOK, out)
}

// draftFaults are the field errors of a draft the rules refuse (its
// content or its preview's data), none for any other error.
func draftFaults(err error) jsonfields.Errors {
	var fields jsonfields.Errors
	var unreadable taxonomy.DecodeError
	var refusal *store.Refusal
	switch {
	case errors.As(err, &refusal):
		if errors.Is(refusal.Kind, store.ErrMalformed) || refusalStatus(refusal.Kind) == http.StatusUnprocessableEntity {
			return refusal.Fields
		}
	case errors.As(err, &fields):
		return fields
	case errors.As(err, &unreadable):
		return jsonfields.Errors(unreadable)
	}
	return nil
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
	r, err := s.previews.Preview(c.Request.Context(), workspace(c), req.toPreviews(c.Param("id")))
	if s.answered(c, err, noTemplate(c)) {
		return
	}
	c.JSON(http.StatusOK, toPreviewResponse(r))
}

// testSendTemplate renders a template as a preview does and sends it to
// the address given through the channel's sender for the workspace (its
// provider settings, else the environment's; the development outbox when
// neither has credentials). The message log keeps it with status "test",
// which no provider event moves and neither frequency caps nor KPIs count;
// caps do not hold it back, but a suppressed address is refused
// (previews.Service.TestSend).
func (s *server) testSendTemplate(c *gin.Context) {
	var req previewRequest
	if !decodeJSON(c, 1<<20, &req, true) {
		return
	}
	sent, err := s.previews.TestSend(c.Request.Context(), workspace(c), req.toPreviews(c.Param("id")))
	if s.answered(c, err, noTemplate(c)) {
		return
	}
	out := toPreviewResponse(sent.Rendered)
	out.To, out.Status, out.SentThrough, out.ProviderID = sent.To, sent.Status, sent.SentThrough, sent.ProviderID
	c.JSON(http.StatusAccepted, out)
}

// toPreviews is the request as previews takes it.
func (r previewRequest) toPreviews(templateID string) previews.Request {
	out := previews.Request{TemplateID: templateID, Version: r.Version, ProfileID: r.ProfileID, Profile: r.Profile,
		Event: r.Event, LatestEvent: r.LatestEvent, To: r.To}
	if j := r.Journey; j != nil {
		out.Journey = &previews.Journey{ID: j.ID, Version: j.Version, Variables: j.Variables}
	}
	return out
}

// toPreviewResponse is a rendered template as the API shows it.
func toPreviewResponse(r previews.Rendered) previewResponse {
	return previewResponse{TemplateID: r.TemplateID, Version: r.Version, Channel: r.Channel, CustomerID: r.CustomerID,
		MessageID: r.MessageID, Content: toRenderedContent(r.Message)}
}

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
