package activities

import (
	"context"
	"time"
)

// The phases of a segment sweep: first the segment's members (who entered),
// then the tracked members (who left).
const (
	PhaseEnter = "enter"
	PhaseExit  = "exit"
)

// SegmentPageInput is one page of a segment's sweep, as of At.
type SegmentPageInput struct {
	WorkspaceID string    `json:"workspaceId"`
	SegmentID   string    `json:"segmentId"`
	At          time.Time `json:"at"`
	Phase       string    `json:"phase,omitempty"`
	// Baseline records membership without emitting: the segment's first sweep.
	Baseline bool   `json:"baseline,omitempty"`
	After    string `json:"after,omitempty"`
	Limit    int    `json:"limit,omitempty"`
}

// SegmentSweepStart says whether the sweep is the segment's baseline.
type SegmentSweepStart struct {
	Baseline bool `json:"baseline"`
}

// StartSegmentSweep says whether the segment still needs its baseline.
func (a *Activities) StartSegmentSweep(ctx context.Context, in SegmentPageInput) (SegmentSweepStart, error) {
	done, err := a.store.BaselinedSegments(ctx, in.WorkspaceID)
	if err != nil {
		return SegmentSweepStart{}, err
	}
	return SegmentSweepStart{Baseline: !done[in.SegmentID]}, nil
}

// FinishSegmentBaseline records that the segment's members are tracked, so
// later changes become events.
func (a *Activities) FinishSegmentBaseline(ctx context.Context, in SegmentPageInput) error {
	return a.store.MarkSegmentBaselined(ctx, in.WorkspaceID, in.SegmentID, in.At)
}
