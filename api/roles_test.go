package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/people"
)

// TestEveryRouteHasAPermission fails when a route of routes.go is neither
// in the permission table nor among the routes no session reaches, or
// when either names a route that no longer exists.
func TestEveryRouteHasAPermission(t *testing.T) {
	engine, ok := NewServer(Deps{}).(*gin.Engine)
	if !ok {
		t.Fatal("NewServer is no longer a *gin.Engine")
	}
	routes := map[string]bool{}
	for _, r := range engine.Routes() {
		route := r.Method + " " + r.Path
		routes[route] = true
		_, inTable := permissions[route]
		_, public := noSession[route]
		switch {
		case inTable && public:
			t.Errorf("%s is both in the permission table and among the routes without a session", route)
		case !inTable && !public:
			t.Errorf("%s has no entry in the permission table (roles.go): give it the roles that may call it", route)
		}
	}
	for route, roles := range permissions {
		if !routes[route] {
			t.Errorf("the permission table names %s, which routes.go does not serve", route)
		}
		if !containsRole(roles, people.Owner) {
			t.Errorf("%s is closed to the owner, who may do everything", route)
		}
		if strings.HasPrefix(route, "GET ") && !containsRole(roles, people.Analyst) && !ownersReads[route] {
			t.Errorf("%s is a read closed to the analyst, who reads everything", route)
		}
		if !strings.HasPrefix(route, "GET ") && containsRole(roles, people.Analyst) && !strings.HasPrefix(route, "POST /ui/codec/") && !strings.Contains(route, "/v1/me") && !postReads[route] {
			t.Errorf("%s changes something, yet the analyst (read-only) may call it", route)
		}
	}
	for route := range noSession {
		if !routes[route] {
			t.Errorf("noSession names %s, which routes.go does not serve", route)
		}
	}
}

// postReads are reads sent as a POST (their input is a body): they
// compute an answer and change nothing, so the analyst may call them (the
// canvas's YAML view and condition check).
var postReads = map[string]bool{"POST /v1/journeys/check-expression": true, "POST /v1/journeys/convert": true}

// ownersReads are the reads closed to the analyst: a credential, the
// audit log and the workspace's people (the owner's).
var ownersReads = map[string]bool{"GET /v1/workspace/identity-verification": true, "GET /v1/audit": true, "GET /v1/audit.csv": true,
	"GET /v1/people": true, "GET /ui/settings/people": true, "GET /ui/audit": true}

