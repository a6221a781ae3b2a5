package taxonomy

// engagementEvents are the built-in definitions of what comes back from a
// sent message (package engagement names them and records them): every
// taxonomy lets them in, as the rest of Builtin, so a strict taxonomy never
// quarantines an open or a click.
var engagementEvents = func() []EventDef {
	var defs []EventDef
	for _, e := range []struct{ name, desc string }{
		{"email_processed", "SendGrid accepted the email for delivery."},
		{"email_delivered", "The receiving server accepted the email."},
		{"email_deferred", "The receiving server deferred the email for now; SendGrid retries."},
		{"email_bounced", "The email bounced for good; the address is suppressed."},
		{"email_blocked", "The receiving server refused the email for now (a block, not the address's fault)."},
		{"email_dropped", "SendGrid dropped the email (a suppressed or invalid address)."},
		{"email_opened", "The customer opened the email."},
		{"email_clicked", "The customer clicked a link in the email (url)."},
		{"email_spam_reported", "The customer reported the email as spam; the address is suppressed and opted out."},
		{"email_unsubscribed", "The customer unsubscribed through SendGrid (the channel, or a group's topic)."},
		{"email_resubscribed", "The customer subscribed again to a SendGrid group's topic."},
		{"line_followed", "The customer added the LINE official account as a friend (or unblocked it)."},
		{"line_unfollowed", "The customer blocked the LINE official account."},
		{"line_message_received", "The customer sent the LINE official account a message (type, text)."},
		{"line_postback", "The customer tapped a postback action in a LINE message (data, params)."},
		{"line_clicked", "The customer opened a link of a LINE message, through Tabiji's redirect (url)."},
		{"push_opened", "The customer opened a push notification (reported by the app)."},
		{"push_clicked", "The customer opened a push notification's link, through Tabiji's redirect (url)."},
		{"sms_sent", "The SMS provider sent the text message on to the carrier."},
		{"sms_delivered", "The carrier delivered the text message."},
		{"sms_failed", "The text message could not be sent or delivered."},
		{"sms_replied", "The customer replied to a text message (text)."},
		{"sms_clicked", "The customer opened a link of a text message, through Tabiji's redirect (url)."},
	} {
		defs = append(defs, EventDef{Name: e.name, Description: "Tabiji engagement: " + e.desc, Properties: engagementProperties})
	}
	return defs
}()

// engagementProperties are the properties engagement events carry; only
// channel is always there (each event is not Strict: a provider's own
// fields pass).
var engagementProperties = []PropertyDef{
	{Name: "channel", Type: String, Required: true, Description: "The channel: email, line, push or sms."},
	{Name: "message_id", Type: String, Description: "Tabiji's ID of the message the event is about, when there is one."},
	{Name: "journey_id", Type: String, Description: "The journey that sent the message."},
	{Name: "node_id", Type: String, Description: "The journey step that sent the message (broadcast for a broadcast)."},
	{Name: "broadcast_id", Type: String, Description: "The broadcast that sent the message."},
	{Name: "provider_event", Type: String, Description: "The provider's name for the event (open, click, delivered, …)."},
	{Name: "url", Type: String, Description: "The link clicked."},
}
