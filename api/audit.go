package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/audit"
	"github.com/tabiji/tabiji/store"
)

// Context values of a console session besides those console.go names
// (the console contract): the person's id; and what a handler adds to its
// change's audit record (an approval request's id, the template a journey
// was launched from; the resource the change made: auditMade).
const (
	auditPersonCtx   = "tabiji.person"
	auditDetailKey   = "tabiji.audit.detail"
	auditResourceKey = "tabiji.audit.resource"
)

// auditNote adds key to the detail of the request's audit record.
func auditNote(c *gin.Context, key string, v any) {
	d, _ := c.Get(auditDetailKey)
	m, _ := d.(map[string]any)
	if m == nil {
		m = map[string]any{}
		c.Set(auditDetailKey, m)
	}
	m[key] = v
}

// auditMade names what the request made (resource and id) as the audit
// record's resource, in place of the route's (a template's launch is
// recorded on the journey it made).
func auditMade(c *gin.Context, resource, id string) {
	c.Set(auditResourceKey, [2]string{resource, id})
}

// auditDetail is the detail the handler noted, nil without one.
func auditDetail(c *gin.Context) json.RawMessage {
	d, ok := c.Get(auditDetailKey)
	if !ok {
		return nil
	}
	doc, err := json.Marshal(d)
	if err != nil {
		return nil
	}
	return doc
}

// maxAuditBody bounds the answer a record keeps as "after" when the
// resource has no page to read it from again.
const maxAuditBody = 256 << 10

// auditTarget is what the audit log records of one state-changing route:
// the resource and action, the path parameter naming the resource, and
// the GET handler that shows it (read before and after the change).
type auditTarget struct {
	resource, action, idParam string
	snapshot                  gin.HandlerFunc
	// customer: the resource is a customer (its id is theirs), so that
	// erasing them blanks the record.
	customer bool
	// noBefore: the record keeps no "before" (an erasure: what it erases
	// must not move into the log).
	noBefore bool
}

// auditAnswerOnly are actions that leave their resource as it was (a
// customer entered into a journey, a test message sent) or whose resource
// is a collection no GET reads whole (an import: GET /v1/profiles is the
// search, which needs a query), or that make another resource than the
// route's (a template's launch makes a journey, which the answer shows):
// their record keeps the answer as after,
// and reads no before.
var auditAnswerOnly = map[string]bool{"enter": true, "test-send": true, "import": true, "launch": true}

// auditActionWords are the last path segments of POST routes without an
// id that name an action on the resource before them, not a new resource.
var auditActionWords = map[string]bool{"import": true, "rotate": true}

// auditTargets derives each state-changing management route's target from
// its path: /v1/journeys/:id/activate is resource "journeys", id param
// "id", action "activate", shown by GET /v1/journeys/:id.
func auditTargets(routes gin.RoutesInfo) map[string]auditTarget {
	gets := map[string]gin.HandlerFunc{}
	for _, r := range routes {
		if r.Method == http.MethodGet {
			gets[r.Path] = r.HandlerFunc
		}
	}
	out := map[string]auditTarget{}
	for _, r := range routes {
		if !changes(r.Method) || auditExemption(r.Method, r.Path) != "" {
			continue
		}
		out[r.Method+" "+r.Path] = auditTargetOf(r.Method, r.Path, gets)
	}
	return out
}

