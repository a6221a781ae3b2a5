package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/engagement"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
)

// TwilioDelivery is one POST of Twilio's: a status callback (the URL each
// SMS names, ?message=<id>) or an inbound message (the number's messaging
// webhook), form-encoded and signed with the account's auth token.
type TwilioDelivery struct {
	// Body is the form, read only once the workspace's webhooks are found
	// on; its reader bounds it.
	Body io.Reader
	// Signature is the X-Twilio-Signature header; URL the address Twilio
	// posted to as the public sees it (Twilio signs it with the form).
	Signature, URL string
	// MessageID is Tabiji's message a status callback is about (the URL's
	// message parameter).
	MessageID string
}

// twilioAccepted are the statuses that say only that Twilio has the
// message: they move it to "sent" (which also confirms a send whose answer
// was lost) and are no engagement event (engagement.SMSStatus maps the rest).
var twilioAccepted = map[string]bool{"accepted": true, "scheduled": true, "queued": true, "sending": true}

// twilioNumberErrors are the delivery error codes that say the number
// cannot take SMS: it is suppressed.
var twilioNumberErrors = map[string]string{
	"21610": store.SuppressSMSStop, // the recipient replied STOP to the sender
	"30005": store.SuppressInvalid, // unknown destination handset
	"30006": store.SuppressInvalid, // landline or unreachable carrier
}

// Twilio applies a delivery of Twilio's to workspace ws, checked with
// twilio-go's RequestValidator: a status moves the message and records its
// engagement event; an inbound STOP opts the number out.
func (s *Service) Twilio(ctx context.Context, ws string, d TwilioDelivery) error {
	form, err := s.signedTwilioForm(ctx, ws, d)
	if err != nil {
		return err
	}
	if form.Get("MessageStatus") != "" {
		err = s.handleTwilioStatus(ctx, ws, d.MessageID, form)
	} else {
		err = s.handleTwilioInbound(ctx, ws, form)
	}
	if err != nil {
		return fmt.Errorf("twilio webhook %s: %w", form.Get("MessageSid"), err)
	}
	return nil
}

// signedTwilioForm reads the form and checks its signature against the URL
// Twilio posted to, and the account it names.
func (s *Service) signedTwilioForm(ctx context.Context, ws string, d TwilioDelivery) (url.Values, error) {
	v, err := s.settingsOf(ctx, ws, "sms")
	if err != nil {
		return nil, err
	}
	if v[settings.AuthToken] == "" {
		return nil, store.Refuse(store.ErrOff, "Twilio webhooks of workspace "+ws+" are off: set its authToken (tabiji channels set sms) or TWILIO_AUTH_TOKEN")
	}
	body, err := readBody(d.Body)
	if err != nil {
		return nil, err
	}
	validator := twclient.NewRequestValidator(v[settings.AuthToken])
	if d.Signature == "" || !validator.ValidateBody(d.URL, body, d.Signature) {
		return nil, store.Refuse(store.ErrUnauthenticated, "X-Twilio-Signature is missing or does not match the URL and the parameters")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, malformed("body", "must be a form (application/x-www-form-urlencoded): "+err.Error())
	}
	if sid := v[settings.AccountSID]; sid != "" && form.Get("AccountSid") != sid {
		return nil, store.Refuse(store.ErrMalformed, "AccountSid: is not the account of this workspace's SMS settings",
			jsonfields.Error{Field: "AccountSid", Message: "is not the account of this workspace's SMS settings"})
	}
	return form, nil
}

// handleTwilioStatus applies one status callback once (by message SID and
// status): the message named by the callback URL moves, the number may be
// suppressed, and sms_sent, sms_delivered or sms_failed is recorded as the
// customer's event and heard by the run that sent it (engagement.Recorder).
func (s *Service) handleTwilioStatus(ctx context.Context, ws, messageID string, form url.Values) error {
	status, sid := form.Get("MessageStatus"), form.Get("MessageSid")
	name, msgStatus, known := engagement.SMSStatus(status)
	if twilioAccepted[status] {
		msgStatus, known = "sent", true
	}
	if !known || sid == "" || messageID == "" {
		return nil
	}
	eventID := sid + ":" + status
	if seen, err := s.Store.WebhookSeen(ctx, ws, "twilio", eventID); err != nil || seen {
		return err
	}
	if err := s.recordTwilioStatus(ctx, ws, messageID, name, msgStatus, eventID, form); err != nil {
		return err
	}
	if reason := twilioNumberErrors[form.Get("ErrorCode")]; reason != "" && form.Get("To") != "" {
		if err := s.Store.Suppress(ctx, store.Suppression{WorkspaceID: ws, Channel: "sms", Address: form.Get("To"), Reason: reason}); err != nil {
			return err
		}
	}
	return s.Store.MarkWebhookSeen(ctx, ws, "twilio", eventID)
}

// recordTwilioStatus moves the message; a status that is an engagement
// event (name) goes through the Recorder, which also stores and signals it.
func (s *Service) recordTwilioStatus(ctx context.Context, ws, messageID, name, msgStatus, eventID string, form url.Values) error {
	detail, _ := json.Marshal(twilioDetail(form))
	if name == "" {
		_, _, err := s.Store.RecordMessageEvent(ctx, store.MessageEvent{WorkspaceID: ws, EventID: "twilio:" + eventID,
			MessageID: messageID, Status: msgStatus, ProviderEvent: form.Get("MessageStatus"), At: time.Now().UTC(),
			Detail: detail, ProviderID: form.Get("MessageSid")})
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	props := map[string]any{}
	if code := form.Get("ErrorCode"); code != "" {
		props["error_code"] = code
	}
	_, err := s.Engagement.Record(ctx, engagement.Report{WorkspaceID: ws, Source: "twilio", EventID: eventID, Name: name,
		MessageID: messageID, Status: msgStatus, ProviderEvent: form.Get("MessageStatus"), ProviderMessageID: form.Get("MessageSid"),
		Detail: detail, Channel: "sms", Properties: props})
	return err
}

// twilioDetail is what the message log keeps of a callback.
func twilioDetail(form url.Values) map[string]string {
	d := map[string]string{}
	for _, k := range []string{"MessageStatus", "MessageSid", "To", "From", "ErrorCode", "ErrorMessage"} {
		if v := form.Get(k); v != "" {
			d[k] = v
		}
	}
	return d
}
