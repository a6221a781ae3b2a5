package api

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// sendgridSigner signs deliveries as SendGrid's Signed Event Webhook does:
// ECDSA P-256 over SHA-256 of timestamp + body, the public key base64 DER.
type sendgridSigner struct {
	key       *ecdsa.PrivateKey
	publicKey string
}

func newSendGridSigner(t *testing.T) *sendgridSigner {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return &sendgridSigner{key: key, publicKey: base64.StdEncoding.EncodeToString(der)}
}

func (s *sendgridSigner) headers(t *testing.T, body string, at time.Time) map[string]string {
	t.Helper()
	ts := strconv.FormatInt(at.Unix(), 10)
	sum := sha256.Sum256([]byte(ts + body))
	sig, err := ecdsa.SignASN1(rand.Reader, s.key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"Content-Type": "application/json", "X-Twilio-Email-Event-Webhook-Signature": base64.StdEncoding.EncodeToString(sig),
		"X-Twilio-Email-Event-Webhook-Timestamp": ts}
}

// sgEvent is one SendGrid event about message msg, with Tabiji's custom args
// echoed as top-level fields as SendGrid does.
func sgEvent(eventID, event, msg, extra string) string {
	return fmt.Sprintf(`{"email":"u1@example.jp","timestamp":%d,"event":%q,"sg_event_id":%q,"sg_message_id":"sg.%s",
		"message_id":%q,"workspace_id":"w"%s}`, time.Now().Unix(), event, eventID, msg, msg, extra)
}

func (b *webhookBundle) sendgrid(t *testing.T, ws string, events ...string) (int, string) {
	t.Helper()
	body := "[" + strings.Join(events, ",") + "]"
	return b.do(t, "POST", "/webhooks/sendgrid/"+ws, b.sgKey.headers(t, body, time.Now()), body)
}

