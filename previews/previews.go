// Package previews renders a stored message template for a customer (a
// preview, which sends nothing) and sends it to one test address (a test
// send, recorded in the outbox with status "test" and sent through the
// workspace's provider when it has one), each one call for the API.
package previews

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/mail"
	"regexp"
	"strings"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/outbox"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/phone"
	"github.com/tabiji/tabiji/store"
)

// UnsubscribeURL stands for the customer's signed unsubscribe link in
// previews and test sends, which have no message to sign it for.
const UnsubscribeURL = "https://unsubscribe.invalid/preview"

// StatusTest is the outbox status of a message a test send recorded.
const StatusTest = "test"

// lineUserID is the form of a LINE user ID.
var lineUserID = regexp.MustCompile(`^U[0-9a-f]{32}$`)

// Service renders and test-sends message templates.
type Service struct {
	Store *store.Store
	// Channels gives each workspace's sender per channel.
	Channels *settings.Resolver
}

// Request is what a template is rendered with: its version (the latest
// when 0), a stored profile (ProfileID) or one given inline (Profile), the
// entry event, the latest event, the journey, and for a test send the
// address To.
type Request struct {
	// Channel and Content, when Content is set, are a draft rendered in
	// place of a stored template (TemplateID is then ignored): the
	// content is validated, and compiled from blocks, as it would be saved.
	Channel     string
	Content     json.RawMessage
	TemplateID  string
	Version     int
	ProfileID   string
	Profile     *journey.Profile
	Event       *journey.Event
	LatestEvent *journey.Event
	Journey     *Journey
	To          string
}

// Journey is the journey a template is rendered in.
type Journey struct {
	ID        string
	Version   int
	Variables map[string]any
}

// Rendered is a template rendered for a customer.
type Rendered struct {
	TemplateID string
	Version    int
	Channel    string
	CustomerID string
	MessageID  string
	Message    channels.Message
	// Source is the content rendered, as stored (a draft's as it would be
	// saved: an email's blocks with the HTML compiled from them).
	Source json.RawMessage
}

// Sent is a test send: the rendered message, where it went and how.
type Sent struct {
	Rendered
	To     string
	Status string
	// SentThrough is "outbox" when the workspace has no provider for the
	// channel, else the provider (sendgrid, line, fcm, twilio).
	SentThrough string
	ProviderID  string
}

// Preview renders the template; nothing is stored or sent. It returns
// store.ErrNotFound for a template the workspace lacks; its refusals are
// store.Refusals and field errors.
func (s *Service) Preview(ctx context.Context, workspaceID string, req Request) (Rendered, error) {
	return s.render(ctx, workspaceID, req, "preview")
}

// TestSend renders the template and sends it to req.To, which suppression
// holds as it holds a customer's address: recorded in the outbox (status
// "test"), then sent through the workspace's provider for the channel when
// it has one. A provider's refusal is a store.Refusal (ErrUnavailable).
func (s *Service) TestSend(ctx context.Context, workspaceID string, req Request) (Sent, error) {
	id := "test_" + strings.ToLower(rand.Text())
	r, err := s.render(ctx, workspaceID, req, id)
	if err != nil {
		return Sent{}, err
	}
	if err := validAddress(r.Channel, req.To); err != nil {
		return Sent{}, err
	}
	if err := s.notSuppressed(ctx, workspaceID, r.Channel, req.To); err != nil {
		return Sent{}, err
	}
	sender, err := s.Channels.Sender(ctx, workspaceID, r.Channel)
	if err != nil {
		return Sent{}, err
	}
	msg := r.Message
	subject, body := outboxText(msg)
	if _, _, err := s.Store.RecordMessage(ctx, store.Message{
		ID: id, WorkspaceID: workspaceID, CustomerID: r.CustomerID, NodeID: "template:" + r.TemplateID,
		JourneyVersion: r.Version, Channel: r.Channel, Subject: subject, Body: body, Status: StatusTest,
	}); err != nil {
		return Sent{}, err
	}
	out := Sent{Rendered: r, To: req.To, Status: StatusTest, SentThrough: "outbox"}
	if _, isOutbox := sender.(*outbox.Sender); !isOutbox {
		msg.WorkspaceID, msg.CustomerID, msg.NodeID, msg.To = workspaceID, r.CustomerID, "template:"+r.TemplateID, req.To
		if out.ProviderID, err = s.send(ctx, sender, msg); err != nil {
			return Sent{}, err
		}
		out.SentThrough = providerOf(r.Channel)
	}
	return out, nil
}

