package tests

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/routing"
	"github.com/tabiji/tabiji/workflows"
)

// routeParam matches a path parameter of a Gin route: ":id" or "*id".
var routeParam = regexp.MustCompile(`[:*][A-Za-z_]+`)

// TestSecurityHolesBadIDsAreRefusedOnEveryRoute walks the API's whole
// route table with ids holding a NUL byte or invalid UTF-8, and asserts
// each answer is a 4xx problem within a short deadline: before the check,
// twenty routes answered 500 (Postgres refuses such text) and
// GET /v1/customers/%00/journeys hung in Temporal's list query.
func TestSecurityHolesBadIDsAreRefusedOnEveryRoute(t *testing.T) {
	s := startStack(t)
	engine, ok := s.handler.Load().(*gin.Engine)
	if !ok {
		t.Fatalf("the API handler is a %T, not a Gin engine: the test cannot read its route table", s.handler.Load())
	}
	client := &http.Client{Timeout: 3 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	checked := 0
	for _, r := range engine.Routes() {
		if !routeParam.MatchString(r.Path) {
			continue
		}
		for _, bad := range []string{"%00", "%FF", "a%00b", "%C3%28"} {
			path := routeParam.ReplaceAllString(r.Path, bad)
			code, body := s.badRequest(client, r.Method, path, "")
			if code < 400 || code > 499 {
				t.Errorf("%s %s (route %s) = %d %s, want a 4xx", r.Method, path, r.Path, code, body)
			}
			checked++
		}
	}
	if checked < 100 {
		t.Fatalf("checked %d requests: the route table holds fewer parameter routes than expected", checked)
	}
	for _, path := range []string{"/v1/outbox?customer=%00", "/v1/messages?customer=%FF", "/v1/profiles/export?segment=%00",
		"/v1/segments?after=a%00", "/v1/broadcasts?after=%FF"} {
		code, body := s.badRequest(client, "GET", path, "")
		if code != http.StatusBadRequest || !strings.Contains(body, `"field"`) {
			t.Errorf("GET %s = %d %s, want a 400 naming the parameter", path, code, body)
		}
	}
}

// badRequest sends a request with the admin key and a JSON body, and
// returns the status and body; a request that outlives the client's
// deadline fails the test.
func (s *stack) badRequest(client *http.Client, method, path, body string) (int, string) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(cmp.Or(body, "{}")))
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+s.admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		var timeout interface{ Timeout() bool }
		if errors.As(err, &timeout) && timeout.Timeout() {
			s.t.Errorf("%s %s: no answer within %v", method, path, client.Timeout)
			return 0, ""
		}
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// TestSecurityHolesBroadcastThatKeepsFailingEndsFailed: a provider that
// refuses every call (429, retry after a second) used to keep a broadcast
// "sending" and its batch retrying forever; now the batch gives up after
// its bounded attempts and GET /v1/broadcasts/{id} says failed, and why.
func TestSecurityHolesBroadcastThatKeepsFailingEndsFailed(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	sg.FailNext(http.StatusTooManyRequests, map[string]string{"Retry-After": "1"}, 1000)
	s.startDeliveryWorkers(sg, ln)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "f_ann", "messageId": "id-f_ann",
		"traits": map[string]any{"email": "ann@example.com", "plan": "pro"}}, http.StatusOK, nil)
	s.call("POST", "/v1/segments", "admin", map[string]any{"id": "pro", "name": "Pro",
		"definition": map[string]any{"condition": map[string]any{"trait": map[string]any{"name": "plan", "op": "eq", "value": "pro"}}}}, http.StatusCreated, nil)
	s.call("POST", "/v1/broadcasts", "admin", json.RawMessage(`{"id": "doomed", "name": "Doomed", "segment": "pro",
		"channel": "email", "content": {"subject": "Hi", "from": "shop@example.com", "html": "<p>Hi</p>"}}`), http.StatusCreated, nil)
	s.call("POST", "/v1/broadcasts/doomed/schedule", "admin", nil, http.StatusAccepted, nil)
	var b struct{ Status, Error string }
	eventually(t, 2*time.Minute, "the broadcast to end", func() bool {
		s.call("GET", "/v1/broadcasts/doomed", "admin", nil, http.StatusOK, &b)
		return b.Status != "scheduled" && b.Status != "sending"
	})
	if b.Status != "failed" || !strings.Contains(b.Error, "BroadcastBatch") || !strings.Contains(b.Error, "429") {
		t.Errorf("broadcast = %+v, want failed naming the batch and the provider's 429", b)
	}
	if n := len(sg.Requests()); n < 2 || n > 40 {
		t.Errorf("SendGrid saw %d calls: want a bounded retry", n)
	}
}