func TestSendGridWebhook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("RecordsASignedDeliveryAndSignalsTheRun", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		b.sendMessage(t, "m1", "email")
		status, body := b.sendgrid(t, "w", sgEvent("e1", "delivered", "m1", ""), sgEvent("e2", "open", "m1", ""),
			sgEvent("e3", "click", "m1", `,"url":"https://shop.example.jp/cart"`))
		if status != http.StatusOK || !strings.Contains(body, `"recorded":3`) {
			t.Fatalf("delivery = %d %s", status, body)
		}
		m, history := b.message(t, "m1")
		if m.Status != "clicked" || m.ProviderID != "sg.m1" || len(history) != 3 {
			t.Errorf("message = %+v, history %+v", m, history)
		}
		got := b.signals.signals
		if len(got) != 3 || got[1].workflowID != "wf-m1" || got[1].event.Name != "email_opened" ||
			got[1].event.MessageID != "sendgrid:e2" || got[2].event.Properties["url"] != "https://shop.example.jp/cart" {
			t.Errorf("signals = %+v", got)
		}
	})

	t.Run("AnOwnersLeadAlertMovesButIsNoEngagementOfTheCustomer", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		_, _, err := b.store.RecordMessage(ctx, store.Message{ID: "m_owner", WorkspaceID: "w", CustomerID: "u1", JourneyID: "j1",
			JourneyVersion: 1, WorkflowID: "wf-m_owner", RunID: "r", NodeID: "email_owner", Channel: "email", Recipient: "sato@shop.example.jp"})
		if err != nil {
			t.Fatal(err)
		}
		if status, body := b.sendgrid(t, "w", sgEvent("e_o1", "open", "m_owner", "")); status != http.StatusOK {
			t.Fatalf("open = %d %s", status, body)
		}
		if m, _ := b.message(t, "m_owner"); m.Status != "opened" || m.Recipient != "sato@shop.example.jp" {
			t.Errorf("owner's message = %s to %q, want opened", m.Status, m.Recipient)
		}
		events, _, err := b.store.CustomerEvents(ctx, "w", "u1", store.TimelineFilter{})
		if err != nil || len(events) != 0 || len(b.signals.names()) != 0 {
			t.Errorf("the customer got events %v (%v) and signals %v from the owner's open", events, err, b.signals.names())
		}
	})

	t.Run("RefusesForgedMissingAndStaleSignatures", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		b.sendMessage(t, "m1", "email")
		body := "[" + sgEvent("e1", "bounce", "m1", `,"type":"bounce"`) + "]"
		forger := newSendGridSigner(t)
		tampered := b.sgKey.headers(t, body, time.Now())
		for name, h := range map[string]map[string]string{
			"another key":   forger.headers(t, body, time.Now()),
			"no signature":  {"Content-Type": "application/json"},
			"stale":         b.sgKey.headers(t, body, time.Now().Add(-11*time.Minute)),
			"future":        b.sgKey.headers(t, body, time.Now().Add(11*time.Minute)),
			"body changed":  tampered,
			"not a base64 ": {"X-Twilio-Email-Event-Webhook-Signature": "%%%", "X-Twilio-Email-Event-Webhook-Timestamp": "1"},
		} {
			sent := body
			if name == "body changed" {
				sent = strings.Replace(body, "m1", "m2", 1)
			}
			if status, resp := b.do(t, "POST", "/webhooks/sendgrid/w", h, sent); status != http.StatusUnauthorized {
				t.Errorf("%s: %d %s, want 401", name, status, resp)
			}
		}
		if m, history := b.message(t, "m1"); m.Status != "recorded" || len(history) != 0 || len(b.signals.names()) != 0 {
			t.Errorf("a refused delivery changed the message: %+v %+v", m, history)
		}
		if _, err := b.store.Suppressed(ctx, "w", "email", "u1@example.jp"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a refused delivery suppressed the address: %v", err)
		}
	})

	t.Run("RecordsAReplayedDeliveryOnce", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		b.sendMessage(t, "m1", "email")
		ev := sgEvent("e1", "open", "m1", "")
		b.sendgrid(t, "w", ev)
		status, body := b.sendgrid(t, "w", ev)
		if status != http.StatusOK || !strings.Contains(body, `"duplicates":1`) {
			t.Errorf("replay = %d %s", status, body)
		}
		if _, history := b.message(t, "m1"); len(history) != 1 || len(b.signals.names()) != 1 {
			t.Errorf("replay recorded again: history %+v, signals %v", history, b.signals.names())
		}
	})

	t.Run("NeverTouchesAnotherWorkspace", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		b.sendMessage(t, "m1", "email")
		// Signed, but for workspace other: m1 is not other's message.
		status, body := b.sendgrid(t, "other", strings.Replace(sgEvent("e1", "spamreport", "m1", ""), `"workspace_id":"w"`, `"workspace_id":"other"`, 1))
		if status != http.StatusOK || !strings.Contains(body, `"ignored":1`) {
			t.Errorf("other's delivery = %d %s", status, body)
		}
		// Signed for w's path, but the custom arg says it was sent by other.
		b.sendgrid(t, "w", strings.Replace(sgEvent("e2", "spamreport", "m1", ""), `"workspace_id":"w"`, `"workspace_id":"other"`, 1))
		if m, history := b.message(t, "m1"); m.Status != "recorded" || len(history) != 0 || len(b.signals.names()) != 0 {
			t.Errorf("w's message changed: %+v %+v %v", m, history, b.signals.names())
		}
		if c, _ := b.store.ListConsent(ctx, "w", "u1"); len(c) != 0 {
			t.Errorf("w's consent changed: %+v", c)
		}
		if _, err := b.store.Suppressed(ctx, "w", "email", "u1@example.jp"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("w's suppressions changed: %v", err)
		}
	})

	t.Run("AnEventAboutNoMessageStillSuppressesAndSetsTheAddressesConsent", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		ev := fmt.Sprintf(`{"email":"u1@example.jp","timestamp":%d,"event":"unsubscribe","sg_event_id":"e-nomsg"}`, time.Now().Unix())
		if status, body := b.sendgrid(t, "w", ev); status != http.StatusOK || !strings.Contains(body, `"ignored":1`) {
			t.Fatalf("delivery = %d %s", status, body)
		}
		if sp, err := b.store.Suppressed(ctx, "w", "email", "u1@example.jp"); err != nil || sp.Reason != store.SuppressUnsubscribe {
			t.Errorf("suppression = %+v %v", sp, err)
		}
		if got, _, _ := b.store.ConsentFor(ctx, "w", "u1", "email", ""); got != store.OptedOut {
			t.Errorf("consent of the address's customer = %q", got)
		}
		if status, body := b.sendgrid(t, "w", ev); status != http.StatusOK || !strings.Contains(body, `"duplicates":1`) {
			t.Errorf("replay = %d %s", status, body)
		}
		if history, _ := b.store.ConsentHistory(ctx, "w", "u1"); len(history) != 1 {
			t.Errorf("consent history after a replay = %+v", history)
		}
	})

	t.Run("MapsEveryEventType", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		cases := []struct {
			event, extra, status, signal, suppression, consent, topic string
		}{
			{"processed", "", "processed", "email_processed", "", "", ""},
			{"delivered", "", "delivered", "email_delivered", "", "", ""},
			{"deferred", "", "deferred", "email_deferred", "", "", ""},
			{"bounce", `,"type":"bounce"`, "bounced", "email_bounced", store.SuppressHardBounce, "", ""},
			{"bounce", `,"type":"blocked"`, "blocked", "email_blocked", "", "", ""},
			{"dropped", `,"reason":"Bounced Address"`, "dropped", "email_dropped", store.SuppressHardBounce, "", ""},
			{"dropped", `,"reason":"Spam Content"`, "dropped", "email_dropped", "", "", ""},
			{"open", "", "opened", "email_opened", "", "", ""},
			{"click", `,"url":"https://x.jp"`, "clicked", "email_clicked", "", "", ""},
			{"spamreport", "", "spam_reported", "email_spam_reported", store.SuppressSpamReport, store.OptedOut, ""},
			{"unsubscribe", "", "unsubscribed", "email_unsubscribed", store.SuppressUnsubscribe, store.OptedOut, ""},
			{"group_unsubscribe", `,"asm_group_id":42`, "unsubscribed", "email_unsubscribed", "", store.OptedOut, "sendgrid_group:42"},
			{"group_resubscribe", `,"asm_group_id":42`, "resubscribed", "email_resubscribed", "", store.OptedIn, "sendgrid_group:42"},
			{"group_unsubscribe", `,"asm_group_id":42,"topic":"news"`, "unsubscribed", "email_unsubscribed", "", store.OptedOut, "news"},
		}
		for i, c := range cases {
			id := "m" + strconv.Itoa(i)
			b.sendMessage(t, id, "email")
			if _, err := b.store.Unsuppress(ctx, "w", "email", "u1@example.jp"); err != nil {
				t.Fatal(err)
			}
			before := len(b.signals.names())
			if status, body := b.sendgrid(t, "w", sgEvent("e"+id, c.event, id, c.extra)); status != http.StatusOK {
				t.Fatalf("%s: %d %s", c.event, status, body)
			}
			m, _ := b.message(t, id)
			names := b.signals.names()
			if m.Status != c.status || len(names) != before+1 || names[before] != c.signal {
				t.Errorf("%s%s: status %q, signals %v; want %q, %q", c.event, c.extra, m.Status, names[before:], c.status, c.signal)
			}
			sp, err := b.store.Suppressed(ctx, "w", "email", "u1@example.jp")
			if (c.suppression == "" && err == nil) || (c.suppression != "" && sp.Reason != c.suppression) {
				t.Errorf("%s%s: suppression %+v %v, want %q", c.event, c.extra, sp, err, c.suppression)
			}
			if c.consent != "" {
				got := ""
				list, _ := b.store.ListConsent(ctx, "w", "u1")
				for _, k := range list {
					if k.Channel == "email" && k.Topic == c.topic {
						got = k.Status
					}
				}
				if got != c.consent {
					t.Errorf("%s%s: email consent for topic %q = %q, want %q", c.event, c.extra, c.topic, got, c.consent)
				}
			}
		}
	})
}
