package previews

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/mail"
	"strings"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/outbox"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/store"
)

// ChannelTest is a test of a channel's settings: a fixed message sent to
// one address the person types (From: the sender's address, for email).
type ChannelTest struct {
	Channel, To, From string
}

// testText is the channel test's words, in both of the console's languages.
const (
	testSubject = "Tabiji テスト配信 / test message"
	testText    = "Tabijiからのテスト配信です。チャネルの設定で送れています。\nThis is a test message from Tabiji: the channel's settings work."
)

// SendChannelTest sends a fixed test message on the channel to t.To, held
// to suppression as a customer's address is, recorded in the outbox (status
// "test") and sent through the workspace's provider for the channel when it
// has one: one call that shows whether the channel's settings work. An
// unknown channel is store.ErrNotFound; a bad address a refusal naming
// "to" (or "from"); a provider's refusal a store.Refusal (ErrUnavailable).
func (s *Service) SendChannelTest(ctx context.Context, workspaceID string, t ChannelTest) (Sent, error) {
	if !settings.KnownChannel(t.Channel) {
		return Sent{}, store.Refuse(store.ErrNotFound, "no channel "+t.Channel+": it is email, line, push or sms")
	}
	if err := validAddress(t.Channel, t.To); err != nil {
		return Sent{}, err
	}
	msg, err := testMessage(t)
	if err != nil {
		return Sent{}, err
	}
	if err := s.notSuppressed(ctx, workspaceID, t.Channel, t.To); err != nil {
		return Sent{}, err
	}
	sender, err := s.Channels.Sender(ctx, workspaceID, t.Channel)
	if err != nil {
		return Sent{}, err
	}
	id := "test_" + strings.ToLower(rand.Text())
	msg.ID, msg.WorkspaceID, msg.CustomerID, msg.NodeID, msg.Channel, msg.To = id, workspaceID, "preview", "channel:"+t.Channel, t.Channel, t.To
	subject, body := outboxText(msg)
	if _, _, err := s.Store.RecordMessage(ctx, store.Message{ID: id, WorkspaceID: workspaceID, CustomerID: msg.CustomerID,
		NodeID: msg.NodeID, Channel: t.Channel, Subject: subject, Body: body, Status: StatusTest}); err != nil {
		return Sent{}, err
	}
	out := Sent{Rendered: Rendered{Channel: t.Channel, CustomerID: msg.CustomerID, MessageID: id, Message: msg},
		To: t.To, Status: StatusTest, SentThrough: "outbox"}
	if _, isOutbox := sender.(*outbox.Sender); !isOutbox {
		if out.ProviderID, err = s.send(ctx, sender, msg); err != nil {
			return Sent{}, err
		}
		out.SentThrough = providerOf(t.Channel)
	}
	return out, nil
}

// testMessage is the channel test's content; an email needs its sender's
// address.
func testMessage(t ChannelTest) (channels.Message, error) {
	switch t.Channel {
	case "email":
		if a, err := mail.ParseAddress(t.From); err != nil || a.Address != t.From {
			return channels.Message{}, malformed("from", "must be the sender's email address (name@domain), as the provider knows it")
		}
		return channels.Message{Email: &channels.Email{From: t.From, Subject: testSubject,
			HTML: "<p>" + strings.ReplaceAll(testText, "\n", "<br>") + "</p>", Text: testText}}, nil
	case "line":
		text, err := json.Marshal(map[string]string{"type": "text", "text": testText})
		return channels.Message{LINE: []json.RawMessage{text}}, err
	case "push":
		return channels.Message{Push: &channels.Push{Title: testSubject, Body: testText}}, nil
	}
	return channels.Message{SMS: &channels.SMS{Body: testText}}, nil
}
