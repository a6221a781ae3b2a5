package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// profileEvents is how many of the latest events GET /v1/profiles/{id} shows.
const profileEvents = 20

type profileResponse struct {
	ID             string               `json:"id"`
	AnonymousIDs   []string             `json:"anonymousIds"`
	Traits         map[string]any       `json:"traits"`
	TraitUpdatedAt map[string]time.Time `json:"traitUpdatedAt"`
	Tags           []string             `json:"tags"`
	Addresses      addressesResponse    `json:"addresses"`
	Timezone       string               `json:"timezone,omitempty"`
	Locale         string               `json:"locale,omitempty"`
	Consent        []consentResponse    `json:"consent"`
	Events         []eventResponse      `json:"events"`
	Journeys       []runResponse        `json:"journeys"`
	CreatedAt      time.Time            `json:"createdAt"`
	UpdatedAt      time.Time            `json:"updatedAt"`
}

type addressesResponse struct {
	Email      string   `json:"email,omitempty"`
	Phone      string   `json:"phone,omitempty"`
	LineUserID string   `json:"lineUserId,omitempty"`
	PushTokens []string `json:"pushTokens"`
}

// eventResponse is a stored event in the Segment spec's field names.
type eventResponse struct {
	MessageID   string          `json:"messageId"`
	Type        string          `json:"type"`
	UserID      string          `json:"userId"`
	AnonymousID string          `json:"anonymousId,omitempty"`
	Event       string          `json:"event,omitempty"`
	Properties  json.RawMessage `json:"properties"`
	Traits      json.RawMessage `json:"traits,omitempty"`
	Context     json.RawMessage `json:"context"`
	GroupID     string          `json:"groupId,omitempty"`
	PreviousID  string          `json:"previousId,omitempty"`
	Violations  json.RawMessage `json:"violations,omitempty"`
	Timestamp   time.Time       `json:"timestamp"`
	ReceivedAt  time.Time       `json:"receivedAt"`
	RoutedAt    *time.Time      `json:"routedAt,omitempty"`
}

func toEventResponse(e store.Event) eventResponse {
	r := eventResponse{
		MessageID: e.MessageID, Type: e.Type, UserID: e.UserID, AnonymousID: e.AnonymousID, Event: e.Name,
		Properties: e.Properties, Context: e.Context, GroupID: e.GroupID, PreviousID: e.PreviousID,
		Violations: e.Violations, Timestamp: e.Timestamp, ReceivedAt: e.ReceivedAt, RoutedAt: e.RoutedAt,
	}
	if string(e.Traits) != "{}" {
		r.Traits = e.Traits
	}
	return r
}

