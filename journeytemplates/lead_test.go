package journeytemplates

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/msgtemplates/liquid"
)

// leadContext is a lead context as activities builds it (JSON values).
var leadContext = map[string]any{
	"profile": map[string]any{"id": "u_123", "email": "hanako@example.jp", "phone": "+819012345678",
		"traits": map[string]any{"name": "山田 花子"}},
	"score":         91.0,
	"score_history": []any{map[string]any{"at": "2026-12-07T01:00:00Z", "score_before": 40.0, "score_after": 91.0, "rule": "pricing_page"}},
	"recent_pages":  []any{map[string]any{"at": "2026-12-07T00:59:00Z", "name": "Pricing", "title": "料金プラン", "url": "https://shop.example.jp/pricing"}},
	"recent_events": []any{map[string]any{"at": "2026-12-07T00:58:00Z", "name": "demo_requested"}},
}

func TestLeadScoreAlertsTheOwner(t *testing.T) {
	tpl, err := Get("lead-score")
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]any{"sales_webhook_url": "https://crm.test/hook", "sales_owner_email": "sato@shop.example.jp",
		"escalation_email": "boss@shop.example.jp", "response_time": "2h"}
	for _, lang := range []string{"en", "ja"} {
		t.Run("OwnerEmailsCarryTheLeadIn_"+lang, func(t *testing.T) {
			d, err := tpl.RenderIn(lang, params)
			if err != nil {
				t.Fatal(err)
			}
			owners := map[string]string{}
			for _, n := range d.Nodes {
				if n.Kind != journey.KindSend || n.To == "" {
					continue
				}
				to, err := liquid.Default().Render(context.Background(), n.To, msgtemplates.Data{Variables: d.Variables}.Bindings())
				if err != nil {
					t.Fatal(err)
				}
				owners[n.ID] = to
				if !n.Lead || len(n.ChannelOrder()) != 1 || n.ChannelOrder()[0] != "email" {
					t.Errorf("%s: lead %v on %v, want a lead step on email alone", n.ID, n.Lead, n.ChannelOrder())
				}
				subject, body, err := msgtemplates.RenderMessage(context.Background(), n.ID, "email", *n.Template, msgtemplates.Data{
					CustomerID: "u_123", Profile: &journey.Profile{ID: "u_123"}, Variables: d.Variables, Lead: leadContext})
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(subject, "山田 花子") || !strings.Contains(body, "hanako@example.jp") || !strings.Contains(body, "91") {
					t.Errorf("%s: %q %q lacks the lead's name, email or score", n.ID, subject, body)
				}
				if n.ID == "email_owner" && (!strings.Contains(body, "https://shop.example.jp/pricing") || !strings.Contains(body, "demo_requested") ||
					!strings.Contains(body, "40 → 91")) {
					t.Errorf("%s: %q lacks the pages, events or score history", n.ID, body)
				}
			}
			want := map[string]string{"email_owner": "sato@shop.example.jp", "remind_owner": "sato@shop.example.jp", "email_escalation": "boss@shop.example.jp"}
			if len(owners) != len(want) {
				t.Errorf("owner emails = %v, want %v", owners, want)
			}
			for id, to := range want {
				if owners[id] != to {
					t.Errorf("%s goes to %q, want %q", id, owners[id], to)
				}
			}
			if d.Nodes[0].Kind != journey.KindWebhook || !d.Nodes[0].Lead {
				t.Errorf("the first step is %+v, want the lead webhook", d.Nodes[0])
			}
		})
	}
	t.Run("WithoutAnOwnerTheTemplateStillRuns", func(t *testing.T) {
		if _, err := Render("lead-score", map[string]any{"sales_webhook_url": "https://crm.test/hook"}); err != nil {
			t.Error(err)
		}
	})
	t.Run("AnOwnerThatIsNoAddressIsRefusedNamingTheParameter", func(t *testing.T) {
		for _, bad := range []string{"sato", "Sato <sato@shop.example.jp>", "a@b.jp, c@d.jp"} {
			_, err := Render("lead-score", map[string]any{"sales_webhook_url": "https://crm.test/hook", "sales_owner_email": bad})
			var fields jsonfields.Errors
			if !errors.As(err, &fields) || fields[0].Field != "params.sales_owner_email" {
				t.Errorf("%q: %v, want a field error on params.sales_owner_email", bad, err)
			}
		}
	})
}
