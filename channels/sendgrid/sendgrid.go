// Package sendgrid sends email through SendGrid's v3 Mail Send API with the
// official sendgrid-go client.
package sendgrid

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sendgrid/rest"
	sg "github.com/sendgrid/sendgrid-go"
	"github.com/sendgrid/sendgrid-go/helpers/mail"

	"github.com/tabiji/tabiji/channels"
)

// DefaultBaseURL is SendGrid's API host.
const DefaultBaseURL = "https://api.sendgrid.com"

// Config configures the SendGrid sender.
type Config struct {
	APIKey  string
	BaseURL string // DefaultBaseURL when empty; a fake server in tests
	Sandbox bool   // every message in sandbox mode: validated, never delivered
	// HTTPClient is used for requests; a client with a 30 s timeout when nil.
	HTTPClient *http.Client
}

// Sender sends email through SendGrid.
type Sender struct {
	cfg    Config
	client *rest.Client
}

// NewSender returns a SendGrid sender.
func NewSender(cfg Config) (*Sender, error) {
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("sendgrid: an API key is required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Sender{cfg: cfg, client: &rest.Client{HTTPClient: hc}}, nil
}

// Send sends one email. The provider ID is SendGrid's X-Message-Id.
func (s *Sender) Send(ctx context.Context, m channels.Message) (channels.Result, error) {
	if m.Email == nil || (m.Email.HTML == "" && m.Email.Text == "") {
		return channels.Result{}, &channels.PermanentError{Reason: "sendgrid: message " + m.ID + " has no email content"}
	}
	req := sg.GetRequest(s.cfg.APIKey, "/v3/mail/send", strings.TrimRight(s.cfg.BaseURL, "/"))
	req.Method = rest.Post
	req.Headers["Content-Type"] = "application/json"
	req.Body = mail.GetRequestBody(s.mail(m))
	res, err := s.client.SendWithContext(ctx, req)
	if err != nil {
		return channels.Result{}, fmt.Errorf("sendgrid: send %s: %w", m.ID, err)
	}
	if res.StatusCode/100 == 2 {
		return channels.Result{ProviderID: header(res.Headers, "X-Message-Id")}, nil
	}
	return channels.Result{}, classify(m.ID, res, time.Now())
}

// mail builds the Mail Send body: one personalization to m.To carrying the
// message's identity in custom_args (SendGrid echoes them on every Event
// Webhook event; they sit on the personalization because the published
// description types the top-level custom_args as a string), and the
// RFC 8058 one-click unsubscribe headers.
func (s *Sender) mail(m channels.Message) *mail.SGMailV3 {
	e := m.Email
	text := e.Text
	if text == "" && e.HTML != "" {
		text = HTMLToText(e.HTML)
	}
	v := mail.NewV3Mail()
	v.SetFrom(mail.NewEmail(e.FromName, e.From))
	v.Subject = e.Subject
	p := mail.NewPersonalization()
	p.AddTos(mail.NewEmail("", m.To))
	for k, val := range map[string]string{"message_id": m.ID, "workflow_id": m.WorkflowID, "node_id": m.NodeID,
		"workspace_id": m.WorkspaceID, "topic": m.Topic} {
		if val != "" {
			p.SetCustomArg(k, val)
		}
	}
	v.AddPersonalizations(p)
	if e.ReplyTo != "" {
		v.SetReplyTo(mail.NewEmail("", e.ReplyTo))
	}
	if text != "" {
		v.AddContent(mail.NewContent("text/plain", text))
	}
	if e.HTML != "" {
		v.AddContent(mail.NewContent("text/html", e.HTML))
	}
	if len(m.Categories) > 0 {
		// SendGrid refuses a repeated category (uniqueItems).
		v.AddCategories(slices.Compact(slices.Sorted(slices.Values(m.Categories)))...)
	}
	if e.UnsubscribeURL != "" {
		v.SetHeader("List-Unsubscribe", "<"+e.UnsubscribeURL+">")
		v.SetHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	if s.cfg.Sandbox || e.Sandbox {
		v.SetMailSettings(mail.NewMailSettings().SetSandboxMode(mail.NewSetting(true)))
	}
	return v
}

// classify turns a non-2xx answer into the channels error classes.
func classify(id string, res *rest.Response, now time.Time) error {
	switch code := res.StatusCode; code {
	case http.StatusTooManyRequests:
		return &channels.RateLimitError{Status: code, RetryAfter: retryAfter(res.Headers, now)}
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestEntityTooLarge:
		return &channels.PermanentError{Status: code, Reason: reason(res.Body)}
	default: // an answer that is not 2xx: SendGrid did not take the message
		return fmt.Errorf("sendgrid: send %s: %w", id, &channels.TransientError{Status: code, Reason: strings.TrimSpace(res.Body)})
	}
}

// reason joins SendGrid's errors[].message (with the field when given).
func reason(body string) string {
	var parsed struct {
		Errors []struct {
			Message string  `json:"message"`
			Field   *string `json:"field"`
		} `json:"errors"`
	}
	if json.Unmarshal([]byte(body), &parsed) != nil || len(parsed.Errors) == 0 {
		return strings.TrimSpace(body)
	}
	msgs := make([]string, 0, len(parsed.Errors))
	for _, e := range parsed.Errors {
		if e.Field != nil && *e.Field != "" {
			msgs = append(msgs, *e.Field+": "+e.Message)
		} else {
			msgs = append(msgs, e.Message)
		}
	}
	return strings.Join(msgs, "; ")
}

// retryAfter reads X-RateLimit-Reset (epoch seconds) or Retry-After
// (seconds), falling back to one second.
func retryAfter(h map[string][]string, now time.Time) time.Duration {
	if reset, err := strconv.ParseInt(header(h, "X-RateLimit-Reset"), 10, 64); err == nil {
		if d := time.Unix(reset, 0).Sub(now); d > 0 {
			return d
		}
	}
	if secs, err := strconv.Atoi(header(h, "Retry-After")); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	return time.Second
}

func header(h map[string][]string, name string) string {
	return http.Header(h).Get(name)
}
