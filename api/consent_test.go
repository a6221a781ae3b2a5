package api

import (
	"encoding/json"
	"strings"
	"testing"
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
