package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

// TestEveryChangeIsAudited: every state-changing route (POST, PUT, PATCH,
// DELETE) records in the audit log when called with an admin key, whatever
// its answer, unless auditExemption gives it a reason. A new route outside
// the audited management group fails here.
func TestEveryChangeIsAudited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := pgtest.Store(t)
	if err := st.EnsureWorkspace(ctx, "w", "w"); err != nil {
		t.Fatal(err)
	}
	secret, _, err := st.CreateKey(ctx, "w", store.RoleAdmin, "auditor")
	if err != nil {
		t.Fatal(err)
	}
	handler := NewServer(Deps{Store: st})
	engine, ok := handler.(*gin.Engine)
	if !ok {
		t.Fatal("NewServer is no longer a *gin.Engine")
	}
	b := &webhookBundle{store: st, handler: handler}
	header := map[string]string{"Authorization": "Bearer " + secret, "Content-Type": "application/json"}
	param := regexp.MustCompile(`[:*][a-zA-Z]+`)
	checked := 0
	for _, r := range engine.Routes() {
		if !changes(r.Method) || auditExemption(r.Method, r.Path) != "" {
			continue
		}
		b.do(t, r.Method, param.ReplaceAllString(r.Path, "x1"), header, `{}`)
		list, _, err := st.AuditLog(ctx, "w", store.AuditFilter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 0 || list[0].Route != r.Path || list[0].Method != r.Method {
			t.Errorf("%s %s records nothing in the audit log: keep it on the management group (s.audit) or give auditExemption a reason", r.Method, r.Path)
			continue
		}
		if list[0].Outcome == store.AuditUnknown || list[0].Actor.Name != "auditor" {
			t.Errorf("%s %s: record %+v is unfinished or not the key's", r.Method, r.Path, list[0])
		}
		checked++
	}
	if checked < 50 {
		t.Errorf("checked %d state-changing routes, want the management API's (more than 50)", checked)
	}
}

// TestAuditRecordsChannelCredentialsAsSet: a change of channel credentials
// records who (the key's id and name), what, before and after with the
// credentials as "set" and "changed", when and from where; never a value.
func TestAuditRecordsChannelCredentialsAsSet(t *testing.T) {
	t.Parallel()
	b := setupChannels(t)
	b.admin["User-Agent"] = "audit-test/1.0"
	for _, secret := range []string{"line-secret-one", "line-secret-two"} {
		if code, body := b.do(t, "PUT", "/v1/channels/line", b.admin, `{"channelSecret": "`+secret+`"}`); code != http.StatusOK {
			t.Fatalf("PUT channel = %d %s", code, body)
		}
	}
	code, body := b.do(t, "GET", "/v1/audit?resource=channels&action=update", b.admin, "")
	if code != http.StatusOK {
		t.Fatalf("GET /v1/audit = %d %s", code, body)
	}
	for _, secret := range []string{"line-secret-one", "line-secret-two"} {
		if strings.Contains(body, secret) {
			t.Errorf("the audit log holds a credential: %s", body)
		}
	}
	var got struct{ Records []auditRecordResponse }
	if err := json.Unmarshal([]byte(body), &got); err != nil || len(got.Records) != 2 {
		t.Fatalf("records = %s (%v)", body, err)
	}
	last := got.Records[0] // newest first
	if last.Actor.Kind != "key" || last.Actor.Name != "admin" || !strings.HasPrefix(last.Actor.ID, "key_") ||
		last.ResourceID != "line" || last.Outcome != "succeeded" || last.Status != 200 ||
		last.UserAgent != "audit-test/1.0" || last.ClientIP == "" || last.At.IsZero() || last.FinishedAt == nil {
		t.Errorf("record = %+v", last)
	}
	if !strings.Contains(string(last.Before), `"set"`) || !strings.Contains(string(last.After), `"changed"`) {
		t.Errorf("before %s / after %s: want the secret as set, then changed", last.Before, last.After)
	}
}

