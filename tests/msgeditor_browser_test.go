package tests

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// flexCarousel is a LINE Flex carousel of two bubbles using the layouts
// and components the preview draws.
const flexCarousel = `{"type":"carousel","contents":[
 {"type":"bubble","hero":{"type":"image","url":"https://cdn.shop.example/tea.jpg","size":"full","aspectRatio":"20:13","aspectMode":"cover"},
  "body":{"type":"box","layout":"vertical","spacing":"sm","contents":[
   {"type":"text","text":"{{ profile.traits.firstName }}さんへ","weight":"bold","size":"xl"},
   {"type":"box","layout":"baseline","contents":[{"type":"text","text":"¥1,200","flex":0,"color":"#c5221f"},{"type":"text","text":"tax incl.","size":"xs","color":"#999999"}]},
   {"type":"separator"},
   {"type":"box","layout":"horizontal","contents":[{"type":"text","text":"left"},{"type":"filler"},{"type":"text","text":"right","align":"end"}]}]},
  "footer":{"type":"box","layout":"vertical","contents":[{"type":"button","style":"primary","action":{"type":"uri","label":"Buy","uri":"https://shop.example/tea"}}]}},
 {"type":"bubble","size":"micro","body":{"type":"box","layout":"vertical","contents":[{"type":"text","text":"Cup","wrap":true}]},
  "footer":{"type":"box","layout":"vertical","contents":[{"type":"button","style":"link","action":{"type":"message","label":"Later","text":"later"}}]}}]}`

