package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// TestRecentCalls: the event debugger's calls are recorded in the
// statement that stores the events, with stored and duplicate decided
// there; they read newest first after a cursor; the sweeper's trim keeps
// the latest of each workspace; an erasure deletes the customer's.
func TestRecentCalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	s := b.store
	now := time.Now().UTC()
	call := func(ws, id, user, verdict string) store.RecentCall {
		c := store.RecentCall{WorkspaceID: ws, ReceivedAt: now, Verdict: verdict, Type: "track", Event: "Order Completed",
			UserID: user, MessageID: id, Library: "analytics-go 3.3.0"}
		if verdict != "" {
			c.Payload = json.RawMessage(`{"messageId":"` + id + `","userId":"` + user + `"}`)
		}
		return c
	}

	t.Run("StoredAndDuplicateAreDecidedWhereTheEventsAreStored", func(t *testing.T) {
		_, err := s.InsertEvents(ctx, []store.Event{{WorkspaceID: wsA, MessageID: "m1", UserID: "u1", Name: "Order Completed",
			Properties: json.RawMessage(`{"total":5}`)}})
		mustNot(t, err)
		_, err = s.InsertEvents(ctx, []store.Event{
			{WorkspaceID: wsA, MessageID: "m1", UserID: "u1", Name: "Order Completed"},
			{WorkspaceID: wsA, MessageID: "m2", UserID: "u2", Name: "Order Completed"},
		}, call(wsA, "m1", "u1", ""), call(wsA, "m2", "u2", ""), call(wsA, "bad", "u3", store.VerdictRejected))
		mustNot(t, err)
		got, err := s.RecentCalls(ctx, wsA, store.RecentCallsQuery{Payloads: true})
		mustNot(t, err)
		var verdicts []string
		for _, c := range got {
			verdicts = append(verdicts, c.MessageID+"="+c.Verdict)
		}
		if strings.Join(verdicts, " ") != "bad=rejected m2=stored m1=duplicate" {
			t.Fatalf("newest first: %v", verdicts)
		}
		if !strings.Contains(string(got[2].Payload), `"total": 5`) || !strings.Contains(string(got[0].Payload), `"bad"`) {
			t.Errorf("payloads: stored %s, rejected %s", got[2].Payload, got[0].Payload)
		}
		after, err := s.RecentCalls(ctx, wsA, store.RecentCallsQuery{After: got[1].Seq})
		mustNot(t, err)
		if len(after) != 1 || after[0].MessageID != "bad" || after[0].Payload != nil {
			t.Errorf("after the second's cursor, without payloads: %+v", after)
		}
		other, err := s.RecentCalls(ctx, wsB, store.RecentCallsQuery{})
		mustNot(t, err)
		if len(other) != 0 {
			t.Errorf("another workspace reads %d calls", len(other))
		}
	})
	t.Run("CallsThatStoreNothingAreRecordedAlone", func(t *testing.T) {
		mustNot(t, s.InsertRecentCalls(ctx, []store.RecentCall{call(wsB, "q1", "u9", store.VerdictQuarantined)}))
		got, err := s.RecentCalls(ctx, wsB, store.RecentCallsQuery{Payloads: true})
		mustNot(t, err)
		if len(got) != 1 || got[0].Verdict != store.VerdictQuarantined || got[0].Library != "analytics-go 3.3.0" {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("TheTrimKeepsTheLatestOfEachWorkspaceAndNoneTooOld", func(t *testing.T) {
		var calls []store.RecentCall
		for i := range store.RecentCallsKept + 20 {
			calls = append(calls, call(wsA, fmt.Sprintf("t%d", i), "u", store.VerdictRejected))
		}
		mustNot(t, s.InsertRecentCalls(ctx, calls))
		old := call(wsB, "old", "u", store.VerdictDropped)
		old.ReceivedAt = now.Add(-store.RecentCallsMaxAge - time.Minute)
		mustNot(t, s.InsertRecentCalls(ctx, []store.RecentCall{old}))
		n, err := s.TrimRecentCalls(ctx, now)
		mustNot(t, err)
		if n != 20+3+1 { // the 20 beyond the kept, the three of the first subtest, the old one
			t.Errorf("trimmed %d", n)
		}
		got, err := s.RecentCalls(ctx, wsA, store.RecentCallsQuery{Limit: 500})
		mustNot(t, err)
		if len(got) != store.RecentCallsKept || got[0].MessageID != fmt.Sprintf("t%d", store.RecentCallsKept+19) ||
			got[len(got)-1].MessageID != "t20" {
			t.Errorf("kept %d, from %s to %s", len(got), got[0].MessageID, got[len(got)-1].MessageID)
		}
		kept, err := s.RecentCalls(ctx, wsB, store.RecentCallsQuery{})
		mustNot(t, err)
		if len(kept) != 1 || kept[0].MessageID != "q1" {
			t.Errorf("workspace B keeps %+v", kept)
		}
	})
	t.Run("AnErasureDeletesTheCustomersCalls", func(t *testing.T) {
		undecoded := store.RecentCall{WorkspaceID: wsB, ReceivedAt: now, Verdict: store.VerdictRejected,
			Reason: "body: is not valid JSON", Payload: json.RawMessage(`"{\"userId\":\"gone\", oops"`)}
		mustNot(t, s.InsertRecentCalls(ctx, []store.RecentCall{call(wsB, "e1", "gone", store.VerdictRejected), undecoded,
			call(wsB, "e2", "stays", store.VerdictRejected)}))
		out, err := s.EraseCustomer(ctx, wsB, "gone", []string{"gone"}, "k", 0)
		mustNot(t, err)
		if out.Counts["recent_calls"] != 2 {
			t.Errorf("erased %d calls, want the call and the undecoded body naming the customer", out.Counts["recent_calls"])
		}
		got, err := s.RecentCalls(ctx, wsB, store.RecentCallsQuery{Payloads: true})
		mustNot(t, err)
		for _, c := range got {
			if c.UserID == "gone" || strings.Contains(string(c.Payload), "gone") {
				t.Errorf("left after the erasure: %+v", c)
			}
		}
		if len(got) != 2 {
			t.Errorf("kept %d calls, want q1 and e2", len(got))
		}
	})
}
