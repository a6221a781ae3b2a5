package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// rollupRows reads a workspace's event rollups as comparable text.
func rollupRows(t *testing.T, b *testBundle, ws string) []string {
	t.Helper()
	rows, err := b.db.Query(context.Background(), `SELECT user_id, event, count, first_at, last_at, sums::text, nums::text,
		COALESCE(to_char(track_first_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'no track')
		FROM event_rollups WHERE workspace_id = $1 ORDER BY user_id, event`, ws)
	mustNot(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var user, event, sums, nums, track string
		var count int64
		var first, last time.Time
		mustNot(t, rows.Scan(&user, &event, &count, &first, &last, &sums, &nums, &track))
		out = append(out, fmt.Sprintf("%s %s %d %s %s %s %s track %s", user, event, count, first.UTC().Format(time.RFC3339),
			last.UTC().Format(time.RFC3339), sums, nums, track))
	}
	mustNot(t, rows.Err())
	return out
}

// TestEventRollupsStayExact: what ingestion, duplicates, identity merges
// and erasure leave in event_rollups is what recomputing them from the
// events gives.
func TestEventRollupsStayExact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ev := func(id, user, name, props string, day int) store.Event {
		return store.Event{WorkspaceID: wsA, MessageID: id, UserID: user, Name: name, Properties: json.RawMessage(props), Timestamp: base.AddDate(0, 0, day)}
	}
	page := func(id, user, name string, day int) store.Event {
		e := ev(id, user, name, `{}`, day)
		e.Type = "page"
		return e
	}
	batches := [][]store.Event{
		{ev("m1", "anon-1", "purchase", `{"total":100,"items":2}`, 3), ev("m2", "anon-1", "purchase", `{"total":50.5,"note":"x"}`, 1),
			ev("m3", "u1", "purchase", `{"total":"ten"}`, 5), ev("m1", "anon-1", "purchase", `{"total":999}`, 9)}, // m1 twice: a duplicate
		{ev("m4", "u1", "page_view", `{}`, 2), ev("m2", "anon-1", "purchase", `{"total":999}`, 9), // m2 again, in a later batch
			ev("m5", "u2", "purchase", `{"total":7}`, 4), ev("m6", "u2", "purchase", `{"total":3}`, 8)},
		{page("m7", "u1", "purchase", 0), page("m8", "u3", "purchase", 1), // pages named like the purchase: not track calls
			ev("m9", "u3", "purchase", `{}`, 6), ev("m10", "u3", "purchase", `{}`, 5)},
	}
	for _, batch := range batches {
		_, err := b.store.InsertEvents(ctx, batch)
		mustNot(t, err)
	}
	check := func(when string) {
		t.Helper()
		kept := rollupRows(t, b, wsA)
		_, err := b.db.Exec(ctx, `SELECT tabiji_rebuild_event_rollups($1)`, wsA)
		mustNot(t, err)
		if rebuilt := rollupRows(t, b, wsA); fmt.Sprint(kept) != fmt.Sprint(rebuilt) {
			t.Errorf("%s: kept rollups\n%v\nrecomputed\n%v", when, kept, rebuilt)
		}
	}
	check("after ingestion")
	if got := rollupRows(t, b, wsA); len(got) != 5 || got[0] != `anon-1 purchase 2 2026-01-02T00:00:00Z 2026-01-04T00:00:00Z {"items": 2, "total": 150.5} {"items": 1, "total": 2} track 2026-01-02T00:00:00Z` ||
		got[4] != `u3 purchase 3 2026-01-02T00:00:00Z 2026-01-07T00:00:00Z {} {} track 2026-01-06T00:00:00Z` {
		t.Errorf("rollups = %q", got)
	}
	merged, err := b.store.MergeProfiles(ctx, wsA, "anon-1", "u1", false)
	mustNot(t, err)
	if !merged {
		t.Fatal("anon-1 was not merged into u1")
	}
	check("after merging anon-1 into u1")
	if got := rollupRows(t, b, wsA); len(got) != 4 || got[1] != `u1 purchase 4 2026-01-01T00:00:00Z 2026-01-06T00:00:00Z {"items": 2, "total": 150.5} {"items": 1, "total": 2} track 2026-01-02T00:00:00Z` {
		t.Errorf("rollups after merge = %q", got)
	}
	_, err = b.store.EraseCustomer(ctx, wsA, "u2", []string{"u2"}, "key_test", 0)
	mustNot(t, err)
	check("after erasing u2")
	if got := rollupRows(t, b, wsA); len(got) != 3 {
		t.Errorf("rollups after erasure = %q", got)
	}
}

