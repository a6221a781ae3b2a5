package advertising

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/jsonfields"
)

func TestPolicy(t *testing.T) {
	t.Parallel()
	on, off := true, false
	cases := []struct {
		name          string
		p             Policy
		channel       string
		transactional bool
		want          bool
	}{
		{"AJapaneseWorkspaceEnforcesByDefault", Policy{Locale: "ja"}, "email", false, true},
		{"AnEnglishWorkspaceDoesNotByDefault", Policy{Locale: "en"}, "email", false, false},
		{"AnUnknownLocaleDoesNot", Policy{}, "email", false, false},
		{"TheExplicitSettingWinsOverTheLocale", Policy{Locale: "ja", OptInRequired: &off}, "email", false, false},
		{"AnEnglishWorkspaceMayTurnItOn", Policy{Locale: "en", OptInRequired: &on}, "email", false, true},
		{"SMSIsSpecifiedMailToo", Policy{OptInRequired: &on}, "sms", false, true},
		{"LINEIsNot", Policy{OptInRequired: &on}, "line", false, false},
		{"PushIsNot", Policy{OptInRequired: &on}, "push", false, false},
		{"ATransactionalMessageNeedsNone", Policy{OptInRequired: &on}, "email", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := c.p.NeedsOptIn(c.channel, c.transactional); got != c.want {
				t.Errorf("NeedsOptIn = %v, want %v", got, c.want)
			}
		})
	}
}

func TestSender(t *testing.T) {
	t.Parallel()
	full := Sender{Name: "旅路商店株式会社", Address: "〒100-0001\n東京都千代田区千代田1-1", Contact: "stop@shop.example"}
	t.Run("UnreadyNamesEachMissingField", func(t *testing.T) {
		t.Parallel()
		on := true
		p := Policy{OptInRequired: &on, Sender: Sender{Name: "Shop"}}
		var got []string
		for _, e := range p.Unready() {
			got = append(got, e.Field)
		}
		if !slices.Equal(got, []string{"advertising.sender.address", "advertising.sender.contact"}) || !strings.Contains(p.Unready()[0].Message, SettingPath) {
			t.Errorf("unready = %v", p.Unready())
		}
		p.Sender = full
		if p.Unready() != nil {
			t.Errorf("a full sender is unready: %v", p.Unready())
		}
		if (Policy{Locale: "en"}).Unready() != nil {
			t.Error("a workspace that does not enforce the policy is unready")
		}
	})
	t.Run("ValidateRefusesControlsAndLength", func(t *testing.T) {
		t.Parallel()
		if err := full.Validate(); err != nil {
			t.Errorf("full = %v", err)
		}
		err := Sender{Name: "a\nb", Address: strings.Repeat("x", 501), Contact: "\x00"}.Validate()
		var errs jsonfields.Errors
		errors.As(err, &errs)
		if len(errs) != 3 || errs[0].Field != "sender.name" || errs[1].Field != "sender.address" || errs[2].Field != "sender.contact" {
			t.Errorf("errors = %v", err)
		}
	})
	t.Run("TheBlockGoesInBothPartsOnceAndEscaped", func(t *testing.T) {
		t.Parallel()
		s := full
		s.Name = `<b>Shop</b> & "Co"`
		m := &channels.Email{HTML: "<html><BODY><p>Sale</p></BODY></html>", Text: "Sale\n"}
		s.AddBlock(m, "ja")
		s.AddBlock(m, "ja")
		if strings.Count(m.HTML, BlockMarker) != 1 || !strings.Contains(m.HTML, "&lt;b&gt;Shop&lt;/b&gt; &amp; &#34;Co&#34;") ||
			!strings.Contains(m.HTML, "〒100-0001<br>東京都") || !strings.HasSuffix(m.HTML, "</p></div></BODY></html>") {
			t.Errorf("html = %s", m.HTML)
		}
		if strings.Count(m.Text, BlockMarker) != 1 || !strings.Contains(m.Text, "送信者: <b>Shop</b>") ||
			!strings.Contains(m.Text, "住所: 〒100-0001 東京都千代田区千代田1-1") || !strings.Contains(m.Text, "配信停止・お問い合わせ: stop@shop.example") {
			t.Errorf("text = %s", m.Text)
		}
		e := &channels.Email{Text: "Hi"}
		full.AddBlock(e, "en")
		if e.HTML != "" || !strings.Contains(e.Text, "Sent by: 旅路商店株式会社") {
			t.Errorf("text-only email = %+v", e)
		}
		if h, _ := full.AddTo("<p>no body</p>", "", "en"); !strings.HasPrefix(h, "<p>no body</p><div") {
			t.Errorf("html without body = %s", h)
		}
	})
}