// TestSecurityHolesAnEventWithoutItsKeyReachesEveryRun: an event without
// the journey's correlation key goes to every running run of the customer,
// found through visibility a page of 100 at a time. Only the first page
// was signalled, so a customer with 101 open carts kept one waiting.
func TestSecurityHolesAnEventWithoutItsKeyReachesEveryRun(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	s.createActive("carts", `{"entry":{"event":"cart_add","correlation_key":"properties.cart_id"},"nodes":[
		{"id":"wait","kind":"wait_for","events":[{"event":"purchase","next":"done"}],"timeout":"1h","on_timeout":"done"},
		{"id":"done","kind":"exit"}]}`)
	const carts = 101
	for first := 0; first < carts; first += 20 {
		var batch []map[string]any
		for i := first; i < min(first+20, carts); i++ {
			batch = append(batch, map[string]any{"type": "track", "userId": "u_many", "event": "cart_add",
				"messageId": fmt.Sprintf("add-%d", i), "properties": map[string]any{"cart_id": fmt.Sprintf("c%03d", i)}})
		}
		s.call("POST", "/v1/batch", "write", map[string]any{"batch": batch}, http.StatusOK, nil)
	}
	q := fmt.Sprintf(`%s = "default" AND %s = "carts" AND %s = "u_many" AND ExecutionStatus = "Running"`,
		workflows.AttrWorkspace.GetName(), workflows.AttrJourney.GetName(), workflows.AttrCustomer.GetName())
	running := func() int64 {
		resp, err := s.temporal.CountWorkflow(t.Context(), &workflowservice.CountWorkflowExecutionsRequest{Query: q})
		if err != nil {
			t.Fatalf("count runs: %v", err)
		}
		return resp.GetCount()
	}
	// An entry that routing cut short is left for the sweeper: sweep until
	// every cart has its run.
	sweeper := routing.NewSweeper(routing.Deps{Store: s.store, Temporal: s.temporal, TaskQueue: taskQueue})
	sweeper.MinAge = 0
	eventually(t, 60*time.Second, "a run per cart", func() bool {
		if _, err := sweeper.Sweep(t.Context()); err != nil {
			t.Logf("sweep: %v", err)
		}
		return running() == carts
	})
	s.track("u_many", "purchase", "bought-everything") // no cart_id: every run's
	eventually(t, 60*time.Second, "every run to hear the purchase", func() bool {
		if _, err := sweeper.Sweep(t.Context()); err != nil {
			t.Logf("sweep: %v", err)
		}
		return running() == 0
	})
}

// TestSecurityHolesWebhookReceiptsArePrunedPastTheWindow: webhook receipts
// (one per provider event handled) grew forever; the sweeper now deletes
// those older than the webhook window, in bounded batches, and keeps the
// recent ones that still dedupe retries.
func TestSecurityHolesWebhookReceiptsArePrunedPastTheWindow(t *testing.T) {
	s := startStack(t)
	ctx := t.Context()
	for i := range 1500 {
		if err := s.store.MarkWebhookSeen(ctx, "default", "line", fmt.Sprintf("old-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"recent-1", "recent-2"} {
		if err := s.store.MarkWebhookSeen(ctx, "default", "sendgrid", id); err != nil {
			t.Fatal(err)
		}
	}
	db, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	if _, err := db.Exec(ctx, `UPDATE webhook_receipts SET received_at = now() - interval '73 hours' WHERE event_id LIKE 'old-%'`); err != nil {
		t.Fatal(err)
	}
	sweeper := routing.NewSweeper(routing.Deps{Store: s.store, Temporal: s.temporal, TaskQueue: taskQueue})
	if n, err := sweeper.PruneWebhookReceipts(ctx); err != nil || n != 1500 {
		t.Fatalf("pruned %d, %v: want the 1,500 past the window", n, err)
	}
	var left int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM webhook_receipts`).Scan(&left); err != nil || left != 2 {
		t.Errorf("receipts left = %d, %v: want the 2 recent ones", left, err)
	}
}
