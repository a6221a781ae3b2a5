package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/profiles"
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

func toRunResponse(r profiles.CustomerRun) runResponse {
	return runResponse{WorkflowID: r.WorkflowID, RunID: r.RunID, JourneyID: r.JourneyID, Version: r.Version,
		Status: r.Status, Step: r.Step, Outcome: r.Outcome, StartedAt: r.StartedAt, ClosedAt: r.ClosedAt,
		State: r.State, WebURL: r.WebURL}
}

// maxStateQueries bounds the live state queries one listing makes.
const maxStateQueries = 20

// customerJourneys lists a customer's journey runs through Temporal
// visibility, by the same search attributes the Web UI filters on
// (profiles.Service.CustomerRuns), with the live state of the running ones.
func (s *server) customerJourneys(c *gin.Context) {
	customer := c.Param("id")
	runs, err := s.profiles.CustomerRuns(c.Request.Context(), workspace(c), customer, maxStateQueries, false)
	if s.answered(c, err) {
		return
	}
	out := gin.H{"customerId": customer, "runs": toRunResponses(runs.Runs)}
	if runs.WebURL != "" {
		out["webUrl"] = runs.WebURL
	}
	c.JSON(http.StatusOK, out)
}

func toRunResponses(runs []profiles.CustomerRun) []runResponse {
	out := make([]runResponse, len(runs))
	for i, r := range runs {
		out[i] = toRunResponse(r)
	}
	return out
}
