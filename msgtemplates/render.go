package msgtemplates

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/emailblocks"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/msgtemplates/liquid"
)

// Data is what a template is rendered with.
type Data struct {
	CustomerID string
	Profile    *journey.Profile // nil: only profile.id is known
	Entry      journey.Event    // the event that entered the customer into the journey
	Latest     *journey.Event   // the latest event the run received; nil: the entry event
	JourneyID  string
	Version    int
	Variables  map[string]any
	MessageID  string
	// UnsubscribeURL is the customer's signed unsubscribe link.
	UnsubscribeURL string
	// ConfirmURL is the customer's signed double opt-in confirmation link
	// for the message's channel and topic (package optin).
	ConfirmURL string
	// Lead is the customer's lead context on a lead step (a send with
	// lead: true): profile, score, score_history, recent_events and
	// recent_pages, seen as lead; nil elsewhere.
	Lead map[string]any
}

// Bindings are the names templates see. They extend Bindings
// (customer, event, journey) without changing them: profile is the same
// map as customer (id, traits, tags, email, phone, timezone, locale, and
// line_user_id); event is the entry event (name, properties, timestamp)
// and also holds event.entry and event.latest; message holds id,
// unsubscribe_url and confirm_url; lead is the lead context on a lead step.
func (d Data) Bindings() map[string]any {
	profile := map[string]any{"id": d.CustomerID}
	if p := d.Profile; p != nil {
		profile["traits"], profile["tags"] = p.Traits, p.Tags
		profile["email"], profile["phone"] = p.Email, p.Phone
		profile["timezone"], profile["locale"] = p.Timezone, p.Locale
		profile["line_user_id"] = p.LineUserID
	}
	latest := d.Entry
	if d.Latest != nil {
		latest = *d.Latest
	}
	event := eventBinding(d.Entry)
	event["entry"], event["latest"] = eventBinding(d.Entry), eventBinding(latest)
	b := map[string]any{
		"profile":  profile,
		"customer": profile,
		"event":    event,
		"journey":  map[string]any{"id": d.JourneyID, "version": d.Version, "variables": d.Variables},
		"message":  map[string]any{"id": d.MessageID, "unsubscribe_url": d.UnsubscribeURL, "confirm_url": d.ConfirmURL},
	}
	if d.Lead != nil {
		b["lead"] = d.Lead
	}
	return b
}

// htmlField is the one field rendered as HTML.
const htmlField = "content.html"

// oneLineFields become email headers: no CR or LF may reach them.
var oneLineFields = map[string]bool{
	"content.subject": true, "content.from": true, "content.fromName": true, "content.replyTo": true,
	"content.preheader": true,
}

func eventBinding(e journey.Event) map[string]any {
	return map[string]any{"name": e.Name, "properties": e.Properties, "timestamp": e.Timestamp}
}

