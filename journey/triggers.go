package journey

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Events that Tabiji itself emits through ingestion, for journeys entered
// by a segment or a date trait. They are stored and routed like any other
// event, under deterministic messageIds, so a repeated sweep enters no one
// twice.
const (
	// SegmentEnteredEvent is emitted when a customer joins a segment that an
	// active journey enters on; properties.segment names it.
	SegmentEnteredEvent = "segment_entered"
	// SegmentExitedEvent is emitted when such a customer leaves the segment.
	SegmentExitedEvent = "segment_exited"
	// DateReachedEvent is emitted when a date trait's day (its anniversary,
	// for a yearly trigger) is reached at the trigger's local time;
	// properties.trigger is the trigger's Key.
	DateReachedEvent = "date_reached"
)

// DateTrigger enters customers when the date in one of their traits
// (birthday, anniversary, renewal date) is today in their own time zone
// (the profile's, else the journey's, else UTC) and the local time has
// reached At.
type DateTrigger struct {
	// Property is the trait holding the date: "1990-04-12" or RFC 3339.
	Property string `json:"property"`
	// At is the local time of day, "HH:MM"; "00:00" when empty.
	At string `json:"at,omitempty"`
	// Yearly matches the date's month and day every year (birthdays);
	// otherwise the date itself, once.
	Yearly bool `json:"yearly,omitempty"`
}

// Key names the trigger in the events it emits and in its schedule:
// "birthday@09:00/yearly", "renewal_date@10:00".
func (t DateTrigger) Key() string {
	k := t.Property + "@" + t.Clock()
	if t.Yearly {
		k += "/yearly"
	}
	return k
}

// Clock is At, or "00:00" when empty.
func (t DateTrigger) Clock() string {
	if t.At == "" {
		return "00:00"
	}
	return t.At
}

// Minutes is the trigger's local time as minutes after midnight.
func (t DateTrigger) Minutes() int {
	h, _ := strconv.Atoi(t.Clock()[:2])
	m, _ := strconv.Atoi(t.Clock()[3:])
	return h*60 + m
}

// segmentMatch is the CEL condition an event must meet to be about segment s.
func segmentMatch(s string) string {
	return "event.properties.segment == " + strconv.Quote(s)
}

// TriggerProperties are the properties of the event a segment or date entry
// is entered with, as the segment tracker and the date schedule emit it
// ({"segment": id} or {"trigger": key}); nil for any other entry. A
// simulated entry that names no properties takes them, so previewing a
// segment- or date-entered journey passes its own entry match.
func (e Entry) TriggerProperties() map[string]any {
	switch {
	case e.API:
		return nil
	case e.Segment != "" && e.Date == nil:
		return map[string]any{"segment": e.Segment}
	case e.Date != nil && e.Segment == "":
		return map[string]any{"trigger": e.Date.Key()}
	}
	return nil
}

// dateMatch is the CEL condition a date_reached event must meet to be the
// trigger t's.
func dateMatch(t DateTrigger) string {
	return "event.properties.trigger == " + strconv.Quote(t.Key())
}

// expandTriggers writes a segment or date entry as the event entry it
// stands for: "segment: dormant_21d" enters on segment_entered whose
// properties.segment is dormant_21d (and, with exit_on_leave, exits on the
// matching segment_exited). The sugar stays beside its expansion, so the
// segment tracker and the schedules can find it; expanding twice changes
// nothing, so a stored definition parses to itself.
func (d *Definition) expandTriggers() {
	e := &d.Entry
	var match string
	switch {
	case e.API:
		return
	case e.Segment != "" && e.Date == nil:
		match, e.Event = segmentMatch(e.Segment), cmp.Or(e.Event, SegmentEnteredEvent)
	case e.Date != nil && e.Segment == "":
		match, e.Event = dateMatch(*e.Date), cmp.Or(e.Event, DateReachedEvent)
	default:
		return
	}
	if e.Filter == "" {
		e.Filter = match
	} else if !strings.HasPrefix(e.Filter, match) {
		e.Filter = match + " && (" + e.Filter + ")"
	}
	if !e.ExitOnLeave || e.Segment == "" {
		return
	}
	leave := EventMatch{Event: SegmentExitedEvent, Match: segmentMatch(e.Segment)}
	if d.ExitCriteria == nil {
		d.ExitCriteria = &ExitCriteria{}
	}
	if !slices.Contains(d.ExitCriteria.Events, leave) {
		d.ExitCriteria.Events = append(d.ExitCriteria.Events, leave)
	}
}

// validateTriggers checks a segment or date entry.
func (d *Definition) validateTriggers(add addFunc) {
	e := d.Entry
	switch {
	case e.Segment != "" && e.Date != nil:
		add("entry.date", "a journey enters on a segment or on a date, not both")
	case e.API && (e.Segment != "" || e.Date != nil):
		add("entry.api", "an API entry has no segment or date: remove one")
	case e.Segment != "" && e.Event != SegmentEnteredEvent:
		add("entry.event", "a segment entry enters on %q: remove event", SegmentEnteredEvent)
	case e.Date != nil && e.Event != DateReachedEvent:
		add("entry.event", "a date entry enters on %q: remove event", DateReachedEvent)
	}
	if e.Segment != "" && !propertyPattern.MatchString(e.Segment) {
		add("entry.segment", "must be a segment ID of letters, digits and _, such as \"dormant_21d\"")
	}
	if e.ExitOnLeave && e.Segment == "" {
		add("entry.exit_on_leave", "applies to a segment entry only")
	}
	if t := e.Date; t != nil {
		if !propertyPattern.MatchString(t.Property) {
			add("entry.date.property", "is required: the date trait, such as \"birthday\"")
		}
		if t.At != "" {
			validateClockField("entry.date.at", t.At, add)
		}
	}
}

// TriggerSummary describes a segment or date entry for people (tabiji
// journeys show): "segment dormant_21d", "date birthday@09:00/yearly";
// empty otherwise.
func (e Entry) TriggerSummary() string {
	switch {
	case e.Segment != "":
		return fmt.Sprintf("segment %s", e.Segment)
	case e.Date != nil:
		return fmt.Sprintf("date %s", e.Date.Key())
	}
	return ""
}
