package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/approvals"
	"github.com/tabiji/tabiji/people"
)

// TestTheApproverRoleIsOneThatMayDecide: PUT /v1/workspace/approvals
// refuses the analyst (read-only, never allowed to decide) with a 422
// naming approverRole, by key and by an owner's console session alike,
// and stores nothing; each role it accepts may approve and reject.
func TestTheApproverRoleIsOneThatMayDecide(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, _ := b.keys(t, "w")
	admin["Content-Type"] = "application/json"
	owner := b.sessionHeaders(t, "owner@example.com", "owner", true)
	for who, h := range map[string]map[string]string{"key": admin, "owner": owner} {
		status, body := b.do(t, "PUT", "/v1/workspace/approvals", h, `{"required":true,"approverRole":"analyst"}`)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"approverRole"`) || !strings.Contains(body, "analyst") {
			t.Errorf("%s: PUT analyst = %d %s, want 422 naming approverRole", who, status, body)
		}
	}
	if _, body := b.do(t, "GET", "/v1/workspace/approvals", admin, ""); !strings.Contains(body, `"required":false`) || !strings.Contains(body, `"approverRole":"owner"`) {
		t.Errorf("after the refusals the rule is %s, want the default", body)
	}
	for _, role := range approvals.Roles {
		for _, route := range []string{"POST /v1/approvals/:id/approve", "POST /v1/approvals/:id/reject"} {
			if !containsRole(permissions[route], people.Role(role)) {
				t.Errorf("approvals.Roles offers %s, whom the permission table does not let call %s", role, route)
			}
		}
		if status, body := b.do(t, "PUT", "/v1/workspace/approvals", admin, `{"required":true,"approverRole":"`+role+`"}`); status != http.StatusOK {
			t.Errorf("PUT %s = %d %s", role, status, body)
		}
	}
}
