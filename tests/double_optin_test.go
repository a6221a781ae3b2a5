package tests

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/advertising"
	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/consent"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/optin"
)

// confirmLink is the /optin/ link an email's HTML carries.
var confirmLink = regexp.MustCompile(`https://tabiji\.test/optin/([A-Za-z0-9_.-]+)`)

// TestDoubleOptIn: on the real stack, with the advertising-mail policy on,
// the shipped double opt-in template sends a sign-up a transactional
// confirmation email through SendGrid; until the customer confirms, a
// promotional email to them is skipped (no opt-in); a forged or tampered
// link records nothing; pressing confirm on the signed link's page records
// the opt-in with its evidence and ends the run "confirmed", and the next
// promotional email reaches them with the sender block.
func TestDoubleOptIn(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.startDeliveryWorkers(sg, ln)
	s.call("PUT", "/v1/workspace/advertising", "admin", map[string]any{"optInRequired": true, "sender": map[string]string{
		"name": "Tabiji Tea Shop", "address": "1-1 Chiyoda, Tokyo", "contact": "stop@shop.example"}}, http.StatusOK, nil)
	s.call("POST", "/v1/journey-templates/double-opt-in/launch", "admin", map[string]any{"id": "doi"}, http.StatusCreated, nil)
	for _, id := range []string{"news_a", "news_b"} {
		raw, err := journey.ToJSON([]byte(`
entry: { event: ` + id + ` }
nodes:
  - { id: offer, kind: send, channel: email, template: { subject: "New teas", body: "<p>Our spring teas are in</p>" }, next: done }
  - { id: done, kind: exit }`))
		if err != nil {
			t.Fatal(err)
		}
		s.call("POST", "/v1/journeys", "admin", map[string]any{"id": id, "name": id, "definition": json.RawMessage(raw)}, http.StatusCreated, nil)
		s.call("POST", "/v1/journeys/"+id+"/activate", "admin", nil, http.StatusOK, nil)
	}
	// The page that serves the links shares the workers' secret.
	pages := httptest.NewServer(api.NewServer(api.Deps{Store: s.store, Temporal: s.temporal, Namespace: s.server.Namespace(),
		TaskQueue: taskQueue, UnsubscribeSecret: "s3cret"}))
	defer pages.Close()
	open := func(method, path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, pages.URL+path, nil)
		req.Header.Set("User-Agent", "E2E-Browser/1.0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "u_new", "messageId": "id-u_new", "traits": map[string]any{"email": "new@example.com"}}, http.StatusOK, nil)
	s.track("u_new", "signed_up", "doi-1")
	var token string
	eventually(t, 30*time.Second, "the confirmation email", func() bool {
		for _, e := range sentEmails(t, sg) {
			if m := confirmLink.FindStringSubmatch(e.html); m != nil {
				token = m[1]
				if strings.Contains(e.html, advertising.BlockMarker) {
					t.Errorf("the transactional confirmation carries the sender block: %s", e.html)
				}
			}
		}
		return token != ""
	})
	s.track("u_new", "news_a", "doi-2")
	eventually(t, 30*time.Second, "the unconfirmed customer's offer skipped", func() bool {
		for _, m := range s.messagesOf("u_new") {
			if m.JourneyID == "news_a" {
				return m.Status == activities.MessageSkipped && m.Body == advertising.ReasonNoOptIn
			}
		}
		return false
	})

	payload, sig, _ := strings.Cut(token, ".")
	otherPayload, _, _ := strings.Cut(optin.Sign("s3cret", optin.New("default", "u_other", "email", "", "m", time.Now())), ".")
	for name, path := range map[string]string{
		"forged":                  "/optin/" + optin.Sign("guessed", optin.New("default", "u_new", "email", "", "m", time.Now())),
		"tampered signature":      "/optin/" + payload + "." + tampered(sig),
		"another customer's body": "/optin/" + otherPayload + "." + sig,
	} {
		if status, body := open("POST", path); status != http.StatusNotFound {
			t.Errorf("%s link: POST = %d %s, want 404", name, status, body)
		}
	}
	if history, _ := s.store.ConsentRecords(t.Context(), "default", "u_other"); len(history) != 0 {
		t.Errorf("a link made for another customer recorded %+v", history)
	}

	if status, page := open("GET", "/optin/"+token); status != http.StatusOK || !strings.Contains(page, "from Tabiji Tea Shop") {
		t.Fatalf("the confirmation page = %d %s", status, page)
	}
	if history, _ := s.store.ConsentRecords(t.Context(), "default", "u_new"); len(history) != 0 {
		t.Fatalf("opening the page recorded %+v", history)
	}
	if status, page := open("POST", "/optin/"+token); status != http.StatusOK || !strings.Contains(page, "confirmed") {
		t.Fatalf("confirm = %d %s", status, page)
	}
	history, err := s.store.ConsentRecords(t.Context(), "default", "u_new")
	if err != nil || len(history) != 1 || history[0].Status != "opted_in" || history[0].Source != "double_opt_in" {
		t.Fatalf("consent records = %+v, %v", history, err)
	}
	if ev := consent.ParseEvidence(history[0].Evidence); ev.UserAgent != "E2E-Browser/1.0" || ev.IP == "" || !strings.Contains(ev.Wording, "Tabiji Tea Shop") ||
		!strings.HasPrefix(ev.MessageID, "ws_default/jr_doi/") {
		t.Errorf("evidence = %+v", ev)
	}
	eventually(t, 30*time.Second, "the double opt-in run ended confirmed", func() bool {
		for _, r := range runsOf(s, "u_new") {
			if r["journeyId"] == "doi" && r["outcome"] == "confirmed" {
				return true
			}
		}
		return false
	})

	s.track("u_new", "news_b", "doi-3")
	eventually(t, 30*time.Second, "the confirmed customer's offer sent", func() bool {
		for _, m := range s.messagesOf("u_new") {
			if m.JourneyID == "news_b" {
				return m.Status == activities.MessageSent
			}
		}
		return false
	})
	blocks := 0
	for _, e := range sentEmails(t, sg) {
		if strings.Contains(e.html, "Our spring teas") {
			if !strings.Contains(e.html, advertising.BlockMarker) || !strings.Contains(e.text, "stop@shop.example") {
				t.Errorf("the offer lacks the sender block:\n%s\n%s", e.html, e.text)
			}
			blocks++
		}
	}
	if blocks != 1 {
		t.Errorf("SendGrid got %d offers, want 1 (the one after the confirmation)", blocks)
	}
}

// tampered is a signature with its first character changed, so it decodes
// to other bytes whatever it was. (Upper-casing part of it left it as it
// was whenever that part held no lower-case letter: about one signature in
// eight, and the "tampered" link then confirmed.)
func tampered(sig string) string {
	if sig[0] == 'A' {
		return "B" + sig[1:]
	}
	return "A" + sig[1:]
}
