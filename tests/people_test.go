package tests

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/people"
)

// sessionHeaders are the headers of a console request made with a session
// cookie, with the session's CSRF token when csrf.
func sessionHeaders(token string, csrf bool) map[string]string {
	h := map[string]string{"Cookie": "tabiji_session=" + token, "Content-Type": "application/json"}
	if csrf {
		h["X-CSRF-Token"] = people.CSRFToken(token)
	}
	return h
}

// TestConsoleSessionRoles: on the real stack, a person's console session
// reaches the JSON API within their role, changes only with the CSRF
// token, and machine keys work as before.
func TestConsoleSessionRoles(t *testing.T) {
	s := startStack(t)
	s.person("default", "ana@example.com", "analyst")
	s.person("default", "mark@example.com", "marketer")
	analyst := s.consoleLogin("ana@example.com", e2ePassword)
	marketer := s.consoleLogin("mark@example.com", e2ePassword)
	segment := `{"id":"vip","name":"VIP","definition":{"condition":{"tag":"vip"}}}`

	t.Run("AnAnalystReadsAndIsRefusedAChangeNamingTheRole", func(t *testing.T) {
		if status, _, body := s.raw("GET", "/v1/journeys", sessionHeaders(analyst, true), ""); status != http.StatusOK {
			t.Errorf("an analyst's read = %d %v", status, body)
		}
		status, _, body := s.raw("POST", "/v1/segments", sessionHeaders(analyst, true), segment)
		if status != http.StatusForbidden || !strings.Contains(detail(body), "needs the marketer or owner role") {
			t.Errorf("an analyst's change = %d %s", status, body)
		}
	})
	t.Run("APostWithASessionAndNoCSRFTokenIsRefused", func(t *testing.T) {
		status, _, body := s.raw("POST", "/v1/segments", sessionHeaders(marketer, false), segment)
		if status != http.StatusForbidden || !strings.Contains(detail(body), "X-CSRF-Token") {
			t.Errorf("no CSRF token = %d %v", status, body)
		}
		if status, _, body := s.raw("POST", "/v1/segments", sessionHeaders(marketer, true), segment); status != http.StatusCreated {
			t.Errorf("the marketer's segment with the token = %d %v", status, body)
		}
	})
	t.Run("MachineKeysWorkUnchanged", func(t *testing.T) {
		s.call("GET", "/v1/segments/vip", "admin", nil, http.StatusOK, nil)
		s.call("DELETE", "/v1/segments/vip", "admin", nil, http.StatusNoContent, nil)
		s.segment("/v1/track", `{"userId":"u_keys","event":"signed_up","messageId":"keys-1"}`)
		if status, _, body := s.raw("GET", "/v1/segments", map[string]string{"Authorization": "Bearer " + s.write}, ""); status != http.StatusForbidden {
			t.Errorf("a write key on a management route = %d %v", status, body)
		}
	})
	t.Run("MeNamesThePersonRoleAndWorkspace", func(t *testing.T) {
		status, _, me := s.raw("GET", "/v1/me", sessionHeaders(analyst, false), "")
		if status != http.StatusOK || me["email"] != "ana@example.com" || me["role"] != "analyst" || me["workspace"] != "default" ||
			me["csrfToken"] != people.CSRFToken(analyst) {
			t.Errorf("me = %d %v", status, me)
		}
	})
}

// detail is a problem's detail.
func detail(p map[string]any) string {
	d, _ := p["detail"].(string)
	return d
}
