package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
)

// DatePageInput is one page of a date trigger's sweep: the customers after
// After (in ID order) whose trait reaches the trigger's day and local time
// as of At, the sweep's scheduled time.
type DatePageInput struct {
	WorkspaceID string              `json:"workspaceId"`
	Trigger     journey.DateTrigger `json:"trigger"`
	// Timezone is the zone of customers whose profile has none (the
	// journey's); UTC when empty.
	Timezone string    `json:"timezone,omitempty"`
	At       time.Time `json:"at"`
	After    string    `json:"after,omitempty"`
	Limit    int       `json:"limit"`
}

// PageResult is what one page of a sweep did. Next is where the following
// page starts; Done says there is none.
type PageResult struct {
	Next    string `json:"next,omitempty"`
	Done    bool   `json:"done"`
	Emitted int    `json:"emitted"` // events newly stored (a repeated sweep stores none)
	Entered int    `json:"entered,omitempty"`
	Exited  int    `json:"exited,omitempty"`
}

// DateTriggerPage emits date_reached for one page of customers whose date
// trait is today in their own zone and whose local time has reached the
// trigger's. The event's messageId names the trigger, the customer and the
// local date, so a repeated sweep, or a retried page, emits nothing twice:
// once per customer per day (per year for a yearly trigger).
func (a *Activities) DateTriggerPage(ctx context.Context, in DatePageInput) (PageResult, error) {
	fallback, err := time.LoadLocation(in.Timezone)
	if err != nil {
		return PageResult{}, fmt.Errorf("date trigger %s: zone %q: %w", in.Trigger.Key(), in.Timezone, err)
	}
	cands, err := a.store.DateCandidates(ctx, in.WorkspaceID, in.Trigger.Property, in.Trigger.Yearly,
		candidateDays(in.At, in.Trigger.Yearly), in.After, in.Limit)
	if err != nil {
		return PageResult{}, err
	}
	res := PageResult{Done: len(cands) < in.Limit}
	var events []store.Event
	for _, c := range cands {
		res.Next = c.ID
		if at, ok := dateReached(in.Trigger, c, in.At, fallback); ok {
			events = append(events, dateEvent(in.WorkspaceID, in.Trigger, c.ID, at))
		}
	}
	res.Emitted, err = a.emit(ctx, events)
	return res, err
}

// candidateDays are the days, as the trait is compared, that are "today"
// somewhere on Earth at t: the UTC day before, of and after t (zones run
// from UTC−12 to UTC+14). A yearly trigger compares month and day, and in a
// year without 29 February its birthdays fall on the 28th.
func candidateDays(t time.Time, yearly bool) []string {
	var days []string
	for _, d := range []int{-1, 0, 1} {
		day := t.UTC().AddDate(0, 0, d)
		if !yearly {
			days = append(days, day.Format(time.DateOnly))
			continue
		}
		days = append(days, day.Format("01-02"))
		if day.Month() == time.February && day.Day() == 28 && !isLeap(day.Year()) {
			days = append(days, "02-29")
		}
	}
	return days
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// dateReached says whether the candidate's day is today in its zone at t
// and its local time has reached the trigger's, and gives the instant it
// did: the local day at the trigger's time.
func dateReached(tr journey.DateTrigger, c store.DateCandidate, t time.Time, fallback *time.Location) (time.Time, bool) {
	loc := fallback
	if c.Timezone != "" {
		if l, err := time.LoadLocation(c.Timezone); err == nil {
			loc = l
		}
	}
	local := t.In(loc)
	y, m, d := local.Date()
	want := local.Format(time.DateOnly)
	got := c.Date
	if tr.Yearly {
		want, got = want[5:], got[5:]
		if got == "02-29" && m == time.February && d == 28 && !isLeap(y) {
			got = want
		}
	}
	if got != want {
		return time.Time{}, false
	}
	minutes := tr.Minutes()
	reached := time.Date(y, m, d, minutes/60, minutes%60, 0, 0, loc)
	return reached, !t.Before(reached)
}

func dateEvent(workspaceID string, tr journey.DateTrigger, customerID string, at time.Time) store.Event {
	day := at.Format(time.DateOnly)
	props, _ := json.Marshal(map[string]string{"trigger": tr.Key(), "property": tr.Property, "date": day}) // strings always encode
	return store.Event{
		WorkspaceID: workspaceID, MessageID: "date:" + tr.Key() + ":" + customerID + ":" + day, Type: "track",
		UserID: customerID, Name: journey.DateReachedEvent, Properties: props, Timestamp: at.UTC(),
	}
}

// emit stores events Tabiji makes (segment and date triggers) unrouted:
// the sweeper (routing.Sweeper) routes them to the journeys that enter on them, as it
// routes any event a crash left unrouted. It returns how many were new.
func (a *Activities) emit(ctx context.Context, events []store.Event) (int, error) {
	out, err := a.store.InsertEvents(ctx, events)
	if err != nil {
		return 0, fmt.Errorf("emit %d trigger events: %w", len(events), err)
	}
	n := 0
	for _, o := range out {
		if o.Inserted {
			n++
		}
	}
	return n, nil
}
