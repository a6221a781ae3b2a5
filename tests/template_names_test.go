package tests

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestJourneySaveChecksStoredTemplateNames: a send naming a stored message
// template saves when the template exists on the node's channel, and with a
// fallback channel when fallback_template gives that channel's content (a
// stored one on the fallback channel, or inline); an unknown name, a
// template of another channel, or a fallback without content is a 422
// naming the field.
func TestJourneySaveChecksStoredTemplateNames(t *testing.T) {
	s := startStack(t)
	s.call("POST", "/v1/templates", "admin", cartEmail, http.StatusCreated, nil)
	s.call("POST", "/v1/templates", "admin", map[string]any{"id": "cart_line", "name": "Cart (LINE)", "channel": "line",
		"content": map[string]any{"messages": []any{map[string]any{"type": "text", "text": "Your cart is waiting"}}}}, http.StatusCreated, nil)
	journey := func(id, channel, fallback, name string) string {
		fb := ""
		if fallback, content, ok := strings.Cut(fallback, "+"); ok {
			fb = fmt.Sprintf(`"fallback_channel":%q,"fallback_template":%s,`, fallback, content)
		} else if fallback != "" {
			fb = fmt.Sprintf(`"fallback_channel":%q,`, fallback)
		}
		return fmt.Sprintf(`{"id":%q,"name":%q,"definition":{"entry":{"event":"cart"},"nodes":[
			{"id":"wait","kind":"wait","duration":"1h","next":"mail"},
			{"id":"mail","kind":"send","channel":%q,%s"template":{"name":%q},"next":"done"},
			{"id":"done","kind":"exit"}]}}`, id, id, channel, fb, name)
	}
	for _, tc := range []struct {
		name, channel, fallback, template string
		want                              int
		message                           string
	}{
		{"OnItsChannel", "email", "", "cart_email", http.StatusCreated, ""},
		{"WithAStoredFallback", "email", `line+{"name":"cart_line"}`, "cart_email", http.StatusCreated, ""},
		{"WithAnInlineFallback", "email", `line+{"body":"Your cart is waiting"}`, "cart_email", http.StatusCreated, ""},
		{"Unknown", "email", "", "no_such", http.StatusUnprocessableEntity, "no stored message template"},
		{"OtherChannel", "line", "", "cart_email", http.StatusUnprocessableEntity, "email template"},
		{"OnlyOnTheFallback", "line", "email", "cart_email", http.StatusUnprocessableEntity, "email fallback needs its own"},
		{"FallbackWithoutContent", "email", "line", "cart_email", http.StatusUnprocessableEntity, "line fallback needs its own"},
		{"FallbackOfTheWrongChannel", "email", `line+{"name":"cart_email"}`, "cart_email", http.StatusUnprocessableEntity, "email template, but it is sent on line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := strings.ToLower(tc.name)
			status, body := s.send("POST", "/v1/journeys", "", "application/json", journey(id, tc.channel, tc.fallback, tc.template))
			if status != tc.want {
				t.Fatalf("status %d, want %d: %s", status, tc.want, body)
			}
			if tc.want == http.StatusCreated {
				return
			}
			want := "definition.nodes[1].template.name"
			switch tc.name {
			case "OnlyOnTheFallback", "FallbackWithoutContent":
				want = "definition.nodes[1].fallback_template"
			case "FallbackOfTheWrongChannel":
				want = "definition.nodes[1].fallback_template.name"
			}
			if f := problemFields(body); len(f) != 1 || f[0] != want || !strings.Contains(string(body), tc.message) {
				t.Errorf("problem names %v, want %s (%q): %s", f, want, tc.message, body)
			}
		})
	}
}
