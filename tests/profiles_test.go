package tests

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/enums/v1"

	"github.com/tabiji/tabiji/routing"
	"github.com/tabiji/tabiji/store"
)

type profileBody struct {
	ID             string         `json:"id"`
	AnonymousIDs   []string       `json:"anonymousIds"`
	Traits         map[string]any `json:"traits"`
	TraitUpdatedAt map[string]any `json:"traitUpdatedAt"`
	Addresses      struct {
		Email, Phone, LineUserID string
		PushTokens               []string
	} `json:"addresses"`
	Timezone, Locale string
	Consent          []any `json:"consent"`
	Events           []struct {
		MessageID, Event, UserID, Type string
	} `json:"events"`
	Journeys []map[string]any `json:"journeys"`
}

func (s *stack) segment(path, body string) {
	s.t.Helper()
	if status, _, p := s.raw("POST", path, writeKey(s.write), body); status != http.StatusOK {
		s.t.Fatalf("POST %s %s = %d %v", path, body, status, p)
	}
}

// TestProfiles: identify merges an anonymous visitor into the customer,
// earlier events follow, traits keep the latest value per trait, and the
// profile shows addresses, zone, events and running journeys.
func TestProfiles(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	s.call("POST", "/v1/journeys", "admin", cartJourney(t, "1h"), http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/cart_abandonment/activate", "admin", nil, http.StatusOK, nil)

	s.segment("/v1/track", `{"anonymousId":"anon_hana","event":"cart_add","messageId":"p1","properties":{"product":"tea"},
		"context":{"timezone":"Asia/Tokyo","device":{"token":"apns_1"}}}`)
	s.segment("/v1/identify", `{"anonymousId":"anon_hana","userId":"u_hana","messageId":"p2","timestamp":"2026-11-23T10:00:00Z",
		"traits":{"email":"hana@example.jp","phone":"+81-90-0000-0000","lineUserId":"U123","plan":"pro"},"context":{"locale":"ja-JP"}}`)
	s.segment("/v1/identify", `{"userId":"u_hana","messageId":"p3","timestamp":"2026-11-23T09:00:00Z","traits":{"plan":"free","city":"Kyoto"}}`)
	s.segment("/v1/track", `{"anonymousId":"anon_hana","event":"viewed","messageId":"p4"}`)

	var p profileBody
	s.call("GET", "/v1/profiles/anon_hana", "admin", nil, http.StatusOK, &p)
	if p.ID != "u_hana" || strings.Join(p.AnonymousIDs, ",") != "anon_hana" || p.Traits["plan"] != "pro" || p.Traits["city"] != "Kyoto" ||
		p.Addresses.Email != "hana@example.jp" || p.Addresses.Phone != "+81-90-0000-0000" || p.Addresses.LineUserID != "U123" ||
		strings.Join(p.Addresses.PushTokens, ",") != "apns_1" || p.Timezone != "Asia/Tokyo" || p.Locale != "ja-JP" ||
		p.Consent == nil || p.TraitUpdatedAt["plan"] != "2026-11-23T10:00:00Z" {
		t.Errorf("profile = %+v", p)
	}
	var ids []string
	for _, e := range p.Events {
		if e.UserID != "u_hana" {
			t.Errorf("event %s kept user %s after the merge", e.MessageID, e.UserID)
		}
		ids = append(ids, e.MessageID)
	}
	if len(ids) != 4 {
		t.Errorf("profile events = %v, want all 4", ids)
	}
	eventually(t, 20*time.Second, "the anonymous run to show on the profile", func() bool {
		s.call("GET", "/v1/profiles/u_hana", "admin", nil, http.StatusOK, &p)
		return len(p.Journeys) == 1 && p.Journeys[0]["journeyId"] == "cart_abandonment" && p.Journeys[0]["status"] == "running"
	})

	t.Run("TimelinePages", func(t *testing.T) {
		var page struct {
			Events []struct{ MessageID string } `json:"events"`
			Next   string                       `json:"next"`
		}
		var got []string
		path := "/v1/profiles/u_hana/events?limit=3"
		for path != "" {
			page.Next = ""
			s.call("GET", path, "admin", nil, http.StatusOK, &page)
			for _, e := range page.Events {
				got = append(got, e.MessageID)
			}
			path = ""
			if page.Next != "" {
				path = "/v1/profiles/u_hana/events?limit=3&after=" + page.Next
			}
		}
		if len(got) != 4 {
			t.Errorf("timeline = %v, want 4 events over 2 pages", got)
		}
		for _, q := range []string{"limit=0", "limit=x", "after=nope"} {
			status, _, body := s.raw("GET", "/v1/profiles/u_hana/events?"+q, map[string]string{"Authorization": "Bearer " + s.admin}, "")
			if status != 400 || problemField(body) != strings.Split(q, "=")[0] {
				t.Errorf("%s = %d %v", q, status, body)
			}
		}
		if status, _, _ := s.raw("GET", "/v1/profiles/nobody", map[string]string{"Authorization": "Bearer " + s.admin}, ""); status != 404 {
			t.Errorf("unknown profile = %d", status)
		}
	})
}

// TestSweeperRoutesWhatWasNeverSignalled: an event stored but never
// signalled (as after a crash between the two) reaches the waiting run.
func TestSweeperRoutesWhatWasNeverSignalled(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	s.call("POST", "/v1/journeys", "admin", cartJourney(t, "1h"), http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/cart_abandonment/activate", "admin", nil, http.StatusOK, nil)
	s.track("u_crash", "cart_add", "c1")
	eventually(t, 20*time.Second, "the run to wait for a purchase", func() bool {
		runs := runsOf(s, "u_crash")
		return len(runs) == 1 && runs[0]["step"] == "wait_for_purchase"
	})
	ctx := context.Background()
	_, _, err := s.store.InsertEvent(ctx, store.Event{WorkspaceID: "default", MessageID: "c2", UserID: "u_crash", Name: "purchase",
		ReceivedAt: time.Now().Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	sw := routing.NewSweeper(routing.Deps{Store: s.store, Temporal: s.temporal, TaskQueue: taskQueue})
	sw.Every, sw.MinAge = 100*time.Millisecond, 10*time.Second
	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); sw.Run(sctx) }()
	defer func() { stop(); <-done }()
	eventually(t, 30*time.Second, "the swept purchase to complete the run", func() bool {
		return s.status(workflowIDOf("u_crash")) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	if runs := runsOf(s, "u_crash"); runs[0]["outcome"] != "purchased" {
		t.Errorf("run = %v, want it ended by the purchase", runs[0])
	}
	eventually(t, 10*time.Second, "the event to be marked routed", func() bool {
		e, err := s.store.GetEvent(ctx, "default", "c2")
		return err == nil && e.RoutedAt != nil
	})
}

// TestErasureLeavesNoTrace erases a customer with merged ids, events,
// a quarantined event, a sent message and a running journey, then looks for
// its ids in every column of every table of the schema.
func TestErasureLeavesNoTrace(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	journeyDoc := cartJourney(t, "1s")
	s.call("POST", "/v1/journeys", "admin", journeyDoc, http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/cart_abandonment/activate", "admin", nil, http.StatusOK, nil)
	const user, anon = "u_erase_7f3a", "anon_erase_7f3a"
	s.segment("/v1/track", `{"anonymousId":"`+anon+`","event":"cart_add","messageId":"e1","properties":{"product":"kettle"}}`)
	s.segment("/v1/identify", `{"anonymousId":"`+anon+`","userId":"`+user+`","messageId":"e2","traits":{"email":"erase@example.jp"}}`)
	eventually(t, 30*time.Second, "the reminder to the anonymous run", func() bool { return len(s.outbox(anon).Messages) == 1 })
	// A second run, which sends its reminder too: waited for here, so that the
	// opt-out below cannot race it (erasure would find two messages or three).
	s.segment("/v1/track", `{"userId":"`+user+`","event":"cart_add","messageId":"e3"}`)
	eventually(t, 30*time.Second, "the reminder to the second run", func() bool { return len(s.outbox(user).Messages) == 1 })
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "long", "name": "Long wait", "definition": map[string]any{
		"entry": map[string]any{"event": "signup"}, "nodes": []any{
			map[string]any{"id": "w", "kind": "wait", "duration": "24h", "next": "x"}, map[string]any{"id": "x", "kind": "exit"}}}}, http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/long/activate", "admin", nil, http.StatusOK, nil)
	s.segment("/v1/track", `{"userId":"`+user+`","event":"signup","messageId":"e4"}`)
	ctx := context.Background()
	if err := s.store.QuarantineEvent(ctx, store.Event{WorkspaceID: "default", MessageID: "e5", UserID: user, Name: "bad"}, nil); err != nil {
		t.Fatal(err)
	}
	// What webhooks and unsubscribe links keep (migration 00004): the sent message's history,
	// consent with its history, the address's suppression.
	if _, _, err := s.store.RecordMessageEvent(ctx, store.MessageEvent{WorkspaceID: "default", EventID: "sendgrid:open-1",
		MessageID: s.outbox(anon).Messages[0].ID, Status: "opened", ProviderEvent: "open"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.SetConsent(ctx, store.Consent{WorkspaceID: "default", CustomerID: user, Channel: "email", Status: store.OptedOut}); err != nil {
		t.Fatal(err)
	}
	if err := s.store.Suppress(ctx, store.Suppression{WorkspaceID: "default", Channel: "email", Address: "erase@example.jp", Reason: store.SuppressHardBounce}); err != nil {
		t.Fatal(err)
	}
	// What broadcasts and segment triggers keep (00010, 00012): a broadcast's message, a customer held
	// for quiet hours, a tracked segment membership.
	if _, err := s.store.RecordBroadcastMessages(ctx, "bc_erase", []store.Message{{ID: store.BroadcastMessagePrefix("default", "bc_erase") + user,
		WorkspaceID: "default", CustomerID: user, WorkflowID: "bc-wf", RunID: "bc-run", Channel: "email", Status: "sent"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.store.DeferBroadcast(ctx, "default", "bc_later", map[string]time.Time{user: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.store.RecordSegmentChanges(ctx, "default", "seg_erase", []string{user}, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	s.segment("/v1/track", `{"userId":"someone_else","event":"signup","messageId":"keep1"}`)
	var p profileBody
	eventually(t, 20*time.Second, "a running journey on the profile", func() bool {
		s.call("GET", "/v1/profiles/"+user, "admin", nil, http.StatusOK, &p)
		return len(p.Journeys) >= 1
	})

	before := leftovers(t, s, user, anon, "erase@example.jp", "kettle")
	for _, table := range []string{"events", "event_ids", "profiles", "profile_identities", "messages", "quarantined_events",
		"message_events", "consent", "consent_history", "suppressions", "broadcast_deferrals", "tracked_segment_members"} {
		if _, ok := before[table]; !ok && table != "event_ids" {
			t.Errorf("before erasure the search finds nothing in %s: it would prove nothing after (found %v)", table, before)
		}
	}
	var out struct {
		Erased    bool             `json:"erased"`
		Counts    map[string]int64 `json:"counts"`
		RunsEnded int              `json:"runsEnded"`
	}
	s.call("DELETE", "/v1/profiles/"+user, "admin", nil, http.StatusOK, &out)
	if !out.Erased || out.Counts["events"] != 4 || out.Counts["messages"] != 3 || out.Counts["quarantined_events"] != 1 || out.RunsEnded < 1 {
		t.Errorf("erasure = %+v", out)
	}
	for table, where := range leftovers(t, s, user, anon, "erase@example.jp", "kettle") {
		t.Errorf("table %s still holds the customer: %s", table, where)
	}
	// Runs are terminated at once; Temporal deletes their histories in the
	// background (30–80 s on the embedded server), so the test checks the first.
	for _, c := range []string{user, anon} {
		for _, r := range runsOf(s, c) {
			if r["status"] == "running" {
				t.Errorf("run %v of %s still runs after erasure", r["workflowId"], c)
			}
		}
	}
	if status, _, _ := s.raw("GET", "/v1/profiles/"+user, map[string]string{"Authorization": "Bearer " + s.admin}, ""); status != 404 {
		t.Errorf("GET after erasure = %d", status)
	}
	if _, err := s.store.GetEvent(ctx, "default", "keep1"); err != nil {
		t.Errorf("erasure removed another customer's event: %v", err)
	}
	conn, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var actor, hash string
	if err := conn.QueryRow(ctx, `SELECT actor_key_id, subject_hash FROM erasures`).Scan(&actor, &hash); err != nil || !strings.HasPrefix(actor, "key_") || len(hash) != 64 {
		t.Errorf("audit row = %q %q %v", actor, hash, err)
	}
	if erased, err := s.store.Erased(ctx, "default", user); err != nil || !erased {
		t.Errorf("the audit row does not answer for the id: %v %v", erased, err)
	}
	if status, _, _ := s.raw("DELETE", "/v1/profiles/nobody_at_all", map[string]string{"Authorization": "Bearer " + s.admin}, ""); status != 404 {
		t.Errorf("erasing nobody = %d, want 404", status)
	}
}

// leftovers looks in every text, json and array column of every table in
// the schema (read from information_schema, so new tables are covered) for
// any of the needles, and says where it found them.
func leftovers(t *testing.T, s *stack, needles ...string) map[string]string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `
		SELECT c.table_name, c.column_name FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		  AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'bytea')
		ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Table, Column string }])
	if err != nil || len(cols) < 10 {
		t.Fatalf("columns = %v, %v", cols, err)
	}
	found := map[string]string{}
	for _, c := range cols {
		for _, n := range needles {
			var hit bool
			q := fmt.Sprintf(`SELECT EXISTS (SELECT 1 FROM %s WHERE position($1 in %s::text) > 0)`,
				pgx.Identifier{c.Table}.Sanitize(), pgx.Identifier{c.Column}.Sanitize())
			if err := conn.QueryRow(ctx, q, n).Scan(&hit); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if hit {
				found[c.Table] += c.Column + " has " + n + "; "
			}
		}
	}
	return found
}

// TestProfileShowsConsent: the consent a webhook or the preference page
// recorded is on the profile, per channel and topic.
func TestProfileShowsConsent(t *testing.T) {
	s := startStack(t)
	s.segment("/v1/identify", `{"userId":"u_consent","messageId":"c1","traits":{"email":"c@example.jp"}}`)
	var p profileBody
	s.call("GET", "/v1/profiles/u_consent", "admin", nil, http.StatusOK, &p)
	if p.Consent == nil || len(p.Consent) != 0 {
		t.Fatalf("consent before any choice = %#v, want []", p.Consent)
	}
	ctx := context.Background()
	for _, c := range []store.Consent{
		{WorkspaceID: "default", CustomerID: "u_consent", Channel: "email", Topic: "newsletter", Status: store.OptedOut, Source: "preference_page"},
		{WorkspaceID: "default", CustomerID: "u_consent", Channel: "line", Status: store.OptedIn, Source: "line:follow"},
	} {
		if _, err := s.store.SetConsent(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	s.call("GET", "/v1/profiles/u_consent", "admin", nil, http.StatusOK, &p)
	got := mustJSON(t, p.Consent)
	for _, want := range []string{`"channel":"email"`, `"topic":"newsletter"`, `"status":"opted_out"`, `"source":"preference_page"`,
		`"channel":"line"`, `"status":"opted_in"`} {
		if !strings.Contains(got, want) {
			t.Errorf("profile consent %s lacks %s", got, want)
		}
	}
	if len(p.Consent) != 2 {
		t.Errorf("profile consent has %d entries, want 2", len(p.Consent))
	}
}