// TestAddNumbersMatchesSumByKey: tabiji_add_numbers (plpgsql since 00022)
// gives what summing both objects' numbers key by key gives, the rule the
// rollups were defined by (00015), scale and all.
func TestAddNumbersMatchesSumByKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	cases := [][2]string{
		{`{}`, `{}`},
		{`{"total": 1}`, `{}`},
		{`{}`, `{"total": 1.50}`},
		{`{"total": 100, "items": 2}`, `{"total": 50.5}`},
		{`{"total": 1.50, "b": 2}`, `{"total": 2, "c": 0.1}`},
		{`{"a": -3}`, `{"a": 3.000, "b": 1e3, "c": -0.25}`},
		{`{"x y": 1, "é": 2}`, `{"x y": 2, "\"q\"": 7}`},
		{`{"big": 123456789012345678901234567890}`, `{"big": 0.000000000000000000001}`},
	}
	for _, c := range cases {
		var got, want string
		mustNot(t, b.db.QueryRow(ctx, `SELECT tabiji_add_numbers($1::jsonb, $2::jsonb)::text`, c[0], c[1]).Scan(&got))
		mustNot(t, b.db.QueryRow(ctx, `SELECT COALESCE(jsonb_object_agg(key, total), '{}')::text FROM (
			SELECT key, sum(value::numeric) AS total
			FROM (SELECT * FROM jsonb_each($1::jsonb) UNION ALL SELECT * FROM jsonb_each($2::jsonb)) kv GROUP BY key) s`,
			c[0], c[1]).Scan(&want))
		if got != want {
			t.Errorf("tabiji_add_numbers(%s, %s) = %s, want %s", c[0], c[1], got, want)
		}
	}
}

// TestEventRollupsReadNumbersAsPostgres: the numbers ingestion finds in
// properties (in Go, store.eventNumbers) are those recomputing from the
// stored jsonb finds — exponents, scales, repeated and escaped keys, nested
// and non-numeric values, several events of a customer in one batch.
func TestEventRollupsReadNumbersAsPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	props := []string{
		`{"total": 1.50e+2, "n": -3, "note": "x", "nested": {"total": 9}}`,
		`{"total": 0.10, "total": "replaced"}`,
		`{"total": "first", "total": 7}`,
		`{"\u00e9t\"e": 12345678901234567890.5, "list": [1, 2], "flag": true, "none": null}`,
		`{}`,
		`{"total": 1E-3, "n": 2}`,
	}
	var batch []store.Event
	for i, p := range props {
		for _, user := range []string{"u1", "u2"} {
			batch = append(batch, store.Event{WorkspaceID: wsA, MessageID: fmt.Sprintf("%s-%d", user, i), UserID: user,
				Name: "purchase", Properties: json.RawMessage(p), Timestamp: base.AddDate(0, 0, i)})
		}
	}
	_, err := b.store.InsertEvents(ctx, batch[:7])
	mustNot(t, err)
	_, err = b.store.InsertEvents(ctx, batch[5:]) // two duplicates, and rollups that exist already
	mustNot(t, err)
	kept := rollupRows(t, b, wsA)
	_, err = b.db.Exec(ctx, `SELECT tabiji_rebuild_event_rollups($1)`, wsA)
	mustNot(t, err)
	if rebuilt := rollupRows(t, b, wsA); fmt.Sprint(kept) != fmt.Sprint(rebuilt) {
		t.Errorf("kept rollups\n%v\nrecomputed\n%v", kept, rebuilt)
	}
	want := `u1 purchase 6 2026-03-01T00:00:00Z 2026-03-06T00:00:00Z {"n": -1, "total": 157.001, "ét\"e": 12345678901234567890.5} {"n": 2, "total": 3, "ét\"e": 1} track 2026-03-01T00:00:00Z`
	if len(kept) != 2 || kept[0] != want {
		t.Errorf("rollups = %q, want u1's %q", kept, want)
	}
}
