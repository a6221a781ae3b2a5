package tests

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/settings"
)

// providerStack is the e2e stack whose API sends through the fakes of
// SendGrid, LINE and Twilio (each checking every request against the
// provider's description), set for the workspace through
// PUT /v1/channels/{channel} as a marketer's admin would.
type providerStack struct {
	*stack
	sg     *providertest.Server
	line   *providertest.LINE
	twilio *providertest.Twilio
}

func startProviderStack(t *testing.T) *providerStack {
	t.Helper()
	s := startStack(t)
	p := &providerStack{stack: s, sg: providertest.NewSendGrid(t), line: providertest.NewLINE(t), twilio: providertest.NewTwilio(t)}
	keys, err := settings.NewKeyring(e2eSecretsKey)
	if err != nil {
		t.Fatal(err)
	}
	resolver := settings.NewResolver(s.store, settings.Options{Keyring: keys, Defaults: map[string]settings.Values{
		"email": {settings.BaseURL: p.sg.URL}, "line": {settings.BaseURL: p.line.URL}, "sms": {settings.BaseURL: p.twilio.URL}}})
	s.handler.Store(api.NewServer(api.Deps{Store: s.store, Temporal: s.temporal, Namespace: s.server.Namespace(), TaskQueue: taskQueue,
		Channels: resolver, PayloadCodec: s.codec}))
	s.call("PUT", "/v1/channels/email", "admin", map[string]any{"apiKey": "SG.e2e-editor-key"}, http.StatusOK, nil)
	s.call("PUT", "/v1/channels/line", "admin", map[string]any{"channelAccessToken": "line-e2e-token", "channelSecret": "line-e2e-secret"}, http.StatusOK, nil)
	s.call("PUT", "/v1/channels/sms", "admin", map[string]any{"accountSid": p.twilio.AccountSID, "authToken": p.twilio.AuthToken,
		"fromNumber": "+815012345678"}, http.StatusOK, nil)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "aiko", "messageId": "id-aiko-send",
		"traits": map[string]any{"email": "aiko@example.com", "firstName": "Aiko", "lastName": "Sato", "phone": "+819012345678",
			"lineUserId": "U0123456789abcdef0123456789abcdef"}}, http.StatusOK, nil)
	return p
}

// noPageErrors fails on a script error or a request to Tabiji answered
// with a failing status (which Chromium logs as an error). The example
// images are on hosts the test cannot reach, and a hostile email's script
// and inline handlers are blocked in the preview's frame: Chromium logs
// those too, and they are no failure.
func (b *browser) noPageErrors(t *testing.T, s *stack) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errors {
		failed := strings.HasPrefix(e, "log: Failed to load resource") && strings.Contains(e, s.url)
		if strings.HasPrefix(e, "exception") || strings.HasPrefix(e, "console.error") || failed {
			t.Errorf("the page failed: %s", e)
		}
	}
}

// setInput sets an input's value as typing would (an input event).
func setInput(sel, value string) chromedp.Action {
	return chromedp.Evaluate(`(() => { const i = document.querySelector(`+jsString(sel)+`); i.value = `+jsString(value)+`;
		i.dispatchEvent(new Event('input', {bubbles: true})); i.dispatchEvent(new Event('change', {bubbles: true})); })()`, nil)
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "`", "\\`", "$", `\$`)
	return "`" + r.Replace(s) + "`"
}

// testSend previews the template for aiko and sends the test to to,
// waiting for the editor to say it went through provider.
func (b *browser) testSend(t *testing.T, to, provider string) {
	t.Helper()
	b.run(t, chromedp.SendKeys("#preview-customer", "aiko", chromedp.ByID), chromedp.Click("#preview-run", chromedp.ByID),
		chromedp.Poll(`document.getElementById('preview-for').textContent.includes('aiko')`, nil),
		setInput("#test-to", to), chromedp.Click("#test-send", chromedp.ByID),
		chromedp.Poll(`document.getElementById('test-result').textContent.includes('`+provider+`')`, nil, chromedp.WithPollingTimeout(30*time.Second)))
}

