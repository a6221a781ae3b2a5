package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
)

// def parses a YAML definition, failing the test when it is invalid.
func def(t *testing.T, yaml string) journey.Definition {
	t.Helper()
	d, err := journey.ParseYAML([]byte(yaml))
	if err != nil {
		t.Fatalf("definition: %v", err)
	}
	return d
}

// run executes a definition from a start time and returns the result.
func (b *bundle) run(t *testing.T, d journey.Definition, start time.Time) JourneyResult {
	t.Helper()
	b.env.SetStartTime(start)
	in := input(d)
	in.Entry.Name = d.Entry.Event
	b.env.ExecuteWorkflow(Journey, in)
	return b.result(t)
}

func (b *bundle) signal(after time.Duration, ev journey.Event) {
	b.env.RegisterDelayedCallback(func() { b.env.SignalWorkflow(EventSignal, ev) }, after)
}

func (b *bundle) changesSucceed() {
	b.env.OnActivity("ChangeProfile", mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ChangeProfileInput) (activities.ProfileResult, error) {
			b.changes = append(b.changes, in)
			p := b.profile
			p.Traits = map[string]any{}
			for k, v := range b.profile.Traits {
				p.Traits[k] = v
			}
			for k, v := range in.Change.Set {
				p.Traits[k] = v
			}
			p.Tags = append(p.Tags, in.Change.AddTags...)
			b.profile = p
			return activities.ProfileResult{Profile: p, Found: true}, nil
		})
}

func path(res JourneyResult) string { return strings.Join(res.Path, ",") }

var saturdayNight = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) // 21:00 in Tokyo

const sendAndExit = `
  - { id: hello, kind: send, channel: email, template: { body: "hi {{ customer.id }}" }, next: done }
  - { id: done, kind: exit }`

func TestWaitUntil(t *testing.T) {
	t.Run("WaitsForTheTimeOfDayInTheCustomersZoneOnAnAllowedWeekday", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.profile.Timezone = "Asia/Tokyo"
		d := def(t, `
entry: { event: signup }
timezone: America/New_York
nodes:
  - { id: morning, kind: wait_until, at: "09:00", weekdays: [mon, tue, wed, thu, fri], next: hello }`+sendAndExit)
		b.run(t, d, saturdayNight)
		want := time.Date(2026, 11, 23, 9, 0, 0, 0, mustZone(t, "Asia/Tokyo")) // Monday 09:00 in Tokyo
		if len(b.sentAt) != 1 || !b.sentAt[0].Equal(want) {
			t.Errorf("sent at %v, want %v", b.sentAt, want)
		}
	})
	t.Run("FallsBackToTheJourneysZone", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		d := def(t, `
entry: { event: signup }
timezone: America/New_York
nodes:
  - { id: morning, kind: wait_until, at: "09:00", next: hello }`+sendAndExit)
		b.run(t, d, saturdayNight)
		want := time.Date(2026, 11, 21, 9, 0, 0, 0, mustZone(t, "America/New_York")) // 07:00 there at the start
		if len(b.sentAt) != 1 || !b.sentAt[0].Equal(want) {
			t.Errorf("sent at %v, want %v", b.sentAt, want)
		}
	})
	t.Run("WaitsForATimeRelativeToADateTrait", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.profile.Traits = map[string]any{"renewal_date": "2026-12-10"}
		d := def(t, `
entry: { event: signup }
nodes:
  - { id: before, kind: wait_until, property: renewal_date, offset: -3d, at: "10:00", next: hello }`+sendAndExit)
		b.run(t, d, saturdayNight)
		if want := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC); len(b.sentAt) != 1 || !b.sentAt[0].Equal(want) {
			t.Errorf("sent at %v, want %v", b.sentAt, want)
		}
	})
	t.Run("WaitsForTheNextAnniversaryOfAYearlyDate", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.profile.Traits = map[string]any{"birthday": "1990-03-05"}
		d := def(t, `
entry: { event: signup }
nodes:
  - { id: bday, kind: wait_until, property: birthday, yearly: true, at: "09:00", next: hello }`+sendAndExit)
		b.run(t, d, saturdayNight)
		if want := time.Date(2027, 3, 5, 9, 0, 0, 0, time.UTC); len(b.sentAt) != 1 || !b.sentAt[0].Equal(want) {
			t.Errorf("sent at %v, want %v", b.sentAt, want)
		}
	})
	t.Run("GoesOnWhenTheDateIsMissing", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		d := def(t, `
entry: { event: signup }
nodes:
  - { id: before, kind: wait_until, property: renewal_date, at: "10:00", next: hello }`+sendAndExit)
		b.run(t, d, saturdayNight)
		if !b.sentAt[0].Equal(saturdayNight) || !strings.Contains(b.state(t).Steps[0].Outcome, "no date") {
			t.Errorf("sent at %v; steps %+v", b.sentAt, b.state(t).Steps)
		}
	})
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

