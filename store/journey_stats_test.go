package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// promoDefinition: a split sends variant a an email, b a LINE message and
// the control group to a wait; all end at done.
const promoDefinition = `{"entry": {"event": "signup"}, "goal": {"event": "purchase", "window": "7d"}, "nodes": [
	{"id": "ab", "kind": "split"}, {"id": "mail_a", "kind": "send"}, {"id": "line_b", "kind": "send"},
	{"id": "hold", "kind": "wait"}, {"id": "done", "kind": "exit"}]}`

// t0 is 23:30 on 20 November in Tokyo, 14:30 UTC.
var t0 = time.Date(2026, 11, 20, 14, 30, 0, 0, time.UTC)

// promoFixture stores three runs of journey promo:
//
//	r1 (c1) 14:30 ab→a→mail_a→done; its email sent 14:31, delivered,
//	   opened 15:10, clicked twice; bought 16:30 (100) and 17:30 (50).
//	r2 (c2) 15:15 ab→b→line_b→done; its LINE message sent 15:16.
//	r3 (c3) 15:20 ab→control→hold, still waiting; bought 19:30 ("30.5").
func promoFixture(t *testing.T, b *testBundle) {
	t.Helper()
	ctx := context.Background()
	_, err := b.store.CreateJourney(ctx, wsA, "promo", "Promo", json.RawMessage(promoDefinition))
	mustNot(t, err)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	run := func(key, customer string, entered time.Time) store.RunReport {
		return store.RunReport{WorkspaceID: wsA, RunKey: key, JourneyID: "promo", Version: 1, CustomerID: customer,
			WorkflowID: "wf_" + customer, EnteredAt: entered}
	}
	r1 := run("r1", "c1", at(0))
	r1.Steps = []store.RunStep{{Seq: 1, Node: "ab", Kind: "split", EnteredAt: at(0), Variant: "a"}, {Seq: 2, Node: "mail_a", Kind: "send", EnteredAt: at(0)}}
	r1.Leaves = []store.RunLeave{{Seq: 1, Next: "mail_a"}}
	mustNot(t, b.store.RecordRun(ctx, r1))
	mustNot(t, b.store.RecordRun(ctx, r1)) // a retried report counts once
	message(t, b.store, "m1", "c1", "mail_a", "email", "recorded", at(1))
	r1 = run("r1", "c1", at(0))
	r1.Steps = []store.RunStep{{Seq: 3, Node: "done", Kind: "exit", EnteredAt: at(1)}}
	r1.Leaves = []store.RunLeave{{Seq: 2, Next: "done"}, {Seq: 3, Next: ""}}
	r1.Exit = &store.RunExit{At: at(1), Reason: "done"}
	mustNot(t, b.store.RecordRun(ctx, r1))
	for _, e := range []struct {
		id, status string
		m          int
	}{{"e1", "delivered", 2}, {"e2", "opened", 40}, {"e3", "clicked", 41}, {"e4", "clicked", 42}, {"e3", "clicked", 41}} {
		_, _, err := b.store.RecordMessageEvent(ctx, store.MessageEvent{WorkspaceID: wsA, EventID: e.id, MessageID: "m1",
			Status: e.status, ProviderEvent: e.status, At: at(e.m)})
		mustNot(t, err)
	}
	r1 = run("r1", "c1", at(0))
	r1.Conversions = []store.RunConversion{{MessageID: "p1", At: at(120), Revenue: 100}, {MessageID: "p2", At: at(180), Revenue: 50}}
	mustNot(t, b.store.RecordRun(ctx, r1))
	mustNot(t, b.store.RecordRun(ctx, r1))

	r2 := run("r2", "c2", at(45))
	r2.Steps = []store.RunStep{{Seq: 1, Node: "ab", Kind: "split", EnteredAt: at(45), Variant: "b"},
		{Seq: 2, Node: "line_b", Kind: "send", EnteredAt: at(45)}}
	r2.Leaves = []store.RunLeave{{Seq: 1, Next: "line_b"}}
	mustNot(t, b.store.RecordRun(ctx, r2))
	message(t, b.store, "m2", "c2", "line_b", "line", "sending", at(46))
	_, _, err = b.store.RecordMessageEvent(ctx, store.MessageEvent{WorkspaceID: wsA, EventID: "send:m2", MessageID: "m2",
		Status: "sent", ProviderEvent: "send", At: at(46)})
	mustNot(t, err)
	r2 = run("r2", "c2", at(45))
	r2.Steps = []store.RunStep{{Seq: 3, Node: "done", Kind: "exit", EnteredAt: at(47)}}
	r2.Leaves = []store.RunLeave{{Seq: 2, Next: "done"}, {Seq: 3, Next: ""}}
	r2.Exit = &store.RunExit{At: at(47), Reason: "done"}
	mustNot(t, b.store.RecordRun(ctx, r2))

	r3 := run("r3", "c3", at(50))
	r3.Steps = []store.RunStep{{Seq: 1, Node: "ab", Kind: "split", EnteredAt: at(50), Variant: "control"},
		{Seq: 2, Node: "hold", Kind: "wait", EnteredAt: at(50)}}
	r3.Leaves = []store.RunLeave{{Seq: 1, Next: "hold"}}
	r3.Conversions = []store.RunConversion{{MessageID: "p3", At: at(300), Revenue: 30.5}}
	mustNot(t, b.store.RecordRun(ctx, r3))
}

