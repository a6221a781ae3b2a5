package activities

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// ownerInput is a lead step's email to the owner named by the journey's
// variable, for u_1, who opted out of email.
func ownerInput(id, owner string) SendInput {
	in := sendInput()
	in.MessageID, in.NodeID = id, "email_owner"
	in.To, in.Lead = "{{ journey.variables.owner }}", true
	in.Variables = map[string]any{"owner": owner}
	in.Template.Subject = "Hot lead {{ lead.profile.id }} at {{ lead.score }}"
	in.Template.Body = "{% for p in lead.recent_pages %}{{ p.url }} {% endfor %}{% for e in lead.recent_events %}{{ e.name }} {% endfor %}"
	return in
}

func TestLeadSteps(t *testing.T) {
	ctx := context.Background()
	b := setup(t)
	now := time.Now().UTC()
	if _, err := b.store.ChangeProfile(ctx, "default", "u_1", store.ProfileChange{Set: map[string]any{"email": "u1@example.jp", "lead_score": 72.0}}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.InsertEvents(ctx, []store.Event{
		{WorkspaceID: "default", MessageID: "p1", Type: "page", UserID: "u_1", Name: "Pricing", Properties: []byte(`{"url":"https://shop.example.jp/pricing"}`), Timestamp: now.Add(-time.Minute)},
		{WorkspaceID: "default", MessageID: "t1", Type: "track", UserID: "u_1", Name: "demo_request", Properties: []byte(`{}`), Timestamp: now.Add(-time.Minute)},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.SetConsent(ctx, store.Consent{WorkspaceID: "default", CustomerID: "u_1", Channel: "email", Status: store.OptedOut,
		Source: "test", UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}

	t.Run("TheOwnersEmailCarriesTheLeadDespiteTheCustomersOptOut", func(t *testing.T) {
		res, err := b.send(t, ownerInput("m_owner_1", "sato@shop.example.jp"))
		if err != nil || res.Status != MessageRecorded {
			t.Fatalf("send = %+v, %v", res, err)
		}
		m, _, err := b.store.LoggedMessageByID(ctx, "default", "m_owner_1")
		if err != nil {
			t.Fatal(err)
		}
		if m.Recipient != "sato@shop.example.jp" || m.Subject != "Hot lead u_1 at 72" ||
			!strings.Contains(m.Body, "https://shop.example.jp/pricing") || !strings.Contains(m.Body, "demo_request") {
			t.Errorf("owner's message = %q to %q: %q", m.Subject, m.Recipient, m.Body)
		}
		if n, err := b.store.CountSentSince(ctx, "default", "u_1", "email", now.Add(-time.Hour)); err != nil || n != 0 {
			t.Errorf("the customer's email count = %d, %v; the owner's alert is not theirs", n, err)
		}
	})
	t.Run("ASecondLeadStepOfTheRunRecordsNoSecondHandOver", func(t *testing.T) {
		if _, err := b.send(t, ownerInput("m_owner_2", "boss@shop.example.jp")); err != nil {
			t.Fatal(err)
		}
		events, _, err := b.store.CustomerEvents(ctx, "default", "u_1", store.TimelineFilter{})
		if err != nil {
			t.Fatal(err)
		}
		handed := 0
		for _, e := range events {
			if e.Name == "lead_handed_over" {
				handed++
			}
		}
		if handed != 1 {
			t.Errorf("lead_handed_over %d times, want once per run", handed)
		}
	})
	t.Run("AnOwnerThatRendersToNothingIsSkippedNeverSentToTheCustomer", func(t *testing.T) {
		res, err := b.send(t, ownerInput("m_owner_3", ""))
		if err != nil || res.Status != MessageSkipped || !strings.Contains(res.Reason, "no usable email address") {
			t.Fatalf("send = %+v, %v", res, err)
		}
	})
}
