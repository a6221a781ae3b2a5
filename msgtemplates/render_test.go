package msgtemplates_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/msgtemplates"
)

func data() msgtemplates.Data {
	return msgtemplates.Data{
		CustomerID: "u_1",
		Profile: &journey.Profile{ID: "u_1", Email: "hana@example.jp", Traits: map[string]any{"name": "Hana \"H\" Sato"},
			Tags: []string{"vip"}, Timezone: "Asia/Tokyo", LineUserID: "U123"},
		Entry: journey.Event{Name: "cart_add", Properties: map[string]any{"product": "tea set", "sku": "tea-1"},
			Timestamp: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)},
		Latest:         &journey.Event{Name: "page_view", Properties: map[string]any{"url": "/tea"}},
		JourneyID:      "cart",
		Version:        3,
		Variables:      map[string]any{"coupon": "FREESHIP"},
		MessageID:      "msg_1",
		UnsubscribeURL: "https://t.example/u/abc",
	}
}

func mustParse(t *testing.T, channel, content string) msgtemplates.Content {
	t.Helper()
	c, err := msgtemplates.Parse(channel, json.RawMessage(content))
	if err != nil {
		t.Fatalf("Parse %s: %v", channel, err)
	}
	return c
}

func TestRender(t *testing.T) {
	t.Parallel()

	t.Run("EmailSeesProfileEventJourneyAndMessage", func(t *testing.T) {
		t.Parallel()
		c := mustParse(t, "email", `{"subject":"{{ profile.traits.name }}, your {{ event.properties.product }}",
			"html":"<p>Use {{ journey.variables.coupon }} ({{ journey.id }} v{{ journey.version }}), {{ profile.email }}.</p><p>Last seen: {{ event.latest.name }} after {{ event.entry.name }}</p><a href=\"{{ message.unsubscribe_url }}\">Unsubscribe</a> {{ message.id }} {{ customer.timezone }}",
			"from":"news@shop.example","fromName":"Shop","replyTo":"help@shop.example","categories":["cart"]}`)
		m, err := msgtemplates.Render(context.Background(), c, data())
		if err != nil {
			t.Fatal(err)
		}
		want := &channels.Email{From: "news@shop.example", FromName: "Shop", ReplyTo: "help@shop.example",
			Subject:        `Hana "H" Sato, your tea set`,
			HTML:           `<p>Use FREESHIP (cart v3), hana@example.jp.</p><p>Last seen: page_view after cart_add</p><a href="https://t.example/u/abc">Unsubscribe</a> msg_1 Asia/Tokyo`,
			Text:           "Use FREESHIP (cart v3), hana@example.jp.\nLast seen: page_view after cart_add\nUnsubscribe (https://t.example/u/abc) msg_1 Asia/Tokyo",
			UnsubscribeURL: "https://t.example/u/abc"}
		if !reflect.DeepEqual(m.Email, want) {
			t.Errorf("email =\n%+v, want\n%+v", m.Email, want)
		}
		if m.ID != "msg_1" || m.CustomerID != "u_1" || m.Channel != "email" || !slices.Equal(m.Categories, []string{"cart"}) {
			t.Errorf("message = %+v", m)
		}
	})

	t.Run("EmailKeepsAGivenText", func(t *testing.T) {
		t.Parallel()
		c := mustParse(t, "email", `{"subject":"s","html":"<p>a</p>","text":"Hi {{ profile.id }}","from":"a@b.example"}`)
		m, err := msgtemplates.Render(context.Background(), c, data())
		if err != nil || m.Email.Text != "Hi u_1" {
			t.Errorf("text = %q, %v", m.Email.Text, err)
		}
	})

	t.Run("EventIsTheEntryEventWhenNoLaterOneCame", func(t *testing.T) {
		t.Parallel()
		d := data()
		d.Latest = nil
		c := mustParse(t, "push", `{"title":"{{ event.name }}","body":"{{ event.latest.name }} {{ event.latest.properties.sku }}"}`)
		m, err := msgtemplates.Render(context.Background(), c, d)
		if err != nil || m.Push.Title != "cart_add" || m.Push.Body != "cart_add tea-1" {
			t.Errorf("push = %+v, %v", m.Push, err)
		}
	})

	t.Run("PushRendersEveryField", func(t *testing.T) {
		t.Parallel()
		c := mustParse(t, "push", `{"title":"{{ profile.traits.name }}","body":"{{ event.properties.product }}",
			"imageUrl":"https://cdn.example/{{ event.properties.sku }}.png","deepLink":"shop://p/{{ event.properties.sku }}",
			"data":{"message":"{{ message.id }}"}}`)
		m, err := msgtemplates.Render(context.Background(), c, data())
		want := &channels.Push{Title: `Hana "H" Sato`, Body: "tea set", ImageURL: "https://cdn.example/tea-1.png",
			DeepLink: "shop://p/tea-1", Data: map[string]string{"message": "msg_1"}}
		if err != nil || !reflect.DeepEqual(m.Push, want) {
			t.Errorf("push = %+v, %v; want %+v", m.Push, err, want)
		}
	})

	t.Run("LINEOutputIsValidJSONWhateverTheValues", func(t *testing.T) {
		t.Parallel()
		d := data()
		d.Profile.Traits["name"] = "Hana \"}\n\\ <b>"
		c := mustParse(t, "line", flex(bubble))
		m, err := msgtemplates.Render(context.Background(), c, d)
		if err != nil {
			t.Fatal(err)
		}
		var msg map[string]any
		if len(m.LINE) != 1 || json.Unmarshal(m.LINE[0], &msg) != nil {
			t.Fatalf("LINE = %s: not one JSON object", m.LINE)
		}
		body := msg["contents"].(map[string]any)["body"].(map[string]any)["contents"].([]any)
		if got := body[0].(map[string]any)["text"]; got != "Hana \"}\n\\ <b>さん、お忘れではありませんか?" {
			t.Errorf("text = %q", got)
		}
		if got := msg["contents"].(map[string]any)["hero"].(map[string]any)["url"]; got != "https://cdn.example/tea-1.jpg" {
			t.Errorf("hero url = %q", got)
		}
	})

	t.Run("ARenderedURLThatIsNotHTTPSIsAnError", func(t *testing.T) {
		t.Parallel()
		d := data()
		d.Entry.Properties["image"] = "http://cdn.example/a.jpg"
		c := mustParse(t, "line", `{"messages":[{"type":"image","originalContentUrl":"{{ event.properties.image }}","previewImageUrl":"https://cdn.example/p.jpg"}]}`)
		_, err := msgtemplates.Render(context.Background(), c, d)
		if got := fields(t, err); !slices.Equal(got, []string{"content.messages[0].originalContentUrl"}) {
			t.Errorf("errors name %v (%v)", got, err)
		}
	})

	t.Run("LiquidInAnEnumIsCheckedOnceRendered", func(t *testing.T) {
		t.Parallel()
		c := mustParse(t, "line", flex(`{"type":"bubble","body":{"type":"box","layout":"{{ event.properties.layout }}","contents":[]}}`))
		d := data()
		d.Entry.Properties["layout"] = "vertical"
		if _, err := msgtemplates.Render(context.Background(), c, d); err != nil {
			t.Errorf("layout vertical: %v", err)
		}
		d.Entry.Properties["layout"] = "diagonal"
		_, err := msgtemplates.Render(context.Background(), c, d)
		if got := fields(t, err); !slices.Equal(got, []string{"content.messages[0].contents.body.layout"}) {
			t.Errorf("layout diagonal: errors name %v (%v)", got, err)
		}
	})

	t.Run("ASubjectRenderedEmptyIsAnError", func(t *testing.T) {
		t.Parallel()
		c := mustParse(t, "email", `{"subject":"{{ profile.traits.missing }}","html":"x","from":"a@b.example"}`)
		_, err := msgtemplates.Render(context.Background(), c, data())
		if got := fields(t, err); !slices.Equal(got, []string{"content.subject"}) {
			t.Errorf("errors name %v (%v)", got, err)
		}
	})

	t.Run("ALiquidErrorAtRenderNamesTheField", func(t *testing.T) {
		t.Parallel()
		c := mustParse(t, "push", `{"title":"t","body":"{{ profile.traits.name | divided_by: 0 }}"}`)
		_, err := msgtemplates.Render(context.Background(), c, data())
		if got := fields(t, err); !slices.Equal(got, []string{"content.body"}) {
			t.Errorf("errors name %v (%v)", got, err)
		}
	})
}

