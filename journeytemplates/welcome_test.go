package journeytemplates

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/msgtemplates"
)

// welcomeBody renders the welcome's first message on a channel with the
// definition's own variables, as a send does.
func welcomeBody(t *testing.T, d journey.Definition, channel string) string {
	t.Helper()
	for _, n := range d.Nodes {
		if n.ID != "send_welcome" {
			continue
		}
		_, body, err := msgtemplates.RenderMessage(context.Background(), n.ID, channel, n.TemplateFor(channel), msgtemplates.Data{
			CustomerID: "u_123", Profile: &journey.Profile{ID: "u_123"}, JourneyID: "j", Version: 1,
			Entry: journey.Event{Name: "signed_up", Timestamp: time.Now()}, Variables: d.Variables,
		})
		if err != nil {
			t.Fatalf("render send_welcome on %s: %v", channel, err)
		}
		return body
	}
	t.Fatal("welcome has no send_welcome")
	return ""
}

// The welcome's first message links the shop when start_url is set, in
// both languages and on both channels, and its wait takes a LINE click on
// that message as engagement besides the open.
func TestWelcomeOnLINEFirstLinksTheShopAndCountsTheClick(t *testing.T) {
	tpl, err := Get("welcome")
	if err != nil {
		t.Fatal(err)
	}
	const shop = "https://shop.example.jp/start?from=welcome"
	for _, lang := range []string{"en", "ja"} {
		d, err := tpl.RenderIn(lang, map[string]any{"channels": "line, email", "start_url": shop})
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		for _, ch := range []string{"line", "email"} {
			if body := welcomeBody(t, d, ch); !strings.Contains(body, shop) && !strings.Contains(body, strings.ReplaceAll(shop, "&", "&amp;")) {
				t.Errorf("%s on %s: the first message has no link to %s: %q", lang, ch, shop, body)
			}
		}
		var awaited []string
		for _, n := range d.Nodes {
			if n.ID == "wait_for_open" {
				for _, e := range n.Events {
					if e.Next != "wait_tips" || !strings.Contains(e.Match, `"send_welcome"`) {
						t.Errorf("%s: %s leads to %s with match %q, want wait_tips for send_welcome's", lang, e.Event, e.Next, e.Match)
					}
					awaited = append(awaited, e.Event)
				}
			}
		}
		if strings.Join(awaited, ",") != "email_opened,line_clicked" {
			t.Errorf("%s: the first message's wait awaits %v, want email_opened and line_clicked", lang, awaited)
		}
		plain, err := tpl.RenderIn(lang, nil)
		if err != nil {
			t.Fatalf("%s without start_url: %v", lang, err)
		}
		for _, ch := range []string{"line", "email"} {
			if body := welcomeBody(t, plain, ch); strings.Contains(body, "http") {
				t.Errorf("%s on %s without start_url links somewhere: %q", lang, ch, body)
			}
		}
	}
}

// start_url may be left out or "", but anything else must be a URL; a
// required URL parameter still refuses "".
func TestOptionalURLParameter(t *testing.T) {
	if d, err := Render("welcome", map[string]any{"start_url": ""}); err != nil || d.Variables["start_url"] != "" {
		t.Errorf("start_url \"\" = %v, %v; want accepted as no link", d.Variables, err)
	}
	cases := []struct {
		template, param string
		params          map[string]any
		message         string
	}{
		{"welcome", "start_url", map[string]any{"start_url": "ftp://shop.example.jp/"}, `or "" for none`},
		{"welcome", "start_url", map[string]any{"start_url": "shop.example.jp"}, "absolute http or https URL"},
		{"welcome", "start_url", map[string]any{"start_url": 3}, "URL"},
		{"lead-score", "sales_webhook_url", map[string]any{"sales_webhook_url": ""}, "absolute http or https URL"},
	}
	for _, tc := range cases {
		_, err := Render(tc.template, tc.params)
		var verr journey.ValidationError
		if !errors.As(err, &verr) || verr[0].Field != "params."+tc.param || !strings.Contains(verr[0].Message, tc.message) {
			t.Errorf("%s with %v = %v, want params.%s: …%s…", tc.template, tc.params, err, tc.param, tc.message)
		}
	}
}
