package taxonomy

// Builtin lists the events Tabiji itself emits through ingestion: for
// journeys that enter on a segment, a date trait or a lead score
// (journey.SegmentEnteredEvent, scoring.ChangedEvent and the rest), a
// sign-up on the workspace's form (signupforms.DefaultEvent), and the
// engagement events of sent messages (engagement.go). Every taxonomy
// accepts them, even one that rejects unknown events, unless it defines an
// event of the same name itself.
var Builtin = append([]EventDef{
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
	{Name: "lead_score_changed", Description: "Tabiji: lead scoring changed the customer's score.",
		Properties: []PropertyDef{
			{Name: "score", Type: Number, Required: true, Description: "The score after the change, rounded to hundredths."},
			{Name: "previous", Type: Number, Description: "The score just before, decayed to the event's time."},
			{Name: "rules", Type: Array, Description: "The IDs of the rules that gave the points."},
		}},
	// A shop's own sign-up may be tracked under this name too (the welcome
	// template enters on it), with its own properties: none are typed here.
	{Name: "signed_up", Description: "Tabiji: a visitor signed up on the workspace's sign-up form " +
		"(properties form, topic, double_opt_in, opted_in, wording, language), or the shop's own sign-up; " +
		"the welcome and double opt-in templates enter on it."},
}, engagementEvents...)