const waitForOpen = `
entry: { event: signup }
nodes:
  - id: opened
    kind: wait_for
    events:
      - { event: email_open, match: 'event.properties.campaign == "welcome"', next: thanks }
    timeout: 2d
    on_timeout: nudge
  - { id: thanks, kind: exit }
  - { id: nudge, kind: exit }`

func TestWaitForMatchesWithCEL(t *testing.T) {
	b := setup(t)
	b.signal(time.Hour, journey.Event{MessageID: "o1", Name: "email_open", Properties: map[string]any{"campaign": "other"}})
	b.signal(2*time.Hour, journey.Event{MessageID: "o2", Name: "email_open", Properties: map[string]any{"campaign": "welcome"}})
	if res := b.run(t, def(t, waitForOpen), saturdayNight); res.Outcome != "thanks" {
		t.Errorf("outcome %q, want thanks: an open of another campaign must not count", res.Outcome)
	}
	b = setup(t)
	b.signal(time.Hour, journey.Event{MessageID: "o1", Name: "email_open", Properties: map[string]any{"campaign": "other"}})
	if res := b.run(t, def(t, waitForOpen), saturdayNight); res.Outcome != "nudge" {
		t.Errorf("outcome %q, want nudge", res.Outcome)
	}
}

func TestBranchTakesTheFirstTrueCase(t *testing.T) {
	d := def(t, `
entry: { event: signup }
variables: { threshold: 100 }
nodes:
  - id: vip
    kind: branch
    cases:
      - { name: big, condition: 'has(profile.traits.ltv) && profile.traits.ltv >= journey.threshold', next: big }
      - { name: tagged, condition: '"vip" in profile.tags', next: tagged }
    default: other
  - { id: big, kind: exit }
  - { id: tagged, kind: exit }
  - { id: other, kind: exit }`)
	for _, tc := range []struct {
		traits map[string]any
		tags   []string
		want   string
	}{
		{map[string]any{"ltv": 250.0}, []string{"vip"}, "big"},
		{map[string]any{"ltv": 50.0}, []string{"vip"}, "tagged"},
		{nil, nil, "other"},
	} {
		b := setup(t)
		b.profile.Traits, b.profile.Tags = tc.traits, tc.tags
		if res := b.run(t, d, saturdayNight); res.Outcome != tc.want {
			t.Errorf("traits %v tags %v → %q, want %q", tc.traits, tc.tags, res.Outcome, tc.want)
		}
	}
}

func TestSplit(t *testing.T) {
	d := def(t, `
entry: { event: signup }
nodes:
  - id: ab
    kind: split
    variants: [{ name: a, weight: 45, next: a }, { name: b, weight: 45, next: b }]
    control: { weight: 10, next: control }
  - { id: a, kind: exit }
  - { id: b, kind: exit }
  - { id: control, kind: exit }`)
	t.Run("TheSameCustomerGetsTheSameVariantOnReentry", func(t *testing.T) {
		first := setup(t).run(t, d, saturdayNight)
		b := setup(t)
		second := b.run(t, d, saturdayNight.Add(30*24*time.Hour))
		if first.Outcome != second.Outcome {
			t.Errorf("first %q, re-entry %q", first.Outcome, second.Outcome)
		}
		if st := b.state(t); st.Variant != second.Outcome || st.Variants["ab"] != second.Outcome {
			t.Errorf("state variant %q %v, want %q", st.Variant, st.Variants, second.Outcome)
		}
	})
	t.Run("SharesFollowTheWeights", func(t *testing.T) {
		n, _ := d.Node("ab")
		count := map[string]int{}
		for i := range 20000 {
			name, _ := assignVariant("ws", "jr", "u_"+string(rune('a'+i%26))+strings.Repeat("x", i/26), n)
			count[name]++
		}
		for name, share := range map[string]float64{"a": .45, "b": .45, "control": .10} {
			if got := float64(count[name]) / 20000; got < share-.02 || got > share+.02 {
				t.Errorf("%s took %.3f of customers, want %.2f", name, got, share)
			}
		}
	})
}

