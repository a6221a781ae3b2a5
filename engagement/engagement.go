// Package engagement makes what comes back from a sent message a fact about
// its customer: a delivery report, an open, a click (the provider's, or
// Tabiji's own redirect), a reply, a LINE follow. It names the built-in
// engagement events (taxonomy.Builtin defines them, so every taxonomy lets
// them in) and holds the Recorder, the one mapping point every webhook and
// the click redirect call: it moves the message's status, stores the event
// of the customer through the ingestion pipeline (so segments, lead scoring
// and every journey see it, as any tracked event) and signals the run that
// sent the message — each exactly once, however often the provider retries.
package engagement

// The engagement events, named <channel>_<what happened>.
const (
	EmailProcessed    = "email_processed"
	EmailDelivered    = "email_delivered"
	EmailDeferred     = "email_deferred"
	EmailBounced      = "email_bounced"
	EmailBlocked      = "email_blocked"
	EmailDropped      = "email_dropped"
	EmailOpened       = "email_opened"
	EmailClicked      = "email_clicked"
	EmailSpamReported = "email_spam_reported"
	EmailUnsubscribed = "email_unsubscribed"
	EmailResubscribed = "email_resubscribed"
	LineFollowed      = "line_followed"
	LineUnfollowed    = "line_unfollowed"
	LineMessage       = "line_message_received"
	LinePostback      = "line_postback"
	LineClicked       = "line_clicked"
	PushOpened        = "push_opened"
	PushClicked       = "push_clicked"
	SMSSent           = "sms_sent"
	SMSDelivered      = "sms_delivered"
	SMSFailed         = "sms_failed"
	SMSReplied        = "sms_replied"
	SMSClicked        = "sms_clicked"
)

// Names lists every engagement event; taxonomy.Builtin defines each.
var Names = []string{
	EmailProcessed, EmailDelivered, EmailDeferred, EmailBounced, EmailBlocked, EmailDropped, EmailOpened, EmailClicked,
	EmailSpamReported, EmailUnsubscribed, EmailResubscribed,
	LineFollowed, LineUnfollowed, LineMessage, LinePostback, LineClicked,
	PushOpened, PushClicked,
	SMSSent, SMSDelivered, SMSFailed, SMSReplied, SMSClicked,
}

// Clicked is the event of a click on a link of a message of the channel
// (email, line, push, sms), "" for a channel without one.
func Clicked(channel string) string {
	switch channel {
	case "email":
		return EmailClicked
	case "line":
		return LineClicked
	case "push":
		return PushClicked
	case "sms":
		return SMSClicked
	}
	return ""
}

// SMSStatus maps a status callback of the SMS provider (Twilio's
// MessageStatus: queued, sent, delivered, undelivered, failed, …) to the
// engagement event and the message status it moves to; ok is false for a
// status that is neither (queued, accepted, sending: not news).
func SMSStatus(providerStatus string) (event, messageStatus string, ok bool) {
	switch providerStatus {
	case "sent":
		return SMSSent, "sent", true
	case "delivered":
		return SMSDelivered, "delivered", true
	case "undelivered", "failed":
		return SMSFailed, "failed", true
	}
	return "", "", false
}