func message(t *testing.T, s *store.Store, id, customer, node, channel, status string, at time.Time) {
	t.Helper()
	_, _, err := s.RecordMessage(context.Background(), store.Message{ID: id, WorkspaceID: wsA, CustomerID: customer,
		JourneyID: "promo", JourneyVersion: 1, WorkflowID: "wf_" + customer, RunID: "run", NodeID: node,
		Channel: channel, Status: status, CreatedAt: at})
	mustNot(t, err)
}

func TestJourneyStats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("CountsTheFixtureAsComputedByHand", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		promoFixture(t, b)
		got, err := b.store.JourneyStats(ctx, wsA, "promo", store.StatsQuery{TZ: "Asia/Tokyo"})
		mustNot(t, err)
		want := store.JourneyStats{JourneyID: "promo", Timezone: "Asia/Tokyo",
			Totals: store.StatsTotals{Entered: 3, InProgress: 1, Exited: 2,
				MessageCounts: store.MessageCounts{Sent: 2, Delivered: 1, Opened: 1, Clicked: 1},
				Converted:     2, Conversions: 3, Revenue: 180.5,
				Rates: store.Rates{OpenRate: 0.5, CTR: 0.5, CVR: 2.0 / 3}},
			Exited: []store.ExitStats{{Reason: "done", Count: 2}},
			Nodes: []store.NodeStats{
				{ID: "ab", Kind: "split", Entered: 3, Edges: []store.EdgeStats{{To: "hold", Count: 1}, {To: "line_b", Count: 1}, {To: "mail_a", Count: 1}}},
				{ID: "mail_a", Kind: "send", Entered: 1, Edges: []store.EdgeStats{{To: "done", Count: 1}},
					MessageCounts: store.MessageCounts{Sent: 1, Delivered: 1, Opened: 1, Clicked: 1}},
				{ID: "line_b", Kind: "send", Entered: 1, Edges: []store.EdgeStats{{To: "done", Count: 1}}, MessageCounts: store.MessageCounts{Sent: 1}},
				{ID: "hold", Kind: "wait", Entered: 1, Edges: []store.EdgeStats{}},
				{ID: "done", Kind: "exit", Entered: 2, Edges: []store.EdgeStats{}},
			},
			Variants: []store.VariantStats{
				{Node: "ab", Variant: "a", Entered: 1, Converted: 1, Conversions: 2, Revenue: 150, CVR: 1},
				{Node: "ab", Variant: "b", Entered: 1},
				{Node: "ab", Variant: "control", Entered: 1, Converted: 1, Conversions: 1, Revenue: 30.5, CVR: 1},
			},
			Channels: []store.ChannelStats{
				{Channel: "email", MessageCounts: store.MessageCounts{Sent: 1, Delivered: 1, Opened: 1, Clicked: 1}, Converted: 1,
					Rates: store.Rates{OpenRate: 1, CTR: 1, CVR: 1}},
				{Channel: "line", MessageCounts: store.MessageCounts{Sent: 1}},
			},
			// Tokyo's 21 November starts at 15:00 UTC: r1's entry, exit and
			// email fall on the 20th, the rest on the 21st.
			Daily: []store.DayStats{
				{Day: "2026-11-20", Entered: 1, Exited: 1, Sent: 1},
				{Day: "2026-11-21", Entered: 2, Exited: 1, Sent: 1, Opened: 1, Clicked: 1, Converted: 2, Conversions: 3, Revenue: 180.5},
			},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("stats =\n%s\nwant\n%s", asJSON(got), asJSON(want))
		}
	})

	t.Run("CutsDaysInTheZoneAsked", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		promoFixture(t, b)
		got, err := b.store.JourneyStats(ctx, wsA, "promo", store.StatsQuery{TZ: "UTC"})
		mustNot(t, err)
		want := []store.DayStats{{Day: "2026-11-20", Entered: 3, Exited: 2, Sent: 2, Opened: 1, Clicked: 1, Converted: 2, Conversions: 3, Revenue: 180.5}}
		if !reflect.DeepEqual(got.Daily, want) {
			t.Errorf("daily in UTC = %+v, want %+v", got.Daily, want)
		}
	})

	t.Run("DefaultsToTheWorkspacesZone", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		promoFixture(t, b)
		mustNot(t, b.store.SetWorkspaceTimezone(ctx, wsA, "Asia/Tokyo"))
		got, err := b.store.JourneyStats(ctx, wsA, "promo", store.StatsQuery{})
		mustNot(t, err)
		if got.Timezone != "Asia/Tokyo" || len(got.Daily) != 2 {
			t.Errorf("zone %q, %d days; want Asia/Tokyo and 2", got.Timezone, len(got.Daily))
		}
		if err := b.store.SetWorkspaceTimezone(ctx, wsA, "Mars/Olympus"); !errors.Is(err, store.ErrBadTimezone) {
			t.Errorf("bad zone: %v", err)
		}
	})

	t.Run("CountsOnlyFactsFromFromOn", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		promoFixture(t, b)
		got, err := b.store.JourneyStats(ctx, wsA, "promo", store.StatsQuery{TZ: "UTC", From: t0.Add(30 * time.Minute), To: t0.Add(4 * time.Hour)})
		mustNot(t, err)
		// r2 and r3 entered; r2 exited; the email's open and clicks, r2's
		// LINE message and r1's two purchases fall inside; r3's does not.
		tt := got.Totals
		if tt.Entered != 2 || tt.Exited != 1 || tt.Sent != 1 || tt.Opened != 1 || tt.Converted != 1 || tt.Conversions != 2 || tt.Revenue != 150 || tt.InProgress != 1 {
			t.Errorf("totals from 15:00 to 18:30 = %+v", tt)
		}
	})

	t.Run("CountsOneVersion", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		promoFixture(t, b)
		two := 2
		got, err := b.store.JourneyStats(ctx, wsA, "promo", store.StatsQuery{Version: &two})
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("version 2 of a journey with one: %+v, %v", got, err)
		}
		one := 1
		got, err = b.store.JourneyStats(ctx, wsA, "promo", store.StatsQuery{Version: &one})
		mustNot(t, err)
		if got.Totals.Entered != 3 {
			t.Errorf("entered in version 1 = %d, want 3", got.Totals.Entered)
		}
	})

	t.Run("CreditsAVariantAndAChannelOnlyWithConversionsAfterThem", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.CreateJourney(ctx, wsA, "promo", "Promo", json.RawMessage(promoDefinition))
		mustNot(t, err)
		r := store.RunReport{WorkspaceID: wsA, RunKey: "r1", JourneyID: "promo", Version: 1, CustomerID: "c1", WorkflowID: "wf_c1", EnteredAt: t0,
			Steps:       []store.RunStep{{Seq: 1, Node: "ab", Kind: "split", EnteredAt: t0.Add(time.Hour), Variant: "a"}},
			Conversions: []store.RunConversion{{MessageID: "p0", At: t0.Add(30 * time.Minute), Revenue: 7}}}
		mustNot(t, b.store.RecordRun(ctx, r))
		message(t, b.store, "m1", "c1", "mail_a", "email", "recorded", t0.Add(90*time.Minute))
		r.Steps, r.Conversions = nil, []store.RunConversion{{MessageID: "p1", At: t0.Add(2 * time.Hour), Revenue: 10}}
		mustNot(t, b.store.RecordRun(ctx, r))
		got, err := b.store.JourneyStats(ctx, wsA, "promo", store.StatsQuery{TZ: "UTC"})
		mustNot(t, err)
		wantV := []store.VariantStats{{Node: "ab", Variant: "a", Entered: 1, Converted: 1, Conversions: 1, Revenue: 10, CVR: 1}}
		if !reflect.DeepEqual(got.Variants, wantV) || got.Totals.Converted != 1 || got.Totals.Conversions != 2 || got.Totals.Revenue != 17 {
			t.Errorf("variants %+v, totals %+v; the purchase before the split counts for the journey only", got.Variants, got.Totals)
		}
		if len(got.Channels) != 1 || got.Channels[0].Converted != 1 {
			t.Errorf("channels = %+v, want email converted 1 (the purchase after the email)", got.Channels)
		}
	})

	t.Run("CreditsNoChannelWithAMessageNotYetHandedToItsProvider", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.CreateJourney(ctx, wsA, "promo", "Promo", json.RawMessage(promoDefinition))
		mustNot(t, err)
		r := store.RunReport{WorkspaceID: wsA, RunKey: "r1", JourneyID: "promo", Version: 1, CustomerID: "c1", WorkflowID: "wf_c1", EnteredAt: t0}
		mustNot(t, b.store.RecordRun(ctx, r))
		for i, status := range []string{store.MessagePending, store.MessageSending} { // a 5xx released it; a call in flight
			message(t, b.store, "m"+string(rune('1'+i)), "c1", "mail_a", []string{"email", "line"}[i], status, t0.Add(time.Minute))
		}
		r.Conversions = []store.RunConversion{{MessageID: "p1", At: t0.Add(time.Hour), Revenue: 10}}
		mustNot(t, b.store.RecordRun(ctx, r))
		got, err := b.store.JourneyStats(ctx, wsA, "promo", store.StatsQuery{TZ: "UTC"})
		mustNot(t, err)
		for _, c := range got.Channels {
			if c.Converted != 0 {
				t.Errorf("channel %s credited with %d conversions by a message its provider never took", c.Channel, c.Converted)
			}
		}
		if got.Totals.Conversions != 1 {
			t.Errorf("totals %+v, want the conversion counted for the journey", got.Totals)
		}
	})

	t.Run("ErasureRemovesTheCustomersRunsButNotTheCounts", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		promoFixture(t, b)
		e, err := b.store.EraseCustomer(ctx, wsA, "c1", []string{"c1"}, "k", 0)
		mustNot(t, err)
		for table, n := range map[string]int64{"journey_runs": 1, "journey_run_steps": 3, "journey_conversions": 2, "message_stat_flags": 4} {
			if e.Counts[table] != n {
				t.Errorf("erased %d rows of %s, want %d (%v)", e.Counts[table], table, n, e.Counts)
			}
		}
		got, err := b.store.JourneyStats(ctx, wsA, "promo", store.StatsQuery{TZ: "UTC"})
		mustNot(t, err)
		if got.Totals.Entered != 3 || got.Totals.Revenue != 180.5 || got.Totals.InProgress != 1 {
			t.Errorf("totals after erasure = %+v; the counters hold no customer and stay", got.Totals)
		}
	})

	t.Run("KeepsWorkspacesApart", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		promoFixture(t, b)
		if _, err := b.store.JourneyStats(ctx, wsB, "promo", store.StatsQuery{}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another workspace's journey: %v, want ErrNotFound", err)
		}
	})
}

func asJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
