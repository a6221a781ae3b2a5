package tests

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/workflows"
)

// TestRetentionDropsOldPartitions: with events and messages kept 25 months
// in workspace default, the first pass of the retention schedule (run as
// the schedule is made) drops the partition of 40 months ago (only default
// has rows there) and deletes default's rows of 30 months ago one by one,
// since workspace keeper (no retention) keeps its rows in that partition;
// it deletes the provision record past 3 years; recent rows stay, and so
// do keeper's. A later pass in batches of one deletes every old row.
func TestRetentionDropsOldPartitions(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	ctx := context.Background()
	if err := s.store.EnsureWorkspace(ctx, "keeper", "Keeper"); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err := runCLI([]string{"privacy", "set", "--event-retention", "25 months", "--message-retention", "25ヶ月",
		"--api-url", s.url, "--admin-key", s.admin}, &out, &errOut)
	if err != nil || !strings.Contains(out.String(), "events kept:            25 months\nmessages kept:          25 months") {
		t.Fatalf("tabiji privacy set = %v\n%s%s", err, out.String(), errOut.String())
	}
	s.track("u1", "recent", "recent1")
	db, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	var oldest, older string // the partitions of 40 and 30 months ago
	for _, sql := range []string{
		`SELECT tabiji_event_partitions(now() - interval '40 months', 0)`,
		`SELECT tabiji_event_partitions(now() - interval '30 months', 0)`,
		`INSERT INTO events (workspace_id, message_id, user_id, event, timestamp, received_at) VALUES
			('default', 'old1', 'u1', 'viewed', now() - interval '40 months', now() - interval '40 months'),
			('default', 'old2', 'u1', 'viewed', now() - interval '30 months', now() - interval '30 months'),
			('keeper', 'keep1', 'k1', 'viewed', now() - interval '30 months', now() - interval '30 months')`,
		`INSERT INTO event_ids (workspace_id, message_id, received_at, routed_at)
			SELECT workspace_id, message_id, received_at, received_at FROM events WHERE message_id IN ('old1', 'old2', 'keep1')`,
		`INSERT INTO messages (id, workspace_id, customer_id, journey_id, journey_version, workflow_id, run_id, node_id, channel, created_at) VALUES
			('m_old', 'default', 'u1', 'j', 1, 'wf', 'r', 'n', 'email', now() - interval '26 months'),
			('m_new', 'default', 'u1', 'j', 1, 'wf', 'r', 'n', 'email', now() - interval '24 months')`,
		`INSERT INTO provision_records (workspace_id, step_key, customer_id, recipient, host, provided_at) VALUES
			('default', 'p_old', 'u1', 'CRM', 'crm.example.com', now() - interval '37 months'),
			('default', 'p_new', 'u1', 'CRM', 'crm.example.com', now() - interval '35 months')`,
		`INSERT INTO message_events (workspace_id, event_id, message_id, status, provider_event, at) VALUES
			('default', 'e_old', 'm_old', 'delivered', 'delivered', now()), ('default', 'e_new', 'm_new', 'delivered', 'delivered', now())`,
	} {
		if _, err := db.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if err := db.QueryRow(ctx, `SELECT 'events_' || to_char(now() - interval '40 months', 'YYYY_MM'),
		'events_' || to_char(now() - interval '30 months', 'YYYY_MM')`).Scan(&oldest, &older); err != nil {
		t.Fatal(err)
	}

	// The daily schedule's first pass runs as it is made.
	if err := workflows.EnsureRetentionSchedule(ctx, s.temporal, taskQueue); err != nil {
		t.Fatal(err)
	}
	res := scheduledRetention(t, s)
	if !slices.Equal(res.DroppedPartitions, []string{oldest}) || res.Events != 1 || res.Messages != 1 || res.ProvisionRecords != 1 {
		t.Errorf("retention = %+v, want %s dropped, 1 event, 1 message and 1 provision record deleted", res, oldest)
	}
	exists := func(sql string, args ...any) bool {
		var ok bool
		if err := db.QueryRow(ctx, `SELECT EXISTS (`+sql+`)`, args...).Scan(&ok); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return ok
	}
	if exists(`SELECT 1 FROM pg_class WHERE relname = $1`, oldest) || !exists(`SELECT 1 FROM pg_class WHERE relname = $1`, older) {
		t.Errorf("partition %s should be gone and %s (keeper's rows) kept", oldest, older)
	}
	for id, want := range map[string]bool{"old1": false, "old2": false, "keep1": true, "recent1": true} {
		if got := exists(`SELECT 1 FROM events WHERE message_id = $1`, id); got != want {
			t.Errorf("event %s stored = %v, want %v", id, got, want)
		}
		if got := exists(`SELECT 1 FROM event_ids WHERE message_id = $1`, id); got != want {
			t.Errorf("event id %s stored = %v, want %v", id, got, want)
		}
	}
	for id, want := range map[string]bool{"m_old": false, "m_new": true} {
		if got := exists(`SELECT 1 FROM messages WHERE id = $1`, id); got != want {
			t.Errorf("message %s stored = %v, want %v", id, got, want)
		}
		if got := exists(`SELECT 1 FROM message_events WHERE message_id = $1`, id); got != want {
			t.Errorf("history of message %s stored = %v, want %v", id, got, want)
		}
	}

	for id, want := range map[string]bool{"p_old": false, "p_new": true} {
		if got := exists(`SELECT 1 FROM provision_records WHERE step_key = $1`, id); got != want {
			t.Errorf("provision record %s stored = %v, want %v (kept 3 years)", id, got, want)
		}
	}

	// Rows of default left in a shared partition are deleted in batches.
	if _, err := db.Exec(ctx, `INSERT INTO events (workspace_id, message_id, user_id, event, timestamp, received_at)
		SELECT 'default', 'batch' || i, 'u1', 'viewed', now() - interval '30 months', now() - interval '30 months' FROM generate_series(1, 3) AS i`); err != nil {
		t.Fatal(err)
	}
	run, err := s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "retention-e2e", TaskQueue: taskQueue},
		workflows.Retention, workflows.RetentionInput{BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	var batched activities.RetentionResult
	if err := run.Get(ctx, &batched); err != nil || batched.Events != 3 || len(batched.DroppedPartitions) != 0 {
		t.Errorf("a pass in batches of 1 = %+v %v, want 3 events deleted", batched, err)
	}
	if !exists(`SELECT 1 FROM events WHERE message_id = 'keep1'`) {
		t.Error("keeper's event went with default's")
	}

	// The schedule, as made: Retention every day.
	d, err := s.temporal.ScheduleClient().GetHandle(ctx, workflows.RetentionScheduleID).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	act, ok := d.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok || act.Workflow != "Retention" || d.Schedule.Spec.Intervals[0].Every != 24*time.Hour {
		t.Errorf("schedule = %+v / %+v, want Retention every 24h", d.Schedule.Action, d.Schedule.Spec)
	}
	if err := workflows.EnsureRetentionSchedule(ctx, s.temporal, taskQueue); err != nil {
		t.Errorf("ensuring the schedule again: %v", err)
	}
}

// TestPrivacySettingsRefuseBadInput: each bad setting is a 422 naming its field.
func TestPrivacySettingsRefuseBadInput(t *testing.T) {
	s := startStack(t)
	for field, body := range map[string]map[string]any{
		"eventRetention":     {"eventRetention": "soon"},
		"messageRetention":   {"messageRetention": "0 months"},
		"provisionRetention": {"provisionRetention": "6 months"},
	} {
		var p struct{ Errors []struct{ Field string } }
		s.call("PATCH", "/v1/workspace/privacy", "admin", body, http.StatusUnprocessableEntity, &p)
		if len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("PATCH %v: errors %+v, want one on %s", body, p.Errors, field)
		}
	}
	s.call("PATCH", "/v1/workspace/privacy", "admin", map[string]any{"eventRetention": 25}, http.StatusBadRequest, nil)
	var got struct{ ProvisionRetention, EventRetention string }
	s.call("GET", "/v1/workspace/privacy", "admin", nil, http.StatusOK, &got)
	if got.ProvisionRetention != "3 years" || got.EventRetention != "forever" {
		t.Errorf("defaults = %+v, want provision records 3 years, events forever", got)
	}
}

// scheduledRetention waits for the retention schedule's first pass and
// returns its result.
func scheduledRetention(t *testing.T, s *stack) activities.RetentionResult {
	t.Helper()
	h := s.temporal.ScheduleClient().GetHandle(context.Background(), workflows.RetentionScheduleID)
	var started *client.ScheduleWorkflowExecution
	eventually(t, 30*time.Second, "the schedule's first pass", func() bool {
		d, err := h.Describe(context.Background())
		if err != nil || len(d.Info.RecentActions) == 0 {
			return false
		}
		started = d.Info.RecentActions[0].StartWorkflowResult
		return started != nil
	})
	var res activities.RetentionResult
	if err := s.temporal.GetWorkflow(context.Background(), started.WorkflowID, started.FirstExecutionRunID).Get(context.Background(), &res); err != nil {
		t.Fatalf("the scheduled retention pass: %v", err)
	}
	return res
}
