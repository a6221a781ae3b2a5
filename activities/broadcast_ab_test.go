package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/store"
)

// abCustomers adds 40 customers who may all be sent (p00…p39) and returns
// their IDs.
func abCustomers(t *testing.T, b *broadcastBundle) []string {
	t.Helper()
	var ids []string
	for i := range 40 {
		id := fmt.Sprintf("p%02d", i)
		_, err := b.store.ChangeProfile(context.Background(), "default", id,
			store.ProfileChange{Set: map[string]any{"email": id + "@example.com"}}, broadcastNow.Add(-time.Hour))
		must(t, err)
		ids = append(ids, id)
	}
	return ids
}

func abBroadcast(id string, customers []string, stage, winner string) BroadcastBatchInput {
	in := emailBroadcast()
	in.Spec.BroadcastID, in.Spec.QuietHours, in.Spec.Winner = id, nil, winner
	in.Spec.AB = &BroadcastAB{Percent: 50, Metric: ABMetricOpens, Wait: time.Hour, Variants: []BroadcastVariant{
		{Name: "A", Subject: "Spring sale"}, {Name: "B", Subject: "{{ profile.traits.email }}: 20% off today"}}}
	in.CustomerIDs, in.Stage, in.WorkflowID = customers, stage, "ws_default/bc_"+id
	return in
}

// received is each email address SendGrid was sent, with its subject.
func received(t *testing.T, b *broadcastBundle) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	for _, r := range b.fake.Requests() {
		var body struct{ Personalizations []personalization }
		r.JSON(t, &body)
		for _, p := range body.Personalizations {
			got[p.To[0].Email] = append(got[p.To[0].Email], p.Subject)
		}
	}
	return got
}

func TestBroadcastBatchABTest(t *testing.T) {
	t.Run("TheTestSendsItsShareTheirVariantAndTheRestTheWinnerOnce", func(t *testing.T) {
		b := broadcastSetup(t)
		ids := abCustomers(t, b)
		test := abBroadcast("spring", ids, StageTest, "")
		res, err := b.batch(t, test)
		must(t, err)
		inTest := 0
		for _, id := range ids {
			if experiment.InBroadcastTest(50, "default", "spring", id) {
				inTest++
			}
		}
		if res.Sent != inTest || inTest == 0 || inTest == len(ids) {
			t.Fatalf("the test sent %d; want the %d customers of its share", res.Sent, inTest)
		}
		rest := abBroadcast("spring", ids, StageRest, "B")
		for range 2 { // the rest's batch, then its retry
			res, err = b.batch(t, rest)
			must(t, err)
			if res.Sent != len(ids)-inTest {
				t.Fatalf("the rest sent %d; want %d", res.Sent, len(ids)-inTest)
			}
		}
		got := received(t, b)
		for _, id := range ids {
			want := "Spring sale"
			if !experiment.InBroadcastTest(50, "default", "spring", id) || experiment.BroadcastVariant(2, "default", "spring", id) == 1 {
				want = id + "@example.com: 20% off today"
			}
			if s := got[id+"@example.com"]; len(s) != 1 || s[0] != want {
				t.Errorf("%s received %v; want exactly one %q", id, s, want)
			}
		}
		if len(b.fake.Invalid()) > 0 {
			t.Errorf("SendGrid refused: %v", b.fake.Invalid())
		}
	})
	t.Run("PicksTheWinnerByOpensOrClicksAndKeepsTheFirstPick", func(t *testing.T) {
		b := broadcastSetup(t)
		ids := abCustomers(t, b)
		for _, bc := range []string{"spring", "summer"} {
			_, err := b.batch(t, abBroadcast(bc, ids, StageTest, ""))
			must(t, err)
			_, err = b.store.CreateBroadcast(context.Background(), store.Broadcast{WorkspaceID: "default", ID: bc, Name: bc,
				SegmentID: "all", Channel: "email", Content: json.RawMessage(`{}`)})
			must(t, err)
			// Every B reader opens; every other A reader clicks (the pixel
			// blocked): A leads by clicks, B by opens.
			for i, id := range ids {
				status := "opened"
				switch {
				case !experiment.InBroadcastTest(50, "default", bc, id):
					continue
				case experiment.BroadcastVariant(2, "default", bc, id) == 0 && i%2 == 0:
					status = "clicked"
				case experiment.BroadcastVariant(2, "default", bc, id) == 0:
					continue
				}
				_, _, err := b.store.RecordMessageEvent(context.Background(), store.MessageEvent{WorkspaceID: "default",
					EventID: bc + id, MessageID: store.BroadcastMessagePrefix("default", bc) + id, Status: status, ProviderEvent: status})
				must(t, err)
			}
		}
		pick := func(bc, metric string) BroadcastWinnerResult {
			in := abBroadcast(bc, ids, "", "")
			in.Spec.AB.Metric = metric
			var a *Activities
			v, err := b.env.ExecuteActivity(a.BroadcastPickWinner, BroadcastWinnerInput{Spec: in.Spec})
			must(t, err)
			var res BroadcastWinnerResult
			must(t, v.Get(&res))
			return res
		}
		if w := pick("spring", ABMetricClicks); w.Winner != "A" {
			t.Errorf("by clicks: %+v; want A", w)
		}
		if w := pick("spring", ABMetricOpens); w.Winner != "A" {
			t.Errorf("a second pick, by opens: %+v; want the first (A) to stand", w)
		}
		bcst, err := b.store.GetBroadcast(context.Background(), "default", "summer")
		must(t, err)
		if len(bcst.ABResult) != 0 {
			t.Fatalf("summer has a result before its pick: %s", bcst.ABResult)
		}
		w := pick("summer", ABMetricOpens)
		bcst, err = b.store.GetBroadcast(context.Background(), "default", "summer")
		must(t, err)
		var rec ABResult
		must(t, json.Unmarshal(bcst.ABResult, &rec))
		if w.Winner != "B" || rec.Winner != "B" || rec.Metric != ABMetricOpens || len(rec.Variants) != 2 ||
			rec.Variants[1].Opened != rec.Variants[1].Sent || rec.Variants[1].Clicked != 0 || rec.Variants[0].Clicked != rec.Variants[0].Opened ||
			rec.Result.Test != experiment.TestName {
			t.Errorf("by opens: %+v, recorded %+v", w, rec)
		}
	})
}
