package tests

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// approvalBody is an approval request as the API answers it.
type approvalBody struct {
	ID          string                           `json:"id"`
	Kind        string                           `json:"kind"`
	TargetID    string                           `json:"targetId"`
	State       string                           `json:"state"`
	RequestedBy struct{ Kind, ID, Name string }  `json:"requestedBy"`
	DecidedBy   *struct{ Kind, ID, Name string } `json:"decidedBy"`
	Comment     string                           `json:"comment"`
}

// TestApprovalBeforeGoingLive: with approvals required, activating a
// journey is a request (202) and the journey stays a draft; the requester
// cannot approve it; another admin rejects it with a comment the
// requester reads; a rejection needs a comment; asked again, it is
// approved once (a second approval is a conflict), the journey is active
// and a customer's event runs it; a broadcast's scheduling waits likewise
// and is scheduled at the asked time once approved; the audit log keeps
// both names.
func TestApprovalBeforeGoingLive(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	approver, _, err := s.store.CreateKey(context.Background(), "default", store.RoleAdmin, "e2e approver")
	if err != nil {
		t.Fatal(err)
	}
	as := func(key, method, path, body string, want int) approvalBody {
		t.Helper()
		req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got approvalBody
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, raw, want)
		}
		if want < 300 {
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("%s %s: %s: %v", method, path, raw, err)
			}
		}
		return got
	}

	s.call("PUT", "/v1/workspace/approvals", "admin", map[string]any{"required": true}, http.StatusOK, nil)
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "apv", "name": "Welcome", "definition": map[string]any{
		"entry": map[string]any{"event": "apv_signup"}, "nodes": []any{
			map[string]any{"id": "hello", "kind": "send", "channel": "email", "template": map[string]any{"subject": "ようこそ", "body": "ご登録ありがとうございます"}, "next": "done"},
			map[string]any{"id": "done", "kind": "exit"}}}}, http.StatusCreated, nil)

	first := as(s.admin, "POST", "/v1/journeys/apv/activate", "", http.StatusAccepted)
	if first.State != "pending" || first.Kind != "journey.activate" || first.TargetID != "apv" || first.RequestedBy.Name != "e2e admin" {
		t.Fatalf("request = %+v", first)
	}
	var j struct{ Status string }
	s.call("GET", "/v1/journeys/apv", "admin", nil, http.StatusOK, &j)
	if j.Status != "draft" {
		t.Errorf("journey is %s while its activation waits, want draft", j.Status)
	}
	if again := as(s.admin, "POST", "/v1/journeys/apv/activate", "", http.StatusAccepted); again.ID != first.ID {
		t.Errorf("asking again while pending made request %s, want the pending %s", again.ID, first.ID)
	}
	as(s.admin, "POST", "/v1/approvals/"+first.ID+"/approve", "", http.StatusForbidden) // their own request
	as(approver, "POST", "/v1/approvals/"+first.ID+"/reject", `{"comment": ""}`, http.StatusBadRequest)
	as(approver, "POST", "/v1/approvals/"+first.ID+"/reject", `{"comment": "件名を直してください"}`, http.StatusOK)
	seen := as(s.admin, "GET", "/v1/approvals/"+first.ID, "", http.StatusOK)
	if seen.State != "rejected" || seen.Comment != "件名を直してください" || seen.DecidedBy == nil || seen.DecidedBy.Name != "e2e approver" {
		t.Errorf("the requester sees %+v", seen)
	}
	as(approver, "POST", "/v1/approvals/"+first.ID+"/approve", "", http.StatusConflict) // decided already

	second := as(s.admin, "POST", "/v1/journeys/apv/activate", "", http.StatusAccepted)
	if second.ID == first.ID || second.State != "pending" {
		t.Fatalf("second request = %+v", second)
	}
	approved := as(approver, "POST", "/v1/approvals/"+second.ID+"/approve", `{"comment": "OK"}`, http.StatusOK)
	if approved.State != "approved" || approved.DecidedBy.Name != "e2e approver" || approved.RequestedBy.Name != "e2e admin" {
		t.Errorf("approved = %+v", approved)
	}
	as(approver, "POST", "/v1/approvals/"+second.ID+"/approve", "", http.StatusConflict) // once only
	s.call("GET", "/v1/journeys/apv", "admin", nil, http.StatusOK, &j)
	if j.Status != "active" {
		t.Fatalf("journey is %s after approval, want active", j.Status)
	}
	var pending struct{ Approvals []approvalBody }
	s.call("GET", "/v1/approvals?state=pending", "admin", nil, http.StatusOK, &pending)
	if len(pending.Approvals) != 0 {
		t.Errorf("pending after the decisions: %+v", pending.Approvals)
	}

	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "u_apv", "messageId": "apv-1", "traits": map[string]any{"email": "apv@example.jp"}}, http.StatusOK, nil)
	s.call("POST", "/v1/track", "write", map[string]any{"userId": "u_apv", "event": "apv_signup", "messageId": "apv-2"}, http.StatusOK, nil)
	eventually(t, 30*time.Second, "the approved journey's message", func() bool { return len(s.outbox("u_apv").Messages) == 1 })

	// A broadcast's scheduling waits for approval too, with its send time.
	s.call("POST", "/v1/segments", "admin", map[string]any{"id": "apv_seg", "name": "Apv",
		"definition": map[string]any{"condition": map[string]any{"trait": map[string]any{"name": "plan", "op": "eq", "value": "apv"}}}}, http.StatusCreated, nil)
	s.call("POST", "/v1/templates", "admin", map[string]any{"id": "apv_tpl", "name": "Apv", "channel": "email",
		"content": map[string]any{"subject": "冬のセール", "from": "shop@example.com", "html": "<p>20% off</p>"}}, http.StatusCreated, nil)
	s.call("POST", "/v1/broadcasts", "admin", map[string]any{"id": "apv_bc", "name": "Apv sale", "segment": "apv_seg",
		"channel": "email", "template": "apv_tpl", "topic": "promotions"}, http.StatusCreated, nil)
	sendAt := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	sched := as(s.admin, "POST", "/v1/broadcasts/apv_bc/schedule", `{"sendAt": "`+sendAt+`"}`, http.StatusAccepted)
	if sched.Kind != "broadcast.schedule" || sched.State != "pending" || sched.TargetID != "apv_bc" {
		t.Fatalf("schedule request = %+v", sched)
	}
	if b := s.broadcast("apv_bc"); b.Status != "draft" {
		t.Errorf("broadcast is %s while its scheduling waits, want draft", b.Status)
	}
	as(approver, "POST", "/v1/approvals/"+sched.ID+"/approve", "", http.StatusOK)
	var b struct {
		Status string    `json:"status"`
		SendAt time.Time `json:"sendAt"`
	}
	s.call("GET", "/v1/broadcasts/apv_bc", "admin", nil, http.StatusOK, &b)
	if b.Status != "scheduled" || b.SendAt.UTC().Format(time.RFC3339) != sendAt {
		t.Errorf("broadcast after approval = %s at %v, want scheduled at %s", b.Status, b.SendAt, sendAt)
	}

	var log auditRecords
	s.call("GET", "/v1/audit?resource=approvals&action=approve&outcome=succeeded&resourceId="+second.ID, "admin", nil, http.StatusOK, &log)
	if len(log.Records) != 1 || log.Records[0].Actor.Name != "e2e approver" ||
		!strings.Contains(string(log.Records[0].After), "e2e admin") || !strings.Contains(string(log.Records[0].After), "e2e approver") {
		t.Errorf("the approval's audit record does not keep both names: %+v", log.Records)
	}
	s.call("GET", "/v1/audit?resource=journeys&action=activate", "admin", nil, http.StatusOK, &log)
	if len(log.Records) != 3 || log.Records[0].Status != http.StatusAccepted || !strings.Contains(string(log.Records[0].Detail), second.ID) {
		t.Errorf("activation requests' audit records = %+v", log.Records)
	}
}
