package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/approvals"
	"github.com/tabiji/tabiji/store"
)

// approvalResponse is an approval request: the change asked for (kind,
// target, params), who asked and when, and who decided, how and why.
type approvalResponse struct {
	ID          string          `json:"id"`
	Kind        string          `json:"kind"`
	TargetID    string          `json:"targetId"`
	Params      json.RawMessage `json:"params"`
	State       string          `json:"state"`
	RequestedBy auditActorBody  `json:"requestedBy"`
	RequestedAt time.Time       `json:"requestedAt"`
	DecidedBy   *auditActorBody `json:"decidedBy,omitempty"`
	DecidedAt   *time.Time      `json:"decidedAt,omitempty"`
	Comment     string          `json:"comment,omitempty"`
	Error       string          `json:"error,omitempty"`
}

func toApprovalResponse(a store.ApprovalRequest) approvalResponse {
	out := approvalResponse{ID: a.ID, Kind: a.Kind, TargetID: a.TargetID, Params: a.Params, State: a.State,
		RequestedBy: auditActorBody(a.RequestedBy), RequestedAt: a.RequestedAt, DecidedAt: a.DecidedAt,
		Comment: a.Comment, Error: a.Error}
	if a.DecidedBy.ID != "" {
		d := auditActorBody(a.DecidedBy)
		out.DecidedBy = &d
	}
	return out
}

// approvalActor is who asks or decides: the session's person with their
// role, or the key.
func approvalActor(c *gin.Context) approvals.Actor {
	return approvals.Actor{AuditActor: auditActor(c), Role: c.GetString(personRoleKey)}
}

// requested answers a change that now waits for an approver: 202 with the
// request, which the audit record of the change names too.
func requested(c *gin.Context, a store.ApprovalRequest) {
	auditNote(c, "approvalRequest", a.ID)
	c.JSON(http.StatusAccepted, toApprovalResponse(a))
}

// approvalPolicyBody is GET and PUT /v1/workspace/approvals.
type approvalPolicyBody struct {
	Required     *bool  `json:"required"`
	ApproverRole string `json:"approverRole"`
}

// getApprovalPolicy is GET /v1/workspace/approvals.
func (s *server) getApprovalPolicy(c *gin.Context) {
	p, err := s.Store.ApprovalPolicy(c.Request.Context(), workspace(c))
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, approvalPolicyBody{Required: &p.Required, ApproverRole: p.ApproverRole})
}

// putApprovalPolicy is PUT /v1/workspace/approvals: whether activating a
// journey or scheduling a broadcast needs an approval, and which role
// approves (owner when not given; owners always may).
func (s *server) putApprovalPolicy(c *gin.Context) {
	var b approvalPolicyBody
	if !decodeJSON(c, 1<<10, &b, true) {
		return
	}
	if b.Required == nil {
		invalid(c, "required", "is required: true or false")
		return
	}
	if b.ApproverRole == "" {
		b.ApproverRole = "owner"
	}
	if s.answered(c, approvals.CheckApproverRole(b.ApproverRole, "approverRole")) {
		return
	}
	p, err := s.Store.SetApprovalPolicy(c.Request.Context(), workspace(c), store.ApprovalPolicy{Required: *b.Required, ApproverRole: b.ApproverRole})
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, approvalPolicyBody{Required: &p.Required, ApproverRole: p.ApproverRole})
}

// listApprovals is GET /v1/approvals: the workspace's requests, newest
// first, of one state (?state=pending) or all, paged by cursor.
func (s *server) listApprovals(c *gin.Context) {
	state := c.Query("state")
	if state != "" && !slices.Contains([]string{store.ApprovalPending, store.ApprovalApproved, store.ApprovalRejected, store.ApprovalFailed}, state) {
		invalid(c, "state", "is not a state (pending, approved, rejected, failed)")
		return
	}
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	list, next, err := s.Store.ApprovalRequests(c.Request.Context(), workspace(c), state, limit, c.Query("after"))
	if s.answered(c, err) {
		return
	}
	out := make([]approvalResponse, len(list))
	for i, a := range list {
		out[i] = toApprovalResponse(a)
	}
	body := gin.H{"approvals": out}
	if next != "" {
		body["next"] = next
	}
	c.JSON(http.StatusOK, body)
}

// getApproval is GET /v1/approvals/{id}: one request and its state, for the
// requester to follow.
func (s *server) getApproval(c *gin.Context) {
	a, err := s.Store.ApprovalRequestByID(c.Request.Context(), workspace(c), c.Param("id"))
	if s.answered(c, err, notFound("no approval request "+c.Param("id")+" in this workspace")) {
		return
	}
	c.JSON(http.StatusOK, toApprovalResponse(a))
}

// decisionBody is POST /v1/approvals/{id}/approve and /reject.
type decisionBody struct {
	Comment string `json:"comment"`
}

// approveRequest is POST /v1/approvals/{id}/approve: performs the change
// once; the approver may not be the requester.
func (s *server) approveRequest(c *gin.Context) {
	var b decisionBody
	if c.Request.ContentLength != 0 && !decodeJSON(c, 4<<10, &b, true) {
		return
	}
	a, err := s.approvals.Approve(c.Request.Context(), workspace(c), c.Param("id"), approvalActor(c), strings.TrimSpace(b.Comment))
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, toApprovalResponse(a))
}

// rejectRequest is POST /v1/approvals/{id}/reject: the comment, required,
// tells the requester why.
func (s *server) rejectRequest(c *gin.Context) {
	var b decisionBody
	if !decodeJSON(c, 4<<10, &b, true) {
		return
	}
	if b.Comment = strings.TrimSpace(b.Comment); b.Comment == "" {
		invalid(c, "comment", "is required: tell the requester why")
		return
	}
	a, err := s.approvals.Reject(c.Request.Context(), workspace(c), c.Param("id"), approvalActor(c), b.Comment)
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, toApprovalResponse(a))
}
