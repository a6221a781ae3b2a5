package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/lineusage"
)

// TestLINECostAwareBroadcast: on the real stack, GET /v1/line/usage reads
// the month's quota and use from LINE (the fake, checked against LINE's
// description); a LINE broadcast within what remains is scheduled and
// sent, one past it is refused naming allowOverQuota and the numbers, and
// sent with a warning once allowOverQuota is set.
func TestLINECostAwareBroadcast(t *testing.T) {
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s, _ := startLINEStackWithSettings(t, sg, ln)
	ln.SetQuota(4)
	for i, u := range []string{"cost_a", "cost_b", "cost_c", "cost_mail"} {
		traits := map[string]any{"plan": "cost", "email": u + "@example.jp"}
		if u != "cost_mail" {
			traits["lineUserId"] = lineUser(600 + i)
		}
		s.call("POST", "/v1/identify", "write", map[string]any{"userId": u, "messageId": "cost-" + u, "traits": traits}, http.StatusOK, nil)
	}
	s.call("POST", "/v1/segments", "admin", map[string]any{"id": "cost", "name": "Cost",
		"definition": map[string]any{"condition": map[string]any{"trait": map[string]any{"name": "plan", "op": "eq", "value": "cost"}}}},
		http.StatusCreated, nil)
	usage := func() (u lineusage.Usage) {
		s.call("GET", "/v1/line/usage", "admin", nil, http.StatusOK, &u)
		return u
	}
	if u := usage(); !u.Limited || u.Limit != 4 || u.Consumed != 0 || u.Remain != 4 || u.Month != time.Now().In(lineusage.Tokyo).Format("2006-01") {
		t.Fatalf("usage before = %+v", u)
	}
	for _, id := range []string{"cheap", "dear"} {
		s.call("POST", "/v1/broadcasts", "admin", json.RawMessage(`{"id": "`+id+`", "name": "`+id+`", "segment": "cost", "channel": "line",
			"content": {"messages": [{"type": "text", "text": "セールのお知らせ"}]}}`), http.StatusCreated, nil)
	}

	t.Run("ABroadcastWithinTheQuotaIsSent", func(t *testing.T) {
		var out struct{ QuotaWarning string }
		s.call("POST", "/v1/broadcasts/cheap/schedule", "admin", nil, http.StatusAccepted, &out)
		if out.QuotaWarning != "" {
			t.Errorf("warning = %q", out.QuotaWarning)
		}
		eventually(t, 60*time.Second, "the broadcast completes", func() bool { return s.broadcast("cheap").Status == "completed" })
		if u := usage(); u.Consumed != 3 || u.Remain != 1 || u.Forecast < 3 {
			t.Errorf("usage after = %+v, want 3 consumed, 1 remaining", u)
		}
	})
	t.Run("OnePastItIsRefusedNamingTheNumbers", func(t *testing.T) {
		var p struct {
			Detail string
			Errors []struct{ Field, Message string }
		}
		s.call("POST", "/v1/broadcasts/dear/schedule", "admin", nil, http.StatusUnprocessableEntity, &p)
		if len(p.Errors) != 1 || p.Errors[0].Field != "allowOverQuota" ||
			!strings.Contains(p.Detail, "up to 3 LINE users, but 1 of this month's 4 messages remain") || !strings.Contains(p.Errors[0].Message, "2 messages would be billed") {
			t.Errorf("problem = %+v", p)
		}
		if b := s.broadcast("dear"); b.Status != "draft" {
			t.Errorf("the refused broadcast is %s", b.Status)
		}
	})
	t.Run("AllowOverQuotaSendsWithAWarning", func(t *testing.T) {
		var out struct{ QuotaWarning string }
		s.call("POST", "/v1/broadcasts/dear/schedule", "admin", map[string]any{"allowOverQuota": true}, http.StatusAccepted, &out)
		if !strings.Contains(out.QuotaWarning, "2 would be billed") {
			t.Errorf("warning = %q", out.QuotaWarning)
		}
		eventually(t, 60*time.Second, "the broadcast completes", func() bool { return s.broadcast("dear").Status == "completed" })
		if len(ln.Invalid()) > 0 {
			t.Errorf("invalid LINE requests: %v", ln.Invalid())
		}
	})
	t.Run("TheReportPagesShowTheMonthsUseAndForecast", func(t *testing.T) {
		u := usage()
		status, page := s.uiPage(s.admin, "/ui/line")
		for _, want := range []string{fmt.Sprintf(`data-consumed="%d" data-limit="%d" data-remaining="%d" data-forecast="%d"`, u.Consumed, u.Limit, u.Remain, u.Forecast),
			`id="line-over"`} {
			if status != http.StatusOK || !strings.Contains(page, want) {
				t.Errorf("/ui/line = %d, lacks %s:\n%s", status, want, page)
			}
		}
	})
}

