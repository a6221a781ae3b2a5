package console

import "io"

// The kinds and states of approval requests, as the API names them.
const (
	ApprovalJourneyActivate   = "journey.activate"
	ApprovalBroadcastSchedule = "broadcast.schedule"
	ApprovalPending           = "pending"
)

// ApprovalsPage is /ui/approvals: the workspace's rule, the requests that
// wait (pending first) and those decided, a page at a time.
type ApprovalsPage struct {
	Frame
	Required     bool
	ApproverRole string
	Pending      []ApprovalRow
	Decided      []ApprovalRow
	// NextURL is the next page of decided requests ("" on the last),
	// FirstURL the first (set on a later page).
	NextURL, FirstURL string
}

// ApprovalRow is one request as the pages show it, its times already
// written in the page's zone and language.
type ApprovalRow struct {
	ID, Kind, TargetID, TargetURL, State string
	SendAt                               string // a scheduling's asked time, as asked
	RequestedBy, RequestedAt             string
	DecidedBy, DecidedAt, Comment, Error string
	// CanApprove and CanReject say which buttons the reader gets: an
	// approver approves or rejects another's request; the requester may
	// withdraw (reject) their own (Own).
	CanApprove, CanReject, Own bool
}

// Approvals renders the approvals page.
func Approvals(w io.Writer, p ApprovalsPage) error { return render(w, "approvals.html", p) }
