package tests

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/routing"
	"github.com/tabiji/tabiji/workflows"
)

// runSweeper runs the sweeper (routing.Sweeper), which routes the events that segment
// and date sweeps store, until the test ends.
func (s *stack) runSweeper() {
	s.t.Helper()
	sw := routing.NewSweeper(routing.Deps{Store: s.store, Temporal: s.temporal, TaskQueue: taskQueue})
	sw.Every, sw.MinAge = 100*time.Millisecond, 200*time.Millisecond
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sw.Run(ctx) }()
	s.t.Cleanup(func() { stop(); <-done })
}

func (s *stack) triggerJourney(id string, entry map[string]any, extra map[string]any) {
	s.t.Helper()
	def := map[string]any{"entry": entry, "nodes": []any{
		map[string]any{"id": "hold", "kind": "wait", "duration": "24h", "next": "done"},
		map[string]any{"id": "done", "kind": "exit"},
	}}
	for k, v := range extra {
		def[k] = v
	}
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": id, "name": id, "definition": def}, http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/"+id+"/activate", "admin", nil, http.StatusOK, nil)
}

// sweepsDone waits until the schedule has started n sweeps and the last
// has finished, and returns its result.
func (s *stack) sweepsDone(scheduleID string, n int) workflows.SweepResult {
	s.t.Helper()
	ctx := context.Background()
	var last string
	eventually(s.t, 30*time.Second, "sweep "+scheduleID+" to start", func() bool {
		d, err := s.temporal.ScheduleClient().GetHandle(ctx, scheduleID).Describe(ctx)
		if err != nil || len(d.Info.RecentActions) < n {
			return false
		}
		last = d.Info.RecentActions[len(d.Info.RecentActions)-1].StartWorkflowResult.WorkflowID
		return true
	})
	var res workflows.SweepResult
	if err := s.temporal.GetWorkflow(ctx, last, "").Get(ctx, &res); err != nil {
		s.t.Fatalf("sweep %s: %v", last, err)
	}
	return res
}

func (s *stack) triggerSweep(scheduleID string) {
	s.t.Helper()
	ctx := context.Background()
	if err := s.temporal.ScheduleClient().GetHandle(ctx, scheduleID).Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		s.t.Fatal(err)
	}
}

func (s *stack) scheduleExists(id string) bool {
	s.t.Helper()
	ctx := context.Background()
	_, err := s.temporal.ScheduleClient().GetHandle(ctx, id).Describe(ctx)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return false
	}
	if err != nil {
		s.t.Fatalf("describe schedule %s: %v", id, err)
	}
	return true
}

