package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/tabiji/tabiji/channels/twilio"
	"github.com/tabiji/tabiji/consent"
	"github.com/tabiji/tabiji/engagement"
	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/phone"
	"github.com/tabiji/tabiji/store"
)

// handleTwilioInbound applies one inbound SMS once (by its message SID): a
// STOP-style reply opts the customer out of SMS and suppresses the number,
// a START-style one opts them back in, and every reply is stored as the
// customer's sms_replied event.
func (s *Service) handleTwilioInbound(ctx context.Context, ws string, form url.Values) error {
	sid := form.Get("MessageSid")
	from, err := phone.E164(form.Get("From"), "")
	if sid == "" || err != nil {
		return nil //nolint:nilerr // not a message from a phone number: nothing to apply, and Twilio must not retry it
	}
	if seen, err := s.Store.WebhookSeen(ctx, ws, "twilio", sid); err != nil || seen {
		return err
	}
	customer, err := s.smsCustomer(ctx, ws, from, sid)
	if err != nil {
		return err
	}
	keyword := twilio.Keyword(form.Get("Body"), form.Get("OptOutType"))
	proof := consent.Evidence{Wording: form.Get("Body"), MessageID: sid}
	if err := s.applySMSConsent(ctx, ws, customer, from, keyword, proof); err != nil {
		return err
	}
	if err := s.recordSMSReply(ctx, ws, customer, from, keyword, form); err != nil {
		return err
	}
	return s.Store.MarkWebhookSeen(ctx, ws, "twilio", sid)
}

// smsCustomer is the id of the profile whose phone is the number, in any
// form it was written; an unknown number gets a profile of its own,
// "sms:<number>", made by an identify call carrying the trait phone.
func (s *Service) smsCustomer(ctx context.Context, ws, number, sid string) (string, error) {
	id, err := s.Store.CustomerByAddress(ctx, ws, "sms", number)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return id, err
	}
	id = "sms:" + number
	raw, _ := json.Marshal(map[string]any{"userId": id, "messageId": "sms-identify:" + number,
		"timestamp": time.Now().UTC(), "traits": map[string]any{"phone": number}})
	m, err := ingest.Decode(ingest.Identify, raw, time.Now().UTC())
	if err != nil {
		return "", fmt.Errorf("decode identify of a new SMS sender: %w", err)
	}
	if _, err := s.Pipeline.Submit(ctx, ws, []ingest.Message{m}); err != nil {
		return "", fmt.Errorf("identify a new SMS sender (%s): %w", sid, err)
	}
	return id, nil
}

// applySMSConsent opts the customer out of SMS on a stop word (and
// suppresses the number), or back in on a start word (and lifts it); the
// consent record keeps the reply's text and SID as its evidence.
func (s *Service) applySMSConsent(ctx context.Context, ws, customer, number, keyword string, proof consent.Evidence) error {
	status := map[string]string{twilio.KeywordStop: store.OptedOut, twilio.KeywordStart: store.OptedIn}[keyword]
	if status == "" {
		return nil
	}
	if _, err := s.Store.SetConsent(ctx, store.Consent{WorkspaceID: ws, CustomerID: customer, Channel: "sms",
		Status: status, Source: "twilio:" + keyword, Evidence: proof.EvidenceJSON()}); err != nil {
		return err
	}
	if status == store.OptedOut {
		return s.Store.Suppress(ctx, store.Suppression{WorkspaceID: ws, Channel: "sms", Address: number, Reason: store.SuppressSMSStop})
	}
	_, err := s.Store.Unsuppress(ctx, ws, "sms", number)
	return err
}

// recordSMSReply stores the reply as the customer's sms_replied event
// (engagement.Recorder, keyed by the message SID, so a repeated delivery is
// stored once).
func (s *Service) recordSMSReply(ctx context.Context, ws, customer, number, keyword string, form url.Values) error {
	props := map[string]any{"text": form.Get("Body"), "from": number, "to": form.Get("To"),
		"provider_message_id": form.Get("MessageSid")}
	if keyword != "" {
		props["keyword"] = keyword
	}
	_, err := s.Engagement.Record(ctx, engagement.Report{WorkspaceID: ws, Source: "twilio", EventID: form.Get("MessageSid"),
		Name: engagement.SMSReplied, ProviderEvent: "received", CustomerID: customer, Channel: "sms", Properties: props})
	return err
}
