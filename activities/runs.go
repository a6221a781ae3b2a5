package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/tabiji/tabiji/store"
)

// RecordRunInput is what a journey run reports of itself since its last
// report: its entry (sent every time; stored once), the steps it entered
// and left, its conversions, and its exit. It is the run's own type, not
// the store's row: a run's state holds it and its JSON is the activity's
// input in histories, so a column change must not change it. RecordRun
// converts it.
type RecordRunInput struct {
	WorkspaceID string    `json:"workspaceId"`
	RunKey      string    `json:"runKey"` // workflow ID + "/" + first run ID
	JourneyID   string    `json:"journeyId"`
	Version     int       `json:"version"` // the version the run entered with
	CustomerID  string    `json:"customerId"`
	WorkflowID  string    `json:"workflowId"`
	EnteredAt   time.Time `json:"enteredAt"`
	Holdout     bool      `json:"holdout,omitempty"`

	Steps       []RunStep       `json:"steps,omitempty"`
	Leaves      []RunLeave      `json:"leaves,omitempty"`
	Conversions []RunConversion `json:"conversions,omitempty"`
	Exit        *RunExit        `json:"exit,omitempty"`
}

// RunStep is the run entering a node, the Seq-th step of the run (from 1).
type RunStep struct {
	Seq       int       `json:"seq"`
	Node      string    `json:"node"`
	Kind      string    `json:"kind"`
	EnteredAt time.Time `json:"enteredAt"`
	Variant   string    `json:"variant,omitempty"` // the variant a split assigned
}

// RunLeave is the run going on from step Seq to node Next ("" when the run
// ended at the step).
type RunLeave struct {
	Seq  int    `json:"seq"`
	Next string `json:"next"`
}

// RunConversion is one goal event within the attribution window.
type RunConversion struct {
	MessageID string    `json:"messageId"` // the goal event's
	At        time.Time `json:"at"`
	Revenue   float64   `json:"revenue"`
}

// RunExit is how and when the run ended.
type RunExit struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"` // the exit node, or goal, exit_criteria, archived, cancelled
}

// RecordRunResult is empty: a report either is stored or is retried.
type RecordRunResult struct{}

// RecordRun stores a run's report (its entry, steps, conversions, exit) and
// moves the journey's statistics. A journey runs it as a local activity at
// the points where it would wait anyway, so statistics cost one marker in
// the history per wait, not three events per step. Reports are idempotent:
// a retried one counts once.
func (a *Activities) RecordRun(ctx context.Context, in RecordRunInput) (RecordRunResult, error) {
	if err := a.store.RecordRun(ctx, in.report()); err != nil {
		return RecordRunResult{}, fmt.Errorf("record run %s: %w", in.RunKey, err)
	}
	return RecordRunResult{}, nil
}

// report is the store's row of the run's report.
func (in RecordRunInput) report() store.RunReport {
	r := store.RunReport{
		WorkspaceID: in.WorkspaceID, RunKey: in.RunKey, JourneyID: in.JourneyID, Version: in.Version,
		CustomerID: in.CustomerID, WorkflowID: in.WorkflowID, EnteredAt: in.EnteredAt, Holdout: in.Holdout,
	}
	for _, s := range in.Steps {
		r.Steps = append(r.Steps, store.RunStep{Seq: s.Seq, Node: s.Node, Kind: s.Kind, EnteredAt: s.EnteredAt, Variant: s.Variant})
	}
	for _, l := range in.Leaves {
		r.Leaves = append(r.Leaves, store.RunLeave{Seq: l.Seq, Next: l.Next})
	}
	for _, c := range in.Conversions {
		r.Conversions = append(r.Conversions, store.RunConversion{MessageID: c.MessageID, At: c.At, Revenue: c.Revenue})
	}
	if in.Exit != nil {
		r.Exit = &store.RunExit{At: in.Exit.At, Reason: in.Exit.Reason}
	}
	return r
}
