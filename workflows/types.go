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

// EventSignal carries a journey.Event to a running journey.
const EventSignal = "event"

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
		AttrVersion.GetName():   enums.INDEXED_VALUE_TYPE_INT,
	}
}

// JourneyWorkflowID is the ID of the one run of a journey for a customer:
// readable in the Web UI and the same for every event of that customer, so
// SignalWithStart can never start two runs.
func JourneyWorkflowID(workspaceID, journeyID, customerID string) string {
	return fmt.Sprintf("ws_%s/jr_%s/%s", workspaceID, journeyID, customerID)
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
}

// Step is one node a run has entered.
type Step struct {
	Node      string    `json:"node"`
	Kind      string    `json:"kind"`
	EnteredAt time.Time `json:"enteredAt"`
	Outcome   string    `json:"outcome,omitempty"` // the branch taken, the message sent, or the exit
}
