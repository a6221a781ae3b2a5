package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

func TestMessageLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	send := func(t *testing.T, s *store.Store, ws, id, customer, journey string) {
		t.Helper()
		_, _, err := s.RecordMessage(ctx, store.Message{ID: id, WorkspaceID: ws, CustomerID: customer, JourneyID: journey,
			JourneyVersion: 1, WorkflowID: ws + "/" + journey + "/" + customer, RunID: "r", NodeID: "n", Channel: "email"})
		mustNot(t, err)
	}
	event := func(id, msg, status string, at time.Time) store.MessageEvent {
		return store.MessageEvent{WorkspaceID: wsA, EventID: id, MessageID: msg, Status: status, ProviderEvent: status,
			At: at, ProviderID: "sg-" + msg, Detail: []byte(`{"sg_event_id":"` + id + `"}`)}
	}

	t.Run("RecordsAProviderEventOnceAndKeepsTheHighestStatus", func(t *testing.T) {
		t.Parallel()
		s := setup(t).store
		send(t, s, wsA, "m1", "u1", "j1")
		t0 := time.Now().Add(-time.Hour).Truncate(time.Microsecond)
		msg, recorded, err := s.RecordMessageEvent(ctx, event("e-open", "m1", "opened", t0.Add(time.Minute)))
		mustNot(t, err)
		if !recorded || msg.Status != "opened" || msg.ProviderID != "sg-m1" {
			t.Errorf("first event = %+v, %v", msg, recorded)
		}
		// A late "delivered" joins the history without moving the status back.
		msg, recorded, err = s.RecordMessageEvent(ctx, event("e-dlv", "m1", "delivered", t0))
		mustNot(t, err)
		if !recorded || msg.Status != "opened" {
			t.Errorf("late delivered = %+v, %v; want opened kept", msg, recorded)
		}
		// The same event again (SendGrid retries) is not recorded twice.
		_, recorded, err = s.RecordMessageEvent(ctx, event("e-open", "m1", "clicked", t0.Add(2*time.Minute)))
		mustNot(t, err)
		if recorded {
			t.Error("a repeated event id was recorded again")
		}
		got, history, err := s.LoggedMessageByID(ctx, wsA, "m1")
		mustNot(t, err)
		if got.Status != "opened" || len(history) != 2 || history[0].Status != "delivered" || history[1].Status != "opened" ||
			!history[1].At.Equal(t0.Add(time.Minute)) || string(history[1].Detail) != `{"sg_event_id": "e-open"}` {
			t.Errorf("LoggedMessageByID = %+v, %+v", got, history)
		}
	})

	t.Run("NeverTouchesAnotherWorkspacesMessage", func(t *testing.T) {
		t.Parallel()
		s := setup(t).store
		send(t, s, wsB, "mb", "u1", "j1")
		e := event("e1", "mb", "bounced", time.Now())
		if _, _, err := s.RecordMessageEvent(ctx, e); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("event of workspace A on B's message: err = %v, want ErrNotFound", err)
		}
		if _, _, err := s.LoggedMessageByID(ctx, wsA, "mb"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("A reads B's message: err = %v", err)
		}
		got, history, err := s.LoggedMessageByID(ctx, wsB, "mb")
		mustNot(t, err)
		if got.Status != "recorded" || len(history) != 0 {
			t.Errorf("B's message changed: %+v %+v", got, history)
		}
	})

	t.Run("ListsPerCustomerPerJourneyAndStatusInPages", func(t *testing.T) {
		t.Parallel()
		s := setup(t).store
		for i, c := range []struct{ id, customer, journey string }{
			{"a1", "u1", "j1"}, {"a2", "u1", "j2"}, {"a3", "u2", "j1"}, {"a4", "u1", "j1"},
		} {
			send(t, s, wsA, c.id, c.customer, c.journey)
			if i == 0 {
				_, _, err := s.RecordMessageEvent(ctx, event("ea1", "a1", "delivered", time.Now()))
				mustNot(t, err)
			}
		}
		send(t, s, wsB, "b1", "u1", "j1")
		ids := func(f store.LogFilter) (out []string) {
			t.Helper()
			for {
				page, next, err := s.MessageLog(ctx, wsA, f)
				mustNot(t, err)
				for _, m := range page {
					out = append(out, m.ID)
				}
				if next == "" {
					return out
				}
				f.After = next
			}
		}
		for name, c := range map[string]struct {
			f    store.LogFilter
			want string
		}{
			"customer":         {store.LogFilter{CustomerID: "u1", Limit: 1}, "a1 a2 a4"},
			"journey":          {store.LogFilter{JourneyID: "j1", Limit: 2}, "a1 a3 a4"},
			"customer+journey": {store.LogFilter{CustomerID: "u1", JourneyID: "j1"}, "a1 a4"},
			"status":           {store.LogFilter{Status: "delivered"}, "a1"},
		} {
			if got := ids(c.f); joinIDs(got) != c.want {
				t.Errorf("%s: %v, want %s", name, got, c.want)
			}
		}
		if _, _, err := s.MessageLog(ctx, wsA, store.LogFilter{After: "junk"}); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("bad cursor: %v", err)
		}
	})
}

func joinIDs(ids []string) string {
	out := ""
	for i, id := range ids {
		if i > 0 {
			out += " "
		}
		out += id
	}
	return out
}