func TestTextFromHTML(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, html, want string }{
		{"Paragraphs", "<p>One</p><p>Two  words</p>", "One\nTwo words"},
		{"LinksKeepTheirAddress", `<p>See <a href="https://shop.example/cart">your cart</a>.</p>`, "See your cart (https://shop.example/cart)."},
		{"AnchorsWithinThePageDoNot", `<a href="#top">Top</a>`, "Top"},
		{"ScriptStyleAndHeadAreHidden", "<html><head><title>T</title><style>p{}</style></head><body><script>x()</script><p>Body</p></body></html>", "Body"},
		{"EntitiesAreDecoded", "<p>Tea &amp; cakes &lt;3</p>", "Tea & cakes <3"},
		{"LineBreaksAndLists", "a<br>b<ul><li>c</li><li>d</li></ul>", "a\nb\nc\nd"},
		{"BlankLinesCollapse", "<div><p>a</p></div><div></div><div></div><p>b</p>", "a\nb"},
		{"BadMarkupStillGivesText", "<p>open <b>bold", "open bold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := msgtemplates.TextFromHTML(tt.html); got != tt.want {
				t.Errorf("TextFromHTML(%q) = %q, want %q", tt.html, got, tt.want)
			}
		})
	}
}

// TestTopicTravelsWithTheContent: a template's consent topic is read from
// any channel's content and carried by the rendered message.
func TestTopicTravelsWithTheContent(t *testing.T) {
	for channel, raw := range map[string]string{
		msgtemplates.ChannelEmail: `{"subject":"Sale","html":"<p>20% off</p>","from":"shop@example.com","topic":"promotions"}`,
		msgtemplates.ChannelLINE:  `{"messages":[{"type":"text","text":"Sale"}],"topic":"promotions"}`,
		msgtemplates.ChannelPush:  `{"title":"Sale","body":"20% off","topic":"promotions"}`,
	} {
		c, err := msgtemplates.Parse(channel, json.RawMessage(raw))
		if err != nil || c.Topic() != "promotions" {
			t.Fatalf("%s: Parse = topic %q, %v", channel, c.Topic(), err)
		}
		m, err := msgtemplates.Render(context.Background(), c, data())
		if err != nil || m.Topic != "promotions" {
			t.Errorf("%s: Render = topic %q, %v", channel, m.Topic, err)
		}
	}
}