// TestMessageEditorTestSendReachesSendGrid: in headless Chromium on the
// real stack, with SendGrid set for the workspace, the email editor's
// test send arrives at the SendGrid fake (checked against SendGrid's
// description): an email built from blocks with its compiled, inlined
// HTML, its text part and the customer's subject; then an email written in
// HTML mode with a preheader, which the sent HTML holds as the hidden
// preview line at the top of the body (and the text part does not).
func TestMessageEditorTestSendReachesSendGrid(t *testing.T) {
	s := startProviderStack(t)
	owner := s.ownerEmail("default")
	b := newBrowser(t)
	b.login(t, s.stack, "/ui/message-templates/new?channel=email", owner, `#msg-form[data-ready="1"]`)

	t.Run("BlocksArriveCompiled", func(t *testing.T) {
		b.run(t, chromedp.SendKeys("#m-name", "Spring sale", chromedp.ByID),
			chromedp.SendKeys("#m-subject", "Spring sale for {{ profile.traits.firstName }}", chromedp.ByID),
			chromedp.SendKeys("#m-from", "news@shop.example", chromedp.ByID),
			chromedp.SendKeys(`#blocks fieldset[data-kind=button] [data-key=url]`, "shop.example/sale", chromedp.ByQuery),
			chromedp.SetValue("#m-block-kind", "coupon", chromedp.ByID), chromedp.Click("#add-block", chromedp.ByID),
			chromedp.SendKeys(`#blocks fieldset[data-kind=coupon] [data-key=code]`, "SPRING10", chromedp.ByQuery),
			chromedp.Click("#msg-save", chromedp.ByID), chromedp.WaitVisible(`#template-id`, chromedp.ByID),
			chromedp.WaitVisible(`#msg-form[data-ready="1"]`, chromedp.ByQuery))
		b.testSend(t, owner, "sendgrid")
		mail := s.lastMail(t)
		html, text := mail.Content["text/html"], mail.Content["text/plain"]
		if mail.To != owner || mail.Subject != "Spring sale for Aiko" {
			t.Errorf("SendGrid got a mail to %q with subject %q", mail.To, mail.Subject)
		}
		if !strings.Contains(html, `class="button-link"`) || !strings.Contains(html, `style="`) || !strings.Contains(html, "@media") ||
			!strings.Contains(html, "SPRING10") || !strings.Contains(html, "https://shop.example/sale") {
			t.Errorf("the HTML part is not the compiled, inlined email: %.600s", html)
		}
		if !strings.Contains(text, "SPRING10") || !strings.Contains(text, "https://shop.example/sale") || strings.Contains(text, "<") {
			t.Errorf("the text part is %q", text)
		}
	})

	t.Run("HTMLModeHasItsPreheader", func(t *testing.T) {
		b.run(t, chromedp.Navigate(s.url+"/ui/message-templates/new?channel=email"),
			chromedp.WaitVisible(`#msg-form[data-ready="1"]`, chromedp.ByQuery),
			chromedp.SendKeys("#m-name", "Hand written", chromedp.ByID),
			chromedp.SendKeys("#m-subject", "News", chromedp.ByID),
			chromedp.SendKeys("#m-from", "news@shop.example", chromedp.ByID),
			chromedp.SendKeys("#m-preheader", "Only this week, {{ profile.traits.firstName }} & friends", chromedp.ByID),
			setInput("#m-mode", "html"),
			setInput("#m-html", `<html><body style="margin:0"><p>Hello {{ profile.traits.firstName }}</p></body></html>`),
			chromedp.Click("#msg-save", chromedp.ByID), chromedp.WaitVisible(`#template-id`, chromedp.ByID),
			chromedp.WaitVisible(`#msg-form[data-ready="1"]`, chromedp.ByQuery))
		b.testSend(t, owner, "sendgrid")
		b.run(t, chromedp.Poll(`(() => { const f = document.querySelector('#msg-preview iframe.desktop[data-written="1"]');
			const d = f && f.contentDocument.querySelector('body > div.preheader');
			return !!d && d.textContent === 'Only this week, Aiko & friends' && getComputedStyle(d).display === 'none'; })()`, nil))
		mail := s.lastMail(t)
		want := `<body style="margin:0"><div class="preheader" style="display: none; max-height: 0; overflow: hidden; mso-hide: all; font-size: 1px; line-height: 1px; color: #f4f4f7; opacity: 0;">Only this week, Aiko &amp; friends</div><p>Hello Aiko</p>`
		if mail.Subject != "News" || !strings.Contains(mail.Content["text/html"], want) {
			t.Errorf("SendGrid got %q with HTML %s, want the preheader first in the body", mail.Subject, mail.Content["text/html"])
		}
		if text := mail.Content["text/plain"]; !strings.Contains(text, "Hello Aiko") || strings.Contains(text, "Only this week") {
			t.Errorf("the text part is %q, want the body's text alone", text)
		}
	})
	if bad := s.sg.Invalid(); len(bad) > 0 {
		t.Errorf("SendGrid refused requests as its description does: %v", bad)
	}
	b.noPageErrors(t, s.stack)
}