// notSuppressed refuses an address the workspace suppresses.
func (s *Service) notSuppressed(ctx context.Context, workspaceID, channel, to string) error {
	sp, err := s.Store.Suppressed(ctx, workspaceID, channel, to)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	return store.Refuse(store.ErrInvalid, "to: the address is suppressed ("+sp.Reason+"); a test send respects suppression",
		jsonfields.Error{Field: "to", Message: "is suppressed: " + sp.Reason})
}

// send sends the test message through the provider and records the
// outcome as a message event; a failure is refused after it is recorded.
func (s *Service) send(ctx context.Context, sender channels.Sender, msg channels.Message) (string, error) {
	res, sendErr := sender.Send(ctx, msg)
	ev := store.MessageEvent{WorkspaceID: msg.WorkspaceID, EventID: "send:" + msg.ID, MessageID: msg.ID,
		Status: StatusTest, ProviderEvent: "test_sent", ProviderID: res.ProviderID}
	if sendErr != nil {
		ev.Status, ev.ProviderEvent = "failed", "send_failed"
		ev.Detail, _ = json.Marshal(map[string]string{"reason": sendErr.Error()})
	}
	if _, _, err := s.Store.RecordMessageEvent(ctx, ev); err != nil {
		return "", err
	}
	switch {
	case sendErr == nil:
		return res.ProviderID, nil
	case channels.IsPermanent(sendErr):
		return "", store.Refuse(store.ErrUnavailable, providerOf(msg.Channel)+" refused the test message: "+sendErr.Error())
	}
	return "", store.Refuse(store.ErrUnavailable, providerOf(msg.Channel)+" did not take the test message (try again): "+sendErr.Error())
}

// providerOf names the provider of a channel.
func providerOf(channel string) string {
	return map[string]string{"email": "sendgrid", "line": "line", "push": "fcm", "sms": "twilio"}[channel]
}

// render reads the template and renders it with the request's data.
func (s *Service) render(ctx context.Context, workspaceID string, req Request, messageID string) (Rendered, error) {
	if req.Version < 0 {
		return Rendered{}, malformed("version", "must be a whole number from 1")
	}
	m, err := s.template(ctx, workspaceID, req)
	if err != nil {
		return Rendered{}, err
	}
	content, err := msgtemplates.Parse(m.Channel, m.Content)
	if err != nil {
		return Rendered{}, store.ContentRefusal(err)
	}
	data, err := s.data(ctx, workspaceID, req, messageID)
	if err != nil {
		return Rendered{}, err
	}
	msg, err := msgtemplates.Render(ctx, content, data)
	if err != nil {
		return Rendered{}, store.ContentRefusal(err)
	}
	return Rendered{TemplateID: m.ID, Version: m.Version, Channel: m.Channel, CustomerID: data.CustomerID,
		MessageID: messageID, Message: msg, Source: m.Content}, nil
}

// template is the stored template the request names, or its draft as it
// would be stored.
func (s *Service) template(ctx context.Context, workspaceID string, req Request) (store.MessageTemplate, error) {
	if req.Content == nil {
		return s.Store.GetMessageTemplate(ctx, workspaceID, req.TemplateID, req.Version)
	}
	content, err := store.TemplateContent(req.Channel, req.Content)
	if err != nil {
		return store.MessageTemplate{}, err
	}
	return store.MessageTemplate{ID: "draft", Channel: req.Channel, Content: content}, nil
}

// data is what the template renders with.
func (s *Service) data(ctx context.Context, workspaceID string, req Request, messageID string) (msgtemplates.Data, error) {
	d := msgtemplates.Data{CustomerID: "preview", MessageID: messageID, UnsubscribeURL: UnsubscribeURL, Latest: req.LatestEvent}
	switch {
	case req.ProfileID != "" && req.Profile != nil:
		return d, malformed("profile", "give profileId or profile, not both")
	case req.ProfileID != "":
		p, err := s.Store.GetProfile(ctx, workspaceID, req.ProfileID)
		if errors.Is(err, store.ErrNotFound) {
			return d, malformed("profileId", "no profile "+req.ProfileID+" in this workspace")
		}
		if err != nil {
			return d, err
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
	return d, nil
}

// validAddress checks a test send's address against its channel.
func validAddress(channel, to string) error {
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
		return malformed("to", rule)
	}
	return nil
}

// malformed is a refusal (ErrMalformed, a 400) on field.
func malformed(field, msg string) error {
	return store.Refuse(store.ErrMalformed, field+": "+msg, jsonfields.Error{Field: field, Message: msg})
}

// outboxText is the subject and body the outbox shows for a message.
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
