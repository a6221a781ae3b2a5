// Package profiles answers for customers across Postgres and Temporal:
// one customer's profile with its latest events, consent and running
// journey runs, their runs with their live state, the console's timeline
// of them, erasure, which ends and deletes the customer's runs before the
// store erases the rest, and the pages of a profile export with their
// columns. Each is one call for the API.
package profiles

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
	"github.com/tabiji/tabiji/workflows"
	"github.com/tabiji/tabiji/wscache"
)

// Service reads and erases customers.
type Service struct {
	Store     *store.Store
	Temporal  client.Client
	Namespace string
	// WebUIURL is the Temporal Web UI's address, for links to runs; empty
	// without one.
	WebUIURL string
	// Taxonomies holds each workspace's compiled taxonomy (the ingestion's
	// cache), whose user properties are an export's columns.
	Taxonomies *wscache.Cache[*taxonomy.Taxonomy]
}

// View is a customer as GET /v1/profiles/{id} shows them.
type View struct {
	Profile store.Profile
	Events  []store.Event // the latest, newest first
	Consent []store.Consent
	Runs    []CustomerRun // the running journey runs
	// Suppressions are the customer's addresses Tabiji will not send to.
	Suppressions []store.Suppression
}

// View reads a customer by its id or a merged id: the profile, its latest
// events (at most events), its consent, its running journey runs and the
// suppressions of its addresses. It
// returns store.ErrNotFound for a customer the workspace lacks.
func (s *Service) View(ctx context.Context, workspaceID, id string, events int) (View, error) {
	p, err := s.Store.GetProfile(ctx, workspaceID, id)
	if err != nil {
		return View{}, err
	}
	v := View{Profile: p}
	if v.Events, _, err = s.Store.CustomerEvents(ctx, workspaceID, p.ID, store.TimelineFilter{Limit: events}); err != nil {
		return v, fmt.Errorf("profiles: events of %s: %w", p.ID, err)
	}
	runs, err := s.Runs(ctx, workspaceID, append([]string{p.ID}, p.AnonymousIDs...), true)
	if err != nil {
		return v, err
	}
	for _, r := range runs {
		v.Runs = append(v.Runs, s.Run(r))
	}
	if v.Consent, err = s.Store.ListConsent(ctx, workspaceID, p.ID); err != nil {
		return v, fmt.Errorf("profiles: consent of %s: %w", p.ID, err)
	}
	if v.Suppressions, err = s.Store.ProfileSuppressions(ctx, p); err != nil {
		return v, fmt.Errorf("profiles: suppressions of %s: %w", p.ID, err)
	}
	return v, nil
}

// Erase erases a customer under GDPR and APPI: its journey runs are ended
// (terminated with reason "erasure", then deleted from Temporal with their
// histories), and its profile, merged ids, events, quarantined events and
// messages are deleted; an audit record without personal data stays,
// naming actorKeyID. It returns store.ErrNotFound when the workspace has
// neither a profile nor a run of the customer.
func (s *Service) Erase(ctx context.Context, workspaceID, id, actorKeyID string) (store.Erasure, error) {
	ids := []string{id}
	p, profileErr := s.Store.GetProfile(ctx, workspaceID, id)
	if profileErr == nil {
		ids = append([]string{p.ID}, p.AnonymousIDs...)
	} else if !errors.Is(profileErr, store.ErrNotFound) {
		return store.Erasure{}, profileErr
	}
	runs, err := s.Runs(ctx, workspaceID, ids, false)
	if err != nil {
		return store.Erasure{}, err
	}
	if profileErr != nil && len(runs) == 0 {
		return store.Erasure{}, profileErr
	}
	ended, err := s.endRuns(ctx, runs)
	if err != nil {
		return store.Erasure{}, err
	}
	return s.Store.EraseCustomer(ctx, workspaceID, id, ids, actorKeyID, ended)
}

// endRuns terminates the running runs with reason "erasure", then deletes
// every run with its history, and says how many were running.
func (s *Service) endRuns(ctx context.Context, runs []*workflow.WorkflowExecutionInfo) (int, error) {
	ended := 0
	for _, r := range runs {
		ex := r.GetExecution()
		if r.GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
			if err := s.Temporal.TerminateWorkflow(ctx, ex.GetWorkflowId(), ex.GetRunId(), "erasure"); err != nil {
				return ended, fmt.Errorf("terminate run %s: %w", ex.GetWorkflowId(), err)
			}
			ended++
		}
		_, err := s.Temporal.WorkflowService().DeleteWorkflowExecution(ctx, &workflowservice.DeleteWorkflowExecutionRequest{
			Namespace: s.Namespace, WorkflowExecution: &common.WorkflowExecution{WorkflowId: ex.GetWorkflowId(), RunId: ex.GetRunId()},
		})
		if err != nil {
			return ended, fmt.Errorf("delete run %s: %w", ex.GetWorkflowId(), err)
		}
	}
	return ended, nil
}

// Runs lists the journey runs of a customer known by any of ids, through
// Temporal visibility; only the running ones when running is true.
func (s *Service) Runs(ctx context.Context, workspaceID string, ids []string, running bool) ([]*workflow.WorkflowExecutionInfo, error) {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = quote(id)
	}
	query := fmt.Sprintf("%s = %s AND %s IN (%s)", workflows.AttrWorkspace.GetName(), quote(workspaceID),
		workflows.AttrCustomer.GetName(), strings.Join(quoted, ", "))
	if running {
		query += " AND ExecutionStatus = 'Running'"
	}
	var out []*workflow.WorkflowExecutionInfo
	var token []byte
	for {
		resp, err := s.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: s.Namespace, Query: query, PageSize: 100, NextPageToken: token,
		})
		if err != nil {
			return nil, fmt.Errorf("list runs of customer: %w", err)
		}
		out = append(out, resp.GetExecutions()...)
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return out, nil
		}
	}
}

// quote writes a string literal for a visibility query.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
