package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/audit"
	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/store"
)

// localMinute is how a datetime-local input sends a time.
const localMinute = "2006-01-02T15:04"

// uiAuditPageSize is how many records the audit page lists at a time.
const uiAuditPageSize = 50

// uiAudit is GET /ui/audit, the owner's audit log page: the records that
// GET /v1/audit's filters select (times typed in the workspace's zone),
// a page at a time by the same cursor, and the link to the same records
// as CSV (GET /v1/audit.csv).
func (s *server) uiAudit(c *gin.Context) {
	frame, err := s.frame(c, console.SectionAudit, "audit.title")
	if err != nil {
		s.fail(c, err)
		return
	}
	page := console.AuditPage{Frame: frame, Outcomes: audit.Outcomes, Errors: map[string]string{}}
	f, query := uiAuditFilter(c, &page)
	status := http.StatusOK
	if len(page.Errors) > 0 {
		status = http.StatusBadRequest
	} else {
		list, next, err := s.Store.AuditLog(c.Request.Context(), workspace(c), f)
		switch {
		case errors.Is(err, store.ErrInvalidCursor):
			page.Error, status = console.T(frame.Lang, "audit.badcursor"), http.StatusBadRequest
		case err != nil:
			s.fail(c, err)
			return
		}
		page.Records = auditRows(frame, list)
		page.CSVURL = "/v1/audit.csv?" + query.Encode()
		if next != "" {
			page.NextURL = "/ui/audit?" + uiAuditQuery(page.Filter, next)
		}
		if f.After != "" {
			page.FirstURL = "/ui/audit?" + uiAuditQuery(page.Filter, "")
		}
	}
	var buf bytes.Buffer
	if err := console.Audit(&buf, page); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// uiAuditFilter reads the page's filter form into the store's filter and
// the API's query (times in RFC 3339), noting each bad field on the page.
func uiAuditFilter(c *gin.Context, page *console.AuditPage) (store.AuditFilter, url.Values) {
	in := console.AuditFilter{Actor: c.Query("actor"), Resource: c.Query("resource"), ResourceID: c.Query("resourceId"),
		Action: c.Query("action"), Outcome: c.Query("outcome"), Since: c.Query("since"), Until: c.Query("until")}
	page.Filter = in
	f := store.AuditFilter{Actor: in.Actor, Resource: in.Resource, ResourceID: in.ResourceID, Action: in.Action,
		Outcome: in.Outcome, After: c.Query("after"), Limit: uiAuditPageSize}
	q := url.Values{}
	for k, v := range map[string]string{"actor": in.Actor, "resource": in.Resource, "resourceId": in.ResourceID, "action": in.Action, "outcome": in.Outcome} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if in.Outcome != "" && !slices.Contains(audit.Outcomes, in.Outcome) {
		page.Errors["outcome"] = console.T(page.Lang, "audit.badoutcome")
	}
	for _, p := range []struct {
		name, value string
		to          *time.Time
	}{{"since", in.Since, &f.Since}, {"until", in.Until, &f.Until}} {
		if p.value == "" {
			continue
		}
		t, err := time.ParseInLocation(localMinute, p.value, page.Zone)
		if err != nil {
			page.Errors[p.name] = console.T(page.Lang, "audit.badtime")
			continue
		}
		*p.to = t
		q.Set(p.name, t.Format(time.RFC3339))
	}
	return f, q
}

// uiAuditQuery is the page's own query for the filter and a cursor.
func uiAuditQuery(f console.AuditFilter, after string) string {
	q := url.Values{}
	for k, v := range map[string]string{"actor": f.Actor, "resource": f.Resource, "resourceId": f.ResourceID, "action": f.Action,
		"outcome": f.Outcome, "since": f.Since, "until": f.Until, "after": after} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}

// auditRows writes the records as the page lists them.
func auditRows(frame console.Frame, list []store.AuditRecord) []console.AuditRow {
	rows := make([]console.AuditRow, len(list))
	for i, r := range list {
		rows[i] = console.AuditRow{ID: r.ID, When: frame.When(r.At), ActorKind: r.Actor.Kind, ActorID: r.Actor.ID, ActorName: r.Actor.Name,
			Resource: r.Resource, ResourceID: r.ResourceID, Action: r.Action, Outcome: r.Outcome, Status: r.Status,
			Method: r.Method, Route: r.Route, ClientIP: r.ClientIP, UserAgent: r.UserAgent, Changes: console.Changes(r.Before, r.After)}
		rows[i].Requester, rows[i].Approver = approvalNames(r.After)
		var d struct {
			Request  string `json:"approvalRequest"`
			Template string `json:"template"`
			Journey  struct {
				Name string `json:"name"`
			} `json:"journey"`
		}
		if json.Unmarshal(r.Detail, &d) == nil {
			rows[i].ApprovalID, rows[i].Template, rows[i].ResourceName = d.Request, d.Template, d.Journey.Name
		}
	}
	return rows
}

// approvalNames are the requester's and the decider's names in an
// approval request as the audit log keeps it (the record of an approval
// or rejection); "" when the document is no such request.
func approvalNames(doc json.RawMessage) (requester, decider string) {
	var a struct {
		Kind        string          `json:"kind"`
		RequestedBy *auditActorBody `json:"requestedBy"`
		DecidedBy   *auditActorBody `json:"decidedBy"`
	}
	if json.Unmarshal(doc, &a) != nil || a.Kind == "" || a.RequestedBy == nil {
		return "", ""
	}
	requester = a.RequestedBy.Name
	if a.DecidedBy != nil {
		decider = a.DecidedBy.Name
	}
	return requester, decider
}
