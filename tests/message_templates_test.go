package tests

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

type messageTemplateBody struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Channel       string          `json:"channel"`
	Version       int             `json:"version"`
	LatestVersion int             `json:"latestVersion"`
	Content       json.RawMessage `json:"content"`
}

type previewBody struct {
	TemplateID, Channel, CustomerID, MessageID, To, Status string
	Version                                                int
	Content                                                struct {
		Email *struct{ From, Subject, HTML, Text, UnsubscribeURL string } `json:"email"`
		LINE  []map[string]any                                            `json:"line"`
		Push  *struct{ Title, Body, DeepLink string }                     `json:"push"`
	} `json:"content"`
}

var cartEmail = map[string]any{
	"id": "cart_email", "name": "Cart reminder", "channel": "email",
	"content": map[string]any{
		"subject": "{{ profile.traits.name }}, your {{ event.properties.product }} is waiting",
		"html":    `<p>Hi {{ profile.traits.name }},</p><p>Use {{ journey.variables.coupon | default: "FREESHIP" }}.</p><a href="{{ message.unsubscribe_url }}">Unsubscribe</a>`,
		"from":    "news@shop.example", "categories": []string{"cart"},
	},
}

// TestMessageTemplates: templates are created, versioned, previewed for a
// stored profile and test-sent into the outbox; every bad input is a
// problem naming its field.
func TestMessageTemplates(t *testing.T) {
	s := startStack(t)
	s.segment("/v1/identify", `{"userId":"u_tpl","messageId":"tpl-1","traits":{"email":"hana@example.jp","name":"Hana"}}`)

	var created messageTemplateBody
	s.call("POST", "/v1/templates", "admin", cartEmail, http.StatusCreated, &created)
	if created.ID != "cart_email" || created.Channel != "email" || created.Version != 1 || created.LatestVersion != 1 {
		t.Errorf("created = %+v", created)
	}
	v2 := map[string]any{"content": map[string]any{"subject": "v2 for {{ profile.email }}", "html": "<p>v2</p>", "from": "news@shop.example"}}
	var updated messageTemplateBody
	s.call("PUT", "/v1/templates/cart_email", "admin", v2, http.StatusOK, &updated)
	if updated.Version != 2 || updated.LatestVersion != 2 || updated.Name != "Cart reminder" || updated.Channel != "email" {
		t.Errorf("updated = %+v", updated)
	}
	var first messageTemplateBody
	s.call("GET", "/v1/templates/cart_email?version=1", "admin", nil, http.StatusOK, &first)
	if first.Version != 1 || !strings.Contains(string(first.Content), "is waiting") {
		t.Errorf("version 1 = %+v", first)
	}
	var versions struct{ Versions []messageTemplateBody }
	s.call("GET", "/v1/templates/cart_email/versions", "admin", nil, http.StatusOK, &versions)
	if len(versions.Versions) != 2 || versions.Versions[0].Version != 2 {
		t.Errorf("versions = %+v", versions)
	}

	t.Run("PreviewRendersAStoredProfile", func(t *testing.T) {
		var p previewBody
		s.call("POST", "/v1/templates/cart_email/preview", "admin", map[string]any{
			"profileId": "u_tpl", "version": 1, "event": map[string]any{"event": "cart_add", "properties": map[string]any{"product": "tea set"}},
			"journey": map[string]any{"id": "cart", "variables": map[string]any{"coupon": "TEA10"}},
		}, http.StatusOK, &p)
		e := p.Content.Email
		if e == nil || e.Subject != "Hana, your tea set is waiting" || !strings.Contains(e.HTML, "Use TEA10.") ||
			e.Text != "Hi Hana,\nUse TEA10.\nUnsubscribe (https://unsubscribe.invalid/preview)" || p.CustomerID != "u_tpl" || p.Version != 1 {
			t.Errorf("preview = %+v %+v", p, e)
		}
		s.call("POST", "/v1/templates/cart_email/preview", "admin", map[string]any{"profileId": "u_tpl"}, http.StatusOK, &p)
		if p.Content.Email.Subject != "v2 for hana@example.jp" || p.Version != 2 {
			t.Errorf("latest preview = %+v", p.Content.Email)
		}
	})

	t.Run("TestSendIsRecordedInTheOutbox", func(t *testing.T) {
		var p previewBody
		s.call("POST", "/v1/templates/cart_email/test-send", "admin", map[string]any{"profileId": "u_tpl", "to": "qa@shop.example"},
			http.StatusAccepted, &p)
		if p.Status != "test" || p.To != "qa@shop.example" || !strings.HasPrefix(p.MessageID, "test_") {
			t.Errorf("test send = %+v", p)
		}
		var found bool
		for _, m := range s.outbox("u_tpl").Messages {
			found = found || (m.ID == p.MessageID && m.Status == "test" && m.Channel == "email" &&
				m.Subject == "v2 for hana@example.jp" && m.Body == "<p>v2</p>")
		}
		if !found {
			t.Errorf("outbox of u_tpl = %+v, want the test message %s", s.outbox("u_tpl"), p.MessageID)
		}
	})

	t.Run("LINEAndPushTemplates", func(t *testing.T) {
		s.call("POST", "/v1/templates", "admin", map[string]any{"name": "Cart LINE", "channel": "line", "content": map[string]any{
			"messages": []any{map[string]any{"type": "flex", "altText": "{{ profile.traits.name }}さんのカート", "contents": map[string]any{
				"type": "bubble", "body": map[string]any{"type": "box", "layout": "vertical", "contents": []any{
					map[string]any{"type": "text", "text": "{{ profile.traits.name }}さん \"{{ event.properties.product }}\""}}}}}}}},
			http.StatusCreated, nil)
		var p previewBody
		s.call("POST", "/v1/templates/cart_line/preview", "admin", map[string]any{"profileId": "u_tpl",
			"event": map[string]any{"event": "cart_add", "properties": map[string]any{"product": "tea set"}}}, http.StatusOK, &p)
		if len(p.Content.LINE) != 1 || p.Content.LINE[0]["altText"] != "Hanaさんのカート" ||
			!strings.Contains(mustJSON(t, p.Content.LINE[0]), `Hanaさん \"tea set\"`) {
			t.Errorf("LINE preview = %+v", p.Content.LINE)
		}
		s.call("POST", "/v1/templates", "admin", map[string]any{"id": "cart_push", "name": "Cart push", "channel": "push",
			"content": map[string]any{"title": "{{ profile.traits.name }}", "body": "Back to your cart", "deepLink": "shop://cart"}}, http.StatusCreated, nil)
		s.call("POST", "/v1/templates/cart_push/preview", "admin", map[string]any{"profile": map[string]any{"id": "inline", "traits": map[string]any{"name": "Ken"}}},
			http.StatusOK, &p)
		if p.Content.Push == nil || p.Content.Push.Title != "Ken" || p.CustomerID != "inline" {
			t.Errorf("push preview = %+v", p)
		}
		var list struct{ Templates []messageTemplateBody }
		s.call("GET", "/v1/templates?channel=line", "admin", nil, http.StatusOK, &list)
		if len(list.Templates) != 1 || list.Templates[0].ID != "cart_line" {
			t.Errorf("line templates = %+v", list)
		}
		s.call("GET", "/v1/templates", "admin", nil, http.StatusOK, &list)
		if len(list.Templates) != 3 {
			t.Errorf("templates = %+v", list)
		}
	})

	t.Run("ProblemsNameTheField", func(t *testing.T) {
		admin := map[string]string{"Authorization": "Bearer " + s.admin, "Content-Type": "application/json"}
		tests := []struct {
			name, method, path, body string
			status                   int
			field                    string
		}{
			{"NoName", "POST", "/v1/templates", `{"channel":"email","content":{}}`, 400, "name"},
			{"BadID", "POST", "/v1/templates", `{"id":"Bad Id","name":"x","channel":"email","content":{}}`, 400, "id"},
			{"NoChannel", "POST", "/v1/templates", `{"name":"x","content":{}}`, 400, "channel"},
			{"UnknownChannel", "POST", "/v1/templates", `{"name":"x","channel":"fax","content":{}}`, 422, "channel"},
			{"NoContent", "POST", "/v1/templates", `{"name":"x","channel":"email"}`, 400, "content"},
			{"BadLiquid", "POST", "/v1/templates", `{"name":"x","channel":"email","content":{"subject":"s","html":"{% if %}","from":"a@b.example"}}`, 422, "content.html"},
			{"FlexMissingLayout", "POST", "/v1/templates", `{"name":"x","channel":"line","content":{"messages":[{"type":"flex","altText":"a","contents":{"type":"bubble","body":{"type":"box","contents":[]}}}]}}`, 422, "content.messages[0].contents.body.layout"},
			{"UnknownField", "POST", "/v1/templates", `{"name":"x","channel":"push","content":{"title":"a","body":"b","sound":"x"}}`, 422, "content.sound"},
			{"Taken", "POST", "/v1/templates", mustJSON(t, cartEmail), 409, "id"},
			{"ChannelChange", "PUT", "/v1/templates/cart_email", `{"channel":"line","content":{"messages":[{"type":"text","text":"a"}]}}`, 400, "channel"},
			{"BadVersion", "GET", "/v1/templates/cart_email?version=zero", ``, 400, "version"},
			{"UnknownVersion", "GET", "/v1/templates/cart_email?version=9", ``, 404, ""},
			{"UnknownTemplate", "POST", "/v1/templates/nope/preview", `{}`, 404, ""},
			{"UnknownProfile", "POST", "/v1/templates/cart_email/preview", `{"profileId":"u_nobody"}`, 400, "profileId"},
			{"BothProfiles", "POST", "/v1/templates/cart_email/preview", `{"profileId":"u_tpl","profile":{"id":"x"}}`, 400, "profile"},
			{"RenderedEmpty", "POST", "/v1/templates/cart_push/preview", `{}`, 422, "content.title"},
			{"NoAddress", "POST", "/v1/templates/cart_email/test-send", `{"profileId":"u_tpl"}`, 400, "to"},
			{"BadEmailAddress", "POST", "/v1/templates/cart_email/test-send", `{"to":"nope"}`, 400, "to"},
			{"BadLINEUser", "POST", "/v1/templates/cart_line/test-send", `{"to":"hana"}`, 400, "to"},
			{"UnknownRequestField", "POST", "/v1/templates/cart_email/preview", `{"profile_id":"u_tpl"}`, 400, "profile_id"},
		}
		for _, tt := range tests {
			status, ctype, body := s.raw(tt.method, tt.path, admin, tt.body)
			if status != tt.status || ctype != "application/problem+json" || problemField(body) != tt.field {
				t.Errorf("%s: %s %s = %d %s %v, want %d naming %q", tt.name, tt.method, tt.path, status, ctype, body, tt.status, tt.field)
			}
		}
	})
}
