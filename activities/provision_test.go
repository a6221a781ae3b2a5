package activities

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/outbound"
	"github.com/tabiji/tabiji/store"
)

// TestWebhookRecordsProvision: a journey's webhook about a customer leaves
// a record of provision (recipient, host, the body's field paths), once
// however often the step runs; a call the outbound policy refuses leaves
// none; a call about no customer is not recorded.
func TestWebhookRecordsProvision(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(srv.Close)
	b := setup(t)
	b.env.RegisterActivity(New(b.store, Options{Outbound: outbound.New(outbound.Options{Allow: outbound.MustParseAllowlist("127.0.0.1")})}))
	var a *Activities
	in := WebhookInput{WorkspaceID: "default", URL: srv.URL, IdempotencyKey: "ws_default/jr_crm/u_1/run1/sync/1",
		CustomerID: "u_1", JourneyID: "crm", Recipient: "Acme CRM",
		Body: map[string]any{"email": "{{ customer.email }}", "order": map[string]any{"lines": []any{map[string]any{"sku": "a"}, map[string]any{"sku": "b"}}},
			"source": "tabiji"},
		Bindings: msgtemplates.Bindings("u_1", &journey.Profile{ID: "u_1", Email: "u1@example.jp"}, journey.Event{Name: "order"}, "crm", 1, nil),
	}
	list := func() []store.Provision {
		t.Helper()
		ps, _, err := b.store.Provisions(context.Background(), "default", store.ProvisionFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return ps
	}
	for range 2 { // the step retried: one record
		if _, err := b.env.ExecuteActivity(a.Webhook, in); err != nil {
			t.Fatal(err)
		}
	}
	got := list()
	if len(got) != 1 {
		t.Fatalf("records = %+v, want one", got)
	}
	if p := got[0]; p.CustomerID != "u_1" || p.JourneyID != "crm" || p.Recipient != "Acme CRM" || p.Host != "127.0.0.1" ||
		!slices.Equal(p.Items, []string{"email", "order.lines[].sku", "source"}) {
		t.Errorf("record = %+v, want u_1 to Acme CRM at 127.0.0.1 with email, order.lines[].sku, source", p)
	}

	unnamed := in
	unnamed.IdempotencyKey, unnamed.Recipient = "ws_default/jr_crm/u_1/run1/sync/2", ""
	if _, err := b.env.ExecuteActivity(a.Webhook, unnamed); err != nil {
		t.Fatal(err)
	}
	if got := list(); len(got) != 2 || got[1].Recipient != "127.0.0.1" {
		t.Errorf("a node naming no recipient: records = %+v, want the host as recipient", got)
	}

	noCustomer := in
	noCustomer.IdempotencyKey, noCustomer.CustomerID = "other", ""
	if _, err := b.env.ExecuteActivity(a.Webhook, noCustomer); err != nil {
		t.Fatal(err)
	}
	refused := setup(t) // no allowlist: loopback is refused
	in.IdempotencyKey = "ws_default/jr_crm/u_1/run1/sync/3"
	if _, err := refused.env.ExecuteActivity(a.Webhook, in); err == nil {
		t.Fatal("a webhook to loopback without the allowlist was not refused")
	}
	if n := len(list()); n != 2 {
		t.Errorf("records = %d after a call about no customer, want 2", n)
	}
	if ps, _, err := refused.store.Provisions(context.Background(), "default", store.ProvisionFilter{}); err != nil || len(ps) != 0 {
		t.Errorf("a refused call left records %+v (%v), want none", ps, err)
	}
}

func TestBodyItems(t *testing.T) {
	for raw, want := range map[string][]string{
		`{"a": 1, "b": {"c": [1, {"d": null}]}, "e": []}`: {"a", "b.c[]", "b.c[].d"},
		`"just a value"`: {"(body)"},
		`null`:           {},
		`not json`:       {},
	} {
		if got := bodyItems([]byte(raw)); !slices.Equal(got, want) {
			t.Errorf("bodyItems(%s) = %v, want %v", raw, got, want)
		}
	}
}
