package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/tabiji/tabiji/taxonomy"
)

// JourneyExperimentData is what a journey's experiments are computed
// from: the journey (its latest definition names the splits and their
// variants' order), the workspace's global control group and the runs'
// counts per arm.
type JourneyExperimentData struct {
	Journey       Journey
	GlobalControl float64 // percent of the workspace's customers held out
	Counts        ExperimentCounts
}

// JourneyExperimentData reads a journey's experiment data, of one version
// or all (version nil). It returns ErrNotFound for a journey the workspace
// lacks.
func (s *Store) JourneyExperimentData(ctx context.Context, workspaceID, id string, version *int) (JourneyExperimentData, error) {
	j, err := s.GetJourney(ctx, workspaceID, id)
	if err != nil {
		return JourneyExperimentData{}, err
	}
	d := JourneyExperimentData{Journey: j}
	if d.GlobalControl, err = s.GlobalControl(ctx, workspaceID); err != nil {
		return d, fmt.Errorf("store: global control of %s: %w", workspaceID, err)
	}
	if d.Counts, err = s.ExperimentCounts(ctx, workspaceID, id, version); err != nil {
		return d, fmt.Errorf("store: experiment counts of %s: %w", id, err)
	}
	return d, nil
}

// JourneyReport is a journey's report page: its statistics, its
// experiments' data, and its newest activation request (nil when its
// activation never waited for an approver).
type JourneyReport struct {
	JourneyExperimentData
	Stats      JourneyStats
	Activation *ApprovalRequest
	// EntryEvent is the taxonomy's definition of the latest version's
	// entry event (zero when it has none), for the preview's form.
	EntryEvent taxonomy.EventDef
}

// JourneyReport reads a journey's statistics under q (its period resolved
// first) and its experiment data of q's version. It returns ErrNotFound for
// a journey the workspace lacks.
func (s *Store) JourneyReport(ctx context.Context, workspaceID, id string, q StatsQuery) (JourneyReport, error) {
	q, err := q.resolved(ctx, s, workspaceID)
	if err != nil {
		return JourneyReport{}, err
	}
	d, err := s.JourneyExperimentData(ctx, workspaceID, id, q.Version)
	if err != nil {
		return JourneyReport{}, err
	}
	st, err := s.JourneyStats(ctx, workspaceID, id, q)
	if err != nil {
		return JourneyReport{}, err
	}
	r := JourneyReport{JourneyExperimentData: d, Stats: st}
	if r.EntryEvent, err = s.latestEntryEvent(ctx, d.Journey); err != nil {
		return JourneyReport{}, err
	}
	switch a, err := s.LatestApproval(ctx, workspaceID, ApprovalJourneyActivate, id); {
	case err == nil:
		r.Activation = &a
	case !errors.Is(err, ErrNotFound):
		return JourneyReport{}, err
	}
	return r, nil
}
