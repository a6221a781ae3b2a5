package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/store"
)

// fileInclude is the attack of issue 12: a template that reads the
// process environment through Liquid's include tag.
const fileInclude = `{% include "../../../../../../proc/self/environ" %}`

// TestSecurityLiquidIncludeReadsNoFile: include is refused at save with a
// 422 naming the field, in a message template (POST and PUT), a journey's
// inline send and webhook body and a broadcast's inline content; a
// template stored before the sandbox (written to the store directly)
// fails to preview with a clear 422 and never shows the environment.
func TestSecurityLiquidIncludeReadsNoFile(t *testing.T) {
	s := startStack(t)
	email := func(html string) string {
		b, _ := json.Marshal(map[string]any{"subject": "Hi", "from": "shop@example.com", "html": html})
		return string(b)
	}
	refused := func(method, path, body string, field string) {
		t.Helper()
		status, raw := s.send(method, path, "", "application/json", body)
		if status != http.StatusUnprocessableEntity || !slices.Contains(problemFields(raw), field) ||
			!strings.Contains(string(raw), "include") {
			t.Errorf("%s %s = %d %s, want 422 naming %s", method, path, status, raw, field)
		}
	}
	refused("POST", "/v1/templates", `{"id":"env","name":"Env","channel":"email","content":`+email(fileInclude)+`}`, "content.html")
	s.call("POST", "/v1/templates", "admin", map[string]any{"id": "ok", "name": "OK", "channel": "email",
		"content": json.RawMessage(email("<p>Hi</p>"))}, http.StatusCreated, nil)
	refused("PUT", "/v1/templates/ok", `{"content":`+email("<p>"+fileInclude+"</p>")+`}`, "content.html")
	refused("POST", "/v1/journeys", `{"id":"env_j","name":"Env","definition":{"entry":{"event":"x"},"nodes":[
		{"id":"s","kind":"send","channel":"email","template":{"subject":"Hi","body":"`+strings.ReplaceAll(fileInclude, `"`, `\"`)+`"},"next":"done"},
		{"id":"done","kind":"exit"}]}}`, "definition.nodes[0].template.body")
	refused("POST", "/v1/journeys", `{"id":"env_w","name":"Env","definition":{"entry":{"event":"x"},"nodes":[
		{"id":"w","kind":"webhook","url":"https://crm.example/hook","body":{"env":"{% include 'x' %}"},"next":"done"},
		{"id":"done","kind":"exit"}]}}`, "definition.nodes[0].body.env")
	s.call("POST", "/v1/segments", "admin", map[string]any{"id": "pro", "name": "Pro",
		"definition": map[string]any{"condition": map[string]any{"trait": map[string]any{"name": "plan", "op": "eq", "value": "pro"}}}}, http.StatusCreated, nil)
	refused("POST", "/v1/broadcasts", `{"id":"env_b","name":"Env","segment":"pro","channel":"email","content":`+email(fileInclude)+`}`, "content.html")

	// Stored before the sandbox existed: the store takes any content.
	if _, err := s.store.CreateMessageTemplate(t.Context(), "default", "old", "email", "Old", json.RawMessage(email(fileInclude))); err != nil {
		t.Fatal(err)
	}
	status, raw := s.send("POST", "/v1/templates/old/preview", "", "application/json", `{}`)
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(raw), "include is not allowed") {
		t.Errorf("preview of a stored include = %d %s, want a 422 saying include is not allowed", status, raw)
	}
	if strings.Contains(string(raw), "PATH=") {
		t.Fatalf("the preview shows the process environment: %s", raw)
	}
}

