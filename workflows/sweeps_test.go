package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"reflect"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// sweepStore is a fresh database with the workspace "default".
func sweepStore(t *testing.T) *store.Store {
	t.Helper()
	st := pgtest.Store(t)
	if err := st.EnsureWorkspace(context.Background(), "default", "Default"); err != nil {
		t.Fatal(err)
	}
	return st
}

// runSweep runs a sweep workflow, with the real activities over st, as if
// its schedule started it at at: time is driven, never waited for. A run
// that continues as new is followed to the end.
func runSweep(t *testing.T, st *store.Store, at time.Time, wf, in any) SweepResult {
	res, _ := runSweepRuns(t, st, at, wf, in)
	return res
}

// runSweepRuns is runSweep that also says how many runs the sweep took.
func runSweepRuns(t *testing.T, st *store.Store, at time.Time, wf, in any) (SweepResult, int) {
	t.Helper()
	for runs := 1; ; runs++ {
		var s testsuite.WorkflowTestSuite
		s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))))
		env := s.NewTestWorkflowEnvironment()
		env.RegisterActivity(activities.New(st))
		// Real activities on a busy machine: the default 1 s deadlock check
		// would take a slow scheduler for a stuck workflow.
		env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
		env.SetStartTime(at.Add(time.Duration(runs-1) * time.Minute)) // a continued run starts later; it sweeps as of at
		env.ExecuteWorkflow(wf, in)
		err := env.GetWorkflowError()
		var cont *workflow.ContinueAsNewError
		if errors.As(err, &cont) {
			next := reflect.New(reflect.TypeOf(in))
			if err := converter.GetDefaultDataConverter().FromPayloads(cont.Input, next.Interface()); err != nil {
				t.Fatal(err)
			}
			in = next.Elem().Interface()
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var res SweepResult
		if err := env.GetWorkflowResult(&res); err != nil {
			t.Fatal(err)
		}
		return res, runs
	}
}

