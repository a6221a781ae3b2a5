package tests

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestJourneySaveChecksStoredTemplateNames: a send naming a stored message
// template saves when the template exists on the node's channel or its
// fallback; an unknown name, or a template of another channel, is a 422
// naming definition.nodes[i].template.name.
func TestJourneySaveChecksStoredTemplateNames(t *testing.T) {
	s := startStack(t)
	s.call("POST", "/v1/templates", "admin", cartEmail, http.StatusCreated, nil)
	journey := func(id, channel, fallback, name string) string {
		fb := ""
		if fallback != "" {
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
		{"OnTheFallback", "line", "email", "cart_email", http.StatusCreated, ""},
		{"Unknown", "email", "", "no_such", http.StatusUnprocessableEntity, "no stored message template"},
		{"OtherChannel", "line", "", "cart_email", http.StatusUnprocessableEntity, "email template"},
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
			if f := problemFields(body); len(f) != 1 || f[0] != "definition.nodes[1].template.name" || !strings.Contains(string(body), tc.message) {
				t.Errorf("problem names %v, want definition.nodes[1].template.name (%q): %s", f, tc.message, body)
			}
		})
	}
}
