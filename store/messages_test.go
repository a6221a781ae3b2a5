package store_test

import (
	"context"
	"encoding/base64"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

func TestMessages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	message := func(ws, id, customer, channel string) store.Message {
		return store.Message{
			ID: id, WorkspaceID: ws, CustomerID: customer, JourneyID: "jr_cart", JourneyVersion: 1,
			WorkflowID: ws + "/jr_cart/" + customer, RunID: "run-1", NodeID: "send_email", Channel: channel,
			Subject: "You left something", Body: "Come back",
		}
	}

	t.Run("RecordsAMessageOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		first, inserted, err := b.store.RecordMessage(ctx, message(wsA, "msg_1", "u_1", "email"))
		mustNot(t, err)
		if !inserted || first.Status != "recorded" || first.CreatedAt.IsZero() || first.Body != "Come back" {
			t.Errorf("RecordMessage = %+v, %v", first, inserted)
		}
		retry := message(wsA, "msg_1", "u_1", "email")
		retry.Body, retry.Status = "Different", "sent"
		again, inserted, err := b.store.RecordMessage(ctx, retry)
		mustNot(t, err)
		if inserted || !reflect.DeepEqual(again, first) {
			t.Errorf("second RecordMessage = %+v, %v; want the first row unchanged", again, inserted)
		}
	})

	t.Run("ClaimsAPendingMessageOnceAndReleasesItAfterARefusal", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		m := message(wsA, "msg_c", "u_1", "email")
		m.Status = store.MessagePending
		_, _, err := b.store.RecordMessage(ctx, m)
		mustNot(t, err)
		got, claimed, err := b.store.ClaimMessage(ctx, wsA, "msg_c")
		if err != nil || !claimed || got.Status != store.MessageSending {
			t.Fatalf("first claim = %+v, %v, %v", got.Status, claimed, err)
		}
		if got, claimed, err := b.store.ClaimMessage(ctx, wsA, "msg_c"); err != nil || claimed || got.Status != store.MessageSending {
			t.Errorf("second claim = %q, %v, %v; want the sending row, unclaimed", got.Status, claimed, err)
		}
		mustNot(t, b.store.ReleaseMessage(ctx, wsA, "msg_c"))
		if _, claimed, err := b.store.ClaimMessage(ctx, wsA, "msg_c"); err != nil || !claimed {
			t.Errorf("claim after release = %v, %v", claimed, err)
		}
		_, _, err = b.store.RecordMessageEvent(ctx, store.MessageEvent{WorkspaceID: wsA, EventID: "e1", MessageID: "msg_c", Status: "processed", ProviderEvent: "processed"})
		mustNot(t, err)
		mustNot(t, b.store.ReleaseMessage(ctx, wsA, "msg_c"))
		if got, claimed, err := b.store.ClaimMessage(ctx, wsA, "msg_c"); err != nil || claimed || got.Status != "processed" {
			t.Errorf("claim of a processed message = %q, %v, %v; want it left alone", got.Status, claimed, err)
		}
		if _, _, err := b.store.ClaimMessage(ctx, wsB, "msg_c"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("claim in another workspace: %v", err)
		}
	})

	t.Run("RefusesAnIdTakenInAnotherWorkspace", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, _, err := b.store.RecordMessage(ctx, message(wsA, "msg_1", "u_1", "email"))
		mustNot(t, err)
		if _, _, err := b.store.RecordMessage(ctx, message(wsB, "msg_1", "u_1", "email")); !errors.Is(err, store.ErrConflict) {
			t.Errorf("RecordMessage with ws_a's id in ws_b = %v, want ErrConflict", err)
		}
	})

	t.Run("ListsByCustomerAndChannelInTheWorkspaceOnly", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for i, m := range []store.Message{
			message(wsA, "m1", "u_1", "email"), message(wsA, "m2", "u_2", "email"),
			message(wsA, "m3", "u_1", "line"), message(wsB, "m4", "u_1", "email"),
		} {
			m.CreatedAt = time.Date(2026, 11, 23, 10, i, 0, 0, time.UTC)
			_, _, err := b.store.RecordMessage(ctx, m)
			mustNot(t, err)
		}
		for _, c := range []struct {
			filter store.MessageFilter
			want   []string
		}{
			{store.MessageFilter{}, []string{"m1", "m2", "m3"}},
			{store.MessageFilter{CustomerID: "u_1"}, []string{"m1", "m3"}},
			{store.MessageFilter{Channel: "email"}, []string{"m1", "m2"}},
			{store.MessageFilter{CustomerID: "u_1", Channel: "line"}, []string{"m3"}},
			{store.MessageFilter{CustomerID: "u_nobody"}, nil},
		} {
			msgs, next, err := b.store.ListMessages(ctx, wsA, c.filter)
			mustNot(t, err)
			if got := ids(msgs); !reflect.DeepEqual(got, c.want) || next != "" {
				t.Errorf("ListMessages(%+v) = %v, next %q; want %v and no next", c.filter, got, next, c.want)
			}
		}
	})

	t.Run("PagesWithACursorToTheEnd", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		same := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // ties are ordered by id
		want := []string{"m0", "m1", "m2", "m3", "m4", "m5", "m6"}
		for i := 6; i >= 0; i-- { // stored against the order, so only ORDER BY can put them right
			m := message(wsA, want[i], "u_1", "email")
			m.CreatedAt = same.Add(time.Duration(i/2) * time.Microsecond) // ties straddle page ends
			_, _, err := b.store.RecordMessage(ctx, m)
			mustNot(t, err)
		}
		var got []string
		pages := 0
		f := store.MessageFilter{CustomerID: "u_1", Limit: 3}
		for {
			msgs, next, err := b.store.ListMessages(ctx, wsA, f)
			mustNot(t, err)
			pages++
			got = append(got, ids(msgs)...)
			if next == "" {
				break
			}
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			f.After = next
		}
		if !reflect.DeepEqual(got, want) || pages != 3 {
			t.Errorf("pages gave %v in %d pages, want %v in 3", got, pages, want)
		}
	})

	t.Run("CapsTheLimit", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.db.Exec(ctx, `
			INSERT INTO messages (id, workspace_id, customer_id, journey_id, journey_version, workflow_id, run_id, node_id, channel)
			SELECT 'm' || lpad(i::text, 4, '0'), $1, 'u_1', 'jr', 1, 'wf', 'run', 'node', 'email'
			FROM generate_series(1, 501) i`, wsA)
		mustNot(t, err)
		for limit, want := range map[int]int{0: 50, -1: 50, 7: 7, 1000: 500} {
			msgs, next, err := b.store.ListMessages(ctx, wsA, store.MessageFilter{Limit: limit})
			mustNot(t, err)
			if len(msgs) != want || next == "" {
				t.Errorf("Limit %d gave %d messages (next %q), want %d and a next page", limit, len(msgs), next, want)
			}
		}
	})

	t.Run("RejectsACursorItDidNotMake", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for _, bad := range []string{"!!!", "bm90IGEgY3Vyc29y", base64.RawURLEncoding.EncodeToString([]byte("12:")), "e30"} {
			_, _, err := b.store.ListMessages(ctx, wsA, store.MessageFilter{After: bad})
			if !errors.Is(err, store.ErrInvalidCursor) {
				t.Errorf("ListMessages(After: %q) = %v, want ErrInvalidCursor", bad, err)
			}
		}
	})
}

func ids(msgs []store.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.ID)
	}
	return out
}