// Render fills the content with d into a message of the content's channel:
// ID, CustomerID, Channel, Categories and one of Email, LINE, Push and SMS. The
// caller sets the address and the run. The rendered content is validated
// again, strictly (an https URL that Liquid made, a subject Liquid left
// empty); its error is an Errors naming the field, or a Liquid error
// naming it. An email whose HTML is written by hand gets its preheader
// as the hidden preview line at the top of the body (one made of blocks
// has it from CompileBlocks). Rendering is sandboxed (see package liquid): outputs in
// content.html are HTML-escaped unless raw, and the subject and the
// sender's fields are one line (CR and LF become spaces).
func Render(ctx context.Context, c Content, d Data) (channels.Message, error) {
	bindings := d.Bindings()
	out, err := walkStrings(c, func(field, s string) (string, error) {
		r := s
		if hasLiquid(s) {
			var err error
			if r, err = liquid.Default().RenderWith(ctx, s, bindings, liquid.Options{HTML: field == htmlField}); err != nil {
				return "", Errors{{Field: field, Message: "cannot be rendered: " + err.Error()}}
			}
		}
		if oneLineFields[field] {
			r = OneLine(r)
		}
		return r, nil
	})
	if err != nil {
		return channels.Message{}, err
	}
	var errs Errors
	m := channels.Message{ID: d.MessageID, CustomerID: d.CustomerID, Channel: c.Channel, Topic: c.Topic()}
	switch {
	case out.Email != nil:
		e := out.Email
		if e.Text == "" {
			e.Text = TextFromHTML(e.HTML)
		}
		// An email made of blocks has its preheader in the compiled HTML;
		// HTML written by hand gets it here, after the text part is taken.
		if len(e.Blocks) == 0 && e.Preheader != "" && e.HTML != "" {
			e.HTML = emailblocks.WithPreheader(e.HTML, e.Preheader)
		}
		validateEmail(&errs, e, false)
		m.Email = &channels.Email{From: e.From, FromName: e.FromName, ReplyTo: e.ReplyTo, Subject: e.Subject,
			HTML: e.HTML, Text: e.Text, UnsubscribeURL: d.UnsubscribeURL}
		m.Categories = e.Categories
	case out.LINE != nil:
		validateLINE(&errs, out.LINE.Messages, false)
		m.LINE = out.LINE.Messages
	case out.Push != nil:
		p := out.Push
		validatePush(&errs, p, false)
		m.Push = &channels.Push{Title: p.Title, Body: p.Body, ImageURL: p.ImageURL, DeepLink: p.DeepLink, Data: p.Data}
	case out.SMS != nil:
		validateSMS(&errs, out.SMS)
		m.SMS = &channels.SMS{Body: out.SMS.Body}
	}
	if len(errs) > 0 {
		return channels.Message{}, errs
	}
	return m, nil
}

// walkStrings returns a copy of c with fn applied to every Liquid-bearing
// string, named by its field path; email categories and data keys are not
// Liquid.
func walkStrings(c Content, fn func(field, s string) (string, error)) (Content, error) {
	out := Content{Channel: c.Channel}
	var err error
	apply := func(field string, s *string) {
		if err == nil && *s != "" {
			*s, err = fn(field, *s)
		}
	}
	switch {
	case c.Email != nil:
		e := *c.Email
		apply("content.subject", &e.Subject)
		apply("content.html", &e.HTML)
		apply("content.text", &e.Text)
		apply("content.from", &e.From)
		apply("content.fromName", &e.FromName)
		apply("content.replyTo", &e.ReplyTo)
		if len(e.Blocks) == 0 {
			apply("content.preheader", &e.Preheader)
		}
		out.Email = &e
	case c.Push != nil:
		p := *c.Push
		p.Data = maps.Clone(p.Data)
		apply("content.title", &p.Title)
		apply("content.body", &p.Body)
		apply("content.imageUrl", &p.ImageURL)
		apply("content.deepLink", &p.DeepLink)
		for _, k := range sortedKeys(p.Data) {
			v := p.Data[k]
			apply("content.data."+k, &v)
			p.Data[k] = v
		}
		out.Push = &p
	case c.SMS != nil:
		sms := *c.SMS
		apply("content.body", &sms.Body)
		out.SMS = &sms
	case c.LINE != nil:
		out.LINE = &LINE{}
		out.LINE.Messages, err = walkLINE(c.LINE.Messages, fn)
	}
	return out, err
}

// walkLINE maps the strings of each LINE message: the output is made by
// encoding/json from the decoded object, so it is always valid JSON,
// whatever the Liquid rendered.
func walkLINE(messages []json.RawMessage, fn func(field, s string) (string, error)) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(messages))
	for i, raw := range messages {
		path := fmt.Sprintf("content.messages[%d]", i)
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, Errors{{Field: path, Message: "must be a LINE message object"}}
		}
		r, err := mapStrings(path, v, fn)
		if err != nil {
			return nil, err
		}
		if out[i], err = json.Marshal(r); err != nil {
			return nil, fmt.Errorf("msgtemplates: unable to encode %s: %w", path, err)
		}
	}
	return out, nil
}