// TestSegmentTriggeredJourneys: a journey entered on a segment takes the
// customers who join it after launch (not those already in), on their own
// events at once, and by the hourly sweep when time alone moves them in;
// leaving the segment ends the run; a repeated sweep enters nobody twice;
// archiving removes the schedule.
func TestSegmentTriggeredJourneys(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	s.runSweeper()
	ctx := context.Background()

	s.call("POST", "/v1/segments", "admin", map[string]any{"id": "gold", "name": "Gold plan",
		"definition": map[string]any{"condition": map[string]any{"trait": map[string]any{"name": "plan", "op": "eq", "value": "gold"}}}},
		http.StatusCreated, nil)
	s.segment("/v1/identify", `{"userId":"ben","traits":{"plan":"gold"}}`)
	s.triggerJourney("gold_welcome", map[string]any{"segment": "gold", "exit_on_leave": true}, nil)
	goldSchedule := "ws_default/trigger/segment/gold"
	if res := s.sweepsDone(goldSchedule, 1); res.Entered != 1 || res.Emitted != 0 {
		t.Fatalf("baseline sweep = %+v, want ben recorded without an entry", res)
	}

	t.Run("ACustomersOwnEventEntersThem", func(t *testing.T) {
		s.segment("/v1/identify", `{"userId":"aiko","traits":{"plan":"gold"}}`)
		eventually(t, 20*time.Second, "aiko's run", func() bool {
			runs := runsOf(s, "aiko")
			return len(runs) == 1 && runs[0]["step"] == "hold"
		})
		if runs := runsOf(s, "ben"); len(runs) != 0 {
			t.Errorf("ben, gold before launch, entered: %v", runs)
		}
	})
	t.Run("LeavingTheSegmentEndsTheRun", func(t *testing.T) {
		s.segment("/v1/identify", `{"userId":"aiko","traits":{"plan":"silver"}}`)
		eventually(t, 20*time.Second, "aiko's run to exit", func() bool {
			runs := runsOf(s, "aiko")
			return len(runs) == 1 && runs[0]["outcome"] == workflows.OutcomeExitCriteria
		})
	})

	t.Run("AMergedCustomerKeepsTheAnonymousMembershipAndIsReEvaluated", func(t *testing.T) {
		gold := func(ids ...string) map[string]bool {
			t.Helper()
			in, err := s.store.TrackedMembers(ctx, "default", "gold", ids)
			if err != nil {
				t.Fatal(err)
			}
			return in
		}
		// An anonymous visitor on the gold plan enters; signing up (identify
		// with the anonymousId) is the same person, who does not enter again.
		s.segment("/v1/identify", `{"anonymousId":"anon_dan","traits":{"plan":"gold"}}`)
		eventually(t, 20*time.Second, "anon_dan to enter gold", func() bool { return gold("anon_dan")["anon_dan"] })
		s.segment("/v1/identify", `{"userId":"dan","anonymousId":"anon_dan","traits":{"name":"Dan"}}`)
		eventually(t, 20*time.Second, "dan to hold anon_dan's membership", func() bool {
			in := gold("dan", "anon_dan")
			return in["dan"] && !in["anon_dan"]
		})
		if n := s.countEvents(`user_id = 'dan' AND event = 'segment_entered'`); n != 1 {
			t.Errorf("dan has %d segment_entered events, want only the one he had as anon_dan", n)
		}
		// An alias merges a gold visitor into a customer whose own, later
		// plan is silver: the merged customer has left gold.
		s.segment("/v1/identify", `{"anonymousId":"anon_eve","traits":{"plan":"gold"}}`)
		eventually(t, 20*time.Second, "anon_eve to enter gold", func() bool { return gold("anon_eve")["anon_eve"] })
		s.segment("/v1/identify", `{"userId":"eve","traits":{"plan":"silver"}}`)
		s.segment("/v1/alias", `{"previousId":"anon_eve","userId":"eve"}`)
		eventually(t, 20*time.Second, "eve to leave gold", func() bool {
			return s.countEvents(`user_id = 'eve' AND event = 'segment_exited'`) == 1
		})
		if in := gold("eve", "anon_eve"); len(in) != 0 {
			t.Errorf("gold still tracks %v after eve left", in)
		}
	})

	t.Run("TimePassingEntersTheCustomerAtTheSweep", func(t *testing.T) {
		s.call("POST", "/v1/segments", "admin", map[string]any{"id": "dormant", "name": "Dormant 21 days",
			"definition": map[string]any{"condition": map[string]any{"and": []any{
				map[string]any{"event": map[string]any{"name": "purchase"}},
				map[string]any{"not": map[string]any{"event": map[string]any{"name": "purchase", "window": map[string]any{"last_days": 21}}}},
			}}}}, http.StatusCreated, nil)
		s.segment("/v1/track", `{"userId":"chie","event":"purchase","messageId":"chie_p1","timestamp":"`+
			time.Now().Add(-20*24*time.Hour).UTC().Format(time.RFC3339)+`"}`)
		s.triggerJourney("winback", map[string]any{"segment": "dormant"}, nil)
		dormantSchedule := "ws_default/trigger/segment/dormant"
		d, err := s.temporal.ScheduleClient().GetHandle(ctx, dormantSchedule).Describe(ctx)
		if err != nil || d.Schedule.Spec.Intervals[0].Every != time.Hour {
			t.Fatalf("dormant's schedule = %+v, %v; want hourly", d, err)
		}
		if res := s.sweepsDone(dormantSchedule, 1); res.Entered != 0 {
			t.Fatalf("baseline = %+v: chie bought 20 days ago", res)
		}
		// Two days pass: chie's purchase is now 22 days old.
		s.exec(`UPDATE events SET timestamp = timestamp - interval '2 days' WHERE user_id = 'chie'`)
		s.exec(`UPDATE event_rollups SET first_at = first_at - interval '2 days', last_at = last_at - interval '2 days' WHERE user_id = 'chie'`)
		s.triggerSweep(dormantSchedule)
		if res := s.sweepsDone(dormantSchedule, 2); res.Entered != 1 || res.Emitted != 1 {
			t.Fatalf("sweep = %+v, want chie entered", res)
		}
		eventually(t, 20*time.Second, "chie's run", func() bool { return len(runsOf(s, "chie")) == 1 })

		s.triggerSweep(dormantSchedule)
		if res := s.sweepsDone(dormantSchedule, 3); res.Entered != 0 || res.Emitted != 0 {
			t.Errorf("repeated sweep = %+v, want nothing new", res)
		}
		if n := s.countEvents(`user_id = 'chie' AND event = 'segment_entered'`); n != 1 {
			t.Errorf("chie has %d segment_entered events", n)
		}
		if runs := runsOf(s, "chie"); len(runs) != 1 {
			t.Errorf("chie has %d runs", len(runs))
		}
	})

	t.Run("ArchivingRemovesTheScheduleAndTheTracking", func(t *testing.T) {
		// While a journey enters on it, a segment cannot be deleted.
		var p struct{ Detail string }
		s.call("DELETE", "/v1/segments/gold", "admin", nil, http.StatusConflict, &p)
		if !strings.Contains(p.Detail, "journeys gold_welcome enter on it (archive them first)") {
			t.Errorf("delete of gold = %q, want it to name gold_welcome", p.Detail)
		}
		for _, id := range []string{"gold_welcome", "winback"} {
			s.call("POST", "/v1/journeys/"+id+"/archive", "admin", nil, http.StatusOK, nil)
		}
		s.call("DELETE", "/v1/segments/gold", "admin", nil, http.StatusNoContent, nil)
		for _, id := range []string{goldSchedule, "ws_default/trigger/segment/dormant"} {
			if s.scheduleExists(id) {
				t.Errorf("schedule %s is still there", id)
			}
		}
		if tracked, err := s.store.BaselinedSegments(ctx, "default"); err != nil || len(tracked) != 0 {
			t.Errorf("tracked segments = %v, %v", tracked, err)
		}
	})

	t.Run("ADraftWhoseSegmentWasDeletedIsNotActivated", func(t *testing.T) {
		// A draft does not hold its segment, so activating it checks again.
		s.call("POST", "/v1/segments", "admin", map[string]any{"id": "silver", "name": "Silver plan",
			"definition": map[string]any{"condition": map[string]any{"trait": map[string]any{"name": "plan", "op": "eq", "value": "silver"}}}},
			http.StatusCreated, nil)
		def := map[string]any{"entry": map[string]any{"segment": "silver"}, "nodes": []any{map[string]any{"id": "done", "kind": "exit"}}}
		s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "silver_welcome", "name": "Silver welcome", "definition": def}, http.StatusCreated, nil)
		s.call("DELETE", "/v1/segments/silver", "admin", nil, http.StatusNoContent, nil)
		var p struct {
			Errors []struct{ Field, Message string }
		}
		s.call("POST", "/v1/journeys/silver_welcome/activate", "admin", nil, http.StatusUnprocessableEntity, &p)
		if len(p.Errors) != 1 || p.Errors[0].Field != "definition.entry.segment" {
			t.Errorf("activate = %+v, want a 422 naming definition.entry.segment", p)
		}
		if s.scheduleExists("ws_default/trigger/segment/silver") {
			t.Error("the refused activation made a schedule")
		}
	})
}