func TestUpdateProfileChangesWhatLaterNodesSee(t *testing.T) {
	b := setup(t)
	b.changesSucceed()
	d := def(t, `
entry: { event: signup }
nodes:
  - { id: mark, kind: update_profile, set: { plan: gold }, increment: { visits: 1 }, add_tags: [welcomed], next: check }
  - { id: check, kind: branch, cases: [{ condition: 'profile.traits.plan == "gold" && "welcomed" in profile.tags', next: gold }], default: other }
  - { id: gold, kind: exit }
  - { id: other, kind: exit }`)
	if res := b.run(t, d, saturdayNight); res.Outcome != "gold" {
		t.Errorf("outcome %q, want gold", res.Outcome)
	}
	if len(b.changes) != 1 || b.changes[0].Change.Increment["visits"] != 1 || !b.changes[0].At.Equal(saturdayNight) || b.changes[0].CustomerID != "u_1" {
		t.Errorf("changes = %+v", b.changes)
	}
}

func TestWebhookPostsTheRenderedBodyWithAStableKey(t *testing.T) {
	b := setup(t)
	b.env.OnActivity("Webhook", mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.WebhookInput) (activities.WebhookResult, error) {
			b.webhooks = append(b.webhooks, in)
			return activities.WebhookResult{Status: 202}, nil
		})
	d := def(t, `
entry: { event: signup }
nodes:
  - { id: alert, kind: webhook, url: "https://sales.example.com/hook", headers: { X-Team: sales }, body: { who: "{{ customer.id }}" }, next: done }
  - { id: done, kind: exit }`)
	b.run(t, d, saturdayNight)
	if len(b.webhooks) != 1 {
		t.Fatalf("webhooks = %d", len(b.webhooks))
	}
	w := b.webhooks[0]
	if w.URL != "https://sales.example.com/hook" || w.Headers["X-Team"] != "sales" || !strings.HasSuffix(w.IdempotencyKey, "/alert/1") ||
		w.Bindings["customer"].(map[string]any)["id"] != "u_1" {
		t.Errorf("webhook input = %+v", w)
	}
	if o := b.state(t).Steps[0].Outcome; o != "posted: 202" {
		t.Errorf("outcome %q", o)
	}
}

func TestSendFallsBackWhenTheCustomerHasNoAddress(t *testing.T) {
	d := def(t, `
entry: { event: signup }
nodes:
  - { id: hello, kind: send, channel: line, fallback_channel: email, template: { body: hi }, next: done }
  - { id: done, kind: exit }`)
	for _, tc := range []struct {
		profile journey.Profile
		want    string
	}{
		{journey.Profile{ID: "u_1", LineUserID: "U1", Email: "a@b.c"}, "line"},
		{journey.Profile{ID: "u_1", Email: "a@b.c"}, "email"},
		{journey.Profile{ID: "u_1"}, "line"},
	} {
		b := setup(t)
		b.sendSucceeds()
		b.profile = tc.profile
		b.run(t, d, saturdayNight)
		if b.sends[0].Channel != tc.want {
			t.Errorf("profile %+v: channel %s, want %s", tc.profile, b.sends[0].Channel, tc.want)
		}
	}
}

// TestSendTriesChannelsInOrder: a send with channels [line, push, email]
// goes on the first the customer has an address for, with the fallback
// template on every channel after the first.
func TestSendTriesChannelsInOrder(t *testing.T) {
	d := def(t, `
entry: { event: signup }
nodes:
  - { id: hello, kind: send, channels: [line, push, email], template: { body: "line first" }, fallback_template: { subject: s, body: later }, next: done }
  - { id: done, kind: exit }`)
	for _, tc := range []struct {
		profile       journey.Profile
		channel, body string
	}{
		{journey.Profile{ID: "u_1", LineUserID: "U1", Email: "a@b.c"}, "line", "line first"},
		{journey.Profile{ID: "u_1", Email: "a@b.c", PushTokens: []string{"tok"}}, "push", "later"},
		{journey.Profile{ID: "u_1", Email: "a@b.c"}, "email", "later"},
		{journey.Profile{ID: "u_1"}, "line", "line first"},
	} {
		b := setup(t)
		b.sendSucceeds()
		b.profile = tc.profile
		b.run(t, d, saturdayNight)
		if got := b.sends[0]; got.Channel != tc.channel || got.Template.Body != tc.body {
			t.Errorf("profile %+v: sent %s %q, want %s %q", tc.profile, got.Channel, got.Template.Body, tc.channel, tc.body)
		}
	}
}

