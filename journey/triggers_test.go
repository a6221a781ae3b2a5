package journey

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestSegmentAndDateEntries(t *testing.T) {
	nodes := `"nodes":[{"id":"done","kind":"exit"}]`
	t.Run("ASegmentEntryEntersOnSegmentEnteredForThatSegment", func(t *testing.T) {
		d, err := Parse([]byte(`{"entry":{"segment":"dormant_21d","exit_on_leave":true,"filter":"has(profile.traits.email)"},` + nodes + `}`))
		if err != nil {
			t.Fatal(err)
		}
		if d.Entry.Event != SegmentEnteredEvent {
			t.Errorf("entry event = %q", d.Entry.Event)
		}
		if want := `event.properties.segment == "dormant_21d" && (has(profile.traits.email))`; d.Entry.Filter != want {
			t.Errorf("filter = %q, want %q", d.Entry.Filter, want)
		}
		leave := EventMatch{Event: SegmentExitedEvent, Match: `event.properties.segment == "dormant_21d"`}
		if d.ExitCriteria == nil || !slices.Equal(d.ExitCriteria.Events, []EventMatch{leave}) {
			t.Errorf("exit criteria = %+v, want the segment's exit", d.ExitCriteria)
		}
		if got := d.Entry.TriggerSummary(); got != "segment dormant_21d" {
			t.Errorf("summary = %q", got)
		}
		if ev := d.Events(); !slices.Contains(ev, SegmentEnteredEvent) || !slices.Contains(ev, SegmentExitedEvent) {
			t.Errorf("events = %v", ev)
		}
	})
	t.Run("TheStoredFormParsesToItself", func(t *testing.T) {
		d, err := Parse([]byte(`{"entry":{"segment":"vip","exit_on_leave":true,"filter":"true"},` + nodes + `}`))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(d)
		again, err := Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		raw2, _ := json.Marshal(again)
		if string(raw) != string(raw2) {
			t.Errorf("parsing the stored form changed it:\n%s\n%s", raw, raw2)
		}
	})
	t.Run("ADateEntryEntersOnItsTrigger", func(t *testing.T) {
		d, err := Parse([]byte(`{"entry":{"date":{"property":"birthday","at":"09:00","yearly":true}},` + nodes + `}`))
		if err != nil {
			t.Fatal(err)
		}
		if d.Entry.Event != DateReachedEvent || d.Entry.Filter != `event.properties.trigger == "birthday@09:00/yearly"` {
			t.Errorf("entry = %+v", d.Entry)
		}
		if m := d.Entry.Date.Minutes(); m != 9*60 {
			t.Errorf("minutes = %d", m)
		}
		if got := d.Entry.TriggerSummary(); got != "date birthday@09:00/yearly" {
			t.Errorf("summary = %q", got)
		}
	})
	t.Run("BadTriggersNameTheirField", func(t *testing.T) {
		for doc, field := range map[string]string{
			`{"entry":{"segment":"a","date":{"property":"birthday"}},`: "entry.date",
			`{"entry":{"segment":"a","event":"purchase"},`:             "entry.event",
			`{"entry":{"segment":"no spaces"},`:                        "entry.segment",
			`{"entry":{"event":"x","exit_on_leave":true},`:             "entry.exit_on_leave",
			`{"entry":{"date":{"property":""}},`:                       "entry.date.property",
			`{"entry":{"date":{"property":"birthday","at":"9am"}},`:    "entry.date.at",
			`{"entry":{"api":true,"segment":"a"},`:                     "entry.api",
		} {
			_, err := Parse([]byte(doc + nodes + `}`))
			if err == nil || !strings.Contains(err.Error(), field) {
				t.Errorf("%s: error %v, want one naming %s", doc, err, field)
			}
		}
	})
}

// TestTriggerPropertiesPassTheEntryMatch: the properties a segment or date
// entry is entered with (what a preview's simulated entry takes) pass the
// entry's own match, and another segment's do not.
func TestTriggerPropertiesPassTheEntryMatch(t *testing.T) {
	nodes := `"nodes":[{"id":"done","kind":"exit"}]`
	for _, entry := range []string{`{"segment":"dormant_21d"}`, `{"date":{"property":"birthday","at":"09:00","yearly":true}}`} {
		d, err := Parse([]byte(`{"entry":` + entry + `,` + nodes + `}`))
		if err != nil {
			t.Fatal(err)
		}
		f, err := Compile(d.Entry.Filter)
		if err != nil {
			t.Fatal(err)
		}
		for props, want := range map[*map[string]any]bool{
			new(d.Entry.TriggerProperties()):            true,
			new(map[string]any{"segment": "vip_6m"}):    false,
			new(map[string]any{"trigger": "renewal@x"}): false,
		} {
			ev := Event{Name: d.Entry.Event, Properties: *props}
			ok, err := f.Eval(Scope{Event: ev, Entry: ev}) // a missing key is an error: no match either
			if matched := ok && err == nil; matched != want {
				t.Errorf("entry %s, properties %v: match = %v, %v; want %v", entry, *props, ok, err, want)
			}
		}
	}
	d, err := Parse([]byte(`{"entry":{"event":"cart_add"},` + nodes + `}`))
	if err != nil {
		t.Fatal(err)
	}
	if p := d.Entry.TriggerProperties(); p != nil {
		t.Errorf("an event entry's trigger properties = %v, want none", p)
	}
}
