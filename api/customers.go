package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/tabiji/tabiji/workflows"
)

// runResponse is one journey run of a customer.
type runResponse struct {
	WorkflowID string           `json:"workflowId"`
	RunID      string           `json:"runId"`
	JourneyID  string           `json:"journeyId"`
	Version    int64            `json:"version"`
	Status     string           `json:"status"`
	Step       string           `json:"step"`
	Outcome    string           `json:"outcome,omitempty"`
	StartedAt  time.Time        `json:"startedAt"`
	ClosedAt   *time.Time       `json:"closedAt,omitempty"`
	State      *workflows.State `json:"state,omitempty"`
	WebURL     string           `json:"webUrl,omitempty"`
}

// maxStateQueries bounds the live state queries one listing makes.
const maxStateQueries = 20

// customerJourneys lists a customer's journey runs through Temporal
// visibility, by the same search attributes the Web UI filters on.
func (s *server) customerJourneys(c *gin.Context) {
	customer := c.Param("id")
	runs, webURL, err := s.listCustomerRuns(c.Request.Context(), workspace(c), customer, maxStateQueries, false)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := gin.H{"customerId": customer, "runs": runs}
	if webURL != "" {
		out["webUrl"] = webURL
	}
	c.JSON(http.StatusOK, out)
}

// listCustomerRuns lists a customer's runs, with the live state of the first
// queries of them (running ones only, unless closed too), and the Web UI
// address of the list ("" without a Web UI).
func (s *server) listCustomerRuns(ctx context.Context, ws, customer string, queries int, closed bool) ([]runResponse, string, error) {
	query := fmt.Sprintf("%s = %s AND %s = %s",
		workflows.AttrWorkspace.GetName(), quote(ws), workflows.AttrCustomer.GetName(), quote(customer))
	resp, err := s.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: s.Namespace, Query: query, PageSize: 100,
	})
	if err != nil {
		return nil, "", fmt.Errorf("list runs of %s: %w", customer, err)
	}
	runs := make([]runResponse, 0, len(resp.Executions))
	for _, e := range resp.Executions {
		r := s.toRun(e)
		if (closed || r.Status == "running") && queries > 0 {
			r.State = s.queryState(ctx, r.WorkflowID, r.RunID)
			queries--
		}
		runs = append(runs, r)
	}
	webURL := ""
	if s.WebUIURL != "" {
		webURL = fmt.Sprintf("%s/namespaces/%s/workflows?query=%s", s.WebUIURL, url.PathEscape(s.Namespace), url.QueryEscape(query))
	}
	return runs, webURL, nil
}

func (s *server) toRun(e *workflow.WorkflowExecutionInfo) runResponse {
	sa := converter.GetDefaultDataConverter()
	attr := func(name string) string {
		var v string
		if p, ok := e.GetSearchAttributes().GetIndexedFields()[name]; ok {
			_ = sa.FromPayload(p, &v)
		}
		return v
	}
	var version int64
	if p, ok := e.GetSearchAttributes().GetIndexedFields()[workflows.AttrVersion.GetName()]; ok {
		_ = sa.FromPayload(p, &version)
	}
	r := runResponse{
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
func (s *server) queryState(ctx context.Context, workflowID, runID string) *workflows.State {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
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

// quote writes a string literal for a visibility query.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