func purchase(t *testing.T, st *store.Store, id, customer string, at time.Time) {
	t.Helper()
	_, err := st.InsertEvents(context.Background(), []store.Event{{
		WorkspaceID: "default", MessageID: id, UserID: customer, Name: "purchase", Timestamp: at, ReceivedAt: at,
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// triggerEvents are the workspace's stored trigger events of a customer.
func triggerEvents(t *testing.T, st *store.Store, customer string) []store.Event {
	t.Helper()
	evs, _, err := st.CustomerEvents(context.Background(), "default", customer, store.TimelineFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Event
	for _, e := range evs {
		if e.Name != "purchase" {
			out = append(out, e)
		}
	}
	return out
}

func TestSegmentSweep(t *testing.T) {
	st := sweepStore(t)
	ctx := context.Background()
	dormant := `{"condition":{"and":[{"event":{"name":"purchase"}},{"not":{"event":{"name":"purchase","window":{"last_days":21}}}}]}}`
	if _, err := st.CreateSegment(ctx, "default", store.Segment{ID: "dormant", Name: "Dormant", Definition: json.RawMessage(dormant)}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Hour)
	purchase(t, st, "p_chie", "chie", now.Add(-10*24*time.Hour))
	purchase(t, st, "p_dan", "dan", now.Add(-30*24*time.Hour))
	purchase(t, st, "p_eri", "eri", now.Add(-1*24*time.Hour))
	in := SegmentSweepInput{WorkspaceID: "default", SegmentID: "dormant", PageSize: 1}

	t.Run("TheFirstSweepRecordsMembersWithoutEnteringThem", func(t *testing.T) {
		res := runSweep(t, st, now, SegmentSweep, in)
		if res.Entered != 1 || res.Emitted != 0 {
			t.Errorf("baseline = %+v, want dan recorded and nothing emitted", res)
		}
		if evs := triggerEvents(t, st, "dan"); len(evs) != 0 {
			t.Errorf("the baseline emitted %v", evs)
		}
		done, err := st.BaselinedSegments(ctx, "default")
		if err != nil || !done["dormant"] {
			t.Fatalf("baselined = %v, %v", done, err)
		}
	})
	at := now.Add(12 * 24 * time.Hour) // chie's purchase is 22 days old
	t.Run("TimePassingEntersTheCustomer", func(t *testing.T) {
		res := runSweep(t, st, at, SegmentSweep, in)
		if res.Entered != 1 || res.Emitted != 1 || res.Exited != 0 {
			t.Errorf("sweep = %+v, want chie entered", res)
		}
		evs := triggerEvents(t, st, "chie")
		if len(evs) != 1 || evs[0].Name != journey.SegmentEnteredEvent || evs[0].RoutedAt != nil ||
			evs[0].MessageID != "seg:dormant:chie:in:"+at.Format(time.DateOnly) || !evs[0].Timestamp.Equal(at) {
			t.Fatalf("chie's events = %+v", evs)
		}
		if string(evs[0].Properties) != `{"segment": "dormant"}` {
			t.Errorf("properties = %s", evs[0].Properties)
		}
	})
	t.Run("ARepeatedSweepEntersNobodyTwice", func(t *testing.T) {
		res := runSweep(t, st, at.Add(time.Hour), SegmentSweep, in)
		if res.Entered != 0 || res.Emitted != 0 {
			t.Errorf("second sweep = %+v", res)
		}
		if evs := triggerEvents(t, st, "chie"); len(evs) != 1 {
			t.Errorf("chie has %d trigger events", len(evs))
		}
	})
	t.Run("LeavingTheSegmentExits", func(t *testing.T) {
		purchase(t, st, "p_chie_2", "chie", at.Add(2*time.Hour))
		res := runSweep(t, st, at.Add(3*time.Hour), SegmentSweep, in)
		if res.Exited != 1 || res.Emitted != 1 || res.Entered != 0 {
			t.Errorf("sweep = %+v, want chie exited", res)
		}
		evs := triggerEvents(t, st, "chie")
		if len(evs) != 2 || evs[0].Name != journey.SegmentExitedEvent {
			t.Errorf("chie's events = %+v", evs)
		}
	})
	t.Run("ALongSweepContinuesAsNewWhereItWas", func(t *testing.T) {
		purchase(t, st, "p_fumi", "fumi", now.Add(-30*24*time.Hour))
		// fumi has been dormant since the baseline, unseen: entered now.
		long := SegmentSweepInput{WorkspaceID: "default", SegmentID: "dormant", PageSize: 1, MaxPages: 2}
		res, runs := runSweepRuns(t, st, at.Add(4*time.Hour), SegmentSweep, long)
		if res.Entered != 1 || res.Emitted != 1 || res.Pages != 6 || runs != 3 {
			t.Errorf("sweep = %+v over %d runs, want fumi entered, 6 pages in 3 runs", res, runs)
		}
		if evs := triggerEvents(t, st, "fumi"); len(evs) != 1 || !evs[0].Timestamp.Equal(at.Add(4*time.Hour)) {
			t.Errorf("fumi's events = %+v, want one as of the sweep's time", evs)
		}
	})
	t.Run("OneActivityPerPageNotPerCustomer", func(t *testing.T) {
		res := runSweep(t, st, at.Add(5*time.Hour), SegmentSweep, SegmentSweepInput{WorkspaceID: "default", SegmentID: "dormant", PageSize: 1000})
		if res.Pages != 2 { // one page of members, one of tracked members
			t.Errorf("pages = %d", res.Pages)
		}
	})
}

func TestDateTriggerSweep(t *testing.T) {
	st := sweepStore(t)
	ctx := context.Background()
	for id, zone := range map[string]string{"tokyo": "Asia/Tokyo", "new_york": "America/New_York", "osaka": "Asia/Tokyo"} {
		if _, err := st.ChangeProfile(ctx, "default", id, store.ProfileChange{Set: map[string]any{"birthday": "1990-11-24"}, Timezone: zone}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	in := DateSweepInput{WorkspaceID: "default", Trigger: journey.DateTrigger{Property: "birthday", At: "09:00", Yearly: true}, PageSize: 1}
	res := runSweep(t, st, time.Date(2026, 11, 24, 0, 30, 0, 0, time.UTC), DateTriggerSweep, in)
	if res.Emitted != 2 || res.Pages != 4 { // three candidates, then an empty page
		t.Errorf("09:30 in Tokyo: %+v, want osaka and tokyo over four pages", res)
	}
	res = runSweep(t, st, time.Date(2026, 11, 24, 14, 30, 0, 0, time.UTC), DateTriggerSweep, in)
	if res.Emitted != 1 {
		t.Errorf("09:30 in New York: %+v, want new_york only", res)
	}
	in.MaxPages = 1
	res, runs := runSweepRuns(t, st, time.Date(2027, 11, 24, 0, 30, 0, 0, time.UTC), DateTriggerSweep, in)
	if res.Emitted != 2 || res.Pages != 4 || runs != 4 {
		t.Errorf("next year, a page per run: %+v over %d runs, want osaka and tokyo over four", res, runs)
	}
}
