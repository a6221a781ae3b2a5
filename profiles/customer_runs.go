package profiles

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// CustomerRun is one journey run of a customer, as Temporal visibility
// lists it (its search attributes), with its live state when it was asked.
type CustomerRun struct {
	WorkflowID, RunID string
	JourneyID         string
	Version           int64
	Status            string // running, completed, terminated, …
	Step, Outcome     string
	StartedAt         time.Time
	ClosedAt          *time.Time
	State             *workflows.State // nil unless asked, or when the worker did not answer
	WebURL            string           // the run's history in the Web UI; "" without one
}

// CustomerRuns are a customer's journey runs and the Web UI address of
// their list ("" without a Web UI).
type CustomerRuns struct {
	Runs   []CustomerRun
	WebURL string
}

// stateTimeout bounds each live state query.
const stateTimeout = 2 * time.Second

// CustomerRuns lists a customer's runs (the first 100) through Temporal
// visibility, by the same search attributes the Web UI filters on, with
// the live state of the first queries of them: the running ones, or any
// when closed is true.
func (s *Service) CustomerRuns(ctx context.Context, workspaceID, customer string, queries int, closed bool) (CustomerRuns, error) {
	query := fmt.Sprintf("%s = %s AND %s = %s",
		workflows.AttrWorkspace.GetName(), quote(workspaceID), workflows.AttrCustomer.GetName(), quote(customer))
	resp, err := s.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: s.Namespace, Query: query, PageSize: 100,
	})
	if err != nil {
		return CustomerRuns{}, fmt.Errorf("list runs of %s: %w", customer, err)
	}
	out := CustomerRuns{Runs: make([]CustomerRun, 0, len(resp.Executions))}
	for _, e := range resp.Executions {
		r := s.Run(e)
		if (closed || r.Status == "running") && queries > 0 {
			r.State = s.queryState(ctx, r.WorkflowID, r.RunID)
			queries--
		}
		out.Runs = append(out.Runs, r)
	}
	if s.WebUIURL != "" {
		out.WebURL = fmt.Sprintf("%s/namespaces/%s/workflows?query=%s", s.WebUIURL, url.PathEscape(s.Namespace), url.QueryEscape(query))
	}
	return out, nil
}

// Run reads a run from its visibility record.
func (s *Service) Run(e *workflow.WorkflowExecutionInfo) CustomerRun {
	dc := converter.GetDefaultDataConverter()
	fields := e.GetSearchAttributes().GetIndexedFields()
	attr := func(name string) string {
		var v string
		if p, ok := fields[name]; ok {
			_ = dc.FromPayload(p, &v)
		}
		return v
	}
	var version int64
	if p, ok := fields[workflows.AttrVersion.GetName()]; ok {
		_ = dc.FromPayload(p, &version)
	}
	r := CustomerRun{
		WorkflowID: e.GetExecution().GetWorkflowId(),
		RunID:      e.GetExecution().GetRunId(),
		JourneyID:  attr(workflows.AttrJourney.GetName()),
		Version:    version,
		Status:     strings.ToLower(strings.TrimPrefix(e.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_")),
		Step:       attr(workflows.AttrStep.GetName()),
		Outcome:    attr(workflows.AttrOutcome.GetName()),
		StartedAt:  e.GetStartTime().AsTime(),
	}
	if e.GetCloseTime() != nil {
		t := e.GetCloseTime().AsTime()
		r.ClosedAt = &t
	}
	if s.WebUIURL != "" {
		r.WebURL = fmt.Sprintf("%s/namespaces/%s/workflows/%s/%s/history",
			s.WebUIURL, url.PathEscape(s.Namespace), url.PathEscape(r.WorkflowID), url.PathEscape(r.RunID))
	}
	return r
}

// queryState asks a running run where it stands; nil when the worker does
// not answer in time.
func (s *Service) queryState(ctx context.Context, workflowID, runID string) *workflows.State {
	ctx, cancel := context.WithTimeout(ctx, stateTimeout)
	defer cancel()
	v, err := s.Temporal.QueryWorkflow(ctx, workflowID, runID, workflows.StateQuery)
	if err != nil {
		return nil
	}
	var st workflows.State
	if err := v.Get(&st); err != nil {
		return nil
	}
	return &st
}

// Timeline is what the console's customer page shows: what Postgres holds
// of the customer, and their runs; Temporal being out of reach is RunsErr,
// said on the page rather than failing it.
type Timeline struct {
	store.CustomerHistory
	Runs    CustomerRuns
	RunsErr error
}

// runsTimeout bounds the page's wait for Temporal.
const runsTimeout = 5 * time.Second

// Timeline reads a customer's history (store.CustomerHistory: the profile
// by its id or a merged id, the latest limit events and messages) and the
// runs of the profile's id, each with its live state while queries last.
func (s *Service) Timeline(ctx context.Context, workspaceID, id string, limit, queries int) (Timeline, error) {
	h, err := s.Store.CustomerHistory(ctx, workspaceID, id, limit)
	if err != nil {
		return Timeline{}, err
	}
	t := Timeline{CustomerHistory: h}
	qctx, cancel := context.WithTimeout(ctx, runsTimeout)
	defer cancel()
	t.Runs, t.RunsErr = s.CustomerRuns(qctx, workspaceID, h.ID, queries, true)
	return t, nil
}