// TestAuditListFiltersAndCSV: the list filters by actor, resource, action,
// outcome and time, pages by cursor, refuses bad filters naming the field,
// and the CSV export neutralises a cell that would start a formula.
func TestAuditListFiltersAndCSV(t *testing.T) {
	t.Parallel()
	b := setupChannels(t)
	b.admin["User-Agent"] = "=HYPERLINK(\"http://evil.example\")"
	for _, tz := range []string{"Asia/Tokyo", "Europe/Paris", "nowhere/at-all"} {
		b.do(t, "PUT", "/v1/workspace/timezone", b.admin, `{"timezone": "`+tz+`"}`)
	}
	count := func(query string) int {
		t.Helper()
		code, body := b.do(t, "GET", "/v1/audit?"+query, b.admin, "")
		if code != http.StatusOK {
			t.Fatalf("GET /v1/audit?%s = %d %s", query, code, body)
		}
		var got struct{ Records []auditRecordResponse }
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		return len(got.Records)
	}
	for query, want := range map[string]int{
		"resource=workspace/timezone": 3, "resource=workspace/timezone&outcome=refused": 1,
		"actor=admin&action=update": 3, "actor=somebody-else": 0, "since=2000-01-01T00:00:00Z&until=2001-01-01T00:00:00Z": 0,
		"since=2000-01-01T00:00:00Z": 3,
	} {
		if got := count(query); got != want {
			t.Errorf("GET /v1/audit?%s: %d records, want %d", query, got, want)
		}
	}
	code, body := b.do(t, "GET", "/v1/audit?limit=2", b.admin, "")
	var page struct{ Next string }
	if err := json.Unmarshal([]byte(body), &page); err != nil || code != 200 || page.Next == "" || count("after="+page.Next) != 1 {
		t.Errorf("paging: %d %s", code, body)
	}
	for _, bad := range []string{"since=yesterday", "outcome=maybe", "after=junk", "limit=0"} {
		if code, body := b.do(t, "GET", "/v1/audit?"+bad, b.admin, ""); code != http.StatusBadRequest ||
			!strings.Contains(body, strings.Split(bad, "=")[0]) {
			t.Errorf("GET /v1/audit?%s = %d %s, want 400 naming the field", bad, code, body)
		}
	}
	for _, path := range []string{"/v1/audit.csv?resource=workspace/timezone"} {
		code, body := b.do(t, "GET", path, b.admin, "")
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if code != http.StatusOK || err != nil || len(rows) != 4 || rows[0][0] != "id" {
			t.Fatalf("GET %s = %d %v %q", path, code, err, body)
		}
		if ua := rows[1][13]; ua != `'=HYPERLINK("http://evil.example")` {
			t.Errorf("user agent cell %q: want it neutralised with an apostrophe", ua)
		}
	}
}

// TestAuditTargets: resources, ids, actions and the GET that shows each
// come from the route's path.
func TestAuditTargets(t *testing.T) {
	t.Parallel()
	engine, ok := NewServer(Deps{}).(*gin.Engine)
	if !ok {
		t.Fatal("NewServer is no longer a *gin.Engine")
	}
	targets := auditTargets(engine.Routes())
	for route, want := range map[string]struct {
		resource, action, idParam string
		snapshot                  bool
	}{
		"POST /v1/journeys":                               {"journeys", "create", "", false},
		"PUT /v1/journeys/:id":                            {"journeys", "update", "id", true},
		"POST /v1/journeys/:id/activate":                  {"journeys", "activate", "id", true},
		"POST /v1/journeys/:id/enter":                     {"journeys", "enter", "id", false},
		"POST /v1/workspace/identity-verification/rotate": {"workspace/identity-verification", "rotate", "", true},
		"POST /v1/profiles/import":                        {"profiles", "import", "", false},
		"DELETE /v1/profiles/:id":                         {"profiles", "delete", "id", true},
		"PUT /v1/taxonomy/events/:name":                   {"taxonomy/events", "update", "name", true},
		"POST /v1/approvals/:id/approve":                  {"approvals", "approve", "id", true},
	} {
		got, ok := targets[route]
		if !ok || got.resource != want.resource || got.action != want.action || got.idParam != want.idParam || (got.snapshot != nil) != want.snapshot {
			t.Errorf("%s: target %+v (snapshot %v), want %+v", route, got, got.snapshot != nil, want)
		}
	}
	if _, ok := targets["POST /v1/journeys/:id/simulate"]; ok {
		t.Error("a simulation is recorded: it changes nothing")
	}
	if !targets["DELETE /v1/profiles/:id"].noBefore || !targets["DELETE /v1/profiles/:id"].customer {
		t.Error("an erasure must keep no before and be the customer's")
	}
}

// TestAuditNeverHoldsANewKey: a key made through the API is recorded with
// its secret as "set"; the secret, shown once to its maker, is not in the log.
func TestAuditNeverHoldsANewKey(t *testing.T) {
	t.Parallel()
	b := setupChannels(t)
	code, body := b.do(t, "POST", "/v1/keys", b.admin, `{"role": "write", "name": "shop backend"}`)
	var made struct{ ID, Secret string }
	if err := json.Unmarshal([]byte(body), &made); err != nil || code != http.StatusCreated || made.Secret == "" {
		t.Fatalf("POST /v1/keys = %d %s", code, body)
	}
	code, body = b.do(t, "GET", "/v1/audit?resource=keys&action=create", b.admin, "")
	if code != http.StatusOK || strings.Contains(body, made.Secret) || !strings.Contains(body, `"secret":"set"`) {
		t.Errorf("the audit log of a new key = %d %s", code, body)
	}
}
