package workflows

import (
	"time"

	"github.com/tabiji/tabiji/activities"
)

// Defaults of BroadcastInput.
const (
	DefaultBroadcastBatch = 1000 // SendGrid's personalizations per request
	// DefaultBroadcastRunBatches bounds one run's history: a batch is two
	// activities (about 12 events), so 400 batches stay far below
	// Temporal's 51,200-event limit before continue-as-new.
	DefaultBroadcastRunBatches = 400
	// DefaultBroadcastInFlight batches run at once: the next page is read
	// and the provider called while the last batch writes its rows.
	DefaultBroadcastInFlight = 2
)

// BroadcastInput starts a broadcast's workflow; State carries its progress
// across continue-as-new.
type BroadcastInput struct {
	Spec       activities.BroadcastSpec `json:"spec"`
	SendAt     time.Time                `json:"sendAt,omitzero"`     // now when zero
	BatchSize  int                      `json:"batchSize,omitempty"` // DefaultBroadcastBatch when zero
	RunBatches int                      `json:"runBatches,omitempty"`
	InFlight   int                      `json:"inFlight,omitempty"` // DefaultBroadcastInFlight when zero
	State      *BroadcastState          `json:"state,omitempty"`
}

// BroadcastState is where a broadcast is: its phase (waiting, segment,
// deferred), the last customer ID paged, the quiet-hours ends still to
// come and the one last handled, and its progress.
type BroadcastState struct {
	Phase    string      `json:"phase"`
	After    string      `json:"after,omitempty"`
	DueTimes []time.Time `json:"dueTimes,omitempty"`
	DoneDue  time.Time   `json:"doneDue,omitzero"`
	Paused   bool        `json:"paused,omitempty"`
	// TestEnds is when an A/B test's wait ends (phase testWait).
	TestEnds time.Time         `json:"testEnds,omitzero"`
	Progress BroadcastProgress `json:"progress"`
}

// BroadcastProgress is what a broadcast has done, as its workflow counts.
type BroadcastProgress struct {
	Status    string         `json:"status"`
	Audience  int            `json:"audience"`
	Sent      int            `json:"sent"`
	Failed    int            `json:"failed"`
	Skipped   map[string]int `json:"skipped"`
	Deferred  int            `json:"deferred"` // held for quiet hours, not yet sent
	Remaining int            `json:"remaining"`
	Batches   int            `json:"batches"`
	// Test is where an A/B test is (ABSending, ABWaiting, ABDecided),
	// "" without one; Winner is its winning variant once picked, and
	// TestEnds when its wait ends.
	Test     string    `json:"test,omitempty"`
	Winner   string    `json:"winner,omitempty"`
	TestEnds time.Time `json:"testEnds,omitzero"`
}
