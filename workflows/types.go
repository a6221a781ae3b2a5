// Package workflows holds the generic journey workflow, which interprets a
// journey definition for one customer, and the names and helpers its callers
// need: workflow IDs, signals, queries and search attributes.
package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/journey"
)

// TaskQueue is the default task queue of the journey worker.
const TaskQueue = "tabiji-journeys"

// Signals a run takes. EventSignal carries a journey.Event; the lifecycle
// signals carry nothing, but MigrateSignal, which carries a Migration.
const (
	EventSignal   = "event"
	PauseSignal   = "pause"   // hold before the next send until resumed
	ResumeSignal  = "resume"  // go on sending
	ArchiveSignal = "archive" // end the run cleanly, outcome "archived"
	MigrateSignal = "migrate" // go on in a new version, at the node with the same ID
)

// Migration moves a waiting run to a new version of its journey.
type Migration struct {
	Version    int                `json:"version"`
	Definition journey.Definition `json:"definition"`
}

// Outcomes of runs that end other than at an exit node.
const (
	OutcomeExitCriteria = "exit_criteria"
	OutcomeGoal         = "goal"
	OutcomeArchived     = "archived"
	// OutcomeCostLimit ends a run whose condition was stopped by the CEL
	// cost limit; the step's outcome names the condition's field.
	OutcomeCostLimit = "cel_cost_limit"
)

// DefaultHistoryLimit is the history length past which a run continues as
// new: far below Temporal's 51,200-event limit and its 10,000-event warning.
const DefaultHistoryLimit = 2000

// StateQuery returns a run's State.
const StateQuery = "state"

// Search attributes on every journey run, so the Temporal Web UI finds every
// run of a customer ("TabijiCustomer = 'u_123'").
var (
	AttrWorkspace = temporal.NewSearchAttributeKeyKeyword("TabijiWorkspace")
	AttrJourney   = temporal.NewSearchAttributeKeyKeyword("TabijiJourney")
	AttrCustomer  = temporal.NewSearchAttributeKeyKeyword("TabijiCustomer")
	AttrVersion   = temporal.NewSearchAttributeKeyInt64("TabijiVersion")
	AttrStep      = temporal.NewSearchAttributeKeyKeyword("TabijiStep")
	AttrOutcome   = temporal.NewSearchAttributeKeyKeyword("TabijiOutcome")
	AttrVariant   = temporal.NewSearchAttributeKeyKeyword("TabijiVariant")
	AttrConverted = temporal.NewSearchAttributeKeyBool("TabijiConverted")
)

// SearchAttributes lists the custom search attributes a namespace must have
// for journeys to run, with their types.
func SearchAttributes() map[string]enums.IndexedValueType {
	kw := enums.INDEXED_VALUE_TYPE_KEYWORD
	return map[string]enums.IndexedValueType{
		AttrWorkspace.GetName(): kw,
		AttrJourney.GetName():   kw,
		AttrCustomer.GetName():  kw,
		AttrStep.GetName():      kw,
		AttrOutcome.GetName():   kw,
		AttrVariant.GetName():   kw,
		AttrVersion.GetName():   enums.INDEXED_VALUE_TYPE_INT,
		AttrConverted.GetName(): enums.INDEXED_VALUE_TYPE_BOOL,
	}
}

// JourneyWorkflowID is the ID of the one run of a journey for a customer:
// readable in the Web UI and the same for every event of that customer, so
// SignalWithStart can never start two runs.
func JourneyWorkflowID(workspaceID, journeyID, customerID string) string {
	return fmt.Sprintf("ws_%s/jr_%s/%s", workspaceID, journeyID, customerID)
}

// RunWorkflowID is JourneyWorkflowID with the correlation key's value, when
// the journey has one: one run per customer per cart, "ws_acme/jr_cart/u_1/cart_9".
func RunWorkflowID(workspaceID, journeyID, customerID, key string) string {
	id := JourneyWorkflowID(workspaceID, journeyID, customerID)
	if key != "" {
		id += "/" + key
	}
	return id
}

// JourneyInput starts a journey run. The definition travels with it, so a run
// keeps the version it entered with whatever happens to the journey later.
type JourneyInput struct {
	WorkspaceID string             `json:"workspaceId"`
	JourneyID   string             `json:"journeyId"`
	Version     int                `json:"version"`
	CustomerID  string             `json:"customerId"`
	Definition  journey.Definition `json:"definition"`
	Entry       journey.Event      `json:"entry"`
	// CorrelationKey is the value of the definition's correlation key in
	// the entry event ("cart_9"), part of the workflow ID.
	CorrelationKey string `json:"correlationKey,omitempty"`
	// HistoryLimit is the history length past which the run continues as
	// new; DefaultHistoryLimit when zero.
	HistoryLimit int `json:"historyLimit,omitempty"`
	// Carry is the state a run hands to its continuation.
	Carry *Carry `json:"carry,omitempty"`
	// Shape is the version of the run-stats change (statsChange) the run
	// was entered at, chosen by EnterJourney so that a new run records no
	// version marker and upserts no TemporalChangeVersion. 0: a run
	// entered before, whose version marker (or its absence) decides.
	Shape int `json:"shape,omitempty"`
}