// lastMail is the last mail SendGrid accepted.
func (s *providerStack) lastMail(t *testing.T) providertest.Mail {
	t.Helper()
	reqs := s.sg.Requests()
	if len(reqs) == 0 {
		t.Fatal("SendGrid got no request")
	}
	last := reqs[len(reqs)-1]
	if last.Path != "/v3/mail/send" || last.Header.Get("Authorization") != "Bearer SG.e2e-editor-key" {
		t.Fatalf("SendGrid's last request is %s %s", last.Method, last.Path)
	}
	mails := providertest.Mails(t, last)
	if len(mails) != 1 {
		t.Fatalf("the request delivers %d mails", len(mails))
	}
	return mails[0]
}

// TestMessageEditorLINEKindsInChromium: the LINE editor's sticker,
// imagemap and template (carousel and confirm) messages, each made with
// typed inputs, drawn as LINE draws them; a field the LINE description or
// LINE's rules refuse is marked at its input (no failing request); the
// saved template's test send arrives at the LINE fake (checked against
// LINE's description) with the messages as made.
func TestMessageEditorLINEKindsInChromium(t *testing.T) {
	s := startProviderStack(t)
	b := newBrowser(t)
	b.login(t, s.stack, "/ui/message-templates/new?channel=line", s.ownerEmail("default"), `#msg-form[data-ready="1"]`)
	msg := func(i int) string {
		return `#line-messages > fieldset.list-item:nth-of-type(` + string(rune('0'+i)) + `) `
	}
	add := func(kind string) chromedp.Action {
		return chromedp.Tasks{chromedp.SetValue("#m-line-kind", kind, chromedp.ByID), chromedp.Click("#add-line", chromedp.ByID)}
	}
	b.run(t, chromedp.SendKeys("#m-name", "LINE kinds", chromedp.ByID),
		chromedp.Click(`#line-messages fieldset[data-kind=text] .item-remove`, chromedp.ByQuery),
		add("sticker"), add("imagemap"), add("template"), add("template"),
		setInput(msg(2)+`[data-role=baseUrl]`, "https://cdn.shop.example/map"),
		setInput(msg(2)+`[data-role=altText]`, "Sale map"),
		setInput(msg(2)+`[data-role=height]`, "520"),
		setInput(msg(2)+`.line-action [data-role=area-height]`, "520"),
		setInput(msg(2)+`.line-action [data-role=area-width]`, "520"),
		setInput(msg(2)+`.line-action [data-role=value]`, "https://shop.example/left"),
		chromedp.Click(msg(2)+`.line-add`, chromedp.ByQuery),
		setInput(msg(2)+`.line-action:nth-of-type(2) [data-role=type]`, "message"),
		setInput(msg(2)+`.line-action:nth-of-type(2) [data-role=value]`, "right please"),
		setInput(msg(2)+`.line-action:nth-of-type(2) [data-role=area-x]`, "520"),
		setInput(msg(2)+`.line-action:nth-of-type(2) [data-role=area-y]`, "0"),
		setInput(msg(2)+`.line-action:nth-of-type(2) [data-role=area-width]`, "520"),
		setInput(msg(2)+`.line-action:nth-of-type(2) [data-role=area-height]`, "520"),
		setInput(msg(3)+`[data-role=altText]`, "Picks for {{ profile.traits.firstName }}"),
		setInput(msg(3)+`[data-role=tplType]`, "carousel"),
		setInput(msg(3)+`.line-column [data-role=title]`, "Tea"),
		setInput(msg(3)+`.line-column [data-role=text]`, "For {{ profile.traits.firstName }}"),
		setInput(msg(3)+`.line-column [data-role=thumbnailImageUrl]`, "https://cdn.shop.example/tea.jpg"),
		setInput(msg(3)+`.line-column .line-action [data-role=label]`, "Buy"),
		setInput(msg(3)+`.line-column .line-action [data-role=value]`, "buy tea"),
		chromedp.Click(msg(3)+`.line-template-body > .line-add`, chromedp.ByQuery),
		setInput(msg(3)+`.line-column:nth-of-type(2) [data-role=title]`, "Cups"),
		setInput(msg(3)+`.line-column:nth-of-type(2) [data-role=text]`, "Small cups"),
		setInput(msg(3)+`.line-column:nth-of-type(2) [data-role=thumbnailImageUrl]`, "https://cdn.shop.example/cups.jpg"),
		chromedp.Click(msg(3)+`.line-column:nth-of-type(2) .line-add`, chromedp.ByQuery),
		setInput(msg(3)+`.line-column:nth-of-type(2) .line-action [data-role=type]`, "uri"),
		setInput(msg(3)+`.line-column:nth-of-type(2) .line-action [data-role=label]`, "See"),
		setInput(msg(3)+`.line-column:nth-of-type(2) .line-action [data-role=value]`, "https://shop.example/cups"),
		setInput(msg(4)+`[data-role=altText]`, "Coming?"),
		setInput(msg(4)+`[data-role=tplType]`, "confirm"),
		setInput(msg(4)+`.line-template-body > .field [data-role=text]`, "Join the tasting?"),
		chromedp.SendKeys("#preview-customer", "aiko", chromedp.ByID), chromedp.Click("#preview-run", chromedp.ByID),
		chromedp.Poll(`document.querySelectorAll('#msg-preview .line-tpl-carousel > .line-tpl-card').length === 2`, nil))

	t.Run("DrawsThemAsLINEDoes", func(t *testing.T) {
		got := b.strings(t, `[
			[...document.querySelectorAll('#msg-preview .line-sticker-image img')].map(i => i.src).join(),
			[...document.querySelectorAll('#msg-preview .line-imagemap-area')].map(a => [a.dataset.action, a.style.left, a.style.top, a.style.width, a.style.height].join(' ')).join(' / '),
			document.querySelector('#msg-preview .line-imagemap').style.aspectRatio,
			document.querySelector('#msg-preview .line-imagemap img').src,
			[...document.querySelectorAll('#msg-preview .line-tpl-carousel > .line-tpl-card')].map(c => c.textContent).join(' / '),
			[...document.querySelectorAll('#msg-preview .line-tpl-confirm .line-tpl-actions.side-by-side .line-tpl-action')].map(a => a.textContent).join(','),
		]`)
		want := []string{
			"https://stickershop.line-scdn.net/stickershop/v1/sticker/1988/android/sticker.png",
			"uri 0% 0% 50% 100% / message 50% 0% 50% 100%",
			"1040 / 520",
			"https://cdn.shop.example/map/700",
			"TeaFor AikoBuy / CupsSmall cupsSee",
			"Yes,No",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("the preview draws\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if n := b.strings(t, unlabelled); len(n) > 0 {
			t.Errorf("inputs without a label: %v", n)
		}
		b.noAxeViolations(t, "msgeditor-line")
		b.screenshot(t, "msgeditor-line-kinds.png")
	})

	t.Run("MarksTheFieldAtFault", func(t *testing.T) {
		for _, c := range []struct{ input, value, field string }{
			{msg(2) + `.line-action:nth-of-type(2) [data-role=area-x]`, "900", "content.messages[1].actions[1].area"},
			{msg(3) + `.line-column .line-action [data-role=label]`, "A label far longer than twenty", "content.messages[2].template.columns[0].actions[0].label"},
			{msg(1) + `[data-role=stickerId]`, "abc", "content.messages[0].stickerId"},
		} {
			b.run(t, setInput(c.input, c.value),
				chromedp.Poll(`!!document.querySelector('#msg-errors li[data-problem="`+c.field+`"]') &&
					document.querySelector(`+jsString(c.input)+`).getAttribute('aria-invalid') === 'true'`, nil))
			if n := b.strings(t, `[...document.querySelectorAll('#msg-preview *')].map(e => e.tagName)`); len(n) != 0 {
				t.Errorf("with %s refused the preview holds %v", c.field, n)
			}
		}
		b.run(t, setInput(msg(2)+`.line-action:nth-of-type(2) [data-role=area-x]`, "520"),
			setInput(msg(3)+`.line-column .line-action [data-role=label]`, "Buy"),
			setInput(msg(1)+`[data-role=stickerId]`, "1988"),
			chromedp.Poll(`document.getElementById('msg-errors').hidden && document.querySelectorAll('#msg-preview .line-tpl-card').length === 3`, nil))
	})

	t.Run("TestSendReachesLINE", func(t *testing.T) {
		b.run(t, chromedp.Click("#msg-save", chromedp.ByID), chromedp.WaitVisible(`#template-id`, chromedp.ByID),
			chromedp.WaitVisible(`#msg-form[data-ready="1"]`, chromedp.ByQuery))
		b.testSend(t, "U0123456789abcdef0123456789abcdef", "line")
		var push struct {
			To       string
			Messages []map[string]any
		}
		reqs := s.line.Requests()
		if len(reqs) == 0 || reqs[len(reqs)-1].Path != "/v2/bot/message/push" {
			t.Fatalf("LINE got %+v", reqs)
		}
		reqs[len(reqs)-1].JSON(t, &push)
		kinds := []string{}
		for _, m := range push.Messages {
			kinds = append(kinds, m["type"].(string))
		}
		if push.To != "U0123456789abcdef0123456789abcdef" || strings.Join(kinds, ",") != "sticker,imagemap,template,template" {
			t.Fatalf("LINE got a push to %s of %v", push.To, kinds)
		}
		carousel, _ := push.Messages[2]["template"].(map[string]any)
		cols, _ := carousel["columns"].([]any)
		if push.Messages[2]["altText"] != "Picks for Aiko" || len(cols) != 2 || cols[0].(map[string]any)["text"] != "For Aiko" {
			t.Errorf("the carousel arrived as %v", push.Messages[2])
		}
		if bad := s.line.Invalid(); len(bad) > 0 {
			t.Errorf("LINE refused requests as its description does: %v", bad)
		}
	})
	b.noPageErrors(t, s.stack)
}

// TestMessageEditorSMSInChromium: the SMS editor counts characters and
// segments as a carrier bills them (GSM-7: 160, then 153 a segment;
// Japanese makes it UCS-2: 70, then 67), inserts a Liquid variable at the
// caret, draws the customer's message as a phone's bubble, and its test
// send arrives at the Twilio fake (checked against Twilio's description).
func TestMessageEditorSMSInChromium(t *testing.T) {
	s := startProviderStack(t)
	b := newBrowser(t)
	b.login(t, s.stack, "/ui/message-templates/new?channel=sms", s.ownerEmail("default"), `#msg-form[data-ready="1"]`)
	count := func(body string) string {
		b.run(t, setInput("#m-sms-body", body))
		return b.text(t, "#sms-count")
	}
	for _, c := range []struct{ name, body, want string }{
		{"GSM7Single", strings.Repeat("a", 160), "160 characters · GSM-7 (plain Latin letters) · 1 segment(s) of 160"},
		{"GSM7Two", strings.Repeat("a", 161), "161 characters · GSM-7 (plain Latin letters) · 2 segment(s) of 153"},
		{"ExtensionTakesTwo", strings.Repeat("a", 151) + "{}[]€", "156 characters · GSM-7 (plain Latin letters) · 2 segment(s) of 153"},
		{"JapaneseSingle", strings.Repeat("あ", 70), "70 characters · UCS-2 (Japanese or emoji) · 1 segment(s) of 70"},
		{"JapaneseTwo", strings.Repeat("あ", 71), "71 characters · UCS-2 (Japanese or emoji) · 2 segment(s) of 67"},
		{"JapaneseThree", strings.Repeat("あ", 135), "135 characters · UCS-2 (Japanese or emoji) · 3 segment(s) of 67"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := count(c.body); got != c.want {
				t.Errorf("the count is %q, want %q", got, c.want)
			}
		})
	}
	b.run(t, chromedp.SendKeys("#m-name", "Order SMS", chromedp.ByID), setInput("#m-sms-body", "、ご注文ありがとうございます。"),
		chromedp.Evaluate(`(() => { const i = document.getElementById('m-sms-body'); i.focus(); i.setSelectionRange(0, 0); i.blur(); })()`, nil),
		setInput("#m-sms-vars", "customer | honorific"))
	if body := b.value(t, "#m-sms-body"); body != "{{ customer | honorific }}、ご注文ありがとうございます。" {
		t.Fatalf("the variable went in as %q", body)
	}
	b.run(t, chromedp.Click("#msg-save", chromedp.ByID), chromedp.WaitVisible(`#template-id`, chromedp.ByID),
		chromedp.WaitVisible(`#msg-form[data-ready="1"]`, chromedp.ByQuery))
	b.testSend(t, "+819012345678", "twilio")
	if bubble := b.text(t, "#msg-preview .sms-bubble"); bubble != "Sato Aiko 様、ご注文ありがとうございます。" {
		t.Errorf("the phone shows %q", bubble)
	}
	if n := b.text(t, "#msg-preview .sms-rendered-count"); !strings.Contains(n, "UCS-2") {
		t.Errorf("the rendered message's count is %q", n)
	}
	b.noAxeViolations(t, "msgeditor-sms")
	b.screenshot(t, "msgeditor-sms.png")
	sent := s.twilio.Messages()
	if len(sent) != 1 || sent[0].To != "+819012345678" || sent[0].Body != "Sato Aiko 様、ご注文ありがとうございます。" {
		t.Errorf("Twilio got %+v", sent)
	}
	if bad := s.twilio.Invalid(); len(bad) > 0 {
		t.Errorf("Twilio refused requests as its description does: %v", bad)
	}
	b.noPageErrors(t, s.stack)
}

// value is an input's value.
func (b *browser) value(t *testing.T, sel string) string {
	t.Helper()
	var v string
	b.run(t, chromedp.Value(sel, &v, chromedp.ByQuery))
	return v
}
