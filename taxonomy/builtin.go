package taxonomy

// Builtin lists the events Tabiji itself emits through ingestion, for
// journeys that enter on a segment or a date trait (journey.SegmentEnteredEvent
// and the rest). Every taxonomy accepts them, even one that rejects unknown
// events, unless it defines an event of the same name itself.
var Builtin = []EventDef{
	{Name: "segment_entered", Description: "Tabiji: the customer joined a segment that a journey enters on.",
		Properties: []PropertyDef{
			{Name: "segment", Type: String, Required: true, Description: "The segment's ID."},
		}},
	{Name: "segment_exited", Description: "Tabiji: the customer left a segment that a journey enters on.",
		Properties: []PropertyDef{
			{Name: "segment", Type: String, Required: true, Description: "The segment's ID."},
		}},
	{Name: "date_reached", Description: "Tabiji: a date trait's day (or anniversary) reached the trigger's local time.",
		Properties: []PropertyDef{
			{Name: "trigger", Type: String, Required: true, Description: "The trigger, as in birthday@09:00/yearly."},
			{Name: "property", Type: String, Required: true, Description: "The date trait."},
			{Name: "date", Type: Timestamp, Required: true, Description: "The customer's local date that was reached."},
		}},
}
