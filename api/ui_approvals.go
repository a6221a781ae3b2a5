package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/approvals"
	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/store"
)

// uiApprovalsPageSize is how many decided requests the approvals page lists at a time.
const uiApprovalsPageSize = 50

// uiApprovals is GET /ui/approvals: the workspace's approval rule, the
// requests that wait (with approve and reject for those who may decide,
// withdraw for their requester) and the decided ones, paged by cursor.
func (s *server) uiApprovals(c *gin.Context) {
	frame, err := s.frame(c, console.SectionApprovals, "approvals.title")
	if err != nil {
		s.fail(c, err)
		return
	}
	after := c.Query("after")
	o, err := s.approvals.Overview(c.Request.Context(), workspace(c), after, uiApprovalsPageSize)
	if errors.Is(err, store.ErrInvalidCursor) {
		uiNotFound(c, frame.Lang, console.T(frame.Lang, "approvals.title")+" "+after)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	by := approvalActor(c)
	page := console.ApprovalsPage{Frame: frame, Required: o.Policy.Required, ApproverRole: o.Policy.ApproverRole}
	for _, a := range o.Pending {
		page.Pending = append(page.Pending, approvalButtons(approvalRow(frame, a), a, o.Policy, by))
	}
	for _, a := range o.Decided {
		page.Decided = append(page.Decided, approvalRow(frame, a))
	}
	if o.Next != "" {
		page.NextURL = "/ui/approvals?" + url.Values{"after": {o.Next}}.Encode()
	}
	if after != "" {
		page.FirstURL = "/ui/approvals"
	}
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.Approvals(buf, page) })
}

// approvalRow is a request as the pages show it.
func approvalRow(frame console.Frame, a store.ApprovalRequest) console.ApprovalRow {
	row := console.ApprovalRow{ID: a.ID, Kind: a.Kind, TargetID: a.TargetID, State: a.State,
		RequestedBy: whoName(a.RequestedBy), RequestedAt: frame.When(a.RequestedAt),
		DecidedBy: whoName(a.DecidedBy), Comment: a.Comment, Error: a.Error}
	if a.Kind == store.ApprovalJourneyActivate {
		row.TargetURL = "/ui/journeys/" + url.PathEscape(a.TargetID)
	}
	var params struct {
		SendAt string `json:"sendAt"`
	}
	if json.Unmarshal(a.Params, &params) == nil {
		row.SendAt = params.SendAt
		if at, err := time.Parse(time.RFC3339, params.SendAt); err == nil {
			row.SendAt = frame.When(at)
		}
	}
	if a.DecidedAt != nil {
		row.DecidedAt = frame.When(*a.DecidedAt)
	}
	return row
}

// approvalButtons gives a pending request's row the buttons the reader
// gets: an approver (whose role the permission table lets decide)
// approves or rejects another's request; its requester may withdraw it.
func approvalButtons(row console.ApprovalRow, a store.ApprovalRequest, p store.ApprovalPolicy, by approvals.Actor) console.ApprovalRow {
	mayCall := by.Kind != store.ActorPerson || slices.Contains(permissions["POST /v1/approvals/:id/approve"], people.Role(by.Role))
	row.Own = a.RequestedBy.Kind == by.Kind && a.RequestedBy.ID == by.ID
	approver := mayCall && approvals.MayDecide(p, by)
	row.CanApprove = approver && !row.Own
	row.CanReject = approver || (mayCall && row.Own)
	return row
}

// whoName is who asked or decided as a page names them: the person's
// address or the key's name, else its id.
func whoName(a store.AuditActor) string {
	if a.Name != "" {
		return a.Name
	}
	return a.ID
}
