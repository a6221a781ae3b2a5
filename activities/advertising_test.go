package activities

import (
	"strings"
	"testing"

	"github.com/tabiji/tabiji/advertising"
	"github.com/tabiji/tabiji/channels"
)

// TestSenderIdentityByChannel: a promotional email gets the block and a
// promotional SMS the one line; a transactional SMS, a LINE message, and
// any message of a workspace with no complete sender get neither.
func TestSenderIdentityByChannel(t *testing.T) {
	t.Parallel()
	full := advertising.Policy{Locale: "ja", Sender: advertising.Sender{Name: "旅路茶舗", Address: "東京都", Contact: "stop@shop.example"}}
	line := full.Sender.SMSLine("ja")
	sms := func(ad adRules) string {
		m := channels.Message{Channel: "sms", SMS: &channels.SMS{Body: "セール"}}
		ad.addBlock(&m)
		return m.SMS.Body
	}
	if got := sms(adRules{policy: full, promotional: true}); got != "セール\n"+line {
		t.Errorf("promotional SMS = %q", got)
	}
	if got := sms(adRules{policy: full}); got != "セール" {
		t.Errorf("transactional SMS = %q", got)
	}
	if got := sms(adRules{policy: advertising.Policy{Locale: "ja", Sender: advertising.Sender{Name: "旅路茶舗"}}, promotional: true}); got != "セール" {
		t.Errorf("SMS of an incomplete sender = %q", got)
	}
	email := channels.Message{Channel: "email", Email: &channels.Email{Text: "セール"}}
	adRules{policy: full, promotional: true}.addBlock(&email)
	if !strings.Contains(email.Email.Text, advertising.BlockMarker) || strings.Contains(email.Email.Text, line) {
		t.Errorf("promotional email text = %q", email.Email.Text)
	}
	ad := adRules{policy: full, promotional: true}
	if got := ad.blockBody("sms", "セール"); got != "セール\n"+line {
		t.Errorf("outbox SMS = %q", got)
	}
	if got := ad.blockBody("line", "セール"); got != "セール" {
		t.Errorf("outbox LINE = %q", got)
	}
}
