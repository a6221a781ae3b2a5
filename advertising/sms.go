package advertising

import "strings"

// smsLines are the one-line sender identity of a promotional SMS, by
// language: the sender's name and how to refuse. A reply of STOP (or 停止,
// 配信停止) opts the number out (channels/twilio's keywords), so the line
// names that rather than the longer refusal contact: an SMS is short.
var smsLines = map[string][2]string{
	"ja": {"【", "】配信停止はSTOPと返信"},
	"en": {"From ", ". Reply STOP to opt out"},
}

// SMSLine is the sender's identity as one line of a promotional SMS
// ("【旅路茶舗】配信停止はSTOPと返信", "From Shop. Reply STOP to opt out").
func (s Sender) SMSLine(locale string) string {
	l := smsLines[lang(locale)]
	return l[0] + strings.Join(strings.Fields(s.Name), " ") + l[1]
}

// AddToSMS adds the sender's line at the end of a promotional SMS's body,
// on a line of its own; a body that carries it already is left alone.
func (s Sender) AddToSMS(body, locale string) string {
	line := s.SMSLine(locale)
	if strings.Contains(body, line) {
		return body
	}
	return strings.TrimRight(body, "\n") + "\n" + line
}
