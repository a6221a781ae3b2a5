package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
)

// keys returns an admin key (Bearer header) and a write key (Basic header) of workspace ws.
func (b *webhookBundle) keys(t *testing.T, ws string) (admin, write map[string]string) {
	t.Helper()
	a, _, err := b.store.CreateKey(context.Background(), ws, store.RoleAdmin, "admin")
	if err != nil {
		t.Fatal(err)
	}
	w, _, err := b.store.CreateKey(context.Background(), ws, store.RoleWrite, "write")
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"Authorization": "Bearer " + a},
		map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(w+":")), "Content-Type": "application/json"}
}

func TestMessageLogAPI(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, _ := b.keys(t, "w")
	otherAdmin, _ := b.keys(t, "other")
	for _, id := range []string{"m1", "m2", "m3"} {
		b.sendMessage(t, id, "email")
	}
	b.sendgrid(t, "w", sgEvent("e1", "delivered", "m2", ""), sgEvent("e2", "open", "m2", ""))

	var page struct {
		Messages []loggedMessageResponse `json:"messages"`
		Next     string                  `json:"next"`
	}
	status, body := b.do(t, "GET", "/v1/messages?customer=u1&journey=j1&limit=2", admin, "")
	if err := json.Unmarshal([]byte(body), &page); status != 200 || err != nil || len(page.Messages) != 2 || page.Next == "" {
		t.Fatalf("first page = %d %s", status, body)
	}
	status, body = b.do(t, "GET", "/v1/messages?customer=u1&journey=j1&limit=2&after="+page.Next, admin, "")
	if !strings.Contains(body, `"id":"m3"`) || strings.Contains(body, `"next"`) {
		t.Errorf("second page = %d %s", status, body)
	}
	status, body = b.do(t, "GET", "/v1/messages?status=opened", admin, "")
	if status != 200 || !strings.Contains(body, `"id":"m2"`) || strings.Contains(body, `"id":"m1"`) || !strings.Contains(body, `"providerId":"sg.m2"`) {
		t.Errorf("opened = %d %s", status, body)
	}
	status, body = b.do(t, "GET", "/v1/messages/m2", admin, "")
	if status != 200 || !strings.Contains(body, `"history":[{"status":"delivered"`) || !strings.Contains(body, `{"status":"opened","providerEvent":"open"`) {
		t.Errorf("history = %d %s", status, body)
	}
	// Message IDs hold slashes: the rest of the path is the ID.
	b.sendMessage(t, "ws_w/jr_j1/u1/run/send/1", "email")
	if status, body := b.do(t, "GET", "/v1/messages/ws_w/jr_j1/u1/run/send/1", admin, ""); status != 200 ||
		!strings.Contains(body, `"id":"ws_w/jr_j1/u1/run/send/1"`) {
		t.Errorf("a message ID with slashes = %d %s", status, body)
	}
	for path, field := range map[string]string{"/v1/messages?status=lost": `"field":"status"`, "/v1/messages?after=junk": `"field":"after"`,
		"/v1/messages?limit=0": `"field":"limit"`} {
		if status, body := b.do(t, "GET", path, admin, ""); status != http.StatusBadRequest || !strings.Contains(body, field) {
			t.Errorf("%s = %d %s", path, status, body)
		}
	}
	// Another workspace sees none of it.
	if status, body := b.do(t, "GET", "/v1/messages/m2", otherAdmin, ""); status != http.StatusNotFound {
		t.Errorf("other's GET m2 = %d %s", status, body)
	}
	if _, body := b.do(t, "GET", "/v1/messages?customer=u1", otherAdmin, ""); body != `{"messages":[]}` {
		t.Errorf("other's list = %s", body)
	}
}

func TestPushOpened(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	_, write := b.keys(t, "w")
	_, otherWrite := b.keys(t, "other")
	b.sendMessage(t, "p1", "push")
	b.sendMessage(t, "e1", "email")
	for name, c := range map[string]struct {
		header map[string]string
		body   string
		status int
		field  string
	}{
		"no messageId":      {write, `{"userId":"u1"}`, 400, `"field":"messageId"`},
		"no userId":         {write, `{"messageId":"p1"}`, 400, `"field":"userId"`},
		"unknown field":     {write, `{"messageId":"p1","userId":"u1","x":1}`, 400, `"field":"x"`},
		"another's message": {write, `{"messageId":"p1","userId":"u2"}`, 404, ""},
		"an email":          {write, `{"messageId":"e1","userId":"u1"}`, 404, ""},
		"another workspace": {otherWrite, `{"messageId":"p1","userId":"u1"}`, 404, ""},
		"no key":            {map[string]string{"Content-Type": "application/json"}, `{"messageId":"p1","userId":"u1"}`, 401, ""},
	} {
		if status, body := b.do(t, "POST", "/v1/push/opened", c.header, c.body); status != c.status || !strings.Contains(body, c.field) {
			t.Errorf("%s: %d %s, want %d %s", name, status, body, c.status, c.field)
		}
	}
	if m, _ := b.message(t, "p1"); m.Status != "recorded" || len(b.signals.names()) != 0 {
		t.Fatalf("refused calls changed p1: %+v %v", m, b.signals.names())
	}
	for range 2 {
		if status, body := b.do(t, "POST", "/v1/push/opened", write, `{"messageId":"p1","userId":"u1"}`); status != 200 {
			t.Fatalf("push opened = %d %s", status, body)
		}
	}
	m, history := b.message(t, "p1")
	if m.Status != "opened" || len(history) != 1 {
		t.Errorf("p1 = %+v, history %+v", m, history)
	}
	sig := b.signals.signals
	if len(sig) < 1 || sig[0].workflowID != "wf-p1" || sig[0].event.Name != "push_opened" || sig[0].event.MessageID != "push_opened:p1" {
		t.Errorf("signals = %+v", sig)
	}
}
