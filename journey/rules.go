package journey

// Re-entry modes: whether a customer who has been through the journey may
// enter it again.
const (
	ReentryOnce      = "once"       // never again, whatever happens
	ReentryAfterExit = "after_exit" // again once the previous run has ended (the default)
	ReentryCooldown  = "cooldown"   // again once the previous run ended at least Cooldown ago
)

// Reentry says when a customer may enter the journey again. At most one run
// per customer (or per correlation key) is active at any time, whatever the
// mode.
type Reentry struct {
	Mode     string   `json:"mode"`
	Cooldown Duration `json:"cooldown,omitempty"` // cooldown mode
}

// ExitCriteria end a run at whatever step it is: when one of the events
// arrives (and its match holds), or when the condition on the profile holds.
type ExitCriteria struct {
	Events    []EventMatch `json:"events,omitempty"`
	Condition string       `json:"condition,omitempty"` // CEL over profile, journey, now
}

// EventMatch is an event name and an optional CEL condition it must meet.
type EventMatch struct {
	Event string `json:"event"`
	Match string `json:"match,omitempty"`
}

// Goal is the conversion a journey aims at: an event (with an optional CEL
// match) within Window of entry. The run records the conversion and, with
// ExitOnGoal, ends there.
type Goal struct {
	Event      string   `json:"event"`
	Match      string   `json:"match,omitempty"`
	Window     Duration `json:"window,omitempty"` // attribution window from entry; unlimited when zero
	ExitOnGoal bool     `json:"exit_on_goal,omitempty"`
}

// Quiet-hours actions: what a send that falls inside quiet hours does.
const (
	QuietWait = "wait" // hold the send until the quiet hours end (the default)
	QuietSkip = "skip" // skip the send and go on
)

// QuietHours is a daily window, in the customer's time zone, when no message
// is sent. Start may be after End ("21:00" to "08:00" spans midnight).
type QuietHours struct {
	Start    string `json:"start"`              // "21:00"
	End      string `json:"end"`                // "08:00"
	Timezone string `json:"timezone,omitempty"` // when the profile has no zone; then the journey's, then UTC
	Action   string `json:"action,omitempty"`   // wait or skip
}

// Holdout is a journey's holdout group: a fixed share of the customers who
// enter walk the journey as everyone does (waits, branches, goals) but are
// sent nothing, their sends skipped with the reason "holdout". Comparing
// their conversion with the others' measures what the journey's messages
// add. Who is held out is a hash of the workspace, journey and customer
// (experiment.InHoldout): the same customer is held out on every entry
// while the percent is unchanged.
type Holdout struct {
	Percent float64 `json:"percent"` // 0 < percent < 100, to the hundredth
}