// TestMessageEditorInChromium is a marketer's message work in headless
// Chromium on the real stack: an email built from blocks (no HTML
// written), previewed with a stored customer's data at desktop and phone
// widths (the phone frame lays the email out narrower: its media query
// applies), saved, test-sent (the outbox keeps the compiled HTML with
// inlined styles and the customer's name); a LINE Flex carousel drawn as
// LINE draws it; and hostile input refused naming the field, never drawn.
func TestMessageEditorInChromium(t *testing.T) {
	s := startStack(t)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "aiko", "messageId": "id-aiko-msg",
		"traits": map[string]any{"email": "aiko@example.com", "firstName": "Aiko"}}, http.StatusOK, nil)
	b := newBrowser(t)
	b.login(t, s, "/ui/message-templates/new?channel=email", s.ownerEmail("default"), `#msg-form[data-ready="1"]`)

	t.Run("BuildsAnEmailFromBlocks", func(t *testing.T) {
		b.run(t, chromedp.SendKeys("#m-name", "Spring sale", chromedp.ByID),
			chromedp.SendKeys("#m-subject", "Spring sale for {{ profile.traits.firstName }}", chromedp.ByID),
			chromedp.SendKeys("#m-from", "news@shop.example", chromedp.ByID),
			chromedp.SendKeys("#m-fromname", "Tabiji Shop", chromedp.ByID),
			chromedp.SendKeys(`#blocks fieldset[data-kind=button] [data-key=url]`, "shop.example/sale", chromedp.ByQuery),
			chromedp.SetValue("#m-block-kind", "coupon", chromedp.ByID),
			chromedp.Click("#add-block", chromedp.ByID),
			chromedp.SendKeys(`#blocks fieldset[data-kind=coupon] [data-key=code]`, "SPRING10", chromedp.ByQuery),
			chromedp.SendKeys("#preview-customer", "aiko", chromedp.ByID),
			chromedp.Click("#preview-run", chromedp.ByID))
		b.run(t, chromedp.Poll(`(() => { const f = document.querySelector('#msg-preview iframe.phone[data-written="1"]');
			return !!f && f.contentDocument.body.textContent.includes('SPRING10') && f.contentDocument.body.textContent.includes('Aiko'); })()`, nil))
		var widths []float64
		b.run(t, chromedp.Evaluate(`['desktop', 'phone'].map(w => {
			const d = document.querySelector('#msg-preview iframe.' + w).contentDocument;
			return d.querySelector('table.container').getBoundingClientRect().width; })`, &widths))
		if len(widths) != 2 || widths[0] < 590 || widths[1] > 375 {
			t.Errorf("the email's container is %v px wide at desktop and phone, want 600 and at most 375", widths)
		}
		inlined := b.strings(t, `[...document.querySelectorAll('#msg-preview iframe')].map(f => {
			const a = f.contentDocument.querySelector('a.button-link'); return a ? a.getAttribute('style') + '|' + a.getAttribute('href') : ''; })`)
		if len(inlined) != 2 || !strings.Contains(inlined[0], "background-color") || !strings.HasSuffix(inlined[0], "|https://shop.example/sale") {
			t.Errorf("the button is drawn %q, want inlined styles and its link", inlined)
		}
		if txt := strings.Join(b.strings(t, `[...document.querySelectorAll('#msg-preview .email-text pre')].map(p => p.textContent)`), ""); !strings.Contains(txt, "SPRING10") || !strings.Contains(txt, "https://unsubscribe.invalid/preview") {
			t.Errorf("the text part is %q, want the coupon and the unsubscribe link", txt)
		}
		if sub := b.text(t, "#msg-preview p.subject"); sub != "Spring sale for Aiko" {
			t.Errorf("the subject is drawn %q", sub)
		}
		b.screenshot(t, "msgeditor-email.png")
	})

	t.Run("SavesAndTestSends", func(t *testing.T) {
		b.run(t, chromedp.Click("#msg-save", chromedp.ByID),
			chromedp.WaitVisible(`#template-id`, chromedp.ByID),
			chromedp.WaitVisible(`#msg-form[data-ready="1"]`, chromedp.ByQuery))
		if id := b.text(t, "#template-id"); id != "spring_sale" {
			t.Fatalf("saved as %q", id)
		}
		var stored struct {
			Content struct{ HTML, Preheader string }
		}
		s.call("GET", "/v1/templates/spring_sale", "admin", nil, http.StatusOK, &stored)
		if !strings.Contains(stored.Content.HTML, `style="`) || !strings.Contains(stored.Content.HTML, "{{ profile.traits.firstName") {
			t.Errorf("the stored HTML is not compiled with inlined styles and Liquid: %.300s", stored.Content.HTML)
		}
		b.run(t, chromedp.SendKeys("#preview-customer", "aiko", chromedp.ByID), chromedp.Click("#preview-run", chromedp.ByID),
			chromedp.Poll(`document.getElementById('preview-for').textContent.includes('aiko')`, nil),
			chromedp.Click("#test-send", chromedp.ByID),
			chromedp.Poll(`document.getElementById('test-result').textContent.includes('test_')`, nil))
		var sent bool
		for _, m := range s.outbox("aiko").Messages {
			sent = sent || (m.Status == "test" && m.Subject == "Spring sale for Aiko" && strings.Contains(m.Body, `style="`) &&
				strings.Contains(m.Body, "SPRING10") && strings.Contains(m.Body, "Aiko") && strings.Contains(m.Body, "@media"))
		}
		if !sent {
			t.Errorf("the outbox of aiko = %+v, want the test with the compiled, inlined HTML", s.outbox("aiko"))
		}
	})

	t.Run("DrawsALINEFlexCarousel", func(t *testing.T) {
		b.run(t, chromedp.Navigate(s.url+"/ui/message-templates/new?channel=line"),
			chromedp.WaitVisible(`#msg-form[data-ready="1"]`, chromedp.ByQuery),
			chromedp.Click(`#line-messages fieldset[data-kind=text] .item-remove`, chromedp.ByQuery),
			chromedp.SetValue("#m-line-kind", "flex", chromedp.ByID),
			chromedp.Click("#add-line", chromedp.ByID),
			chromedp.Evaluate(`(() => { const a = document.querySelector('#line-messages fieldset[data-kind=flex] [data-key=contents]');
				a.value = `+"`"+flexCarousel+"`"+`; a.dispatchEvent(new Event('input', {bubbles: true}));
				const q = document.querySelector('#line-messages fieldset[data-kind=flex] [data-key=quick]');
				q.value = 'Yes, No'; q.dispatchEvent(new Event('input', {bubbles: true})); })()`, nil),
			chromedp.SendKeys("#preview-customer", "aiko", chromedp.ByID), chromedp.Click("#preview-run", chromedp.ByID),
			chromedp.Poll(`document.querySelectorAll('#msg-preview .flex-carousel > .flex-bubble').length === 2 &&
				document.querySelector('#msg-preview .flex-carousel').textContent.includes('Aiko')`, nil))
		shape := b.strings(t, `[...document.querySelectorAll('#msg-preview .flex-carousel > .flex-bubble')].map(bb =>
			[bb.style.width, [...bb.children].map(c => c.className).join(','),
			 bb.querySelectorAll('.flex-box.layout-baseline').length, bb.querySelectorAll('.flex-box.layout-horizontal').length,
			 bb.querySelectorAll('.flex-separator').length, bb.querySelectorAll('.flex-filler').length,
			 [...bb.querySelectorAll('.flex-button')].map(x => x.className + ':' + x.textContent).join(),
			 [...bb.querySelectorAll('.flex-text')].map(x => x.textContent).join('/')].join(' | '))`)
		want := []string{
			"300px | flex-block flex-hero,flex-block flex-body,flex-block flex-footer | 1 | 1 | 1 | 1 | flex-button style-primary height-md:Buy | Aikoさんへ/¥1,200/tax incl./left/right",
			"160px | flex-block flex-body,flex-block flex-footer | 0 | 0 | 0 | 0 | flex-button style-link height-md:Later | Cup",
		}
		if strings.Join(shape, "\n") != strings.Join(want, "\n") {
			t.Errorf("the carousel is drawn\n%s\nwant\n%s", strings.Join(shape, "\n"), strings.Join(want, "\n"))
		}
		if chips := b.strings(t, `[...document.querySelectorAll('#msg-preview .line-chip')].map(c => c.textContent)`); strings.Join(chips, ",") != "Yes,No" {
			t.Errorf("the quick reply chips are %v", chips)
		}
		if img := b.strings(t, `[...document.querySelectorAll('#msg-preview .flex-hero img')].map(i => i.src + ' ' + i.style.aspectRatio)`); len(img) != 1 || img[0] != "https://cdn.shop.example/tea.jpg 20 / 13" {
			t.Errorf("the hero image is %v", img)
		}
		b.screenshot(t, "msgeditor-line-carousel.png")
	})

	t.Run("RefusesHostileInputNamingTheField", func(t *testing.T) { hostileMessages(t, s, b) })
	// No script may fail, and no request to Tabiji may fail: the live
	// check of a refused draft is answered 200 with its errors, where a 422
	// would be logged by Chromium as a failed resource.
	b.noPageErrors(t, s)
}

