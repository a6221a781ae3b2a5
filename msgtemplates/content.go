// Package msgtemplates holds message templates per channel (email, LINE,
// push, SMS): their content, its validation, and its rendering with Liquid into
// the content of a channels.Message. It does no I/O.
package msgtemplates

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/tabiji/tabiji/emailblocks"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/msgtemplates/liquid"
)

// Channels a template can be written for.
const (
	ChannelEmail = "email"
	ChannelLINE  = "line"
	ChannelPush  = "push"
	ChannelSMS   = "sms"
)

// Channels lists every channel, in the order problems name them.
var Channels = []string{ChannelEmail, ChannelLINE, ChannelPush, ChannelSMS}

// Email is the content of an email template. Every string is Liquid.
type Email struct {
	Subject  string `json:"subject"`
	HTML     string `json:"html,omitempty"`
	Text     string `json:"text,omitempty"` // derived from HTML when empty
	From     string `json:"from"`           // an address: "news@shop.example"
	FromName string `json:"fromName,omitempty"`
	ReplyTo  string `json:"replyTo,omitempty"`
	// Categories tag the message at SendGrid (at most 10, not Liquid).
	Categories []string `json:"categories,omitempty"`
	// Topic is the consent topic of messages from this template (not
	// Liquid); a send node's own topic wins over it.
	Topic string `json:"topic,omitempty"`
	// Preheader is the line mail clients show after the subject, put in
	// the HTML when it is compiled from Blocks.
	Preheader string `json:"preheader,omitempty"`
	// Blocks are the email as the console's block editor makes it; when
	// set, the template's HTML and Text are compiled from them as it is
	// saved (CompileBlocks), and the send path renders that HTML.
	Blocks []emailblocks.Block `json:"blocks,omitempty"`
	// Transactional marks a template that is not advertising (a receipt, a
	// confirmation): messages from it are sent without the opt-in the
	// advertising-mail policy asks of promotional ones, and without the
	// sender block. Messages are promotional unless the template, the send
	// node or the broadcast says so.
	Transactional bool `json:"transactional,omitempty"`
}

// LINE is the content of a LINE template: one to five message objects as
// the Messaging API defines them (text, image or flex, each with an
// optional quickReply). Every string inside them is Liquid.
type LINE struct {
	Messages []json.RawMessage `json:"messages"`
	Topic    string            `json:"topic,omitempty"` // as Email.Topic
	// Transactional is as Email.Transactional.
	Transactional bool `json:"transactional,omitempty"`
}

// Push is the content of a push template. Every string is Liquid.
type Push struct {
	Title    string            `json:"title"`
	Body     string            `json:"body"`
	ImageURL string            `json:"imageUrl,omitempty"`
	DeepLink string            `json:"deepLink,omitempty"`
	Data     map[string]string `json:"data,omitempty"`
	Topic    string            `json:"topic,omitempty"` // as Email.Topic
	// Transactional is as Email.Transactional.
	Transactional bool `json:"transactional,omitempty"`
}

// SMS is the content of an SMS template: the text, which is Liquid. Twilio
// takes at most SMSBodyLimit characters (sent as several segments past 70
// characters of Japanese or 160 of plain ASCII).
type SMS struct {
	Body  string `json:"body"`
	Topic string `json:"topic,omitempty"` // as Email.Topic
}

// SMSBodyLimit is the most characters an SMS body may have once rendered
// (Twilio's limit for one message).
const SMSBodyLimit = 1600

// Content is a template's content for its channel: exactly one of Email,
// LINE, Push and SMS is set. It is stored as that one's JSON.
type Content struct {
	Channel string
	Email   *Email
	LINE    *LINE
	Push    *Push
	SMS     *SMS
}

// Topic is the consent topic the content names, "" for none.
func (c Content) Topic() string {
	switch {
	case c.Email != nil:
		return c.Email.Topic
	case c.LINE != nil:
		return c.LINE.Topic
	case c.Push != nil:
		return c.Push.Topic
	case c.SMS != nil:
		return c.SMS.Topic
	}
	return ""
}

// Transactional says whether the content marks itself transactional.
func (c Content) Transactional() bool {
	switch {
	case c.Email != nil:
		return c.Email.Transactional
	case c.LINE != nil:
		return c.LINE.Transactional
	case c.Push != nil:
		return c.Push.Transactional
	}
	return false
}

// MarshalJSON writes the channel's content.
func (c Content) MarshalJSON() ([]byte, error) {
	switch c.Channel {
	case ChannelEmail:
		return json.Marshal(c.Email)
	case ChannelLINE:
		return json.Marshal(c.LINE)
	case ChannelPush:
		return json.Marshal(c.Push)
	case ChannelSMS:
		return json.Marshal(c.SMS)
	}
	return nil, fmt.Errorf("msgtemplates: unknown channel %q", c.Channel)
}

// Errors are every problem found in a template's content, each at a path
// from the content ("content.messages[0].contents.body.contents").
type Errors = jsonfields.Errors