// TestFallbackSendsTheFallbackTemplate: a send naming a stored template for
// email and another for LINE sends the LINE one, with the node's topic,
// when the customer is reached on LINE.
func TestFallbackSendsTheFallbackTemplate(t *testing.T) {
	d := def(t, `
entry: { event: signup }
nodes:
  - { id: hello, kind: send, channel: email, fallback_channel: line, topic: promotions,
      template: { name: hello_email }, fallback_template: { name: hello_line }, next: done }
  - { id: done, kind: exit }`)
	for _, tc := range []struct {
		profile           journey.Profile
		channel, template string
	}{
		{journey.Profile{ID: "u_1", Email: "a@b.c"}, "email", "hello_email"},
		{journey.Profile{ID: "u_1", LineUserID: "U1"}, "line", "hello_line"},
	} {
		b := setup(t)
		b.sendSucceeds()
		b.profile = tc.profile
		b.run(t, d, saturdayNight)
		if got := b.sends[0]; got.Channel != tc.channel || got.Template.Name != tc.template || got.Topic != "promotions" {
			t.Errorf("profile %+v: sent %s / %q / topic %q, want %s / %q / promotions", tc.profile, got.Channel, got.Template.Name, got.Topic, tc.channel, tc.template)
		}
	}
}

// TestASkippedSendIsRecordedAsSkipped: the step of a send that consent held
// back says so, with the reason, not "sent".
func TestASkippedSendIsRecordedAsSkipped(t *testing.T) {
	for _, tc := range []struct {
		res  activities.SendResult
		want string
	}{
		{activities.SendResult{MessageID: "m1", Status: activities.MessageSkipped, Reason: "opted out of email"}, "skipped: opted out of email"},
		{activities.SendResult{MessageID: "m1", Status: activities.MessageUnconfirmed}, "unconfirmed m1"},
		{activities.SendResult{MessageID: "m1", Status: activities.MessageFailed, Duplicate: true}, "failed: m1"},
		{activities.SendResult{MessageID: "m1", Status: activities.MessageSent}, "sent m1"},
		{activities.SendResult{MessageID: "m1", Status: "delivered", Duplicate: true}, "sent m1"},
	} {
		b := setup(t)
		var a *activities.Activities
		b.env.OnActivity(a.Send, mock.Anything, mock.Anything).Return(tc.res, nil)
		b.env.ExecuteWorkflow(Journey, input(cartDefinition(t)))
		b.result(t)
		if o := b.state(t).Steps[1].Outcome; o != tc.want {
			t.Errorf("status %s: step outcome %q, want %q", tc.res.Status, o, tc.want)
		}
	}
}

func TestContinueAsNewCarriesTheRun(t *testing.T) {
	d := def(t, waitForOpen)
	b := setup(t)
	for i := range 5 {
		b.signal(time.Duration(i+1)*time.Minute, journey.Event{MessageID: "noise" + string(rune('a'+i)), Name: "page_view"})
	}
	// The history grows past the limit: the next signal hands the run on.
	b.env.RegisterDelayedCallback(func() { b.env.SetCurrentHistoryLength(30) }, 150*time.Second)
	b.env.SetStartTime(saturdayNight)
	in := input(d)
	in.Entry.Name, in.HistoryLimit = "signup", 25
	b.env.ExecuteWorkflow(Journey, in)
	var can *workflow.ContinueAsNewError
	if err := b.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("the run did not continue as new: %v", err)
	}
	var next JourneyInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	c := next.Carry
	if c == nil || c.State.Node != "opened" || !c.EnteredAt.Equal(saturdayNight) || len(c.State.Path) != 1 || c.Visits["opened"] != 1 {
		t.Fatalf("carry = %+v", c)
	}
	// The continuation keeps the deadline and still dedupes what it saw.
	b2 := setup(t)
	b2.env.SetStartTime(saturdayNight.Add(time.Hour))
	b2.signal(time.Minute, journey.Event{MessageID: "noisec", Name: "email_open", Properties: map[string]any{"campaign": "welcome"}})
	b2.env.ExecuteWorkflow(Journey, next)
	res := b2.result(t)
	if res.Outcome != "nudge" || path(res) != "opened,nudge" {
		t.Errorf("continued run = %+v, want a timeout (the open reused a seen message ID)", res)
	}
	if st := b2.state(t); !st.Steps[1].EnteredAt.Equal(saturdayNight.Add(48 * time.Hour)) {
		t.Errorf("timed out at %v, want the original deadline", st.Steps[1].EnteredAt)
	}
}
