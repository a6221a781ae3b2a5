package msgtemplates_test

import (
	"context"
	"testing"
	"time"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/journeytemplates"
	"github.com/tabiji/tabiji/msgtemplates"
)

// BenchmarkRenderTypicalEmail renders, with the sandbox's budgets on, the
// email a customer gets from the shipped cart-abandonment template (its
// inline content, with a profile and the cart_add event) and a stored
// HTML email template with the same data.
func BenchmarkRenderTypicalEmail(b *testing.B) {
	def, err := journeytemplates.Render("cart-abandonment", map[string]any{})
	if err != nil {
		b.Fatal(err)
	}
	var tpl journey.Template
	for _, n := range def.Nodes {
		if n.Kind == "send" {
			tpl = *n.Template
		}
	}
	d := msgtemplates.Data{CustomerID: "u_1", MessageID: "m1", JourneyID: "cart", Version: 1, Variables: def.Variables,
		Profile:        &journey.Profile{ID: "u_1", Email: "hana@example.jp", Traits: map[string]any{"first_name": "Hana"}, Timezone: "Asia/Tokyo"},
		Entry:          journey.Event{Name: "cart_add", Properties: map[string]any{"product": "tea set", "price": 3200}, Timestamp: time.Now()},
		UnsubscribeURL: "https://t.example/u/abc"}
	ctx := context.Background()
	b.Run("CartReminder", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := msgtemplates.RenderMessage(ctx, "send_reminder", "email", tpl, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	c, err := msgtemplates.Parse("email", []byte(`{"subject": "{{ profile.traits.first_name }}, your {{ event.properties.product }} is waiting",
		"from": "shop@example.com",
		"html": "<p>Hi {{ profile.traits.first_name | default: \"there\" }},</p><p>Your {{ event.properties.product }} ({{ event.properties.price }} yen) is in your cart.</p>{% if profile.traits.vip %}<p>As a VIP you get 30% off.</p>{% else %}<p>Use {{ journey.variables.coupon }} at checkout.</p>{% endif %}<p><a href=\"{{ message.unsubscribe_url }}\">Unsubscribe</a></p>"}`))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("StoredHTML", func(b *testing.B) {
		for b.Loop() {
			if _, err := msgtemplates.Render(ctx, c, d); err != nil {
				b.Fatal(err)
			}
		}
	})
}