// TestBirthdayJourney: a date trigger's schedule is made when the journey
// is activated, its first sweep enters the customer whose birthday is today
// in the journey's zone, and a second sweep enters nobody again.
func TestBirthdayJourney(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	s.runSweeper()
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	today := "1990-" + time.Now().In(tokyo).Format("01-02")
	yesterday := "1990-" + time.Now().In(tokyo).AddDate(0, 0, -1).Format("01-02")
	s.segment("/v1/identify", `{"userId":"dai","traits":{"birthday":"`+today+`"}}`)
	s.segment("/v1/identify", `{"userId":"emi","traits":{"birthday":"`+yesterday+`"}}`)
	s.triggerJourney("bday", map[string]any{"date": map[string]any{"property": "birthday", "at": "00:00", "yearly": true}},
		map[string]any{"timezone": "Asia/Tokyo"})
	id := "ws_default/trigger/date/birthday@00:00/yearly/Asia/Tokyo"
	if res := s.sweepsDone(id, 1); res.Emitted != 1 {
		t.Fatalf("first sweep = %+v, want dai's birthday", res)
	}
	eventually(t, 20*time.Second, "dai's run", func() bool { return len(runsOf(s, "dai")) == 1 })
	s.triggerSweep(id)
	if res := s.sweepsDone(id, 2); res.Emitted != 0 {
		t.Errorf("second sweep = %+v, want nothing new", res)
	}
	if runs := runsOf(s, "emi"); len(runs) != 0 {
		t.Errorf("emi, whose birthday was yesterday, entered: %v", runs)
	}
	s.call("POST", "/v1/journeys/bday/pause", "admin", nil, http.StatusOK, nil)
	if s.scheduleExists(id) {
		t.Error("a paused journey keeps its date schedule")
	}
}

// exec runs SQL on the test database, behind the store: to move time.
func (s *stack) exec(sql string) {
	s.t.Helper()
	conn, err := pgx.Connect(context.Background(), s.dbURL)
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		s.t.Fatalf("%s: %v", sql, err)
	}
}

// countEvents counts the workspace's events that match where.
func (s *stack) countEvents(where string) int {
	s.t.Helper()
	conn, err := pgx.Connect(context.Background(), s.dbURL)
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE workspace_id = 'default' AND `+where).Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}
