package routing

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/locale"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// MoveJourney pauses, resumes (to active) or archives a journey, tells the
// index and the listeners, and signals every running run of it (signal:
// workflows.PauseSignal, ResumeSignal or ArchiveSignal), returning how many
// it reached. It returns store.ErrNotFound, and a store.Refusal
// (ErrConflict, on status) when the journey's status does not allow the move.
func (r *Router) MoveJourney(ctx context.Context, workspaceID, id string, to store.JourneyStatus, signal string) (store.Journey, int, error) {
	j, err := r.Store.SetJourneyStatus(ctx, workspaceID, id, to)
	if errors.Is(err, store.ErrConflict) {
		return j, 0, store.Refuse(store.ErrConflict, "journey "+id+" is "+string(j.Status)+": it cannot become "+string(to),
			jsonfields.Error{Field: "status", Message: "is " + string(j.Status)})
	}
	if err != nil {
		return j, 0, err
	}
	r.Invalidate(workspaceID)
	r.AfterJourneysChanged(ctx, workspaceID)
	n, err := r.signalRuns(ctx, workspaceID, j.ID, "", signal, nil)
	return j, n, err
}

// Migrated is the outcome of MigrateRuns.
type Migrated struct {
	JourneyID string
	Version   int
	Signalled int
}

// MigrateRuns moves running runs on older versions of a journey to a newer
// one (version; the active one, else the latest, when 0), at the nodes with
// the same ID: a signal carries the new definition to each run, found
// through visibility; a run whose node the new version lacks stays where it
// is and says so in its state. It returns store.ErrNotFound, and a
// store.Refusal for a version the journey does not have.
func (r *Router) MigrateRuns(ctx context.Context, workspaceID, id string, version int) (Migrated, error) {
	at, err := r.Store.JourneyAtVersion(ctx, workspaceID, id, version, true)
	if err != nil {
		return Migrated{}, err
	}
	older := fmt.Sprintf(" AND %s < %d", workflows.AttrVersion.GetName(), at.Version)
	n, err := r.signalRuns(ctx, workspaceID, at.Journey.ID, older, workflows.MigrateSignal, workflows.Migration{Version: at.Version, Definition: at.Definition})
	return Migrated{JourneyID: at.Journey.ID, Version: at.Version, Signalled: n}, err
}

// SetWorkspaceTimezone sets the workspace's zone, in which its journeys
// that name none run: the index drops the workspace's journeys so that the
// next entry uses it. It returns store.ErrBadTimezone.
func (r *Router) SetWorkspaceTimezone(ctx context.Context, workspaceID, tz string) error {
	if err := r.Store.SetWorkspaceTimezone(ctx, workspaceID, tz); err != nil {
		return err
	}
	r.Invalidate(workspaceID)
	return nil
}

// UpdateWorkspaceSettings changes the workspace's zone, locale or currency
// (the ones change gives) and returns them all. Journeys that name no zone
// take the workspace's from the index: the next entry here uses the new
// one (other processes' within the index's TTL; the sweeper moves
// date-trigger schedules to it).
func (r *Router) UpdateWorkspaceSettings(ctx context.Context, workspaceID string, change locale.Settings) (locale.Settings, error) {
	set, err := r.Store.UpdateWorkspaceSettings(ctx, workspaceID, change)
	if err != nil {
		return set, err
	}
	r.Invalidate(workspaceID)
	return set, nil
}

// signalRuns signals every running run of a journey (narrowed by extra, a
// visibility clause) and reports how many it reached. Runs are found through
// visibility, page by page; one that ends meanwhile is skipped.
func (r *Router) signalRuns(ctx context.Context, workspaceID, journeyID, extra, signal string, arg any) (int, error) {
	q := fmt.Sprintf(`%s = %q AND %s = %q AND ExecutionStatus = "Running"%s`,
		workflows.AttrWorkspace.GetName(), workspaceID, workflows.AttrJourney.GetName(), journeyID, extra)
	n := 0
	var token []byte
	for {
		resp, err := r.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q, PageSize: 500, NextPageToken: token})
		if err != nil {
			return n, fmt.Errorf("list runs of journey %s: %w", journeyID, err)
		}
		for _, e := range resp.GetExecutions() {
			err := r.Temporal.SignalWorkflow(ctx, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId(), signal, arg)
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				continue
			}
			if err != nil {
				return n, fmt.Errorf("signal %s to %s: %w", signal, e.GetExecution().GetWorkflowId(), err)
			}
			n++
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return n, nil
		}
	}
}