func auditTargetOf(method, path string, gets map[string]gin.HandlerFunc) auditTarget {
	parts := strings.Split(strings.TrimPrefix(path, "/v1/"), "/")
	t := auditTarget{action: map[string]string{http.MethodPost: "create", http.MethodDelete: "delete"}[method]}
	if t.action == "" {
		t.action = "update"
	}
	if last := len(parts) - 1; method == http.MethodPost && last > 0 && !isParam(parts[last]) &&
		(isParam(parts[last-1]) || auditActionWords[parts[last]]) {
		t.action, parts = parts[last], parts[:last]
	}
	var static []string
	for _, p := range parts {
		if !isParam(p) {
			static = append(static, p)
		} else if t.idParam == "" {
			t.idParam = p[1:]
		}
	}
	t.resource = strings.Join(static, "/")
	t.customer = t.resource == "profiles" && t.idParam != ""
	t.noBefore = t.customer && method == http.MethodDelete
	if (t.idParam != "" || t.action != "create") && !auditAnswerOnly[t.action] {
		t.snapshot = gets[path]
		if t.snapshot == nil {
			t.snapshot = gets["/v1/"+strings.Join(parts, "/")]
		}
	}
	return t
}

func isParam(segment string) bool {
	return strings.HasPrefix(segment, ":") || strings.HasPrefix(segment, "*")
}

// changes says whether a request of method may change something.
func changes(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch || method == http.MethodDelete
}

// auditExemption is why a state-changing route records nothing in the
// audit log, "" when it records. The audit log is about what people and
// their keys change in a workspace's setup; customers' events, providers'
// reports and customers' own pages are the customer data itself.
func auditExemption(method, path string) string {
	switch {
	case strings.HasPrefix(path, "/webhooks/"):
		return "a provider's signed report about messages, not a change made by a person or key"
	case strings.HasPrefix(path, "/u/"), strings.HasPrefix(path, "/optin/"), strings.HasPrefix(path, "/f/"):
		return "a customer's own page (a signed token or a public form), not a change made by a person or key"
	case strings.HasPrefix(path, "/ui/"):
		return "console sessions (login, logout) and the Temporal Web UI's codec, which change no workspace data"
	case path == "/v1/journeys/:id/simulate", path == "/v1/templates/:id/preview", path == "/v1/segments/preview",
		path == "/v1/journeys/check-expression", path == "/v1/journeys/convert", path == "/v1/templates/render":
		return "a dry run: computes an answer and changes nothing"
	case method == http.MethodPost && ingestionPath(path):
		return "ingestion: customers' events, recorded as events, not setup changes"
	}
	return ""
}

// ingestionPath says whether path is one of the ingestion routes (routes.go).
func ingestionPath(path string) bool {
	name := strings.TrimPrefix(path, "/v1/")
	_, short := shortRoutes[name]
	switch name {
	case "identify", "track", "page", "screen", "group", "alias", "batch", "b", "push/opened":
		return true
	}
	return short
}

// auditActor is who makes the request's change: the console session's
// person, else the key.
func auditActor(c *gin.Context) store.AuditActor {
	if p := c.GetString(auditPersonCtx); p != "" {
		return store.AuditActor{Kind: store.ActorPerson, ID: p, Name: c.GetString(personEmailKey)}
	}
	return store.AuditActor{Kind: store.ActorKey, ID: keyID(c)}
}