// Carry is what a run continued as new picks up: where it was, since when,
// what it has seen and decided.
type Carry struct {
	State     State           `json:"state"`
	EnteredAt time.Time       `json:"enteredAt"` // when the current node was entered
	Visits    map[string]int  `json:"visits"`
	Seen      []string        `json:"seen"`
	Pending   []journey.Event `json:"pending,omitempty"` // signals not handled yet
	Profile   journey.Profile `json:"profile"`
	// StatsSeq is the number of the current step in the run's statistics,
	// EntryVersion the version the run entered with.
	StatsSeq     int `json:"statsSeq,omitempty"`
	EntryVersion int `json:"entryVersion,omitempty"`
}

// JourneyResult is how a run ended.
type JourneyResult struct {
	Outcome string   `json:"outcome"` // the exit node reached, or "cancelled"
	Path    []string `json:"path"`    // the node IDs visited, in order
}

// Run statuses reported by the state query.
const (
	StatusRunning   = "running"
	StatusCompleted = "completed"
)

// State is what the state query answers: where the customer stands.
type State struct {
	WorkspaceID  string         `json:"workspaceId"`
	JourneyID    string         `json:"journeyId"`
	Version      int            `json:"version"`
	CustomerID   string         `json:"customerId"`
	Status       string         `json:"status"`
	Node         string         `json:"node"`
	Kind         string         `json:"kind"`
	WaitingUntil *time.Time     `json:"waitingUntil,omitempty"`
	WaitingFor   []string       `json:"waitingFor,omitempty"`
	Outcome      string         `json:"outcome,omitempty"`
	Steps        []Step         `json:"steps"`
	Entry        journey.Event  `json:"entry"`
	LastEvent    *journey.Event `json:"lastEvent,omitempty"`

	CorrelationKey string            `json:"correlationKey,omitempty"`
	StartedAt      time.Time         `json:"startedAt"`
	Path           []string          `json:"path"`               // node IDs entered, in order
	Variant        string            `json:"variant,omitempty"`  // the latest split's assignment
	Variants       map[string]string `json:"variants,omitempty"` // split node → variant
	Goal           *Conversion       `json:"goal,omitempty"`
	Paused         bool              `json:"paused,omitempty"`
	// Holdout is true for a customer in the journey's holdout: the run
	// walks the journey, but every send is skipped with reason "holdout".
	Holdout    bool     `json:"holdout,omitempty"`
	Migrations []string `json:"migrations,omitempty"` // what became of migrate signals
}

// Conversion is a goal the run reached.
type Conversion struct {
	Event     string    `json:"event"`
	MessageID string    `json:"messageId"`
	At        time.Time `json:"at"`
}

// Step is one node a run has entered.
type Step struct {
	Node      string    `json:"node"`
	Kind      string    `json:"kind"`
	EnteredAt time.Time `json:"enteredAt"`
	Outcome   string    `json:"outcome,omitempty"` // the branch taken, the message sent, or the exit
}

// SendTaskQueue is the task queue the Send activity of a message on channel
// is scheduled on: one per channel, so each provider's rate limit is a
// Temporal task-queue rate limit. It is named after the run's own task
// queue, so deployments sharing a namespace keep their sends apart.
func SendTaskQueue(taskQueue, channel string) string {
	return taskQueue + "-send-" + channel
}

// outboxChannel is the development outbox's channel name (journey.Channels).
const outboxChannel = "outbox"

// sendQueue is the task queue a journey's Send activity goes on: the
// channel's send queue, except for the development outbox, which no
// provider limits. Its sends stay on the run's own queue, where the worker
// that completes the workflow task takes the activity at once (Temporal's
// eager activity dispatch) instead of through the matching service: about
// a third of the embedded server's per-entry work beyond a bare workflow's.
// The task queue is not part of the commands a replay compares, so runs
// recorded with the outbox queue replay unchanged.
func sendQueue(taskQueue, channel string) string {
	if channel == outboxChannel {
		return taskQueue
	}
	return SendTaskQueue(taskQueue, channel)
}
