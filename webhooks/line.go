package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/engagement"
	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/store"
)

// LINEDelivery is one POST of the LINE Messaging API's webhook.
type LINEDelivery struct {
	// Body is read only once the workspace's webhooks are found on; its
	// reader bounds it.
	Body io.Reader
	// Signature is the x-line-signature header.
	Signature string
}

// lineEvent is what Tabiji takes from one LINE webhook event.
type lineEvent struct {
	id      string // webhookEventId
	at      time.Time
	userID  string
	name    string // the Tabiji event ingested
	props   map[string]any
	consent string // store.OptedIn on follow, store.OptedOut on unfollow
	nonce   string // accountLink: the nonce Tabiji bound (line_account_link.go)
}

// lineEventOf reads the events Tabiji acts on: follow, unfollow, message
// and postback from a user.
func lineEventOf(ev webhook.EventInterface) (lineEvent, bool) {
	var e lineEvent
	switch v := ev.(type) {
	case webhook.FollowEvent:
		e = lineEvent{id: v.WebhookEventId, at: lineTime(v.Timestamp), userID: lineUser(v.Source), name: "line_followed",
			props: map[string]any{}, consent: store.OptedIn}
		if v.Follow != nil {
			e.props["isUnblocked"] = v.Follow.IsUnblocked
		}
	case webhook.UnfollowEvent:
		e = lineEvent{id: v.WebhookEventId, at: lineTime(v.Timestamp), userID: lineUser(v.Source), name: "line_unfollowed",
			props: map[string]any{}, consent: store.OptedOut}
	case webhook.MessageEvent:
		e = lineEvent{id: v.WebhookEventId, at: lineTime(v.Timestamp), userID: lineUser(v.Source), name: "line_message_received",
			props: map[string]any{}}
		if v.Message != nil {
			e.props["type"] = v.Message.GetType()
		}
		if text, ok := v.Message.(webhook.TextMessageContent); ok {
			e.props["text"], e.props["line_message_id"] = text.Text, text.Id
		}
	case webhook.PostbackEvent:
		e = lineEvent{id: v.WebhookEventId, at: lineTime(v.Timestamp), userID: lineUser(v.Source), name: "line_postback",
			props: map[string]any{}}
		if v.Postback != nil {
			e.props["data"] = v.Postback.Data
			if len(v.Postback.Params) > 0 {
				e.props["params"] = v.Postback.Params
			}
		}
	case webhook.AccountLinkEvent:
		e = lineEvent{id: v.WebhookEventId, at: lineTime(v.Timestamp), userID: lineUser(v.Source), name: "line_account_linked",
			props: map[string]any{}}
		if v.Link != nil {
			e.props["result"], e.nonce = string(v.Link.Result), v.Link.Nonce
		}
	default:
		return lineEvent{}, false
	}
	e.props["channel"] = "line"
	return e, e.id != "" && e.userID != ""
}

func lineTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func lineUser(src webhook.SourceInterface) string {
	if u, ok := src.(webhook.UserSource); ok {
		return u.UserId
	}
	return "" // a group or room without a user: not a customer
}

// LINE applies a delivery of the LINE Messaging API's webhook to workspace
// ws. Follow and unfollow set LINE consent (and the unfollow suppression);
// every event Tabiji knows becomes a Tabiji event of the customer whose
// profile has that LINE user ID. The verified body is also recorded for the
// shop's other endpoints (package linerelay) before anything else.
func (s *Service) LINE(ctx context.Context, ws string, d LINEDelivery) (Summary, error) {
	v, err := s.settingsOf(ctx, ws, "line")
	if err != nil {
		return Summary{}, err
	}
	cb, body, err := verifiedLINEBody(ws, v[settings.ChannelSecret], d)
	if err != nil {
		return Summary{}, err
	}
	if err := s.relayLINE(ctx, ws, v[settings.RelayURLs], body); err != nil {
		return Summary{}, err
	}
	var sum Summary
	for i, ev := range cb.Events {
		sum.Received++
		e, ok := lineEventOf(ev)
		if !ok {
			sum.Ignored++
			continue
		}
		if err := s.handleLineEvent(ctx, ws, e, &sum); err != nil {
			return Summary{}, fmt.Errorf("line event %d (%s): %w", i, e.id, err)
		}
	}
	return sum, nil
}