// uiPage reads a console page with a session of an owner of the admin key's workspace.
func (s *stack) uiPage(adminKey, path string) (int, string) {
	s.t.Helper()
	key, err := s.store.Authenticate(context.Background(), adminKey)
	if err != nil {
		s.t.Fatal(err)
	}
	token := s.ownerSession(key.WorkspaceID)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, s.url+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "tabiji_session", Value: token})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestJourneyLINEBudget: on the real stack, a journey with a monthly LINE
// budget of 2 sends its first two customers on LINE and the third by
// email, the next channel of the send's order; a journey whose send has
// only LINE skips once its budget is spent; a bad budget is refused
// naming the field.
func TestJourneyLINEBudget(t *testing.T) {
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s, _ := startLINEStackWithSettings(t, sg, ln)
	var p struct{ Errors []struct{ Field string } }
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "bad_budget", "name": "b", "definition": json.RawMessage(
		`{"entry":{"event":"x"},"line_budget":{"monthly":0},"nodes":[{"id":"a","kind":"exit"}]}`)}, http.StatusUnprocessableEntity, &p)
	if len(p.Errors) != 1 || p.Errors[0].Field != "definition.line_budget.monthly" && p.Errors[0].Field != "line_budget.monthly" {
		t.Errorf("errors = %+v", p.Errors)
	}
	s.createActive("budgeted", `{"entry":{"event":"budget_signup"},"line_budget":{"monthly":2},"nodes":[
		{"id":"hi","kind":"send","channels":["line","email"],"template":{"subject":"Welcome","body":"ようこそ"},"next":"done"},
		{"id":"done","kind":"exit"}]}`)
	s.createActive("line_only", `{"entry":{"event":"budget_line_only"},"line_budget":{"monthly":1},"nodes":[
		{"id":"hi","kind":"send","channel":"line","template":{"body":"ようこそ"},"next":"done"},
		{"id":"done","kind":"exit"}]}`)
	sentOn := func(customer, journey string) string {
		for _, m := range s.messagesOf(customer) {
			if m.JourneyID == journey {
				return m.Channel + " " + m.Status
			}
		}
		return ""
	}
	for i, want := range []string{"line", "line", "email"} {
		c := fmt.Sprintf("budget_%d", i)
		s.call("POST", "/v1/identify", "write", map[string]any{"userId": c, "messageId": "bid-" + c,
			"traits": map[string]any{"email": c + "@example.jp", "lineUserId": lineUser(700 + i)}}, http.StatusOK, nil)
		s.call("POST", "/v1/track", "write", map[string]any{"userId": c, "event": "budget_signup", "messageId": "btr-" + c}, http.StatusOK, nil)
		eventually(t, 60*time.Second, c+" sent on "+want, func() bool { return sentOn(c, "budgeted") == want+" "+activities.MessageSent })
	}
	for i, c := range []string{"budget_0", "budget_1"} {
		s.call("POST", "/v1/track", "write", map[string]any{"userId": c, "event": "budget_line_only", "messageId": "blo-" + c}, http.StatusOK, nil)
		if i == 0 {
			eventually(t, 60*time.Second, "the first LINE-only send", func() bool { return sentOn(c, "line_only") == "line "+activities.MessageSent })
		}
	}
	eventually(t, 60*time.Second, "the second LINE-only run ends without a message", func() bool {
		runs := runsOf(s, "budget_1")
		for _, r := range runs {
			if r["journeyId"] == "line_only" && r["status"] != "running" {
				return true
			}
		}
		return false
	})
	if got := sentOn("budget_1", "line_only"); got != "" {
		t.Errorf("past the budget the LINE-only journey sent %q", got)
	}
	if pushedTo(ln, lineUser(702)) != 0 || len(ln.Invalid()) > 0 {
		t.Errorf("the third customer got LINE messages, or invalid requests: %v", ln.Invalid())
	}
}