// TestRenderEscapesHTMLAndKeepsHeadersOnOneLine: a profile value reaches
// the HTML as text (unless | raw) and the text part as it is; CR and LF
// leave the subject and the sender's name as spaces.
func TestRenderEscapesHTMLAndKeepsHeadersOnOneLine(t *testing.T) {
	c := mustParse(t, "email", `{"subject":"Hi {{ profile.traits.name }}","from":"a@shop.example",
		"fromName":"{{ profile.traits.name }} at Shop",
		"html":"<p>{{ profile.traits.name }}</p><div>{{ profile.traits.banner | raw }}</div>"}`)
	d := data()
	d.Profile.Traits = map[string]any{"name": "<a href=https://evil.example>reset</a>\r\nBcc: x@evil.example", "banner": "<b>Sale</b>"}
	m, err := msgtemplates.Render(context.Background(), c, d)
	if err != nil {
		t.Fatal(err)
	}
	e := m.Email
	if want := "<p>&lt;a href=https://evil.example&gt;reset&lt;/a&gt;\r\nBcc: x@evil.example</p><div><b>Sale</b></div>"; e.HTML != want {
		t.Errorf("HTML = %q, want %q", e.HTML, want)
	}
	if !strings.Contains(e.Text, "<a href=https://evil.example>reset</a>") {
		t.Errorf("text = %q, want the name as it is", e.Text)
	}
	if e.Subject != "Hi <a href=https://evil.example>reset</a> Bcc: x@evil.example" || strings.ContainsAny(e.FromName, "\r\n") {
		t.Errorf("subject %q, from name %q: want one line each", e.Subject, e.FromName)
	}
}

// TestRenderMessageEscapesEmailBodiesOnly: an inline email body is HTML,
// a LINE body is text.
func TestRenderMessageEscapesEmailBodiesOnly(t *testing.T) {
	tpl := journey.Template{Subject: "{{ customer.traits.name }}", Body: "Hi {{ customer.traits.name }}"}
	d := data()
	d.Profile.Traits = map[string]any{"name": "<b>\nBo</b>"}
	subject, body, err := msgtemplates.RenderMessage(context.Background(), "n1", "email", tpl, d)
	if err != nil || subject != "<b> Bo</b>" || body != "Hi &lt;b&gt;\nBo&lt;/b&gt;" {
		t.Errorf("email: %q, %q, %v", subject, body, err)
	}
	if _, body, err := msgtemplates.RenderMessage(context.Background(), "n1", "line", tpl, d); err != nil || body != "Hi <b>\nBo</b>" {
		t.Errorf("line: %q, %v", body, err)
	}
}