// verifiedLINEBody reads the body, checks its signature with the channel
// secret and decodes its events.
func verifiedLINEBody(ws, secret string, d LINEDelivery) (*webhook.CallbackRequest, []byte, error) {
	if secret == "" {
		return nil, nil, store.Refuse(store.ErrOff, "LINE webhooks of workspace "+ws+" are off: set its channelSecret (tabiji channels set line) or LINE_CHANNEL_SECRET")
	}
	body, err := readBody(d.Body)
	if err != nil {
		return nil, nil, err
	}
	if !webhook.ValidateSignature(secret, d.Signature, body) {
		return nil, nil, store.Refuse(store.ErrUnauthenticated, "x-line-signature is missing or does not match the body")
	}
	var cb webhook.CallbackRequest
	if err := json.Unmarshal(body, &cb); err != nil {
		return nil, nil, malformed("events", "must be LINE webhook events: "+err.Error())
	}
	return &cb, body, nil
}

// relayLINE records the verified body once for each of the shop's other
// endpoints (the relayUrls setting) before LINE is answered; package
// linerelay delivers them, re-signed, after the answer. A failure to record
// fails the delivery, so LINE redelivers and nothing is lost.
func (s *Service) relayLINE(ctx context.Context, ws, urls string, body []byte) error {
	if urls == "" {
		return nil
	}
	return s.Store.EnqueueLineRelays(ctx, ws, settings.SplitRelayURLs(urls), body)
}

// handleLineEvent applies one event once: redeliveries (LINE's
// deliveryContext.isRedelivery) and repeats are found by webhookEventId.
func (s *Service) handleLineEvent(ctx context.Context, ws string, e lineEvent, sum *Summary) error {
	if stale(e.at) { // its receipt may be pruned: never applied twice
		sum.Ignored++
		return nil
	}
	if seen, err := s.Store.WebhookSeen(ctx, ws, "line", e.id); err != nil || seen {
		sum.Duplicates++
		return err
	}
	customer, err := s.lineEventCustomer(ctx, ws, e)
	if err != nil {
		return err
	}
	if err := s.applyLineConsent(ctx, ws, customer, e); err != nil {
		return err
	}
	// The event of the customer, through the one mapping point of
	// engagement (messageId line:<webhookEventId>: a redelivery is
	// stored once). One the pipeline cannot take (a text too long for an
	// event, a taxonomy that redefines the name) is logged there; the
	// consent stands.
	if _, err := s.Engagement.Record(ctx, engagement.Report{WorkspaceID: ws, Source: "line", EventID: e.id, Name: e.name,
		CustomerID: customer, Channel: "line", At: e.at, Properties: e.props}); err != nil {
		return fmt.Errorf("record %s: %w", e.name, err)
	}
	sum.Recorded++
	return s.Store.MarkWebhookSeen(ctx, ws, "line", e.id)
}

// lineCustomer is the id of the profile with the event's LINE user ID. An
// unknown LINE user gets a profile of its own, "line:<userId>", made by an
// identify call carrying the trait lineUserId; the app may later alias it
// to its own user id.
func (s *Service) lineCustomer(ctx context.Context, ws string, e lineEvent) (string, error) {
	id, err := s.Store.CustomerByAddress(ctx, ws, "line", e.userID)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return id, err
	}
	id = "line:" + e.userID
	raw, _ := json.Marshal(map[string]any{"userId": id, "messageId": "line-identify:" + e.userID,
		"timestamp": e.at, "traits": map[string]any{"lineUserId": e.userID}})
	m, err := ingest.Decode(ingest.Identify, raw, time.Now().UTC())
	if err != nil {
		return "", fmt.Errorf("decode identify of a new LINE user: %w", err)
	}
	if _, err := s.Pipeline.Submit(ctx, ws, []ingest.Message{m}); err != nil {
		return "", fmt.Errorf("identify a new LINE user: %w", err)
	}
	return id, nil
}

// applyLineConsent opts the customer in on follow (and lifts an unfollow's
// suppression), and out on unfollow (and suppresses the LINE user ID).
func (s *Service) applyLineConsent(ctx context.Context, ws, customer string, e lineEvent) error {
	if e.consent == "" {
		return nil
	}
	if _, err := s.Store.SetConsent(ctx, store.Consent{WorkspaceID: ws, CustomerID: customer, Channel: "line",
		Status: e.consent, Source: "line:" + e.name, UpdatedAt: e.at}); err != nil {
		return err
	}
	if e.consent == store.OptedOut {
		return s.Store.Suppress(ctx, store.Suppression{WorkspaceID: ws, Channel: "line", Address: e.userID, Reason: store.SuppressLineUnfollow})
	}
	_, err := s.Store.Unsuppress(ctx, ws, "line", e.userID)
	return err
}