// TestSecurityLiquidLoopBudget: a loop over a billion is a 422 at save,
// within a second; a loop whose length comes from the data stops at the
// iteration budget with a 422 when previewed, within a second, and
// another workspace's request is answered promptly meanwhile.
func TestSecurityLiquidLoopBudget(t *testing.T) {
	s := startStack(t)
	const loop = `{% for i in (1..1000000000) %}{% endfor %}`
	start := time.Now()
	status, raw := s.send("POST", "/v1/templates", "", "application/json",
		`{"id":"spin","name":"Spin","channel":"email","content":{"subject":"Hi","from":"shop@example.com","html":"`+loop+`"}}`)
	if status != http.StatusUnprocessableEntity || !slices.Contains(problemFields(raw), "content.html") ||
		!strings.Contains(string(raw), "budget") {
		t.Fatalf("saving a billion-iteration loop = %d %s, want 422 naming content.html", status, raw)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusing the loop took %s", d)
	}

	s.call("POST", "/v1/templates", "admin", map[string]any{"id": "spin", "name": "Spin", "channel": "email",
		"content": map[string]any{"subject": "Hi", "from": "shop@example.com",
			"html": `{% for a in profile.traits.items %}{% for b in profile.traits.items %}{% for c in profile.traits.items %}` +
				`{% endfor %}{% endfor %}{% endfor %}`}}, http.StatusCreated, nil)
	items, _ := json.Marshal(make([]int, 1000)) // a billion iterations, nested
	other := otherWorkspaceKey(t, s)
	type answer struct {
		status int
		body   string
		took   time.Duration
		err    error
	}
	preview := make(chan answer, 1)
	go func() {
		start := time.Now()
		status, body, err := request(s.url, "POST", "/v1/templates/spin/preview", s.admin, `{"profile":{"traits":{"items":`+string(items)+`}}}`)
		preview <- answer{status, body, time.Since(start), err}
	}()
	start = time.Now()
	status, body, err := request(s.url, "GET", "/v1/templates", other, "")
	if err != nil || status != http.StatusOK || time.Since(start) > time.Second {
		t.Errorf("another workspace's GET /v1/templates = %d %s, %v after %s; want 200 promptly", status, body, err, time.Since(start))
	}
	a := <-preview
	if a.err != nil || a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, "over the rendering budget") {
		t.Errorf("preview of a data-driven endless loop = %d %s, %v; want 422 over the iteration budget", a.status, a.body, a.err)
	}
	if a.took > time.Second {
		t.Errorf("the budget stopped the preview after %s, want under a second", a.took)
	}
}

// TestSecurityLiquidEscapesHTMLInEmail: a trait holding a link arrives in
// the email HTML as text, through a journey's send to the fake SendGrid;
// a trait holding CR/LF leaves the subject one line; a template that
// means HTML says | raw.
func TestSecurityLiquidEscapesHTMLInEmail(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.startDeliveryWorkers(sg, ln)
	s.createActive("esc", `{"entry":{"event":"esc_go"},"nodes":[
		{"id":"mail","kind":"send","channel":"email","template":{"subject":"Hi {{ customer.traits.title }}",
		 "body":"<p>Hi {{ customer.traits.first_name }}</p><div>{{ event.properties.banner | raw }}</div>"},"next":"done"},
		{"id":"done","kind":"exit"}]}`)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "mallory", "messageId": "id-mallory",
		"traits": map[string]any{"email": "mallory@example.com", "first_name": "<a href=https://evil.example>reset</a>",
			"title": "VIP\r\nBcc: all@example.com"}}, http.StatusOK, nil)
	s.trackProps("mallory", "esc_go", "esc-1", map[string]any{"banner": "<b>Sale</b>"})
	eventually(t, 60*time.Second, "mallory's email sent", func() bool {
		m := s.messagesOf("mallory")
		return len(m) == 1 && m[0].Status == "sent"
	})
	reqs := sg.Requests()
	if len(reqs) != 1 || accepted(reqs) != 1 {
		t.Fatalf("SendGrid got %d requests (invalid: %v), want 1 accepted", len(reqs), sg.Invalid())
	}
	mail := providertest.Mails(t, reqs[0])[0]
	html := mail.Content["text/html"]
	if strings.Contains(html, "<a href") || !strings.Contains(html, "&lt;a href=https://evil.example&gt;reset&lt;/a&gt;") {
		t.Errorf("the email HTML %q does not carry the trait as text", html)
	}
	if !strings.Contains(html, "<div><b>Sale</b></div>") {
		t.Errorf("the email HTML %q lost the value the template marked raw", html)
	}
	if strings.ContainsAny(mail.Subject, "\r\n") || mail.Subject != "Hi VIP Bcc: all@example.com" {
		t.Errorf("the subject %q carries a line break", mail.Subject)
	}
}

// otherWorkspaceKey is an admin key of a second workspace.
func otherWorkspaceKey(t *testing.T, s *stack) string {
	t.Helper()
	if err := s.store.EnsureWorkspace(t.Context(), "other", "Other"); err != nil {
		t.Fatal(err)
	}
	key, _, err := s.store.CreateKey(t.Context(), "other", store.RoleAdmin, "other admin")
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// request is one API call that reports instead of failing the test, for
// use off the test's goroutine.
func request(base, method, path, key, body string) (int, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
	if err != nil {
		return 0, "", fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("send request: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), err
}
