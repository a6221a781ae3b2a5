package tests

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tabiji/tabiji/signupforms"
	"github.com/tabiji/tabiji/store"
)

// postForm submits a sign-up form as a browser would (or as JSON's client
// when accept says so) and returns the status, body and headers.
func postForm(t *testing.T, formURL string, values url.Values, accept string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, formURL, strings.NewReader(values.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

// TestSignupFormInChromium: a visitor signs up on the hosted form in
// Japanese with the keyboard alone in headless Chromium; the customer is
// identified, the opt-in recorded with the wording shown as its evidence,
// and the sign-up event stored. Bad input is shown again naming each
// field, a bot's honeypot records nothing, an address is rate limited, and
// a double opt-in form records the sign-up event but no opt-in.
func TestSignupFormInChromium(t *testing.T) {
	b := setupKeys(t)
	ctx := context.Background()
	if status, body := b.do("PUT", "/v1/workspace/allowed-origins", b.admin, map[string]any{"origins": []string{"https://shop.example"}}); status != http.StatusOK {
		t.Fatalf("allowed origins = %d %s", status, body)
	}
	status, body := b.do("PUT", "/v1/signup-form", b.admin, map[string]any{"topic": "newsletter"})
	var form struct {
		ID, URL, Embed string
		Wording        map[string]string
	}
	if err := json.Unmarshal([]byte(body), &form); err != nil || status != http.StatusOK || form.ID == "" {
		t.Fatalf("put form = %d %s", status, body)
	}
	if form.Wording["ja"] != signupforms.DefaultWording["ja"] || !strings.Contains(form.Embed, form.URL+"?embed=1") {
		t.Errorf("form = %s", body)
	}

	br := newBrowser(t)
	var lang, emailLabel string
	br.run(t, chromedp.Navigate(form.URL+"?lang=ja"), chromedp.WaitVisible("#email", chromedp.ByID),
		chromedp.AttributeValue("html", "lang", &lang, nil, chromedp.ByQuery),
		chromedp.Text(`label[for="email"]`, &emailLabel, chromedp.ByQuery))
	if lang != "ja" || !strings.Contains(emailLabel, "メールアドレス") {
		t.Errorf("page lang %q, email label %q", lang, emailLabel)
	}
	// Keyboard only: type, Tab past the honeypot to the checkbox, Space, Tab, Enter.
	var focused string
	br.run(t, chromedp.Focus("#email", chromedp.ByID), chromedp.KeyEvent("hanako@example.jp"), chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent("山田 花子"), chromedp.KeyEvent(kb.Tab),
		chromedp.Evaluate(`document.activeElement.id`, &focused))
	if focused != "consent" {
		t.Fatalf("Tab from the name went to %q, want the consent checkbox", focused)
	}
	br.run(t, chromedp.KeyEvent(" "), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(input.ModifierNone)),
		chromedp.WaitVisible("#done", chromedp.ByID))
	if done := br.text(t, "#done"); done != "ご登録ありがとうございます。" {
		t.Errorf("after the sign-up the page says %q", done)
	}

	t.Run("TheCustomerIsIdentifiedWithTheirOptInAndItsWording", func(t *testing.T) {
		id, err := b.st.CustomerByAddress(ctx, "acme", "email", "hanako@example.jp")
		if err != nil {
			t.Fatal(err)
		}
		p, _ := b.st.GetProfile(ctx, "acme", id)
		if p.Traits["name"] != "山田 花子" {
			t.Errorf("traits = %v", p.Traits)
		}
		records, err := b.st.ConsentRecords(ctx, "acme", id)
		if err != nil || len(records) != 1 {
			t.Fatalf("consent records = %v, %v", records, err)
		}
		r := records[0]
		var ev map[string]string
		_ = json.Unmarshal(r.Evidence, &ev)
		if r.Channel != "email" || r.Topic != "newsletter" || r.Status != store.OptedIn || r.Source != signupforms.Source ||
			ev["wording"] != signupforms.DefaultWording["ja"] || ev["form"] != form.ID || ev["ip"] == "" || !strings.Contains(ev["userAgent"], "Chrome") {
			t.Errorf("record = %+v, evidence %v", r, ev)
		}
		var names []string
		for _, e := range b.timeline(id) {
			names = append(names, e.Type+":"+e.Event)
		}
		if !slices.Contains(names, "track:signed_up") || !slices.Contains(names, "identify:") {
			t.Errorf("events = %v", names)
		}
	})

	t.Run("BadInputIsShownAgainNamingEachField", func(t *testing.T) {
		status, page, _ := postForm(t, form.URL, url.Values{"email": {"not-an-address"}, "lang": {"en"}}, "text/html")
		if status != http.StatusUnprocessableEntity || !strings.Contains(page, `href="#email"`) || !strings.Contains(page, `href="#consent"`) ||
			!strings.Contains(page, `value="not-an-address"`) {
			t.Errorf("bad input = %d %s", status, page)
		}
		status, problem, _ := postForm(t, form.URL, url.Values{"email": {"a@example.jp"}}, "application/json")
		if status != http.StatusUnprocessableEntity || !strings.Contains(problem, `"field":"consent"`) {
			t.Errorf("bad input as JSON = %d %s", status, problem)
		}
	})

	t.Run("ABotFillingTheHoneypotIsThankedAndRecordsNothing", func(t *testing.T) {
		status, page, _ := postForm(t, form.URL, url.Values{"email": {"bot@example.jp"}, "consent": {"yes"}, "website": {"http://spam.example"}}, "text/html")
		if status != http.StatusOK || !strings.Contains(page, `id="done"`) {
			t.Errorf("honeypot = %d %s", status, page)
		}
		if _, err := b.st.CustomerByAddress(ctx, "acme", "email", "bot@example.jp"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the bot became a customer: %v", err)
		}
	})

	t.Run("ADoubleOptInFormRecordsTheSignUpButNoOptIn", func(t *testing.T) {
		if status, body := b.do("PUT", "/v1/signup-form", b.admin, map[string]any{"topic": "newsletter", "doubleOptIn": true}); status != http.StatusOK || !strings.Contains(body, form.ID) {
			t.Fatalf("put form = %d %s", status, body)
		}
		status, page, _ := postForm(t, form.URL, url.Values{"email": {"ken@example.jp"}, "name": {"Ken"}, "consent": {"yes"}, "lang": {"en"}}, "text/html")
		if status != http.StatusOK || !strings.Contains(page, "follow its link to confirm") {
			t.Fatalf("double opt-in sign-up = %d %s", status, page)
		}
		id := signupforms.CustomerID("acme", "ken@example.jp")
		if opted, err := b.st.HasOptIn(ctx, "acme", id, "email", "newsletter"); err != nil || opted {
			t.Errorf("opted in before confirming: %v, %v", opted, err)
		}
		signedUp := slices.ContainsFunc(b.timeline(id), func(e timelineEvent) bool {
			return e.Event == "signed_up" && e.Properties["double_opt_in"] == true && e.Properties["opted_in"] == false
		})
		if !signedUp {
			t.Errorf("no signed_up event asking a double opt-in: %+v", b.timeline(id))
		}
	})

	t.Run("AnAddressIsRateLimited", func(t *testing.T) {
		// Five submissions above spent the burst.
		status, _, header := postForm(t, form.URL, url.Values{"email": {"late@example.jp"}, "consent": {"yes"}}, "text/html")
		if status != http.StatusTooManyRequests || header.Get("Retry-After") == "" {
			t.Errorf("sixth submission = %d, Retry-After %q", status, header.Get("Retry-After"))
		}
	})

	t.Run("OnlyTheWorkspacesOriginsMayFrameIt", func(t *testing.T) {
		resp, err := http.Get(form.URL + "?embed=1")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'self' https://shop.example") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("CSP = %q", csp)
		}
		if status, _ := b.do("GET", "/f/sf_unknown", "", nil); status != http.StatusNotFound {
			t.Errorf("unknown form = %d", status)
		}
	})
	br.noConsoleErrors(t)
}
