package activities

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/store"
)

// recordedReport is a run report in the JSON it had when it was the
// store's RunReport: the format the run's own type keeps.
const recordedReport = `{"workspaceId":"default","runKey":"ws_default/jr_cart/u_1/r1","journeyId":"cart","version":3,` +
	`"customerId":"u_1","workflowId":"ws_default/jr_cart/u_1","enteredAt":"2026-11-23T18:15:11Z","holdout":true,` +
	`"steps":[{"seq":1,"node":"ab","kind":"split","enteredAt":"2026-11-23T18:15:11Z","variant":"a"}],` +
	`"leaves":[{"seq":1,"next":"done"}],"conversions":[{"messageId":"buy-1","at":"2026-11-23T19:15:11Z","revenue":12.5}],` +
	`"exit":{"at":"2026-11-23T20:15:11Z","reason":"goal"}}`

func TestRecordRunInput(t *testing.T) {
	t.Run("RoundTripsTheRecordedFormat", func(t *testing.T) {
		var in RecordRunInput
		if err := json.Unmarshal([]byte(recordedReport), &in); err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != recordedReport {
			t.Errorf("encoded as\n%s\nwant\n%s", out, recordedReport)
		}
	})

	t.Run("ConvertsEveryFieldToTheStoresReport", func(t *testing.T) {
		var in RecordRunInput
		if err := json.Unmarshal([]byte(recordedReport), &in); err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 11, 23, 18, 15, 11, 0, time.UTC)
		want := store.RunReport{WorkspaceID: "default", RunKey: "ws_default/jr_cart/u_1/r1", JourneyID: "cart", Version: 3,
			CustomerID: "u_1", WorkflowID: "ws_default/jr_cart/u_1", EnteredAt: t0, Holdout: true,
			Steps:       []store.RunStep{{Seq: 1, Node: "ab", Kind: "split", EnteredAt: t0, Variant: "a"}},
			Leaves:      []store.RunLeave{{Seq: 1, Next: "done"}},
			Conversions: []store.RunConversion{{MessageID: "buy-1", At: t0.Add(time.Hour), Revenue: 12.5}},
			Exit:        &store.RunExit{At: t0.Add(2 * time.Hour), Reason: "goal"}}
		if got := in.report(); !reflect.DeepEqual(got, want) {
			t.Errorf("report = %+v\nwant %+v", got, want)
		}
	})
}

func TestBroadcastStatuses(t *testing.T) {
	t.Run("EachConvertsToTheStoresStatusOfTheSameMeaning", func(t *testing.T) {
		for status, want := range map[string]string{
			BroadcastScheduled: store.BroadcastScheduled, BroadcastSending: store.BroadcastSending,
			BroadcastPaused: store.BroadcastPaused, BroadcastCompleted: store.BroadcastCompleted,
			BroadcastCancelled: store.BroadcastCancelled, BroadcastFailed: store.BroadcastFailed,
		} {
			if got, err := storeBroadcastStatus(status); err != nil || got != want {
				t.Errorf("%s: %q, %v; want %q", status, got, err, want)
			}
		}
	})

	t.Run("AnUnknownOneIsNotRetried", func(t *testing.T) {
		_, err := storeBroadcastStatus("draft")
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || !appErr.NonRetryable() {
			t.Errorf("err = %v, want a non-retryable application error", err)
		}
	})
}
