package activities

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
)

func (b *bundle) profile(t *testing.T, id, zone string, traits map[string]any) {
	t.Helper()
	_, err := b.store.ChangeProfile(context.Background(), "default", id, store.ProfileChange{Set: traits, Timezone: zone}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
}

// sweepDates runs a whole date sweep as of at, a page of two at a time,
// and returns the date_reached events it stored newly, by customer.
func (b *bundle) sweepDates(t *testing.T, tr journey.DateTrigger, zone string, at time.Time) map[string]store.Event {
	t.Helper()
	var a *Activities
	page, emitted := PageResult{}, 0
	for pages := 0; !page.Done; pages++ {
		if pages > 10 {
			t.Fatal("the sweep does not end")
		}
		v, err := b.env.ExecuteActivity(a.DateTriggerPage, DatePageInput{
			WorkspaceID: "default", Trigger: tr, Timezone: zone, At: at, After: page.Next, Limit: 2,
		})
		if err != nil {
			t.Fatal(err)
		}
		page = PageResult{}
		if err := v.Get(&page); err != nil {
			t.Fatal(err)
		}
		emitted += page.Emitted
	}
	got := map[string]store.Event{}
	for _, id := range []string{"tokyo", "new_york", "no_zone", "tomorrow", "leap", "renewal"} {
		evs, _, err := b.store.CustomerEvents(context.Background(), "default", id, store.TimelineFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Name == journey.DateReachedEvent && e.ReceivedAt.After(b.mark) {
				got[id] = e
			}
		}
	}
	if emitted != len(got) {
		t.Errorf("the pages say %d emitted, %d were stored", emitted, len(got))
	}
	b.mark = time.Now()
	return got
}

func TestDateTriggers(t *testing.T) {
	b := setup(t)
	birthday := journey.DateTrigger{Property: "birthday", At: "09:00", Yearly: true}
	b.profile(t, "tokyo", "Asia/Tokyo", map[string]any{"birthday": "1990-11-24"})
	b.profile(t, "new_york", "America/New_York", map[string]any{"birthday": "1985-11-24T00:00:00Z"})
	b.profile(t, "no_zone", "", map[string]any{"birthday": "2001-11-24"})
	b.profile(t, "tomorrow", "Asia/Tokyo", map[string]any{"birthday": "1990-11-25"})
	b.profile(t, "leap", "", map[string]any{"birthday": "2000-02-29"})
	b.profile(t, "renewal", "Asia/Tokyo", map[string]any{"renewal_date": "2026-12-10", "birthday": "not a date"})
	b.mark = time.Now()
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	only := func(t *testing.T, got map[string]store.Event, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("entered %v, want %v", keys(got), want)
		}
		for _, id := range want {
			if _, ok := got[id]; !ok {
				t.Fatalf("entered %v, want %v", keys(got), want)
			}
		}
	}

	t.Run("At09:00InTokyoAndInNewYork", func(t *testing.T) {
		// 08:59 in Tokyo on the 24th: nobody yet.
		only(t, b.sweepDates(t, birthday, "UTC", at("2026-11-23T23:59:00Z")))
		// 09:00 in Tokyo: the Tokyo customer, at that instant.
		got := b.sweepDates(t, birthday, "UTC", at("2026-11-24T00:00:00Z"))
		only(t, got, "tokyo")
		e := got["tokyo"]
		if !e.Timestamp.Equal(at("2026-11-24T00:00:00Z")) || e.MessageID != "date:birthday@09:00/yearly:tokyo:2026-11-24" {
			t.Errorf("event = %s at %v", e.MessageID, e.Timestamp)
		}
		var props map[string]string
		_ = json.Unmarshal(e.Properties, &props)
		if props["trigger"] != "birthday@09:00/yearly" || props["property"] != "birthday" || props["date"] != "2026-11-24" {
			t.Errorf("properties = %v", props)
		}
		// 09:00 UTC: the customer without a zone takes the journey's (UTC).
		only(t, b.sweepDates(t, birthday, "UTC", at("2026-11-24T09:00:00Z")), "no_zone")
		// 08:59 in New York (UTC−5 in November): not yet; 09:00: yes.
		only(t, b.sweepDates(t, birthday, "UTC", at("2026-11-24T13:59:00Z")))
		got = b.sweepDates(t, birthday, "UTC", at("2026-11-24T14:00:00Z"))
		only(t, got, "new_york")
		if !got["new_york"].Timestamp.Equal(at("2026-11-24T14:00:00Z")) {
			t.Errorf("New York entered at %v", got["new_york"].Timestamp)
		}
	})
	t.Run("ARepeatedSweepEntersNobodyTwice", func(t *testing.T) {
		only(t, b.sweepDates(t, birthday, "UTC", at("2026-11-24T14:00:00Z")))
		only(t, b.sweepDates(t, birthday, "UTC", at("2026-11-24T20:00:00Z")))
	})
	t.Run("TheJourneysZoneIsTheDefault", func(t *testing.T) {
		// 09:00 on the 25th in Tokyo for the customer born on the 25th,
		// and for nobody without a zone, whose day (in Tokyo) is over.
		only(t, b.sweepDates(t, birthday, "Asia/Tokyo", at("2026-11-25T00:00:00Z")), "tomorrow")
	})
	t.Run("NextYearAgain", func(t *testing.T) {
		only(t, b.sweepDates(t, birthday, "UTC", at("2027-11-24T00:30:00Z")), "tokyo")
	})
	t.Run("29FebruaryFallsOnThe28thInOtherYears", func(t *testing.T) {
		only(t, b.sweepDates(t, birthday, "UTC", at("2027-02-28T09:00:00Z")), "leap")
		only(t, b.sweepDates(t, birthday, "UTC", at("2028-02-28T09:00:00Z")))
		only(t, b.sweepDates(t, birthday, "UTC", at("2028-02-29T09:00:00Z")), "leap")
	})
	t.Run("AOnceOnlyDateIsItsDay", func(t *testing.T) {
		renewal := journey.DateTrigger{Property: "renewal_date", At: "10:00"}
		only(t, b.sweepDates(t, renewal, "UTC", at("2027-12-10T01:00:00Z")))
		only(t, b.sweepDates(t, renewal, "UTC", at("2026-12-10T00:59:00Z")))
		only(t, b.sweepDates(t, renewal, "UTC", at("2026-12-10T01:00:00Z")), "renewal")
	})
}

func keys(m map[string]store.Event) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
