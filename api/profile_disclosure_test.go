package api

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
)

// TestProfileDisclosure: GET /v1/profiles/{id}/export answers one JSON
// document with every section (empty ones too), the customer's message
// with its status history, and nothing of another workspace; an unknown
// customer is a 404 problem.
func TestProfileDisclosure(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, _ := b.keys(t, "w")
	otherAdmin, _ := b.keys(t, "other")
	b.sendMessage(t, "m1", "email")
	b.sendgrid(t, "w", sgEvent("e1", "delivered", "m1", ""), sgEvent("e2", "open", "m1", ""))

	status, out := b.do(t, "GET", "/v1/profiles/u1/export", admin, "")
	if status != 200 {
		t.Fatalf("export = %d %s", status, out)
	}
	var doc struct {
		Workspace string                       `json:"workspace"`
		Customer  string                       `json:"customer"`
		Counts    map[string]int64             `json:"counts"`
		Sections  map[string][]json.RawMessage `json:"sections"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("export is not one JSON document: %v\n%s", err, out)
	}
	if doc.Workspace != "w" || doc.Customer != "u1" {
		t.Errorf("head = %s/%s, want w/u1", doc.Workspace, doc.Customer)
	}
	for _, sec := range append(store.DisclosureSections(), store.DisclosureSection{Name: store.DisclosureSegmentsSection}) {
		rows, ok := doc.Sections[sec.Name]
		if !ok {
			t.Errorf("section %s is missing", sec.Name)
		}
		if int64(len(rows)) != doc.Counts[sec.Name] {
			t.Errorf("section %s has %d rows, counts say %d", sec.Name, len(rows), doc.Counts[sec.Name])
		}
	}
	if len(doc.Sections["profile"]) != 1 || !strings.Contains(string(doc.Sections["profile"][0]), "u1@example.jp") {
		t.Errorf("profile = %s, want u1 with its email", doc.Sections["profile"])
	}
	if len(doc.Sections["messages"]) != 1 || len(doc.Sections["message_events"]) != 2 {
		t.Errorf("messages = %s, history = %s; want m1 and its two events", doc.Sections["messages"], doc.Sections["message_events"])
	}

	if status, out := b.do(t, "GET", "/v1/profiles/u1/export", otherAdmin, ""); status != 404 || !strings.Contains(out, "no customer u1") {
		t.Errorf("another workspace's export = %d %s, want 404", status, out)
	}
	if status, out := b.do(t, "GET", "/v1/profiles/nobody/export", admin, ""); status != 404 {
		t.Errorf("unknown customer's export = %d %s, want 404", status, out)
	}
}
