package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	twclient "github.com/twilio/twilio-go/client"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/engagement"
	"github.com/tabiji/tabiji/store"
)

// twilioBodyLimit bounds a Twilio webhook (a form of a few dozen fields).
const twilioBodyLimit = 64 << 10

// twilioEmptyTwiML is the answer Twilio expects to an inbound message: no
// reply is sent from here (a journey replies, if anything).
const twilioEmptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

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

// twilioWebhook is POST /webhooks/twilio/:workspace: Twilio's status
// callbacks (the URL each SMS names, ?message=<id>) and inbound messages
// (the number's messaging webhook), form-encoded and signed with the
// account's auth token in X-Twilio-Signature (checked with twilio-go's
// RequestValidator over the public URL). A status moves the message and
// records its engagement event; an inbound STOP opts the number out.
func (s *server) twilioWebhook(c *gin.Context) {
	form, ok := s.signedTwilioForm(c)
	if !ok {
		return
	}
	ws := c.Param("workspace")
	var err error
	if form.Get("MessageStatus") != "" {
		err = s.handleTwilioStatus(c.Request.Context(), ws, c.Query("message"), form)
	} else {
		err = s.handleTwilioInbound(c.Request.Context(), ws, form)
	}
	if err != nil {
		s.fail(c, fmt.Errorf("twilio webhook %s: %w", form.Get("MessageSid"), err))
		return
	}
	c.Data(http.StatusOK, "text/xml; charset=utf-8", []byte(twilioEmptyTwiML))
}

// signedTwilioForm reads the form and checks its signature against the
// URL Twilio posted to (TABIJI_PUBLIC_URL and the path and query), and the
// account it names, answering the problem itself when it returns false.
func (s *server) signedTwilioForm(c *gin.Context) (url.Values, bool) {
	ws := c.Param("workspace")
	v, err := s.Channels.Settings(c.Request.Context(), ws, "sms")
	if err != nil {
		s.fail(c, fmt.Errorf("webhook settings of %s: %w", ws, err))
		return nil, false
	}
	if v[settings.AuthToken] == "" {
		problem(c, http.StatusServiceUnavailable, "Twilio webhooks of workspace "+ws+" are off: set its authToken (tabiji channels set sms) or TWILIO_AUTH_TOKEN")
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, twilioBodyLimit))
	if err != nil {
		problem(c, http.StatusRequestEntityTooLarge, "the body could not be read: "+err.Error())
		return nil, false
	}
	sig := c.GetHeader("X-Twilio-Signature")
	validator := twclient.NewRequestValidator(v[settings.AuthToken])
	if sig == "" || !validator.ValidateBody(s.publicRequestURL(c), body, sig) {
		problem(c, http.StatusUnauthorized, "X-Twilio-Signature is missing or does not match the URL and the parameters")
		return nil, false
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		invalid(c, "body", "must be a form (application/x-www-form-urlencoded): "+err.Error())
		return nil, false
	}
	if sid := v[settings.AccountSID]; sid != "" && form.Get("AccountSid") != sid {
		invalid(c, "AccountSid", "is not the account of this workspace's SMS settings")
		return nil, false
	}
	return form, true
}

// publicRequestURL is the URL the caller used, as the public sees it:
// TABIJI_PUBLIC_URL and the request's path and query (Twilio signs the
// URL it was given); without a public URL, this server's own address.
func (s *server) publicRequestURL(c *gin.Context) string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/") + c.Request.URL.RequestURI()
	}
	return "http://" + c.Request.Host + c.Request.URL.RequestURI()
}

// handleTwilioStatus applies one status callback once (by message SID and
// status): the message named by the callback URL moves, the number may be
// suppressed, and sms_sent, sms_delivered or sms_failed is recorded as the
// customer's event and heard by the run that sent it (engagement.Recorder).
func (s *server) handleTwilioStatus(ctx context.Context, ws, messageID string, form url.Values) error {
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
func (s *server) recordTwilioStatus(ctx context.Context, ws, messageID, name, msgStatus, eventID string, form url.Values) error {
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
	_, err := s.engagement.Record(ctx, engagement.Report{WorkspaceID: ws, Source: "twilio", EventID: eventID, Name: name,
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