// consentResponse is the customer's choice for a channel (and topic; "" is
// the whole channel), as webhooks and the preference page recorded it.
type consentResponse struct {
	Channel   string    `json:"channel"`
	Topic     string    `json:"topic,omitempty"`
	Status    string    `json:"status"`
	Source    string    `json:"source,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func toConsent(cs []store.Consent) []consentResponse {
	out := make([]consentResponse, len(cs))
	for i, c := range cs {
		out[i] = consentResponse{Channel: c.Channel, Topic: c.Topic, Status: c.Status, Source: c.Source, UpdatedAt: c.UpdatedAt}
	}
	return out
}

// getProfile answers a customer's profile by its id or a merged id: traits,
// addresses, consent, latest events and running journeys.
func (s *server) getProfile(c *gin.Context) {
	ctx := c.Request.Context()
	p, err := s.Store.GetProfile(ctx, workspace(c), c.Param("id"))
	if s.answered(c, err, noCustomer(c)) {
		return
	}
	events, _, err := s.Store.CustomerEvents(ctx, workspace(c), p.ID, store.TimelineFilter{Limit: profileEvents})
	if err != nil {
		s.fail(c, err)
		return
	}
	runs, err := s.customerRuns(ctx, workspace(c), append([]string{p.ID}, p.AnonymousIDs...), true)
	if err != nil {
		s.fail(c, err)
		return
	}
	consent, err := s.Store.ListConsent(ctx, workspace(c), p.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := profileResponse{
		ID: p.ID, AnonymousIDs: nonNil(p.AnonymousIDs), Traits: p.Traits, TraitUpdatedAt: p.TraitUpdatedAt,
		Tags: nonNil(p.Tags), Timezone: p.Timezone, Locale: p.Locale, Consent: toConsent(consent),
		Addresses: addressesResponse{Email: p.Email, Phone: p.Phone, LineUserID: p.LineUserID, PushTokens: nonNil(p.PushTokens)},
		Events:    make([]eventResponse, len(events)), Journeys: make([]runResponse, len(runs)),
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
	for i, e := range events {
		out.Events[i] = toEventResponse(e)
	}
	for i, r := range runs {
		out.Journeys[i] = s.toRun(r)
	}
	c.JSON(http.StatusOK, out)
}

// profileTimeline answers a page of the customer's events, newest first.
func (s *server) profileTimeline(c *gin.Context) {
	f := store.TimelineFilter{After: c.Query("after")}
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	f.Limit = limit
	ctx := c.Request.Context()
	p, err := s.Store.GetProfile(ctx, workspace(c), c.Param("id"))
	if s.answered(c, err, noCustomer(c)) {
		return
	}
	events, next, err := s.Store.CustomerEvents(ctx, workspace(c), p.ID, f)
	if s.answered(c, err) {
		return
	}
	out := make([]eventResponse, len(events))
	for i, e := range events {
		out[i] = toEventResponse(e)
	}
	body := gin.H{"profileId": p.ID, "events": out}
	if next != "" {
		body["next"] = next
	}
	c.JSON(http.StatusOK, body)
}

// eraseProfile erases a customer under GDPR and APPI: its journey runs are
// ended (terminated with reason "erasure", then deleted from Temporal with
// their histories), and its profile, merged ids, events, quarantined events
// and messages are deleted; an audit record without personal data stays.
func (s *server) eraseProfile(c *gin.Context) {
	ctx := c.Request.Context()
	id := c.Param("id")
	ids := []string{id}
	p, profileErr := s.Store.GetProfile(ctx, workspace(c), id)
	if profileErr == nil {
		ids = append([]string{p.ID}, p.AnonymousIDs...)
	} else if !errors.Is(profileErr, store.ErrNotFound) {
		s.fail(c, profileErr)
		return
	}
	runs, err := s.customerRuns(ctx, workspace(c), ids, false)
	if err != nil {
		s.fail(c, err)
		return
	}
	if profileErr != nil && len(runs) == 0 {
		s.answered(c, profileErr, noCustomer(c))
		return
	}
	ended, err := s.endRuns(ctx, runs)
	if err != nil {
		s.fail(c, err)
		return
	}
	e, err := s.Store.EraseCustomer(ctx, workspace(c), id, ids, keyID(c), ended)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"erased": true, "erasureId": e.ID, "counts": e.Counts, "runsEnded": e.RunsEnded, "erasedAt": e.ErasedAt})
}

// endRuns terminates the running runs with reason "erasure", then deletes
// every run with its history, and says how many were running.
func (s *server) endRuns(ctx context.Context, runs []*workflow.WorkflowExecutionInfo) (int, error) {
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

// customerRuns lists the journey runs of a customer known by any of ids,
// through Temporal visibility; only the running ones when running is true.
func (s *server) customerRuns(ctx context.Context, workspaceID string, ids []string, running bool) ([]*workflow.WorkflowExecutionInfo, error) {
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

// noCustomer is the 404 of a path naming a customer the workspace lacks.
func noCustomer(c *gin.Context) outcome {
	return notFound("no customer " + c.Param("id") + " in this workspace")
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
