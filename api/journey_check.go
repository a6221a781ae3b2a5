package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/routing"
)

// checkExpressionRequest is POST /v1/journeys/check-expression: one CEL
// condition, where it sits in a journey, and the events its `event` and
// `entry` name (optional: they only add the taxonomy's warnings).
type checkExpressionRequest struct {
	Expression *string `json:"expression"`
	Context    string  `json:"context"`
	Event      string  `json:"event"`
	EntryEvent string  `json:"entryEvent"`
}

// checkExpressionResponse is the check's verdict: valid, or the errors
// saving the journey would give (at the field "expression"), and the
// taxonomy's warnings (a trait or property it does not define).
type checkExpressionResponse struct {
	Valid    bool               `json:"valid"`
	Errors   []jsonfields.Error `json:"errors"`
	Warnings []jsonfields.Error `json:"warnings"`
}

// maxEventName is the longest event name the check takes (as a journey's).
const maxEventName = 200

// checkExpression checks one CEL condition as saving a journey would, for
// the canvas to check a field as it is typed: 200 with valid and the
// taxonomy's warnings, or valid false with the error journey validation
// gives, at the field "expression" (the check worked; the condition did
// not). A request that is itself wrong is a 4xx. Nothing is stored.
func (s *server) checkExpression(c *gin.Context) {
	var req checkExpressionRequest
	if !decodeJSON(c, 16<<10, &req, true) {
		return
	}
	switch {
	case req.Expression == nil || strings.TrimSpace(*req.Expression) == "":
		invalid(c, "expression", "is required: the CEL condition to check")
		return
	case !journey.IsConditionContext(req.Context):
		invalid(c, "context", "must be one of "+strings.Join(journey.ConditionContexts, ", "))
		return
	case len(req.Event) > maxEventName:
		invalid(c, "event", "is longer than 200 characters")
		return
	case len(req.EntryEvent) > maxEventName:
		invalid(c, "entryEvent", "is longer than 200 characters")
		return
	}
	verdict, err := s.router.CheckExpression(c.Request.Context(), workspace(c), routing.ExpressionCheck{
		Expression: *req.Expression, Context: req.Context, Event: req.Event, EntryEvent: req.EntryEvent})
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, checkExpressionResponse{Valid: len(verdict.Errors) == 0, Errors: orEmpty(verdict.Errors), Warnings: orEmpty(verdict.Warnings)})
}

// orEmpty answers a list as [] rather than null.
func orEmpty(errs []jsonfields.Error) []jsonfields.Error {
	if errs == nil {
		return []jsonfields.Error{}
	}
	return errs
}
