package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"

	"github.com/tabiji/tabiji/webhooks"
)

const (
	// webhookBodyLimit bounds a provider's delivery (SendGrid batches events).
	webhookBodyLimit = 8 << 20
	// twilioBodyLimit bounds a Twilio webhook (a form of a few dozen fields).
	twilioBodyLimit = 64 << 10
)

// twilioEmptyTwiML is the answer Twilio expects to an inbound message: no
// reply is sent from here (a journey replies, if anything).
const twilioEmptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

// sendgridWebhook is POST /webhooks/sendgrid/:workspace: SendGrid's Signed
// Event Webhook (webhooks.Service.SendGrid). Answering 2xx only once every
// event is handled lets SendGrid's retries finish the job after a failure.
func (s *server) sendgridWebhook(c *gin.Context) {
	sum, err := s.webhooks.SendGrid(c.Request.Context(), c.Param("workspace"), webhooks.SendGridDelivery{
		Body:      http.MaxBytesReader(c.Writer, c.Request.Body, webhookBodyLimit),
		Signature: c.GetHeader(eventwebhook.VerificationHTTPHeader), Timestamp: c.GetHeader(eventwebhook.TimestampHTTPHeader),
	})
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, sum)
}

// lineWebhook is POST /webhooks/line/:workspace: the LINE Messaging API's
// webhook (webhooks.Service.LINE): consent on follow and unfollow, every
// event Tabiji knows an event of the customer, the verified body relayed
// to the shop's other endpoints (package linerelay).
func (s *server) lineWebhook(c *gin.Context) {
	sum, err := s.webhooks.LINE(c.Request.Context(), c.Param("workspace"), webhooks.LINEDelivery{
		Body: http.MaxBytesReader(c.Writer, c.Request.Body, webhookBodyLimit), Signature: c.GetHeader("x-line-signature"),
	})
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, sum)
}

// twilioWebhook is POST /webhooks/twilio/:workspace: Twilio's status
// callbacks (the URL each SMS names, ?message=<id>) and inbound messages
// (the number's messaging webhook), form-encoded and signed with the
// account's auth token in X-Twilio-Signature over the public URL
// (webhooks.Service.Twilio).
func (s *server) twilioWebhook(c *gin.Context) {
	err := s.webhooks.Twilio(c.Request.Context(), c.Param("workspace"), webhooks.TwilioDelivery{
		Body:      http.MaxBytesReader(c.Writer, c.Request.Body, twilioBodyLimit),
		Signature: c.GetHeader("X-Twilio-Signature"), URL: s.publicRequestURL(c), MessageID: c.Query("message"),
	})
	if s.answered(c, err) {
		return
	}
	c.Data(http.StatusOK, "text/xml; charset=utf-8", []byte(twilioEmptyTwiML))
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
