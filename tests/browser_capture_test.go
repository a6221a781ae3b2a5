package tests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tabiji/tabiji/store"
)

// pageServer serves the test pages and the vendored browser library from
// an origin of its own; shop.html is the shop's page, pointed at api.
func pageServer(t *testing.T, api, key string) *httptest.Server {
	t.Helper()
	tmpl := template.Must(template.ParseFiles("testdata/browser_capture/page.html.tmpl"))
	files := http.FileServer(http.Dir("testdata"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/shop.html" {
			files.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := tmpl.Execute(w, map[string]string{"Key": key, "API": api}); err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// timelineEvent is an event as GET /v1/profiles/{id}/events shows it.
type timelineEvent struct {
	Type, Event, AnonymousID string
	Context                  map[string]any
	Properties               map[string]any
}

func (b *keysBundle) timeline(customer string) []timelineEvent {
	b.t.Helper()
	status, body := b.do("GET", "/v1/profiles/"+url.PathEscape(customer)+"/events", b.admin, nil)
	if status == http.StatusNotFound {
		return nil
	}
	var out struct{ Events []timelineEvent }
	if err := json.Unmarshal([]byte(body), &out); err != nil || status != http.StatusOK {
		b.t.Fatalf("timeline of %s = %d %s", customer, status, body)
	}
	return out.Events
}

// TestBrowserLibraryInChromium loads Segment's own browser library
// (analytics-next, vendored in testdata) in a shop's page pointed at Tabiji:
// it loads its settings from Tabiji, sends the page view, a track and the
// sign-up's identify with a client key, and the visitor's anonymous
// history is merged into the customer. A page of an origin the workspace
// does not allow cannot send.
func TestBrowserLibraryInChromium(t *testing.T) {
	b := setupKeys(t)
	shop := pageServer(t, b.url, b.client)
	if status, body := b.do("PUT", "/v1/workspace/allowed-origins", b.admin,
		map[string]any{"origins": []string{shop.URL, "https://shop.example"}}); status != http.StatusOK {
		t.Fatalf("allowed origins = %d %s", status, body)
	}
	stranger := pageServer(t, b.url, b.client)
	// A search engine's page links to the shop with a campaign, so the
	// first page view has a referrer from another origin.
	landing := fmt.Sprintf("%s/shop.html?utm_source=newsletter&utm_medium=email&utm_campaign=winter_sale&uid=u_42&email=hanako%%40example.jp&hash=%s&key=%s&api=%s",
		shop.URL, hashOf(b.secret(), "u_42"), b.client, url.QueryEscape(b.url))
	search := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `<!doctype html><a id="go" href="%s">shop</a>`, template.HTMLEscapeString(landing))
	}))
	t.Cleanup(search.Close)

	br := newBrowser(t)
	var anon string
	br.run(t, chromedp.Navigate(search.URL), chromedp.Click("#go", chromedp.ByID),
		chromedp.WaitVisible("#view", chromedp.ByID),
		chromedp.Poll(`document.body.dataset.anonymousId || ""`, &anon, chromedp.WithPollingTimeout(30*time.Second)))
	if anon == "" {
		t.Fatal("the library never became ready")
	}
	eventually(t, 20*time.Second, "the page view", func() bool { return len(b.timeline(anon)) > 0 })
	br.run(t, chromedp.Click("#view", chromedp.ByID))
	eventually(t, 20*time.Second, "the product view", func() bool { return len(b.timeline(anon)) >= 2 })
	br.run(t, chromedp.Click("#signup", chromedp.ByID))

	t.Run("TheSignUpMergesTheVisitorIntoTheCustomer", func(t *testing.T) {
		eventually(t, 20*time.Second, "the identify", func() bool { return b.email("u_42") == "hanako@example.jp" })
		p, err := b.st.GetProfile(context.Background(), "acme", "u_42")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(p.AnonymousIDs, anon) {
			t.Errorf("profile u_42 merged %v, want the visitor %s", p.AnonymousIDs, anon)
		}
		events := b.timeline("u_42")
		var names []string
		for _, e := range events {
			names = append(names, e.Type+":"+e.Event)
		}
		for _, want := range []string{"page:", "track:product_viewed", "identify:"} {
			if !slices.Contains(names, want) {
				t.Errorf("the customer's events are %v, want %s among them", names, want)
			}
		}
	})

	t.Run("TheContextCarriesTheCampaignReferrerAndPage", func(t *testing.T) {
		var page *timelineEvent
		for _, e := range b.timeline("u_42") {
			if e.Type == "page" {
				page = &e
			}
		}
		if page == nil {
			t.Fatal("no page view")
		}
		campaign, _ := page.Context["campaign"].(map[string]any)
		pg, _ := page.Context["page"].(map[string]any)
		if campaign["source"] != "newsletter" || campaign["medium"] != "email" || campaign["name"] != "winter_sale" {
			t.Errorf("context.campaign = %v", page.Context["campaign"])
		}
		if ref, _ := pg["referrer"].(string); !strings.HasPrefix(ref, search.URL) || !strings.HasPrefix(pg["url"].(string), shop.URL) {
			t.Errorf("context.page = %v, want the referrer %s", pg, search.URL)
		}
		if ua, _ := page.Context["userAgent"].(string); !strings.Contains(ua, "Chrome") {
			t.Errorf("context.userAgent = %q", ua)
		}
		p, err := b.st.GetProfile(context.Background(), "acme", "u_42")
		if err != nil {
			t.Fatal(err)
		}
		// Headless Chromium's user agent says HeadlessChrome: a bot.
		if p.Traits["first_touch_source"] != "newsletter" || p.Traits["first_touch_campaign"] != "winter_sale" || p.Traits["first_touch_device"] != "bot" {
			t.Errorf("the customer's first touch = %v", p.Traits)
		}
	})

	t.Run("ABeaconWithTheKeyInItsBodyIsStored", func(t *testing.T) {
		var sent string
		br.run(t, chromedp.Click("#beacon", chromedp.ByID),
			chromedp.Poll(`document.body.dataset.beacon || ""`, &sent, chromedp.WithPollingTimeout(10*time.Second)))
		if sent != "true" {
			t.Fatalf("sendBeacon = %q", sent)
		}
		eventually(t, 20*time.Second, "the beacon's event", func() bool {
			return slices.ContainsFunc(b.timeline("u_42"), func(e timelineEvent) bool { return e.Event == "page_left" })
		})
	})

	t.Run("APageOfAnotherOriginCannotSend", func(t *testing.T) {
		var result string
		br.run(t, chromedp.Navigate(stranger.URL+"/browser_capture/stranger.html?key="+b.client+"&api="+url.QueryEscape(b.url)),
			chromedp.Poll(`document.body.dataset.result || ""`, &result, chromedp.WithPollingTimeout(10*time.Second)))
		if result != "blocked" {
			t.Errorf("the stranger's call = %q, want blocked by CORS", result)
		}
		if _, err := b.st.GetProfile(context.Background(), "acme", "stranger"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the stranger's call was stored: profile err = %v", err)
		}
	})
	t.Run("TheLibraryRaisedNoError", func(t *testing.T) {
		br.mu.Lock()
		defer br.mu.Unlock()
		for _, e := range br.errors {
			// The stranger page's refused call is logged by the browser.
			if !strings.Contains(e, "CORS") && !strings.Contains(e, "/v1/t") && !strings.Contains(e, "/favicon.ico") {
				t.Errorf("browser: %s", e)
			}
		}
	})
}
