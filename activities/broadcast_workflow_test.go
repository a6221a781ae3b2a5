package activities_test

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/sendgrid"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// TestBroadcastToTheFakes runs the Broadcast workflow on the test clock
// with the real activities over real Postgres, the real SendGrid SDK and
// the spec-checking fake: a segment (tag "winter") of five customers, one
// suppressed, one capped, one in her quiet hours in New York. Ann and Bob
// get one SendGrid request at 10:00 UTC; Eve gets hers when 08:00 comes in
// New York, which the test clock skips to.
func TestBroadcastToTheFakes(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	fake := providertest.NewSendGrid(t)
	sg, err := sendgrid.NewSender(sendgrid.Config{APIKey: "SG.test", BaseURL: fake.URL})
	check(t, err)
	st := pgtest.Store(t)
	check(t, st.EnsureWorkspace(ctx, "default", "Default"))
	for id, zone := range map[string]string{"ann": "Asia/Tokyo", "bob": "UTC", "cat": "UTC", "dan": "UTC", "eve": "America/New_York"} {
		_, err := st.ChangeProfile(ctx, "default", id, store.ProfileChange{AddTags: []string{"winter"},
			Set: map[string]any{"email": id + "@example.com", "timezone": zone}}, now.Add(-time.Hour))
		check(t, err)
	}
	check(t, st.Suppress(ctx, store.Suppression{WorkspaceID: "default", Channel: "email", Address: "cat@example.com", Reason: store.SuppressSpamReport}))
	check(t, st.PutFrequencyCaps(ctx, "default", json.RawMessage(`{"email":[{"max":1,"window":"1d"}]}`)))
	_, _, err = st.RecordMessage(ctx, store.Message{ID: "earlier-dan", WorkspaceID: "default", CustomerID: "dan", JourneyID: "j",
		WorkflowID: "w", RunID: "r", NodeID: "n", Channel: "email", Status: "sent", CreatedAt: now.Add(-time.Minute)})
	check(t, err)
	_, err = st.CreateSegment(ctx, "default", store.Segment{ID: "winter", Name: "Winter", Definition: json.RawMessage(`{"condition": {"tag": "winter"}}`)})
	check(t, err)
	content := json.RawMessage(`{"subject": "Winter sale", "from": "shop@example.com", "html": "<p>20% off</p>"}`)
	_, err = st.CreateBroadcast(ctx, store.Broadcast{WorkspaceID: "default", ID: "winter", Name: "Winter", SegmentID: "winter", Channel: "email", Content: content})
	check(t, err)

	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	// On a busy machine (CI's two cores run test packages side by side) the
	// default 1 s deadlock check takes a slow scheduler for a stuck workflow.
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	env.SetStartTime(now)
	env.RegisterWorkflow(workflows.Broadcast)
	env.RegisterActivity(activities.New(st, activities.Options{Senders: map[string]channels.Sender{"email": sg}}))
	env.ExecuteWorkflow(workflows.Broadcast, workflows.BroadcastInput{Spec: activities.BroadcastSpec{
		WorkspaceID: "default", BroadcastID: "winter", SegmentID: "winter", Channel: "email", Content: content,
		QuietHours: &journey.QuietHours{Start: "21:00", End: "08:00"},
	}})
	check(t, env.GetWorkflowError())
	var p workflows.BroadcastProgress
	check(t, env.GetWorkflowResult(&p))

	skipped := map[string]int{"address suppressed: spam_report": 1, "frequency cap: 1 email per 1d reached": 1}
	if p.Status != store.BroadcastCompleted || p.Sent != 3 || p.Audience != 5 || p.Deferred != 0 || !maps.Equal(p.Skipped, skipped) {
		t.Errorf("workflow progress = %+v", p)
	}
	reqs := fake.Requests()
	if len(reqs) != 2 || len(fake.Invalid()) > 0 {
		t.Fatalf("SendGrid got %d requests (invalid: %v), want 2: Ann and Bob, then Eve", len(reqs), fake.Invalid())
	}
	for i, want := range [][]string{{"ann@example.com", "bob@example.com"}, {"eve@example.com"}} {
		if got := recipients(t, reqs[i]); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("request %d went to %v, want %v", i, got, want)
		}
	}
	stored, err := st.BroadcastProgress(ctx, "default", "winter")
	if err != nil || stored.Sent != 3 || stored.Deferred != 0 || !maps.Equal(stored.Skipped, skipped) {
		t.Errorf("stored progress = %+v, %v", stored, err)
	}
	b, err := st.GetBroadcast(ctx, "default", "winter")
	if err != nil || b.Status != store.BroadcastCompleted || b.Audience != 5 || b.FinishedAt == nil {
		t.Errorf("broadcast = %+v, %v", b, err)
	}
}

func recipients(t *testing.T, r providertest.Request) []string {
	var body struct {
		Personalizations []struct {
			To []struct{ Email string } `json:"to"`
		} `json:"personalizations"`
	}
	r.JSON(t, &body)
	var out []string
	for _, p := range body.Personalizations {
		out = append(out, p.To[0].Email)
	}
	return out
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
