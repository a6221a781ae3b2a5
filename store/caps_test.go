package store_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

// TestFrequencyCapsStore: none stored is ErrNotFound; put replaces per
// workspace; CountSentSince counts one customer's messages on one channel
// from a time on, leaving out skipped, failed, dropped and blocked ones.
func TestFrequencyCapsStore(t *testing.T) {
	st := pgtest.Store(t)
	ctx := context.Background()
	if _, err := st.FrequencyCaps(ctx, "ws"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no caps: %v, want ErrNotFound", err)
	}
	for _, caps := range []string{`{"email": [{"max": 3, "window": "1d"}]}`, `{"line": [{"max": 1, "window": "1h"}]}`} {
		if err := st.PutFrequencyCaps(ctx, "ws", json.RawMessage(caps)); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := st.FrequencyCaps(ctx, "ws"); err != nil || string(got) != `{"line": [{"max": 1, "window": "1h"}]}` {
		t.Errorf("caps = %s, %v", got, err)
	}
	if _, err := st.FrequencyCaps(ctx, "other"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("other workspace: %v, want ErrNotFound", err)
	}

	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i, m := range []store.Message{
		{Status: "sent", CreatedAt: since},
		{Status: "delivered", CreatedAt: since.Add(time.Hour)},
		{Status: "recorded", CreatedAt: since.Add(2 * time.Hour)},
		{Status: "skipped", CreatedAt: since.Add(time.Hour)},
		{Status: "failed", CreatedAt: since.Add(time.Hour)},
		{Status: "dropped", CreatedAt: since.Add(time.Hour)},
		{Status: "sent", CreatedAt: since.Add(-time.Second)},
		{Status: "sent", CreatedAt: since.Add(time.Hour), Channel: "line"},
		{Status: "sent", CreatedAt: since.Add(time.Hour), CustomerID: "u2"},
		{Status: "sent", CreatedAt: since.Add(time.Hour), WorkspaceID: "other"},
	} {
		m.ID = "m" + string(rune('a'+i))
		m.WorkspaceID = cmp.Or(m.WorkspaceID, "ws")
		m.CustomerID = cmp.Or(m.CustomerID, "u1")
		m.Channel = cmp.Or(m.Channel, "email")
		if _, _, err := st.RecordMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := st.CountSentSince(ctx, "ws", "u1", "email", since); err != nil || n != 3 {
		t.Errorf("count = %d, %v; want 3 (sent, delivered, recorded)", n, err)
	}
}