// Parse reads the content of a template of channel, strictly (an unknown
// field is an error), and validates it, Liquid included. Its error is an
// Errors whose fields start with "content".
func Parse(channel string, raw json.RawMessage) (Content, error) {
	c := Content{Channel: channel}
	var target any
	switch channel {
	case ChannelEmail:
		c.Email, target = &Email{}, &c.Email
	case ChannelLINE:
		c.LINE, target = &LINE{}, &c.LINE
	case ChannelPush:
		c.Push, target = &Push{}, &c.Push
	case ChannelSMS:
		c.SMS, target = &SMS{}, &c.SMS
	default:
		return Content{}, Errors{{Field: "channel", Message: "must be one of " + strings.Join(Channels, ", ")}}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(target); err != nil {
		return Content{}, Errors{decodeError(err)}
	}
	if errs := c.Validate(); len(errs) > 0 {
		return Content{}, errs
	}
	return c, nil
}

func decodeError(err error) jsonfields.Error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return jsonfields.Error{Field: "content." + typeErr.Field, Message: "must be a " + typeErr.Type.String()}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return jsonfields.Error{Field: "content." + strings.Trim(name, `"`), Message: "unknown field"}
	}
	return jsonfields.Error{Field: "content", Message: "must be a JSON object: " + err.Error()}
}

// Validate checks the content before rendering: required fields, addresses,
// URLs (unless Liquid makes them), LINE objects against the Messaging API
// description, and that every Liquid string parses.
func (c Content) Validate() Errors {
	var errs Errors
	switch {
	case c.Email != nil:
		validateEmail(&errs, c.Email, true)
	case c.LINE != nil:
		validateLINE(&errs, c.LINE.Messages, true)
	case c.Push != nil:
		validatePush(&errs, c.Push, true)
	case c.SMS != nil:
		validateSMS(&errs, c.SMS)
	}
	checkLiquid(&errs, c)
	return errs
}

func validateEmail(errs *Errors, e *Email, template bool) {
	required(errs, "content.subject", e.Subject)
	if strings.TrimSpace(e.HTML) == "" && strings.TrimSpace(e.Text) == "" && len(e.Blocks) == 0 {
		errs.Add("content.html", "is required (or text, or blocks): the body of the email")
	}
	*errs = append(*errs, emailblocks.Validate("content.blocks", e.Blocks)...)
	if required(errs, "content.from", e.From) {
		address(errs, "content.from", e.From, template)
	}
	if e.ReplyTo != "" {
		address(errs, "content.replyTo", e.ReplyTo, template)
	}
	if len(e.Categories) > 10 {
		errs.Add("content.categories", "has more than 10 categories")
	}
	for i, cat := range e.Categories {
		if strings.TrimSpace(cat) == "" || len(cat) > 255 {
			errs.Add(fmt.Sprintf("content.categories[%d]", i), "must be 1-255 characters")
		}
	}
}

func validatePush(errs *Errors, p *Push, template bool) {
	required(errs, "content.title", p.Title)
	required(errs, "content.body", p.Body)
	if p.ImageURL != "" {
		httpsURL(errs, "content.imageUrl", p.ImageURL, template)
	}
	if p.DeepLink != "" && !(template && hasLiquid(p.DeepLink)) {
		if u, err := url.Parse(p.DeepLink); err != nil || u.Scheme == "" {
			errs.Add("content.deepLink", "must be a URL with a scheme (https://… or myapp://…)")
		}
	}
	for k := range p.Data {
		if k == "" || hasLiquid(k) {
			errs.Add("content.data", "keys must be plain, non-empty names")
		}
	}
}

// validateSMS checks the body: required, and (once rendered, or when it
// has no Liquid) within SMSBodyLimit characters.
func validateSMS(errs *Errors, s *SMS) {
	if required(errs, "content.body", s.Body) && utf8.RuneCountInString(s.Body) > SMSBodyLimit && !hasLiquid(s.Body) {
		errs.Add("content.body", fmt.Sprintf("has %d characters: an SMS may have at most %d", utf8.RuneCountInString(s.Body), SMSBodyLimit))
	}
}

func required(errs *Errors, field, v string) bool {
	if strings.TrimSpace(v) == "" {
		errs.Add(field, "is required")
		return false
	}
	return true
}

func address(errs *Errors, field, v string, template bool) {
	if template && hasLiquid(v) {
		return
	}
	if a, err := mail.ParseAddress(v); err != nil || a.Name != "" {
		errs.Add(field, "must be an email address (name@domain)")
	}
}

// httpsURL checks an https URL; a template's URL made by Liquid is checked
// once rendered, unless its start is literal and already wrong.
func httpsURL(errs *Errors, field, v string, template bool) {
	if template && hasLiquid(v) {
		if !strings.HasPrefix(v, "https://") && !strings.HasPrefix(strings.TrimSpace(v), "{") {
			errs.Add(field, "must be an https URL")
		}
		return
	}
	if u, err := url.Parse(v); err != nil || u.Scheme != "https" || u.Host == "" {
		errs.Add(field, "must be an https URL")
	}
}

// checkLiquid checks every Liquid string of the content in the sandbox
// (parsed, no include, within the budgets whatever the data), naming each
// field that fails.
func checkLiquid(errs *Errors, c Content) {
	check := func(field, s string) {
		if err := liquid.Default().Check(s); err != nil {
			errs.Add(field, "is not valid Liquid: "+err.Error())
		} else if unclosedOutput(s) {
			// osteele/liquid prints an unclosed "{{" as text: never what was meant.
			errs.Add(field, "is not valid Liquid: a {{ is never closed by }}")
		}
	}
	_, _ = walkStrings(c, func(field, s string) (string, error) {
		check(field, s)
		return s, nil
	})
	if c.Email != nil {
		check("content.preheader", c.Email.Preheader)
		emailblocks.Strings("content.blocks", c.Email.Blocks, check)
	}
}

func unclosedOutput(s string) bool {
	for {
		open := strings.Index(s, "{{")
		if open < 0 {
			return false
		}
		end := strings.Index(s[open:], "}}")
		if end < 0 {
			return true
		}
		s = s[open+end+2:]
	}
}