func containsRole(roles []people.Role, r people.Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

func TestRoleNames(t *testing.T) {
	for roles, want := range map[*[]people.Role]string{&marketing: "marketer or owner", &building: "developer or owner", &owners: "owner"} {
		if got := roleNames(*roles); got != want {
			t.Errorf("roleNames(%v) = %q, want %q", *roles, got, want)
		}
	}
}

// sessionHeaders opens a console session of a new person with the role in
// workspace w and returns the headers of a request made with it: the
// cookie, and the CSRF token when csrf.
func (b *webhookBundle) sessionHeaders(t *testing.T, email, role string, csrf bool) map[string]string {
	t.Helper()
	id := b.person(t, "w", email, role)
	token, err := b.store.OpenSession(context.Background(), id, "w", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]string{"Cookie": sessionCookie + "=" + token, "Content-Type": "application/json"}
	if csrf {
		h[csrfHeader] = people.CSRFToken(token)
	}
	return h
}

func TestConsoleSessionsOnTheAPI(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, _ := b.keys(t, "w")
	analyst := b.sessionHeaders(t, "ana@example.com", "analyst", true)
	marketer := b.sessionHeaders(t, "mark@example.com", "marketer", true)
	segment := `{"id":"vip","name":"VIP","definition":{"condition":{"tag":"vip"}}}`

	t.Run("AnAnalystReadsButChangesNothing", func(t *testing.T) {
		if status, body := b.do(t, "GET", "/v1/segments", analyst, ""); status != http.StatusOK {
			t.Errorf("an analyst's read = %d %s", status, body)
		}
		status, body := b.do(t, "POST", "/v1/segments", analyst, segment)
		if status != http.StatusForbidden || !strings.Contains(body, "needs the marketer or owner role") || !strings.Contains(body, "analyst") {
			t.Errorf("an analyst's change = %d %s", status, body)
		}
	})
	t.Run("AChangeWithoutTheCSRFTokenIsRefused", func(t *testing.T) {
		noToken := map[string]string{"Cookie": marketer["Cookie"], "Content-Type": "application/json"}
		status, body := b.do(t, "POST", "/v1/segments", noToken, segment)
		if status != http.StatusForbidden || !strings.Contains(body, "X-CSRF-Token") {
			t.Errorf("no CSRF token = %d %s", status, body)
		}
		wrong := map[string]string{"Cookie": marketer["Cookie"], "Content-Type": "application/json", csrfHeader: people.CSRFToken("another session")}
		if status, body := b.do(t, "POST", "/v1/segments", wrong, segment); status != http.StatusForbidden {
			t.Errorf("another session's CSRF token = %d %s", status, body)
		}
	})
	t.Run("AMarketerChangesWhatTheRoleAllows", func(t *testing.T) {
		if status, body := b.do(t, "POST", "/v1/segments", marketer, segment); status != http.StatusCreated {
			t.Errorf("a marketer's segment = %d %s", status, body)
		}
		status, body := b.do(t, "DELETE", "/v1/profiles/u1", marketer, "")
		if status != http.StatusForbidden || !strings.Contains(body, "needs the owner role") {
			t.Errorf("a marketer's erasure = %d %s", status, body)
		}
		if status, body := b.do(t, "PUT", "/v1/taxonomy", marketer, `{"events":[]}`); status != http.StatusForbidden || !strings.Contains(body, "developer or owner") {
			t.Errorf("a marketer's taxonomy = %d %s", status, body)
		}
	})
	t.Run("KeysWorkAsBefore", func(t *testing.T) {
		if status, body := b.do(t, "DELETE", "/v1/segments/vip", admin, ""); status != http.StatusNoContent {
			t.Errorf("an admin key's delete = %d %s", status, body)
		}
		// A key wins over a cookie: no role or CSRF check applies to it.
		withCookie := map[string]string{"Authorization": admin["Authorization"], "Cookie": analyst["Cookie"], "Content-Type": "application/json"}
		if status, body := b.do(t, "POST", "/v1/segments", withCookie, strings.Replace(segment, `"vip"`, `"vip2"`, 1)); status != http.StatusCreated {
			t.Errorf("an admin key with an analyst's cookie = %d %s", status, body)
		}
		if status, _ := b.do(t, "GET", "/v1/me", admin, ""); status != http.StatusForbidden {
			t.Errorf("/v1/me with a key = %d", status)
		}
	})
	t.Run("NoSessionIsA401", func(t *testing.T) {
		stale := map[string]string{"Cookie": sessionCookie + "=stale"}
		if status, body := b.do(t, "GET", "/v1/segments", stale, ""); status != http.StatusUnauthorized || !strings.Contains(body, "log in") {
			t.Errorf("a stale cookie = %d %s", status, body)
		}
	})
	t.Run("MeShowsThePersonAndSetsTheLanguage", func(t *testing.T) {
		status, body := b.do(t, "PATCH", "/v1/me", analyst, `{"locale":"ja"}`)
		var me meBody
		if err := json.Unmarshal([]byte(body), &me); status != http.StatusOK || err != nil || me.Email != "ana@example.com" ||
			me.Role != "analyst" || me.Workspace != "w" || me.Locale != "ja" || me.CSRFToken != analyst[csrfHeader] || len(me.Workspaces) != 1 {
			t.Fatalf("PATCH /v1/me = %d %s", status, body)
		}
		if status, body := b.do(t, "PATCH", "/v1/me", analyst, `{"locale":"fr"}`); status != http.StatusBadRequest || !strings.Contains(body, `"field":"locale"`) {
			t.Errorf("a bad language = %d %s", status, body)
		}
		if status, body := b.do(t, "PUT", "/v1/me/workspace", analyst, `{"workspace":"other"}`); status != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"workspace"`) {
			t.Errorf("a foreign workspace = %d %s", status, body)
		}
	})
}
