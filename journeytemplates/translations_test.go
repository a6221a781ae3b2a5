package journeytemplates

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/msgtemplates"
)

// japaneseText is a run of kana or kanji: copy written in Japanese.
var japaneseText = regexp.MustCompile(`[\p{Hiragana}\p{Katakana}\p{Han}]{4,}`)

// sendNodesOf lists the rendered send nodes of a definition that go to
// the customer.
func sendNodesOf(d journey.Definition) []journey.Node {
	var out []journey.Node
	for _, n := range d.Nodes {
		if n.Kind == journey.KindSend && n.To == "" { // to the customer, not a sales owner's alert
			out = append(out, n)
		}
	}
	return out
}

// rendered fills one send node's content for a customer, as a send does.
func rendered(t *testing.T, channel string, tpl journey.Template, traits map[string]any) (string, string) {
	t.Helper()
	p := &journey.Profile{ID: "u_123", Traits: traits}
	entry := journey.Event{Name: "cart_add", Properties: map[string]any{"product": "有田焼のマグカップ", "price": 4800}, Timestamp: time.Now()}
	subject, body, err := msgtemplates.RenderMessage(context.Background(), "n", channel, tpl, msgtemplates.Data{
		CustomerID: "u_123", Profile: p, Entry: entry, JourneyID: "j", Version: 1,
		Variables: map[string]any{"coupon": "FREESHIP", "offer_code": "WELCOME15", "launch_name": "新作", "to_category": "コーヒー豆",
			"from_category": "コーヒーメーカー", "guide_url": "https://example.jp/g", "review_url": "https://example.jp/r",
			"recommendation_url": "https://example.jp/c", "early_access_url": "https://example.jp/e"},
	})
	if err != nil {
		t.Fatalf("render %s on %s: %v", tpl.Body, channel, err)
	}
	return subject, body
}

func TestJapaneseTemplates(t *testing.T) {
	hanako := map[string]any{"lastName": "山田", "firstName": "花子"}
	t.Run("EveryTemplateHasJapaneseCopyOnEveryChannel", func(t *testing.T) {
		for _, tpl := range List() {
			if _, ok := tpl.translations["ja"]; !ok {
				t.Errorf("%s has no library/ja/%s.yaml", tpl.Name, tpl.Name)
				continue
			}
			ja := tpl.In("ja")
			if !japaneseText.MatchString(ja.Title+ja.Doc.Purpose) || ja.Title == tpl.Title {
				t.Errorf("%s: the Japanese title and doc are not in Japanese: %q", tpl.Name, ja.Title)
			}
			for _, channels := range [][]string{{"email", "line"}, {"line", "email"}, {"push"}} {
				d, err := tpl.RenderIn("ja", withChannels(required(tpl), channels))
				if err != nil {
					t.Fatalf("%s in Japanese on %v: %v", tpl.Name, channels, err)
				}
				for _, n := range sendNodesOf(d) {
					for _, ch := range channels {
						subject, body := rendered(t, ch, n.TemplateFor(ch), hanako)
						if !japaneseText.MatchString(body) || strings.Contains(subject+body, "u_123") {
							t.Errorf("%s/%s on %s: %q %q is not Japanese copy for the customer", tpl.Name, n.ID, ch, subject, body)
						}
						if ch == "email" && strings.Contains(n.TemplateFor(ch).Body, "honorific") && !strings.Contains(body, "山田 花子 様") {
							t.Errorf("%s/%s: the email does not greet 山田 花子 様: %q", tpl.Name, n.ID, body)
						}
					}
				}
			}
		}
	})
	t.Run("EachChannelGetsItsOwnCopy", func(t *testing.T) {
		tpl, _ := Get("cart-abandonment")
		for _, order := range [][]string{{"email", "line"}, {"line", "email"}} {
			d, err := tpl.RenderIn("ja", map[string]any{"channels": order})
			if err != nil {
				t.Fatal(err)
			}
			n := sendNodesOf(d)[0]
			email, line := n.TemplateFor("email"), n.TemplateFor("line")
			if !strings.Contains(email.Body, "<p>") || line.Subject != "" || strings.Contains(line.Body, "<p>") {
				t.Errorf("channels %v: email %q, line %q; want HTML for email and plain text without a subject for LINE", order, email, line)
			}
		}
	})
	t.Run("TheCartReminderNamesTheCustomerAndThePriceInYen", func(t *testing.T) {
		tpl, _ := Get("cart-abandonment")
		d, _ := tpl.RenderIn("ja", nil)
		n := sendNodesOf(d)[0]
		_, email := rendered(t, "email", n.TemplateFor("email"), hanako)
		_, line := rendered(t, "line", n.TemplateFor("line"), nil)
		if !strings.Contains(email, "山田 花子 様") || !strings.Contains(email, "¥4,800") || !strings.Contains(email, "有田焼のマグカップ") {
			t.Errorf("email = %s", email)
		}
		if !strings.HasPrefix(line, "お客様、") || !strings.Contains(line, "4,800円") {
			t.Errorf("LINE to a customer with no name = %s", line)
		}
	})
	t.Run("TranslatedDefaultsShowInTheLanguage", func(t *testing.T) {
		tpl, _ := Get("cross-sell")
		d, err := tpl.RenderIn("ja", required(tpl))
		if err != nil || d.Variables["to_category"] != "コーヒー豆" {
			t.Errorf("to_category in Japanese = %v, %v", d.Variables["to_category"], err)
		}
		if d, _ := tpl.RenderIn("en", required(tpl)); d.Variables["to_category"] != "coffee beans" {
			t.Errorf("to_category in English = %v", d.Variables["to_category"])
		}
	})
	t.Run("AnUnknownLanguageNamesTheLocaleField", func(t *testing.T) {
		tpl, _ := Get("welcome")
		for _, lang := range []string{"fr", "JA", "", "ja-JP"} {
			_, err := tpl.RenderIn(lang, nil)
			var fields jsonfields.Errors
			if !errors.As(err, &fields) || fields[0].Field != "locale" {
				t.Errorf("RenderIn(%q) = %v, want a field error on locale", lang, err)
			}
		}
	})
}

func TestEnglishTemplatesGreetByFirstNameNeverByID(t *testing.T) {
	for _, tpl := range List() {
		d, err := tpl.RenderIn("en", required(tpl))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range sendNodesOf(d) {
			c := n.TemplateFor("email")
			if strings.Contains(c.Subject+c.Body, "customer.id") {
				t.Errorf("%s/%s greets by the customer's id: %q", tpl.Name, n.ID, c.Body)
			}
			_, named := rendered(t, "email", c, map[string]any{"firstName": "Hanako"})
			_, anonymous := rendered(t, "email", c, nil)
			if strings.Contains(c.Body, "first_name") && (!strings.Contains(named, "Hanako") || strings.Contains(anonymous, "u_123")) {
				t.Errorf("%s/%s: %q / %q", tpl.Name, n.ID, named, anonymous)
			}
		}
	}
}

// withChannels sets the channels parameter.
func withChannels(params map[string]any, channels []string) map[string]any {
	params["channels"] = channels
	return params
}
