package sendgrid

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sendgrid/rest"
	sg "github.com/sendgrid/sendgrid-go"
	"github.com/sendgrid/sendgrid-go/helpers/mail"

	"github.com/tabiji/tabiji/channels"
)

// BatchLimit is the most personalizations one Mail Send request may carry.
const BatchLimit = 1000

// Personalization is one recipient of a batch: its own message ID (in
// custom_args, so webhook events find the message), address, subject, the
// values of the batch content's substitution tags, and its one-click
// unsubscribe link.
type Personalization struct {
	MessageID      string
	To             string
	Subject        string // the batch's when empty
	Substitutions  map[string]string
	UnsubscribeURL string
}

// SendBatch sends the content of base to every recipient in one Mail Send
// request of up to BatchLimit personalizations. base.To and base.ID are
// ignored; base's workspace, workflow and node go into every
// personalization's custom_args beside its message ID, with base's
// consent topic (webhooks apply an unsubscribe to it). The provider ID is
// SendGrid's X-Message-Id of the request.
func (s *Sender) SendBatch(ctx context.Context, base channels.Message, recipients []Personalization) (channels.Result, error) {
	if base.Email == nil || (base.Email.HTML == "" && base.Email.Text == "") {
		return channels.Result{}, &channels.PermanentError{Reason: "sendgrid: batch has no email content"}
	}
	if len(recipients) == 0 || len(recipients) > BatchLimit {
		return channels.Result{}, &channels.PermanentError{Reason: fmt.Sprintf("sendgrid: a batch holds 1 to %d recipients, not %d", BatchLimit, len(recipients))}
	}
	body := s.mail(base)
	body.Personalizations = nil
	for _, r := range recipients {
		body.AddPersonalizations(personalization(base, r))
	}
	id := recipients[0].MessageID + "…"
	req := sg.GetRequest(s.cfg.APIKey, "/v3/mail/send", strings.TrimRight(s.cfg.BaseURL, "/"))
	req.Method = rest.Post
	req.Headers["Content-Type"] = "application/json"
	req.Body = mail.GetRequestBody(body)
	res, err := s.client.SendWithContext(ctx, req)
	if err != nil {
		return channels.Result{}, fmt.Errorf("sendgrid: send batch %s: %w", id, err)
	}
	if res.StatusCode/100 == 2 {
		return channels.Result{ProviderID: header(res.Headers, "X-Message-Id")}, nil
	}
	return channels.Result{}, classify(id, res, time.Now())
}

func personalization(base channels.Message, r Personalization) *mail.Personalization {
	p := mail.NewPersonalization()
	p.AddTos(mail.NewEmail("", r.To))
	p.Subject = r.Subject
	for k, v := range map[string]string{"message_id": r.MessageID, "workflow_id": base.WorkflowID, "node_id": base.NodeID,
		"workspace_id": base.WorkspaceID, "topic": base.Topic} {
		if v != "" {
			p.SetCustomArg(k, v)
		}
	}
	for k, v := range r.Substitutions {
		p.SetSubstitution(k, v)
	}
	if r.UnsubscribeURL != "" {
		p.SetHeader("List-Unsubscribe", "<"+r.UnsubscribeURL+">")
		p.SetHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	return p
}
