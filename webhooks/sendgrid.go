package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/engagement"
	"github.com/tabiji/tabiji/store"
)

// sendgridMaxAge is how old a signed delivery may be: an older one is a replay.
const sendgridMaxAge = 10 * time.Minute

// SendGridDelivery is one POST of SendGrid's Signed Event Webhook.
type SendGridDelivery struct {
	// Body is read only once the workspace's webhooks are found on; its
	// reader bounds it.
	Body io.Reader
	// Signature and Timestamp are the X-Twilio-Email-Event-Webhook-Signature
	// and …-Timestamp headers.
	Signature, Timestamp string
}

// sendgridEvent is one event of a SendGrid Event Webhook delivery. The
// custom_args Tabiji sets on a send (message_id, workspace_id, topic) come
// back as top-level fields of each event.
type sendgridEvent struct {
	Event       string `json:"event"`
	Email       string `json:"email"`
	Timestamp   int64  `json:"timestamp"`
	SGEventID   string `json:"sg_event_id"`
	SGMessageID string `json:"sg_message_id"`
	Type        string `json:"type"` // bounce: "bounce" or "blocked"
	Reason      string `json:"reason"`
	URL         string `json:"url"`
	ASMGroupID  int64  `json:"asm_group_id"`
	MessageID   string `json:"message_id"`
	WorkspaceID string `json:"workspace_id"`
	Topic       string `json:"topic"`
}

// emailEffect is what one SendGrid event does: the message's status, the
// journey event signalled to its run, and the suppression and consent it sets.
type emailEffect struct {
	status, journeyEvent string
	suppress             string // a store.Suppress… reason, or ""
	consent              string // store.OptedIn, store.OptedOut or ""
}

// sendgridEffects maps each event type; bounces and drops are refined by
// sendgridEffect.
var sendgridEffects = map[string]emailEffect{
	"processed":         {status: "processed", journeyEvent: engagement.EmailProcessed},
	"delivered":         {status: "delivered", journeyEvent: engagement.EmailDelivered},
	"deferred":          {status: "deferred", journeyEvent: engagement.EmailDeferred},
	"bounce":            {status: "bounced", journeyEvent: engagement.EmailBounced, suppress: store.SuppressHardBounce},
	"dropped":           {status: "dropped", journeyEvent: engagement.EmailDropped},
	"open":              {status: "opened", journeyEvent: engagement.EmailOpened},
	"click":             {status: "clicked", journeyEvent: engagement.EmailClicked},
	"spamreport":        {status: "spam_reported", journeyEvent: engagement.EmailSpamReported, suppress: store.SuppressSpamReport, consent: store.OptedOut},
	"unsubscribe":       {status: "unsubscribed", journeyEvent: engagement.EmailUnsubscribed, suppress: store.SuppressUnsubscribe, consent: store.OptedOut},
	"group_unsubscribe": {status: "unsubscribed", journeyEvent: engagement.EmailUnsubscribed, consent: store.OptedOut},
	"group_resubscribe": {status: "resubscribed", journeyEvent: engagement.EmailResubscribed, consent: store.OptedIn},
}

// droppedReasons suppress the address SendGrid dropped a message for.
var droppedReasons = map[string]string{
	"Bounced Address": store.SuppressHardBounce, "Spam Reporting Address": store.SuppressSpamReport,
	"Unsubscribed Address": store.SuppressUnsubscribe, "Invalid": store.SuppressInvalid,
}

func sendgridEffect(e sendgridEvent) (emailEffect, bool) {
	eff, ok := sendgridEffects[e.Event]
	switch {
	case e.Event == "bounce" && e.Type == "blocked":
		// A block is the receiving server refusing for now: not the address's fault.
		eff = emailEffect{status: "blocked", journeyEvent: engagement.EmailBlocked}
	case e.Event == "dropped":
		eff.suppress = droppedReasons[e.Reason]
	}
	return eff, ok
}

// SendGrid applies a delivery of SendGrid's Signed Event Webhook to
// workspace ws: each event moves its message's status, signals the run that
// sent it, and sets suppressions and consent. It returns an error unless
// every event is handled, so SendGrid's retries finish the job after a
// failure.
func (s *Service) SendGrid(ctx context.Context, ws string, d SendGridDelivery) (Summary, error) {
	body, err := s.signedSendGridBody(ctx, ws, d)
	if err != nil {
		return Summary{}, err
	}
	var events []sendgridEvent
	if err := json.Unmarshal(body, &events); err != nil {
		return Summary{}, malformed("body", "must be a JSON array of SendGrid events: "+err.Error())
	}
	var sum Summary
	if err := s.handleSendGridEvents(ctx, ws, events, &sum); err != nil {
		return Summary{}, fmt.Errorf("sendgrid events: %w", err)
	}
	return sum, nil
}

