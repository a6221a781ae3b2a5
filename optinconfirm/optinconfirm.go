// Package optinconfirm confirms a double opt-in: the words of the page a
// confirmation link opens, in the workspace's language and with its
// advertising sender, and the confirmation itself (the customer's opt-in
// with the wording shown as its evidence, then the opt_in_confirmed event
// through the ingestion pipeline). Package optin makes and reads the
// links' tokens.
package optinconfirm

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/tabiji/tabiji/consent"
	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/optin"
	"github.com/tabiji/tabiji/store"
)

// ConfirmedEvent is the event a confirmed double opt-in records for the
// customer (properties channel and topic), so a journey can wait for it.
const ConfirmedEvent = "opt_in_confirmed"

// Service shows and records confirmations.
type Service struct {
	Store    *store.Store
	Pipeline *ingest.Pipeline
	Logger   *slog.Logger
}

// Page is what the confirmation page shows: Wording and Button ask (GET),
// Done thanks (after the confirmation).
type Page struct {
	Lang, Title, Wording, Button, Done string
}

// words are the page's words, by language; Wording's %s are the channel
// and the sender.
var words = map[string]Page{
	"en": {Title: "Confirm your subscription", Wording: "Yes, send me %s messages from %s.", Button: "Confirm", Done: "Thank you: your subscription is confirmed."},
	"ja": {Title: "配信登録の確認", Wording: "%[2]sからの%[1]sによるお知らせの受信に同意します。", Button: "登録を確定する", Done: "ありがとうございます。配信登録が完了しました。"},
}

// Page is the page for the token: its language follows the workspace's
// locale, the sender is the workspace's advertising sender.
func (s *Service) Page(ctx context.Context, t optin.Token) (Page, error) {
	p, err := s.Store.AdvertisingPolicy(ctx, t.WorkspaceID)
	if err != nil {
		return Page{}, err
	}
	lang := "en"
	if p.Locale == "ja" {
		lang = "ja"
	}
	w := words[lang]
	sender := p.SenderName
	if sender == "" {
		sender = map[string]string{"en": "us", "ja": "当店"}[lang]
	}
	w.Lang, w.Wording = lang, fmt.Sprintf(w.Wording, t.Channel, sender)
	return w, nil
}

// Confirm records the customer's opt-in on the token's channel and topic
// with its evidence (proof, with the wording the page showed), then the
// opt_in_confirmed event through the ingestion pipeline (its messageId
// derived from the confirmation message, so confirming twice stores it
// once). A failure to record the event is logged: the opt-in stands. It
// returns the page that thanks the customer.
func (s *Service) Confirm(ctx context.Context, t optin.Token, proof consent.Evidence) (Page, error) {
	page, err := s.Page(ctx, t)
	if err != nil {
		return Page{}, err
	}
	proof.Wording = page.Wording
	if _, err := s.Store.SetConsent(ctx, store.Consent{WorkspaceID: t.WorkspaceID, CustomerID: t.CustomerID, Channel: t.Channel,
		Topic: t.Topic, Status: store.OptedIn, Source: "double_opt_in", Evidence: proof.EvidenceJSON()}); err != nil {
		return Page{}, err
	}
	raw, _ := json.Marshal(map[string]any{"userId": t.CustomerID, "event": ConfirmedEvent, "messageId": "optin:" + t.MessageID + ":" + t.Channel + ":" + t.Topic,
		"properties": map[string]string{"channel": t.Channel, "topic": t.Topic}, "context": map[string]string{"ip": proof.IP, "userAgent": proof.UserAgent}})
	if m, err := ingest.Decode(ingest.Track, raw, time.Now().UTC()); err == nil {
		if _, err := s.Pipeline.Submit(ctx, t.WorkspaceID, []ingest.Message{m}); err != nil {
			// The opt-in stands; the event is what a journey may wait for.
			s.Logger.Error("record opt_in_confirmed", "workspace", t.WorkspaceID, "error", err)
		}
	}
	return page, nil
}
