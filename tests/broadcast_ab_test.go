package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/engagement"
	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/store"
)

type abAnswer struct {
	Status    string `json:"status"`
	ABResults struct {
		Variants []struct {
			Name                  string
			Sent, Opened, Clicked int
		}
		Winner   string
		Decision struct{ Winner, Rule, Metric string }
	} `json:"abResults"`
	Live *struct{ Test, Winner string } `json:"live"`
}

// TestBroadcastABSubjectTestSendsTheWinnerToTheRest: a broadcast to 40
// customers tests two subjects on half of them; the readers of B open it
// (SendGrid's signed event webhook reports the opens) during the wait, so
// B wins and goes to the other half. The fake SendGrid receives each
// customer exactly once: the test share their drawn subject, the rest B's.
func TestBroadcastABSubjectTestSendsTheWinnerToTheRest(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.startDeliveryWorkers(sg, ln)
	hooks := s.providerHooks(t)
	var customers []string
	for i := range 40 {
		u := fmt.Sprintf("ab_%02d", i)
		customers = append(customers, u)
		s.call("POST", "/v1/identify", "write", map[string]any{"userId": u, "messageId": "id-" + u,
			"traits": map[string]any{"email": u + "@example.com", "plan": "ab"}}, http.StatusOK, nil)
	}
	eventually(t, 10*time.Second, "the profiles are stored", func() bool {
		_, err := s.store.GetProfile(context.Background(), "default", "ab_39")
		return err == nil
	})
	s.call("POST", "/v1/segments", "admin", map[string]any{"id": "ab", "name": "AB",
		"definition": map[string]any{"condition": map[string]any{"trait": map[string]any{"name": "plan", "op": "eq", "value": "ab"}}}}, http.StatusCreated, nil)
	s.call("POST", "/v1/broadcasts", "admin", json.RawMessage(`{"id": "spring", "name": "Spring", "segment": "ab", "channel": "email",
		"content": {"subject": "Spring sale", "from": "shop@example.com", "html": "<p>20% off</p>"},
		"abTest": {"variants": [{"name": "A", "subject": "Spring sale"}, {"name": "B", "subject": "Your 20% off ends Sunday"}],
		           "percent": 50, "metric": "opens", "wait": "15s"}}`), http.StatusCreated, nil)
	s.call("POST", "/v1/broadcasts/spring/schedule", "admin", nil, http.StatusAccepted, nil)

	inTest := func(u string) bool { return experiment.InBroadcastTest(50, "default", "spring", u) }
	isB := func(u string) bool { return experiment.BroadcastVariant(2, "default", "spring", u) == 1 }
	var ab abAnswer
	eventually(t, 30*time.Second, "the test share is sent and the wait begins", func() bool {
		s.call("GET", "/v1/broadcasts/spring", "admin", nil, http.StatusOK, &ab)
		return ab.Live != nil && ab.Live.Test == "waiting"
	})
	opened := 0
	for _, u := range customers {
		if inTest(u) && isB(u) {
			hooks.engage(t, engagement.EmailOpened, store.BroadcastMessagePrefix("default", "spring")+u, u+"@example.com", "")
			opened++
		}
	}
	eventually(t, 60*time.Second, "the broadcast completes", func() bool {
		s.call("GET", "/v1/broadcasts/spring", "admin", nil, http.StatusOK, &ab)
		return ab.Status == "completed"
	})
	if ab.ABResults.Winner != "B" || ab.ABResults.Decision.Metric != "opens" || ab.ABResults.Decision.Rule == "" {
		t.Fatalf("abResults %+v; want B by opens", ab.ABResults)
	}
	if len(ab.ABResults.Variants) != 2 || ab.ABResults.Variants[1].Opened != opened || ab.ABResults.Variants[0].Opened != 0 {
		t.Errorf("variants %+v; want B's %d opens counted", ab.ABResults.Variants, opened)
	}
	got := map[string][]string{}
	for _, r := range sg.Requests() {
		if r.Status/100 != 2 {
			continue
		}
		for _, m := range providertest.Mails(t, r) {
			got[m.To] = append(got[m.To], m.Subject)
		}
	}
	for _, u := range customers {
		want := "Your 20% off ends Sunday"
		if inTest(u) && !isB(u) {
			want = "Spring sale"
		}
		if s := got[u+"@example.com"]; len(s) != 1 || s[0] != want {
			t.Errorf("%s received %v; want exactly one %q", u, s, want)
		}
	}
	if len(sg.Invalid()) > 0 {
		t.Errorf("SendGrid refused: %v", sg.Invalid())
	}
	if *updateHistory {
		s.writeHistory("ws_default/bc_spring", "../workflows/testdata/broadcast_ab.json")
	}
}
