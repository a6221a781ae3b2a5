package api

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/consent"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/unsubscribe"
)

func TestConsentAPI(t *testing.T) {
	t.Parallel()
	optIn := `{"channel":"email","status":"opted_in","source":"signup_form","at":"2026-11-01T10:00:00+09:00",
		"evidence":{"form":"footer","page":"https://shop.example/","wording":"メールでお知らせを受け取る","ip":"203.0.113.7","userAgent":"Mozilla/5.0"}}`

	t.Run("RecordsAnOptInWithItsEvidenceAndListsTheHistory", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		admin, _ := b.keys(t, "w")
		other, _ := b.keys(t, "other")
		admin["Content-Type"] = "application/json"
		status, body := b.do(t, "POST", "/v1/profiles/u1/consent", admin, optIn)
		if status != 201 || !strings.Contains(body, `"current":true`) {
			t.Fatalf("POST = %d %s", status, body)
		}
		status, body = b.do(t, "POST", "/v1/profiles/u1/consent", admin, `{"channel":"email","status":"opted_out","source":"call_centre"}`)
		if status != 201 {
			t.Fatalf("POST opt-out = %d %s", status, body)
		}
		status, body = b.do(t, "GET", "/v1/profiles/u1/consent", admin, "")
		var got consentBody
		if err := json.Unmarshal([]byte(body), &got); status != 200 || err != nil {
			t.Fatalf("GET = %d %s", status, body)
		}
		if len(got.Current) != 1 || got.Current[0].Status != "opted_out" || len(got.History) != 2 {
			t.Fatalf("consent = %s", body)
		}
		h := got.History[0]
		if h.Source != "signup_form" || h.Evidence.IP != "203.0.113.7" || h.Evidence.Wording != "メールでお知らせを受け取る" ||
			h.At.UTC().Hour() != 1 || h.RecordedAt.IsZero() {
			t.Errorf("first record = %+v", h)
		}
		if _, body := b.do(t, "GET", "/v1/profiles/u1/consent", other, ""); !strings.Contains(body, `"history":[]`) {
			t.Errorf("another workspace sees %s", body)
		}
	})

	t.Run("RefusesARecordWithoutProofNamingTheFields", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		admin, _ := b.keys(t, "w")
		admin["Content-Type"] = "application/json"
		for body, want := range map[string]string{
			`{"channel":"email","status":"opted_in","source":"form"}`:                                  `"field":"evidence.wording"`,
			`{"channel":"fax","status":"opted_out","source":"x"}`:                                      `"field":"channel"`,
			`{"channel":"email","status":"opted_out"}`:                                                 `"field":"source"`,
			`{"channel":"email","status":"opted_out","source":"x","evidence":{"ip":"not an address"}}`: `"field":"evidence.ip"`,
			`{"channel":"email","status":"opted_out","source":"x","colour":"red"}`:                     `colour`,
			`{"channel":"email","status":"opted_out","source":"x","at":"2999-01-01T00:00:00Z"}`:        `"field":"at"`,
		} {
			status, got := b.do(t, "POST", "/v1/profiles/u1/consent", admin, body)
			if status < 400 || status >= 500 || !strings.Contains(got, want) {
				t.Errorf("POST %s = %d %s, want a 4xx with %s", body, status, got, want)
			}
		}
		if status, got := b.do(t, "POST", "/v1/profiles/"+strings.Repeat("x", 300)+"/consent", admin, optIn); status != 400 || !strings.Contains(got, `"field":"id"`) {
			t.Errorf("long id = %d %s", status, got)
		}
		if history, _ := b.store.ConsentRecords(t.Context(), "w", "u1"); len(history) != 0 {
			t.Errorf("refused records were kept: %+v", history)
		}
	})

	t.Run("IdentifyAndTrackRecordConsentByTheConvention", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		admin, write := b.keys(t, "w")
		write["Content-Type"] = "application/json"
		identify := `{"userId":"u1","messageId":"c-1","traits":{"email":"u1@example.jp","consent":{"channel":"email","form":"signup","wording":"お知らせを受け取る"}},
			"context":{"ip":"198.51.100.4","page":{"url":"https://shop.example/join"}}}`
		for range 2 { // a retried call records once
			if status, body := b.do(t, "POST", "/v1/identify", write, identify); status != 200 {
				t.Fatalf("identify = %d %s", status, body)
			}
		}
		track := `{"userId":"u1","messageId":"c-2","event":"Consent Recorded","properties":{"channel":"sms","form":"checkout","wording":"SMSで受け取る"}}`
		if status, body := b.do(t, "POST", "/v1/track", write, track); status != 200 {
			t.Fatalf("track = %d %s", status, body)
		}
		if status, body := b.do(t, "POST", "/v1/track", write, `{"userId":"u1","event":"Consent Recorded","properties":{"channel":"email"}}`); status != 400 ||
			!strings.Contains(body, `"field":"properties.form"`) {
			t.Errorf("a convention call without evidence = %d %s", status, body)
		}
		_, body := b.do(t, "GET", "/v1/profiles/u1/consent", admin, "")
		var got consentBody
		if err := json.Unmarshal([]byte(body), &got); err != nil || len(got.History) != 2 {
			t.Fatalf("consent = %s", body)
		}
		h := got.History[0]
		if h.Source != "identify" || h.Channel != "email" || h.Evidence.IP != "198.51.100.4" || h.Evidence.Page != "https://shop.example/join" ||
			got.History[1].Source != "track" || got.History[1].Channel != "sms" {
			t.Errorf("history = %+v", got.History)
		}
	})

	t.Run("ImportsACSVWithPerRowErrorsAndExportsIt", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		admin, _ := b.keys(t, "w")
		csvHeader := map[string]string{"Authorization": admin["Authorization"], "Content-Type": "text/csv"}
		in := "customer_id,channel,status,source,at,form,wording,ip\n" +
			"u1,email,opted_in,store,2026-11-01T10:00:00+09:00,paper form,=ご案内を受け取る,192.0.2.1\n" +
			"u2,email,opted_in,store,,,,\n" +
			"u3,sms,opted_out,store,,,,\n"
		status, body := b.do(t, "POST", "/v1/consent/import", csvHeader, in)
		if status != 200 || !strings.Contains(body, `"imported":2`) ||
			!strings.Contains(body, `{"line":3,"field":"form"`) || !strings.Contains(body, `{"line":3,"field":"wording"`) {
			t.Fatalf("import = %d %s", status, body)
		}
		status, body = b.do(t, "GET", "/v1/consent/export", admin, "")
		lines := strings.Split(strings.TrimSpace(body), "\n")
		if status != 200 || len(lines) != 3 || !strings.HasPrefix(lines[0], "customer_id,channel,topic,status,source,at,") ||
			!strings.Contains(lines[1], "u1,email,,opted_in,store,2026-11-01T01:00:00Z,paper form,,'=ご案内を受け取る,192.0.2.1") ||
			!strings.HasPrefix(lines[2], "u3,sms,,opted_out,store,") {
			t.Errorf("export = %d %s", status, body)
		}
		if _, body := b.do(t, "GET", "/v1/consent/export?customer=u3", admin, ""); strings.Count(body, "\n") != 2 {
			t.Errorf("export of u3 = %s", body)
		}
		if status, body := b.do(t, "POST", "/v1/consent/import", csvHeader, "who,what\n"); status != 422 || !strings.Contains(body, `"field":"body"`) {
			t.Errorf("bad header = %d %s", status, body)
		}
		if status, _ := b.do(t, "POST", "/v1/consent/import", admin, in); status != 415 {
			t.Errorf("no content type = %d", status)
		}
	})
}

