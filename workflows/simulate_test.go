package workflows

import (
	"testing"
	"time"

	"github.com/tabiji/tabiji/journey"
)

func TestSimulateRunsTheSameInterpreterInSimulatedTime(t *testing.T) {
	d := def(t, `
entry: { event: signup }
nodes:
  - { id: hello, kind: send, channel: email, template: { subject: "Hi {{ customer.traits.name }}", body: "Welcome" }, next: opened }
  - id: opened
    kind: wait_for
    events: [{ event: email_open, next: tag }]
    timeout: 2d
    on_timeout: nudge
  - { id: tag, kind: update_profile, add_tags: [engaged], next: thanks }
  - { id: thanks, kind: send, channel: email, template: { body: "Thanks, {{ customer.tags | join: ',' }}" }, next: done }
  - { id: nudge, kind: send, channel: email, template: { body: "Did you see it?" }, next: done }
  - { id: done, kind: exit }`)
	start := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	in := JourneyInput{WorkspaceID: "default", JourneyID: "welcome", Version: 3, CustomerID: "u_9", Definition: d,
		Entry: journey.Event{MessageID: "e", Name: "signup", Timestamp: start}}
	res, err := Simulate(Simulation{
		Input: in, Profile: journey.Profile{ID: "u_9", Traits: map[string]any{"name": "Aki"}}, Start: start,
		Events: []TimedEvent{{After: journey.Duration(30 * time.Hour), Event: journey.Event{MessageID: "o", Name: "email_open"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != "done" || len(res.Steps) != 5 || res.Error != "" {
		t.Fatalf("result = %+v", res)
	}
	if len(res.Messages) != 2 || res.Messages[0].Subject != "Hi Aki" || res.Messages[1].Body != "Thanks, engaged" ||
		!res.Messages[1].At.Equal(start.Add(30*time.Hour)) {
		t.Errorf("messages = %+v", res.Messages)
	}
	if len(res.Changes) != 1 || res.Changes[0].Change.AddTags[0] != "engaged" {
		t.Errorf("changes = %+v", res.Changes)
	}
	t.Run("AJourneyStillRunningAtTheHorizonSaysSo", func(t *testing.T) {
		res, err := Simulate(Simulation{Input: in, Profile: journey.Profile{ID: "u_9"}, Start: start, Horizon: time.Hour})
		if err != nil || res.Outcome != "running" || len(res.Messages) != 1 || res.Error != "" {
			t.Errorf("result %+v, %v", res, err)
		}
	})
}