// hostileMessages: javascript: links and images, invalid and oversized
// Liquid are refused naming the field (by the API and in the editor,
// whose preview is then empty); a script in a block is escaped, and one in
// HTML never runs in the sandboxed frame.
func hostileMessages(t *testing.T, s *stack, b *browser) {
	email := func(blocks ...map[string]any) map[string]any {
		return map[string]any{"channel": "email", "content": map[string]any{"subject": "x", "from": "news@shop.example", "blocks": blocks}}
	}
	for _, c := range []struct {
		name   string
		body   map[string]any
		status int
		field  string
	}{
		{"JavaScriptButton", email(map[string]any{"type": "button", "label": "Go", "url": "javascript:alert(1)"}), 422, "content.blocks[0].url"},
		{"JavaScriptImageLink", email(map[string]any{"type": "text", "text": "ok"}, map[string]any{"type": "image", "url": "https://cdn.example/a.png", "link": "JavaScript:alert(1)"}), 422, "content.blocks[1].link"},
		{"DataImage", email(map[string]any{"type": "image", "url": "data:image/svg+xml,<svg onload=alert(1)>"}), 422, "content.blocks[0].url"},
		{"InvalidLiquid", email(map[string]any{"type": "text", "text": "{% if %}"}), 422, "content.blocks[0].text"},
		{"OversizedText", email(map[string]any{"type": "text", "text": strings.Repeat("{{ profile.id }}", 2000)}), 422, "content.blocks[0].text"},
		{"UnknownBlock", email(map[string]any{"type": "script", "text": "x"}), 422, "content.blocks[0].type"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var p map[string]any
			s.call("POST", "/v1/templates/render", "admin", c.body, c.status, &p)
			if got := problemField(p); got != c.field {
				t.Errorf("the problem names %q, want %q: %v", got, c.field, p)
			}
		})
	}
	var r struct{ Source struct{ HTML string } }
	s.call("POST", "/v1/templates/render", "admin", email(map[string]any{"type": "text", "text": "<script>alert(1)</script>"}), http.StatusOK, &r)
	if strings.Contains(r.Source.HTML, "<script>") || !strings.Contains(r.Source.HTML, "&lt;script&gt;") {
		t.Errorf("a script in a block is not escaped: %.400s", r.Source.HTML)
	}

	b.run(t, chromedp.Navigate(s.url+"/ui/message-templates/new?channel=email"),
		chromedp.WaitVisible(`#msg-form[data-ready="1"]`, chromedp.ByQuery),
		chromedp.SendKeys("#m-subject", "x", chromedp.ByID), chromedp.SendKeys("#m-from", "news@shop.example", chromedp.ByID),
		chromedp.Evaluate(`(() => { const u = document.querySelector('#blocks fieldset[data-kind=button] [data-key=url]');
			u.value = 'javascript:alert(document.cookie)'; u.dispatchEvent(new Event('input', {bubbles: true})); })()`, nil),
		chromedp.Poll(`!!document.querySelector('#msg-errors li[data-problem="content.blocks[2].url"]')`, nil))
	if n := b.strings(t, `[...document.querySelectorAll('#msg-preview *, #blocks [aria-invalid=true]')].map(e => e.tagName)`); strings.Join(n, ",") != "INPUT" {
		t.Errorf("with a javascript: link the preview holds %v, want nothing (and the URL input marked invalid)", n)
	}
	b.run(t, chromedp.SetValue("#m-mode", "html", chromedp.ByID),
		chromedp.Evaluate(`(() => { const h = document.getElementById('m-html');
			h.value = '<p id="x">hi</p><script>parent.document.title = "pwned"</script><img src="https://cdn.example/a.png" onerror="parent.document.title = \'pwned\'">';
			h.dispatchEvent(new Event('input', {bubbles: true})); })()`, nil),
		chromedp.Poll(`(() => { const f = document.querySelector('#msg-preview iframe.desktop[data-written="1"]'); return !!f && !!f.contentDocument.getElementById('x'); })()`, nil))
	got := b.strings(t, `[...document.querySelectorAll('#msg-preview iframe')].map(f => f.getAttribute('sandbox') + '|' + f.contentDocument.querySelectorAll('script').length + '|' + document.title)`)
	for _, g := range got {
		if !strings.HasPrefix(g, "allow-same-origin|0|") || strings.Contains(g, "pwned") {
			t.Errorf("the HTML's script reached the frame: %q", g)
		}
	}
}