// TestRefusalIsHonouredAtOnce: a customer who opted in (with evidence)
// and then presses one-click unsubscribe, or the preference page's
// button, has no opt-in from that moment: the next send reads the
// opt-out, and the history keeps both with their evidence.
func TestRefusalIsHonouredAtOnce(t *testing.T) {
	t.Parallel()
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "MailClient/1.0"}
	for name, body := range map[string]string{"OneClick": "List-Unsubscribe=One-Click", "ThePreferencePage": "channel=email&topic=&status=opted_out"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setupWebhooks(t)
			admin, _ := b.keys(t, "w")
			admin["Content-Type"] = "application/json"
			// An opt-in stamped a minute ahead (a caller's clock) must not outlive a refusal made now.
			at := time.Now().Add(time.Minute).UTC().Format(time.RFC3339)
			if status, got := b.do(t, "POST", "/v1/profiles/u1/consent", admin, `{"channel":"email","status":"opted_in","source":"signup_form","at":"`+at+`",
				"evidence":{"form":"footer","wording":"Send me offers"}}`); status != 201 {
				t.Fatalf("opt in = %d %s", status, got)
			}
			if in, err := b.store.HasOptIn(t.Context(), "w", "u1", "email", ""); err != nil || !in {
				t.Fatalf("opted in = %v, %v", in, err)
			}
			u, _ := url.Parse(unsubscribe.URL("unsubscribe-secret", "https://tabiji.example", unsubscribe.Token{WorkspaceID: "w", CustomerID: "u1", Channel: "email"}))
			if status, got := b.do(t, "POST", u.Path, form, body); status != 200 {
				t.Fatalf("refuse = %d %s", status, got)
			}
			in, err := b.store.HasOptIn(t.Context(), "w", "u1", "email", "")
			status, _, _ := b.store.ConsentFor(t.Context(), "w", "u1", "email", "")
			if err != nil || in || status != store.OptedOut {
				t.Errorf("after the refusal: opted in %v, consent %q, %v", in, status, err)
			}
			history, _ := b.store.ConsentRecords(t.Context(), "w", "u1")
			if len(history) != 2 || history[1].Status != store.OptedOut || consent.ParseEvidence(history[1].Evidence).UserAgent != "MailClient/1.0" {
				t.Errorf("history = %+v", history)
			}
		})
	}
}
