package tests

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// auditRecords is GET /v1/audit's answer.
type auditRecords struct {
	Records []struct {
		ID    string    `json:"id"`
		At    time.Time `json:"at"`
		Actor struct {
			Kind, ID, Name string
		} `json:"actor"`
		Resource   string          `json:"resource"`
		ResourceID string          `json:"resourceId"`
		Action     string          `json:"action"`
		Outcome    string          `json:"outcome"`
		Status     int             `json:"status"`
		ClientIP   string          `json:"clientIp"`
		UserAgent  string          `json:"userAgent"`
		Before     json.RawMessage `json:"before"`
		After      json.RawMessage `json:"after"`
		Detail     json.RawMessage `json:"detail"`
	} `json:"records"`
	Next string `json:"next"`
}

// TestAuditLogEndToEnd: on the real stack, changes made with an admin key
// are in the audit log with who (the key's id and name), what, before and
// after, when and from where; the list filters by actor, resource, action
// and time; tabiji audit list and export show them (the export as CSV);
// and erasing a customer leaves nothing of theirs in the log.
func TestAuditLogEndToEnd(t *testing.T) {
	s := startStack(t)
	began := time.Now().Add(-time.Second)
	journey := func(name string) map[string]any {
		return map[string]any{"id": "aud", "name": name, "definition": map[string]any{"entry": map[string]any{"event": "aud_signup"},
			"nodes": []any{map[string]any{"id": "x", "kind": "exit"}}}}
	}
	s.call("POST", "/v1/journeys", "admin", journey("First name"), http.StatusCreated, nil)
	update := journey("Second name")
	delete(update, "id")
	s.call("PUT", "/v1/journeys/aud", "admin", update, http.StatusOK, nil)
	s.call("PUT", "/v1/workspace/timezone", "admin", map[string]string{"timezone": "Asia/Tokyo"}, http.StatusOK, nil)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "u_aud", "messageId": "aud-1",
		"traits": map[string]any{"email": "aud@example.jp"}}, http.StatusOK, nil)
	s.call("POST", "/v1/profiles/u_aud/consent", "admin", map[string]any{"channel": "email", "status": "opted_in", "source": "signup_form",
		"evidence": map[string]any{"form": "footer", "wording": "aud-wording"}}, http.StatusCreated, nil)

	var got auditRecords
	s.call("GET", "/v1/audit?resource=journeys", "admin", nil, http.StatusOK, &got)
	if len(got.Records) != 2 {
		t.Fatalf("journey records = %+v", got.Records)
	}
	updated, create := got.Records[0], got.Records[1]
	if updated.Action != "update" || updated.ResourceID != "aud" || updated.Outcome != "succeeded" || updated.Status != 200 ||
		updated.Actor.Kind != "key" || updated.Actor.Name != "e2e admin" || !strings.HasPrefix(updated.Actor.ID, "key_") ||
		updated.ClientIP != "127.0.0.1" || !strings.HasPrefix(updated.UserAgent, "Go-http-client") ||
		updated.At.Before(began) || updated.At.After(time.Now()) {
		t.Errorf("update record = %+v", updated)
	}
	if !strings.Contains(string(updated.Before), "First name") || !strings.Contains(string(updated.After), "Second name") {
		t.Errorf("update before %s / after %s: want the two names", updated.Before, updated.After)
	}
	if create.Action != "create" || !strings.Contains(string(create.After), "First name") {
		t.Errorf("create record = %+v", create)
	}
	for query, want := range map[string]int{
		"action=create": 1, "actor=e2e admin": 4, "actor=" + updated.Actor.ID + "&resource=workspace/timezone": 1,
		"since=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339): 0, "until=" + began.UTC().Format(time.RFC3339): 0,
	} {
		var page auditRecords
		s.call("GET", "/v1/audit?"+strings.ReplaceAll(query, " ", "+"), "admin", nil, http.StatusOK, &page)
		if len(page.Records) != want {
			t.Errorf("GET /v1/audit?%s: %d records, want %d", query, len(page.Records), want)
		}
	}

	flags := []string{"--api-url", s.url, "--admin-key", s.admin}
	var out, errOut bytes.Buffer
	if err := runCLI(append([]string{"audit", "list", "--resource", "journeys"}, flags...), &out, &errOut); err != nil ||
		!strings.Contains(out.String(), "e2e admin") || strings.Count(out.String(), "journeys") != 2 {
		t.Errorf("tabiji audit list = %v\n%s%s", err, out.String(), errOut.String())
	}
	out.Reset()
	if err := runCLI(append([]string{"audit", "export", "--action", "update"}, flags...), &out, &errOut); err != nil {
		t.Fatalf("tabiji audit export = %v\n%s", err, errOut.String())
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][1] != "at" || rows[1][5] != "workspace/timezone" || rows[2][6] != "aud" {
		t.Errorf("export = %v %q", err, rows)
	}

	// Erasure: the consent record's before and after held the customer's
	// consent; after erasure, nothing of theirs is in the log.
	s.call("DELETE", "/v1/profiles/u_aud", "admin", nil, http.StatusOK, nil)
	var all auditRecords
	s.call("GET", "/v1/audit?resource=profiles", "admin", nil, http.StatusOK, &all)
	if len(all.Records) != 2 || all.Records[0].Action != "delete" || all.Records[1].Action != "consent" {
		t.Fatalf("profile records = %+v", all.Records)
	}
	if text := mustJSON(t, all); strings.Contains(text, "u_aud") || strings.Contains(text, "aud-wording") || strings.Contains(text, "aud@example.jp") {
		t.Errorf("the erased customer is still in the audit log: %s", text)
	}
}
