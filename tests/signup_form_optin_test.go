package tests

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/signupforms"
)

// TestSignupFormDoubleOptIn: a sign-up on a double opt-in form enters the
// shipped double opt-in template's journey; its confirmation email reaches
// the address the visitor typed, and only the confirmation records the
// opt-in, ending the run confirmed.
func TestSignupFormDoubleOptIn(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.startDeliveryWorkers(sg, ln)
	s.call("POST", "/v1/journey-templates/double-opt-in/launch", "admin", map[string]any{"id": "doi"}, http.StatusCreated, nil)
	// The pages share the workers' secret, as in TestDoubleOptIn.
	pages := httptest.NewServer(api.NewServer(api.Deps{Store: s.store, Temporal: s.temporal, Namespace: s.server.Namespace(),
		TaskQueue: taskQueue, UnsubscribeSecret: "s3cret"}))
	defer pages.Close()
	var form struct{ ID string }
	s.call("PUT", "/v1/signup-form", "admin", map[string]any{"doubleOptIn": true}, http.StatusOK, &form)

	status, page, _ := postForm(t, pages.URL+"/f/"+form.ID, url.Values{"email": {"aiko@example.jp"}, "name": {"佐藤 愛子"}, "consent": {"yes"}, "lang": {"ja"}}, "text/html")
	if status != http.StatusOK || !strings.Contains(page, "確認メールをお送りしました") {
		t.Fatalf("sign-up = %d %s", status, page)
	}
	customer := signupforms.CustomerID("default", "aiko@example.jp")
	var token string
	eventually(t, 30*time.Second, "the confirmation email", func() bool {
		for _, e := range sentEmails(t, sg) {
			if m := confirmLink.FindStringSubmatch(e.html); m != nil {
				token = m[1]
			}
		}
		return token != ""
	})
	if records, _ := s.store.ConsentRecords(t.Context(), "default", customer); len(records) != 0 {
		t.Fatalf("opted in before confirming: %+v", records)
	}
	resp, err := http.Post(pages.URL+"/optin/"+token, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("confirm = %d %s", resp.StatusCode, body)
	}
	records, err := s.store.ConsentRecords(t.Context(), "default", customer)
	if err != nil || len(records) != 1 || records[0].Status != "opted_in" || records[0].Source != "double_opt_in" {
		t.Fatalf("consent records = %+v, %v", records, err)
	}
	eventually(t, 30*time.Second, "the double opt-in run ended confirmed", func() bool {
		for _, r := range runsOf(s, customer) {
			if r["journeyId"] == "doi" && r["outcome"] == "confirmed" {
				return true
			}
		}
		return false
	})
}