// signedSendGridBody reads the body and checks its signature and age.
func (s *Service) signedSendGridBody(ctx context.Context, ws string, d SendGridDelivery) ([]byte, error) {
	v, err := s.settingsOf(ctx, ws, "email")
	if err != nil {
		return nil, err
	}
	pub := v[settings.WebhookPublicKey]
	if pub == "" {
		return nil, store.Refuse(store.ErrOff, "SendGrid webhooks of workspace "+ws+" are off: set its webhookPublicKey (tabiji channels set email) or SENDGRID_WEBHOOK_PUBLIC_KEY")
	}
	key, err := eventwebhook.ConvertPublicKeyBase64ToECDSA(pub)
	if err != nil { // checked when stored and at start: only Deps without Channels get here
		return nil, fmt.Errorf("read the SendGrid webhook public key of %s: %w", ws, err)
	}
	body, err := readBody(d.Body)
	if err != nil {
		return nil, err
	}
	if d.Signature == "" || d.Timestamp == "" {
		return nil, store.Refuse(store.ErrUnauthenticated, "missing "+eventwebhook.VerificationHTTPHeader+" or "+eventwebhook.TimestampHTTPHeader)
	}
	if valid, err := eventwebhook.VerifySignature(key, body, d.Signature, d.Timestamp); err != nil || !valid {
		return nil, store.Refuse(store.ErrUnauthenticated, "the signature does not match the body and timestamp")
	}
	secs, err := strconv.ParseInt(d.Timestamp, 10, 64)
	if age := time.Since(time.Unix(secs, 0)); err != nil || age > sendgridMaxAge || age < -sendgridMaxAge {
		return nil, store.Refuse(store.ErrUnauthenticated, "the timestamp is more than 10 minutes away from now: a replay, or a wrong clock")
	}
	return body, nil
}

// handleSendGridEvents applies a delivery's events in workspace ws, each
// once, their customers' events stored together (engagement.RecordAll):
// the receipts are marked last, so a failure half-way lets SendGrid's retry
// redo steps that are each idempotent (the Recorder stores and signals each
// event under its sg_event_id).
func (s *Service) handleSendGridEvents(ctx context.Context, ws string, events []sendgridEvent, sum *Summary) error {
	var todo []sendgridEvent
	var effects []emailEffect
	var reps []engagement.Report
	taken := map[string]bool{}
	for _, e := range events {
		sum.Received++
		eff, known := sendgridEffect(e)
		at := time.Unix(e.Timestamp, 0).UTC()
		// An event past the window may have had its receipt pruned: never
		// applied twice.
		if !known || e.SGEventID == "" || (e.WorkspaceID != "" && e.WorkspaceID != ws) || stale(at) {
			sum.Ignored++
			continue
		}
		if seen, err := s.Store.WebhookSeen(ctx, ws, "sendgrid", e.SGEventID); err != nil || seen || taken[e.SGEventID] {
			sum.Duplicates++
			if err != nil {
				return err
			}
			continue
		}
		taken[e.SGEventID] = true
		todo, effects, reps = append(todo, e), append(effects, eff), append(reps, sendgridReport(ws, e, eff, at))
	}
	if len(reps) == 0 {
		return nil
	}
	outs, err := s.Engagement.RecordAll(ctx, reps)
	if err != nil {
		return err
	}
	for i, out := range outs {
		if out.Message.ID == "" {
			sum.Ignored++
		} else {
			sum.Recorded++
		}
		if err := s.applyEmailAddressEffects(ctx, ws, out.CustomerID, todo[i], effects[i], reps[i].At); err != nil {
			return err
		}
	}
	return s.Store.MarkWebhooksSeen(ctx, ws, "sendgrid", slices.Collect(maps.Keys(taken)))
}

// sendgridReport is the event as an engagement report: about its message
// when it names one of the workspace's, else about the customer holding
// the address (a newsletter sent outside Tabiji, an old message).
func sendgridReport(ws string, e sendgridEvent, eff emailEffect, at time.Time) engagement.Report {
	detail, _ := json.Marshal(e)
	props := map[string]any{}
	for k, v := range map[string]string{"url": e.URL, "reason": e.Reason, "type": e.Type, "topic": e.Topic} {
		if v != "" {
			props[k] = v
		}
	}
	return engagement.Report{WorkspaceID: ws, Source: "sendgrid", EventID: e.SGEventID, Name: eff.journeyEvent,
		MessageID: e.MessageID, Status: eff.status, ProviderEvent: e.Event, ProviderMessageID: e.SGMessageID,
		Detail: detail, Channel: "email", Address: e.Email, At: at, Properties: props}
}

// applyEmailAddressEffects sets the suppression and consent the event asks
// for; the customer is the message's, or the profile holding the address.
func (s *Service) applyEmailAddressEffects(ctx context.Context, ws, customer string, e sendgridEvent, eff emailEffect, at time.Time) error {
	if eff.suppress != "" && e.Email != "" {
		if err := s.Store.Suppress(ctx, store.Suppression{WorkspaceID: ws, Channel: "email", Address: e.Email, Reason: eff.suppress}); err != nil {
			return err
		}
	}
	if eff.consent == "" {
		return nil
	}
	if customer == "" {
		id, err := s.Store.CustomerByAddress(ctx, ws, "email", e.Email)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		customer = id
	}
	_, err := s.Store.SetConsent(ctx, store.Consent{WorkspaceID: ws, CustomerID: customer, Channel: "email", Topic: sendgridTopic(e),
		Status: eff.consent, Source: "sendgrid:" + e.Event, UpdatedAt: at})
	return err
}

// sendgridTopic is the topic an event's consent is about: the whole channel
// for an unsubscribe or a spam report; for a group (un)subscribe, the topic
// custom argument the sender set, else the SendGrid unsubscribe group.
func sendgridTopic(e sendgridEvent) string {
	switch {
	case e.Event == "unsubscribe" || e.Event == "spamreport":
		return ""
	case e.Topic != "":
		return e.Topic
	case e.ASMGroupID != 0:
		return "sendgrid_group:" + strconv.FormatInt(e.ASMGroupID, 10)
	}
	return ""
}
