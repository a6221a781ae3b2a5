package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/audit"
	"github.com/tabiji/tabiji/store"
)

// auditRecordResponse is one record of GET /v1/audit.
type auditRecordResponse struct {
	ID         string          `json:"id"`
	At         time.Time       `json:"at"`
	FinishedAt *time.Time      `json:"finishedAt,omitempty"`
	Actor      auditActorBody  `json:"actor"`
	Resource   string          `json:"resource"`
	ResourceID string          `json:"resourceId"`
	Action     string          `json:"action"`
	Outcome    string          `json:"outcome"`
	Status     int             `json:"status"`
	Method     string          `json:"method"`
	Route      string          `json:"route"`
	ClientIP   string          `json:"clientIp"`
	UserAgent  string          `json:"userAgent"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
	Detail     json.RawMessage `json:"detail,omitempty"`
}

// auditActorBody is who made a change: kind key (id and name of the key)
// or person (id and email).
type auditActorBody struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

func auditResponse(r store.AuditRecord) auditRecordResponse {
	orNull := func(d json.RawMessage) json.RawMessage {
		if len(d) == 0 {
			return json.RawMessage("null")
		}
		return d
	}
	return auditRecordResponse{ID: r.ID, At: r.At, FinishedAt: r.FinishedAt,
		Actor:    auditActorBody{Kind: r.Actor.Kind, ID: r.Actor.ID, Name: r.Actor.Name},
		Resource: r.Resource, ResourceID: r.ResourceID, Action: r.Action, Outcome: r.Outcome, Status: r.Status,
		Method: r.Method, Route: r.Route, ClientIP: r.ClientIP, UserAgent: r.UserAgent,
		Before: orNull(r.Before), After: orNull(r.After), Detail: r.Detail}
}

// ownerOnly refuses a console session whose person is not an owner of the
// workspace; admin keys pass.
func ownerOnly(c *gin.Context) {
	if c.GetString(auditPersonCtx) != "" && c.GetString(personRoleKey) != "owner" {
		problem(c, http.StatusForbidden, "reading the audit log needs the owner role")
		c.Abort()
	}
}

// auditFilter reads the filters of GET /v1/audit and /v1/audit.csv;
// it answers a problem and returns false when one is bad.
func auditFilter(c *gin.Context) (store.AuditFilter, bool) {
	f := store.AuditFilter{Actor: c.Query("actor"), Resource: c.Query("resource"), ResourceID: c.Query("resourceId"),
		Action: c.Query("action"), Outcome: c.Query("outcome"), After: c.Query("after")}
	if f.Outcome != "" && !slices.Contains(audit.Outcomes, f.Outcome) {
		invalid(c, "outcome", "is not an outcome (unknown, succeeded, refused, failed)")
		return f, false
	}
	for _, p := range []struct {
		name string
		to   *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := c.Query(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				invalid(c, p.name, "is not a time in RFC 3339 (2026-12-07T09:00:00+09:00)")
				return f, false
			}
			*p.to = t
		}
	}
	limit, ok := pageLimit(c)
	f.Limit = limit
	return f, ok
}

// listAudit is GET /v1/audit: the workspace's audit records, newest first,
// filtered by actor, resource, resource id, action, outcome and time, and
// paged by cursor.
func (s *server) listAudit(c *gin.Context) {
	f, ok := auditFilter(c)
	if !ok {
		return
	}
	list, next, err := s.Store.AuditLog(c.Request.Context(), workspace(c), f)
	if s.answered(c, err) {
		return
	}
	out := make([]auditRecordResponse, len(list))
	for i, r := range list {
		out[i] = auditResponse(r)
	}
	body := gin.H{"records": out}
	if next != "" {
		body["next"] = next
	}
	c.JSON(http.StatusOK, body)
}

// exportAudit is GET /v1/audit.csv: every record the filters select, as
// CSV whose cells are safe to open in a spreadsheet.
func (s *server) exportAudit(c *gin.Context) {
	f, ok := auditFilter(c)
	if !ok {
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="audit.csv"`)
	c.Status(http.StatusOK)
	if err := audit.Export(c.Request.Context(), s.Store, workspace(c), f, c.Writer); err != nil {
		// The header is out: the export ends short, and the log says why.
		s.Logger.ErrorContext(c.Request.Context(), "audit export failed", "error", err)
	}
}
