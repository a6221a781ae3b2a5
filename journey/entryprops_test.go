package journey

import (
	"slices"
	"testing"
)

func TestEntryPropertiesAreWhatTheFilterReads(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		entry Entry
		vars  map[string]any
		want  []EntryProperty
	}{
		{"ANumberConvertedAndAStringComparedWithAVariable", Entry{Event: "lead_score_changed",
			Filter: `"score" in event.properties && double(event.properties.score) >= double(journey.threshold) && event.properties["stage"] == journey.stage`},
			map[string]any{"threshold": 80.0, "stage": "mql"},
			[]EntryProperty{{"score", PropertyNumber}, {"stage", PropertyString}}},
		{"LiteralsSayTheType", Entry{Event: "purchase",
			Filter: `entry.properties.total > 5000 && event.properties.gift == true && event.properties.total < 90000 && event.properties.note != ""`}, nil,
			[]EntryProperty{{"total", PropertyNumber}, {"gift", PropertyBoolean}, {"note", PropertyString}}},
		{"ANumberVariable", Entry{Event: "purchase", Filter: `event.properties.items >= journey.min`}, map[string]any{"min": 3.0},
			[]EntryProperty{{"items", PropertyNumber}}},
		{"UnsaidIsAString", Entry{Event: "purchase", Filter: `event.properties.category in ["tea", "coffee"] && profile.traits.vip == true`}, nil,
			[]EntryProperty{{"category", PropertyString}}},
		{"NoFilter", Entry{Event: "purchase"}, nil, nil},
		{"ASegmentsTriggerMakesItsEvent", Entry{Event: "segment_entered", Segment: "vip", Filter: `event.properties.segment == "vip"`}, nil, nil},
		{"AnAPIEntry", Entry{API: true, Filter: `entry.properties.plan == "pro"`}, nil, nil},
		{"AFilterThatDoesNotParse", Entry{Event: "purchase", Filter: `event.properties.total >`}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := EntryProperties(Definition{Entry: tc.entry, Variables: tc.vars})
			if !slices.Equal(got, tc.want) {
				t.Errorf("EntryProperties = %v, want %v", got, tc.want)
			}
		})
	}
}
