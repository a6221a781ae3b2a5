package activities

import (
	"context"
	"fmt"

	"github.com/tabiji/tabiji/store"
)

// RecordRunInput is what a journey run reports of itself since its last
// report: the store's RunReport.
type RecordRunInput = store.RunReport

// RecordRunResult is empty: a report either is stored or is retried.
type RecordRunResult struct{}

// RecordRun stores a run's report (its entry, steps, conversions, exit) and
// moves the journey's statistics. A journey runs it as a local activity at
// the points where it would wait anyway, so statistics cost one marker in
// the history per wait, not three events per step. Reports are idempotent:
// a retried one counts once.
func (a *Activities) RecordRun(ctx context.Context, in RecordRunInput) (RecordRunResult, error) {
	if err := a.store.RecordRun(ctx, in); err != nil {
		return RecordRunResult{}, fmt.Errorf("record run %s: %w", in.RunKey, err)
	}
	return RecordRunResult{}, nil
}
