package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// customerEvents is u1's events in w, by name, each with its properties.
func (b *webhookBundle) customerEvents(t *testing.T) map[string][]store.Event {
	t.Helper()
	evs, _, err := b.store.CustomerEvents(context.Background(), "w", "u1", store.TimelineFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]store.Event{}
	for _, e := range evs {
		out[e.Name] = append(out[e.Name], e)
	}
	return out
}

func TestSendGridEventsAreEventsOfTheCustomer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("StoresEachEventOnceEvenWhenSendGridRetries", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		b.sendMessage(t, "m1", "email")
		events := []string{sgEvent("e1", "delivered", "m1", ""), sgEvent("e2", "open", "m1", ""),
			sgEvent("e3", "click", "m1", `,"url":"https://shop.example.jp/cart"`)}
		for range 2 { // SendGrid's retry of the whole delivery
			if status, body := b.sendgrid(t, "w", events...); status != http.StatusOK {
				t.Fatalf("delivery = %d %s", status, body)
			}
		}
		got := b.customerEvents(t)
		for _, name := range []string{"email_delivered", "email_opened", "email_clicked"} {
			if len(got[name]) != 1 {
				t.Errorf("%s stored %d times, want once", name, len(got[name]))
			}
		}
		click := string(got["email_clicked"][0].Properties)
		for _, want := range []string{`"url": "https://shop.example.jp/cart"`, `"message_id": "m1"`, `"journey_id": "j1"`, `"node_id": "send"`, `"channel": "email"`} {
			if !strings.Contains(click, want) {
				t.Errorf("email_clicked properties %s lack %s", click, want)
			}
		}
		if got["email_opened"][0].MessageID != "sendgrid:e2" {
			t.Errorf("email_opened messageId = %q, want sendgrid:e2", got["email_opened"][0].MessageID)
		}
	})

	t.Run("FindsTheCustomerByAddressWhenNoMessageIsNamed", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		ev := fmt.Sprintf(`{"email":"U1@example.jp","timestamp":%d,"event":"open","sg_event_id":"e9"}`, time.Now().Unix())
		if status, body := b.sendgrid(t, "w", ev); status != http.StatusOK || !strings.Contains(body, `"ignored":1`) {
			t.Fatalf("delivery = %d %s (no message of the workspace: ignored for the message log)", status, body)
		}
		if n := len(b.customerEvents(t)["email_opened"]); n != 1 {
			t.Errorf("email_opened of the address's customer stored %d times, want 1", n)
		}
	})

	t.Run("AStrictTaxonomyLetsThemIn", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		if err := b.store.PutEventDefinition(ctx, "w", taxonomy.EventDef{Name: "purchase"}, true); err != nil {
			t.Fatal(err)
		}
		if err := b.store.SetTaxonomyPolicies(ctx, "w", taxonomy.Quarantine, taxonomy.Allow, taxonomy.Naming{}); err != nil {
			t.Fatal(err)
		}
		b.sendMessage(t, "m1", "email")
		if status, body := b.sendgrid(t, "w", sgEvent("e1", "open", "m1", "")); status != http.StatusOK {
			t.Fatalf("delivery = %d %s", status, body)
		}
		if n := len(b.customerEvents(t)["email_opened"]); n != 1 {
			t.Errorf("email_opened under a quarantining taxonomy stored %d times, want 1", n)
		}
		if q, _, err := b.store.ListQuarantined(ctx, "w", store.QuarantineFilter{}); err != nil || len(q) != 0 {
			t.Errorf("quarantine = %v %v, want empty", q, err)
		}
	})
}
