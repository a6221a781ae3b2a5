package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/tabiji/tabiji/advertising"
	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/store"
)

// ReasonNoSender is the skip reason of a promotional email or SMS while
// the workspace enforces the advertising-mail policy and its sender's
// identity is incomplete (activation is refused then; this catches a
// policy changed under a running journey).
const ReasonNoSender = "no sender identity"

// adRules is how the workspace's advertising-mail policy applies to one
// message: promotional unless its send node, template or broadcast marks
// it transactional.
type adRules struct {
	policy      advertising.Policy
	promotional bool
}

// adRulesFor reads the workspace's policy for a message.
func (a *Activities) adRulesFor(ctx context.Context, workspaceID string, transactional bool) (adRules, error) {
	p, err := a.store.AdvertisingPolicy(ctx, workspaceID)
	if err != nil {
		return adRules{}, fmt.Errorf("read the advertising policy: %w", err)
	}
	return adRules{policy: p.Policy(), promotional: !transactional}, nil
}

// withheld is why the policy holds the customer's message back, "" when
// it does not: a promotional email or SMS needs the customer's recorded
// opt-in for the channel (as a whole or for the message's topic), and a
// complete sender identity.
func (a *Activities) withheld(ctx context.Context, ad adRules, workspaceID, customerID, channel, topic string) (string, error) {
	if !ad.policy.NeedsOptIn(channel, !ad.promotional) {
		return "", nil
	}
	in, err := a.store.HasOptIn(ctx, workspaceID, customerID, channel, topic)
	if err != nil {
		return "", fmt.Errorf("check opt-in: %w", err)
	}
	if !in {
		return advertising.ReasonNoOptIn, nil
	}
	if !ad.policy.Sender.Complete() {
		return ReasonNoSender, nil
	}
	return "", nil
}

// blocks says whether a message on channel carries the sender's
// identity: a promotional email or SMS (specified electronic mail), when
// the workspace has set its sender's identity (whether or not it enforces
// the policy).
func (ad adRules) blocks(channel string) bool {
	return ad.promotional && advertising.SpecifiedMail(channel) && ad.policy.Sender.Complete()
}

// addBlock adds the sender's identity to a promotional email (its block)
// or SMS (its one line).
func (ad adRules) addBlock(m *channels.Message) {
	if !ad.blocks(m.Channel) {
		return
	}
	switch {
	case m.Email != nil:
		ad.policy.Sender.AddBlock(m.Email, ad.policy.Locale)
	case m.SMS != nil:
		m.SMS.Body = ad.policy.Sender.AddToSMS(m.SMS.Body, ad.policy.Locale)
	}
}

// blockBody adds the sender's identity to an inline message's body as the
// outbox records it (an email's HTML, an SMS's text).
func (ad adRules) blockBody(channel, body string) string {
	switch {
	case !ad.blocks(channel):
		return body
	case channel == msgtemplates.ChannelEmail:
		body, _ = ad.policy.Sender.AddTo(body, "", ad.policy.Locale)
		return body
	}
	return ad.policy.Sender.AddToSMS(body, ad.policy.Locale)
}

// purpose is the message's consent topic and whether it is transactional:
// the send's own, else the stored template's (an unknown template is left
// for compose to report).
func (a *Activities) purpose(ctx context.Context, in SendInput) (topic string, transactional bool, err error) {
	if in.Template.Name == "" {
		return in.Topic, in.Transactional, nil
	}
	t, err := a.store.GetMessageTemplate(ctx, in.WorkspaceID, in.Template.Name, 0)
	if errors.Is(err, store.ErrNotFound) {
		return in.Topic, in.Transactional, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read the purpose of template %q: %w", in.Template.Name, err)
	}
	c, err := msgtemplates.Parse(t.Channel, t.Content)
	if err != nil {
		return in.Topic, in.Transactional, nil //nolint:nilerr // content that does not parse names no purpose; rendering reports it
	}
	if in.Topic == "" {
		in.Topic = c.Topic()
	}
	return in.Topic, in.Transactional || c.Transactional(), nil
}
