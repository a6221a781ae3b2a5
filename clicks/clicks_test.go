package clicks

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/channels"
)

const testKey = "clicks-test-secrets-key-0123456789abcdef"

func signer(t *testing.T, key string) *Signer {
	t.Helper()
	s, err := NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestToken(t *testing.T) {
	s := signer(t, testKey)
	link := Link{WorkspaceID: "w", CustomerID: "顧客42", MessageID: "ws_w/jr_j/顧客42/send/1", Channel: "line", URL: "https://shop.example.jp/sale?x=1#top"}
	tok := s.Sign(link)

	t.Run("ReadsBackWhatItSigned", func(t *testing.T) {
		got, err := s.Parse(tok)
		if err != nil || got != link {
			t.Fatalf("Parse = %+v, %v; want %+v", got, err, link)
		}
		if s.Sign(link) != tok {
			t.Error("signing is not deterministic: a retried send would change its message")
		}
	})

	t.Run("RefusesHostileTokens", func(t *testing.T) {
		payload, sig, _ := strings.Cut(tok, ".")
		evil, _ := json.Marshal(Link{WorkspaceID: "w", CustomerID: "c", Channel: "line", URL: "https://evil.example"})
		js := signer(t, testKey).Sign(Link{WorkspaceID: "w", CustomerID: "c", Channel: "line", URL: "javascript:alert(1)"})
		for name, bad := range map[string]string{
			"empty":             "",
			"no signature":      payload,
			"truncated":         tok[:len(tok)-3],
			"payload truncated": payload[:len(payload)-4] + "." + sig,
			"another url":       b64(evil) + "." + sig,
			"another key":       signer(t, strings.Repeat("k", 40)).Sign(link),
			"huge":              strings.Repeat("A", MaxToken) + "." + sig,
			"not base64":        "%%%." + sig,
			"a javascript url":  js,
			"two dots":          tok + ".x",
		} {
			if _, err := s.Parse(bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: Parse = %v, want ErrInvalid", name, err)
			}
		}
		var nilSigner *Signer
		if _, err := nilSigner.Parse(tok); !errors.Is(err, ErrInvalid) {
			t.Errorf("a nil signer parsed a token: %v", err)
		}
	})

	t.Run("NeedsALongSecretsKey", func(t *testing.T) {
		if _, err := NewSigner("short"); err == nil {
			t.Error("a 5-character secrets key was taken")
		}
	})
}

func b64(raw []byte) string { return base64.RawURLEncoding.EncodeToString(raw) }

func TestWithUTM(t *testing.T) {
	utm := map[string]string{"utm_source": "line", "utm_campaign": "spring sale"}
	for in, want := range map[string]string{
		"https://shop.example.jp/a":                     "https://shop.example.jp/a?utm_campaign=spring+sale&utm_source=line",
		"https://shop.example.jp/a?b=1#frag":            "https://shop.example.jp/a?b=1&utm_campaign=spring+sale&utm_source=line#frag",
		"https://shop.example.jp/a?utm_source=mine":     "https://shop.example.jp/a?utm_source=mine&utm_campaign=spring+sale",
		"https://shop.example.jp/%E3%81%82?q=%E3%81%84": "https://shop.example.jp/%E3%81%82?q=%E3%81%84&utm_campaign=spring+sale&utm_source=line",
	} {
		if got := WithUTM(in, utm); got != want {
			t.Errorf("WithUTM(%s) = %s, want %s", in, got, want)
		}
	}
	if got := WithUTM("https://x.example/?a=1", nil); got != "https://x.example/?a=1" {
		t.Errorf("no UTM changed the URL: %s", got)
	}
}

// tracked reads the link behind a tracked URL.
func tracked(t *testing.T, s *Signer, u string) Link {
	t.Helper()
	tok, ok := strings.CutPrefix(u, "https://tabiji.test/r/")
	if !ok {
		t.Fatalf("%s is not a tracked link", u)
	}
	l, err := s.Parse(tok)
	if err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	return l
}

func TestRewriteMessage(t *testing.T) {
	s := signer(t, testKey)
	r := &Rewriter{Signer: s, Base: "https://tabiji.test/"}
	msg := func(ch string) channels.Message {
		return channels.Message{ID: "m1", WorkspaceID: "w", CustomerID: "u1", Channel: ch}
	}

	t.Run("LINETextFlexTemplateImagemapAndQuickReplies", func(t *testing.T) {
		m := msg("line")
		m.LINE = []json.RawMessage{
			json.RawMessage(`{"type":"text","text":"セール中 https://shop.example.jp/sale。ぜひ","quickReply":{"items":[{"type":"action","action":{"type":"uri","label":"q","uri":"https://shop.example.jp/q"}}]}}`),
			json.RawMessage(`{"type":"flex","altText":"a","contents":{"type":"bubble","body":{"type":"box","layout":"vertical","contents":[{"type":"text","text":"https://shop.example.jp/plain","size":"sm","flex":2}],"action":{"type":"uri","label":"go","uri":"https://shop.example.jp/flex"}}}}`),
			json.RawMessage(`{"type":"template","altText":"a","template":{"type":"buttons","text":"t","defaultAction":{"type":"uri","label":"d","uri":"https://shop.example.jp/default"},"actions":[{"type":"uri","label":"b","uri":"https://shop.example.jp/button"},{"type":"postback","label":"p","data":"x=1"},{"type":"uri","label":"tel","uri":"tel:0312345678"}]}}`),
			json.RawMessage(`{"type":"imagemap","baseUrl":"https://cdn.example.jp/map","altText":"a","baseSize":{"width":1040,"height":1040},"actions":[{"type":"uri","linkUri":"https://shop.example.jp/area","area":{"x":0,"y":0,"width":520,"height":1040}}]}`),
		}
		out := r.Message(m, Tracking{UTM: map[string]string{"utm_medium": "line"}})
		var text struct {
			Text       string
			QuickReply struct {
				Items []struct{ Action struct{ URI string } }
			}
		}
		_ = json.Unmarshal(out.LINE[0], &text)
		before, rest, _ := strings.Cut(text.Text, " ")
		link, after, _ := strings.Cut(rest, "。")
		if before != "セール中" || after != "ぜひ" {
			t.Errorf("the text around the link changed: %q", text.Text)
		}
		if l := tracked(t, s, link); l.URL != "https://shop.example.jp/sale?utm_medium=line" || l.MessageID != "m1" || l.CustomerID != "u1" || l.Channel != "line" || l.WorkspaceID != "w" {
			t.Errorf("text link = %+v", l)
		}
		if l := tracked(t, s, text.QuickReply.Items[0].Action.URI); l.URL != "https://shop.example.jp/q?utm_medium=line" {
			t.Errorf("quick reply link = %+v", l)
		}
		flex := string(out.LINE[1])
		if !strings.Contains(flex, `"text":"https://shop.example.jp/plain"`) || strings.Contains(flex, `"uri":"https://shop.example.jp/flex"`) || !strings.Contains(flex, `"flex":2`) {
			t.Errorf("flex: the action must be tracked, a text component and numbers left as they were: %s", flex)
		}
		tpl := string(out.LINE[2])
		if strings.Contains(tpl, `"uri":"https://shop.example.jp/`) || !strings.Contains(tpl, `"uri":"tel:0312345678"`) || !strings.Contains(tpl, `"data":"x=1"`) {
			t.Errorf("template: web uri actions tracked, tel and postback left: %s", tpl)
		}
		if im := string(out.LINE[3]); strings.Contains(im, `"linkUri":"https://shop.example.jp/area"`) || !strings.Contains(im, `"baseUrl":"https://cdn.example.jp/map"`) {
			t.Errorf("imagemap: linkUri tracked, baseUrl left: %s", im)
		}
	})

	t.Run("LeavesALinkLINEWouldRefuseAsLongAsItWas", func(t *testing.T) {
		m := msg("line")
		long := "https://shop.example.jp/" + strings.Repeat("a", 900)
		m.LINE = []json.RawMessage{json.RawMessage(`{"type":"template","altText":"a","template":{"type":"buttons","text":"t","actions":[{"type":"uri","label":"b","uri":"` + long + `"}]}}`)}
		if out := string(r.Message(m, Tracking{}).LINE[0]); !strings.Contains(out, long) {
			t.Errorf("a tracked link past LINE's 1,000 characters was sent: %s", out)
		}
	})

	t.Run("PushDeepLinkAndDataURL", func(t *testing.T) {
		m := msg("push")
		m.Push = &channels.Push{Title: "t", Body: "b", DeepLink: "https://shop.example.jp/app", Data: map[string]string{"url": "https://shop.example.jp/d", "screen": "home"}}
		in := *m.Push
		out := r.Message(m, Tracking{})
		if tracked(t, s, out.Push.DeepLink).URL != "https://shop.example.jp/app" || tracked(t, s, out.Push.Data["url"]).URL != "https://shop.example.jp/d" || out.Push.Data["screen"] != "home" {
			t.Errorf("push = %+v", out.Push)
		}
		if m.Push.DeepLink != in.DeepLink || m.Push.Data["url"] != in.Data["url"] {
			t.Error("the caller's message was changed")
		}
		app := msg("push")
		app.Push = &channels.Push{DeepLink: "myshop://product/1"}
		if got := r.Message(app, Tracking{}).Push.DeepLink; got != "myshop://product/1" {
			t.Errorf("an app deep link was rewritten: %s", got)
		}
	})

	t.Run("EmailOnlyWhenAsked", func(t *testing.T) {
		m := msg("email")
		m.Email = &channels.Email{HTML: `<p>Hi &amp; welcome <a class="b" HREF="https://shop.example.jp/e?a=1&amp;b=2">shop</a> <a href="https://tabiji.test/u/tok">unsubscribe</a></p>`,
			Text: "Hi https://shop.example.jp/e"}
		if out := r.Message(m, Tracking{}); out.Email.HTML != m.Email.HTML || out.Email.Text != m.Email.Text {
			t.Error("email links were tracked without the journey asking (SendGrid tracks them)")
		}
		out := r.Message(m, Tracking{Email: true})
		if !strings.Contains(out.Email.HTML, `<p>Hi &amp; welcome <a class="b" href="https://tabiji.test/r/`) || !strings.Contains(out.Email.HTML, `<a href="https://tabiji.test/u/tok">unsubscribe</a></p>`) {
			t.Errorf("html = %s", out.Email.HTML)
		}
		href := strings.Split(strings.Split(out.Email.HTML, `href="`)[1], `"`)[0]
		if l := tracked(t, s, href); l.URL != "https://shop.example.jp/e?a=1&b=2" || l.Channel != "email" {
			t.Errorf("html link = %+v", l)
		}
		if l := tracked(t, s, strings.TrimPrefix(out.Email.Text, "Hi ")); l.URL != "https://shop.example.jp/e" {
			t.Errorf("text link = %+v", l)
		}
	})

	t.Run("SMSTextForTheSMSChannel", func(t *testing.T) {
		out := r.Text("Sale: https://shop.example.jp/s (today)", Link{WorkspaceID: "w", CustomerID: "u1", MessageID: "m", Channel: "sms"}, nil)
		link := strings.TrimSuffix(strings.TrimPrefix(out, "Sale: "), " (today)")
		if l := tracked(t, s, link); l.URL != "https://shop.example.jp/s" || l.Channel != "sms" {
			t.Errorf("sms = %q (%+v)", out, l)
		}
	})

	t.Run("SMSBodyOfAnSMSMessage", func(t *testing.T) {
		m := msg("sms")
		m.SMS = &channels.SMS{Body: "セール https://shop.example.jp/s 本日まで"}
		out := r.Message(m, Tracking{UTM: map[string]string{"utm_source": "sms"}})
		link := strings.TrimSuffix(strings.TrimPrefix(out.SMS.Body, "セール "), " 本日まで")
		if l := tracked(t, s, link); l.URL != "https://shop.example.jp/s?utm_source=sms" || l.Channel != "sms" || l.MessageID != m.ID {
			t.Errorf("sms = %q (%+v)", out.SMS.Body, l)
		}
		if m.SMS.Body != "セール https://shop.example.jp/s 本日まで" {
			t.Errorf("the original message changed: %q", m.SMS.Body)
		}
	})

	t.Run("ANilRewriterChangesNothing", func(t *testing.T) {
		var none *Rewriter
		m := msg("line")
		m.LINE = []json.RawMessage{json.RawMessage(`{"type":"text","text":"https://shop.example.jp"}`)}
		if out := none.Message(m, Tracking{}); string(out.LINE[0]) != string(m.LINE[0]) {
			t.Errorf("out = %s", out.LINE[0])
		}
	})
}