// audit records every change made through the management API: before the
// handler runs, a record with the resource as it was (so a change that
// succeeds always has one, even if the process stops mid-way); after it,
// how it ended and the resource as it is. A record that cannot be written
// refuses the change.
func (s *server) audit(c *gin.Context) {
	t, ok := s.auditTargets[c.Request.Method+" "+c.FullPath()]
	if !ok {
		c.Next()
		return
	}
	rec := store.AuditRecord{WorkspaceID: workspace(c), Actor: auditActor(c), Resource: t.resource, Action: t.action,
		Method: c.Request.Method, Route: c.FullPath(), ClientIP: c.ClientIP(), UserAgent: c.Request.UserAgent()}
	if t.idParam != "" {
		rec.ResourceID = strings.TrimPrefix(c.Param(t.idParam), "/")
	}
	if t.customer {
		rec.CustomerIDs = []string{rec.ResourceID}
	}
	var rawBefore json.RawMessage
	if !t.noBefore {
		rawBefore = s.snapshot(c, t.snapshot)
	}
	rec.Before, _ = audit.Redact(rawBefore, nil)
	ids, _ := audit.CustomerIDs(rec.Before)
	rec.CustomerIDs = append(rec.CustomerIDs, ids...)
	begun, err := s.Store.BeginAudit(c.Request.Context(), rec)
	if err != nil {
		s.fail(c, err)
		c.Abort()
		return
	}
	tee := &teeWriter{ResponseWriter: c.Writer}
	c.Writer = tee
	defer func() {
		if v := recover(); v != nil {
			s.finishAudit(c, begun, store.AuditEnd{Outcome: store.AuditFailed, Status: http.StatusInternalServerError})
			panic(v)
		}
	}()
	c.Next()
	status := c.Writer.Status()
	end := store.AuditEnd{Outcome: audit.OutcomeFor(status), Status: status}
	if end.Outcome == store.AuditSucceeded && t.action != "delete" {
		rawAfter := s.snapshot(c, t.snapshot)
		if t.snapshot == nil && tee.buf.Len() < maxAuditBody {
			rawAfter = tee.buf.Bytes()
		}
		_, end.After = audit.Redact(rawBefore, rawAfter)
	}
	end.Detail = auditDetail(c)
	if made, ok := c.Get(auditResourceKey); ok && end.Outcome == store.AuditSucceeded {
		r, _ := made.([2]string)
		end.Resource, end.ResourceID = r[0], r[1]
	}
	var whole bool
	if end.CustomerIDs, whole = audit.CustomerIDs(end.After, end.Detail); !whole {
		end.After = json.RawMessage(`{"omitted":"the answer names more customers than a record keeps"}`)
	}
	s.finishAudit(c, begun, end)
}

// finishAudit completes the record; a failure leaves it "unknown", logged.
func (s *server) finishAudit(c *gin.Context, rec store.AuditRecord, end store.AuditEnd) {
	ctx := context.WithoutCancel(c.Request.Context())
	if err := s.Store.FinishAudit(ctx, rec.WorkspaceID, rec.ID, end); err != nil {
		s.Logger.ErrorContext(ctx, "audit record left unfinished", "record", rec.ID, "error", err)
	}
}

// snapshot is what the GET handler h answers for the request's resource
// (its JSON when 200), nil without one.
func (s *server) snapshot(c *gin.Context, h gin.HandlerFunc) (doc json.RawMessage) {
	if h == nil || s.engine == nil {
		return nil
	}
	defer func() {
		if v := recover(); v != nil {
			s.Logger.ErrorContext(c.Request.Context(), "audit snapshot failed", "route", c.FullPath(), "panic", v)
			doc = nil
		}
	}()
	rec := httptest.NewRecorder()
	sc := gin.CreateTestContextOnly(rec, s.engine)
	req, err := http.NewRequestWithContext(c.Request.Context(), http.MethodGet, c.Request.URL.Path, nil)
	if err != nil {
		return nil
	}
	req.Header = c.Request.Header.Clone()
	sc.Request, sc.Params = req, c.Params
	for k, v := range c.Keys {
		sc.Set(k, v)
	}
	h(sc)
	if rec.Code != http.StatusOK || !json.Valid(rec.Body.Bytes()) {
		return nil
	}
	return rec.Body.Bytes()
}

// teeWriter keeps the first maxAuditBody bytes of the answer.
type teeWriter struct {
	gin.ResponseWriter
	buf bytes.Buffer
}

func (w *teeWriter) keep(b []byte) {
	if room := maxAuditBody + 1 - w.buf.Len(); room > 0 {
		w.buf.Write(b[:min(len(b), room)])
	}
}

func (w *teeWriter) Write(b []byte) (int, error) {
	w.keep(b)
	return w.ResponseWriter.Write(b)
}

func (w *teeWriter) WriteString(s string) (int, error) {
	w.keep([]byte(s))
	return w.ResponseWriter.WriteString(s)
}

// Unwrap lets http.ResponseController reach the connection (longRequest).
func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
