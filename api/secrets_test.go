package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/channels/settings"
)

// TestSecretsAPI: PUT stores a value it never shows again (201, then 200
// when replaced), GET lists names and fingerprints, DELETE removes; bad
// names and values are a 4xx naming the field; a journey referencing an
// unknown secret is a 422 naming the field; a server without a secrets key
// answers 503 to a PUT.
func TestSecretsAPI(t *testing.T) {
	t.Parallel()
	b := setupChannels(t)
	const value = "crm-value-0123456789"
	code, body := b.do(t, "PUT", "/v1/secrets/crm_token", b.admin, `{"value": "`+value+`"}`)
	mustStatus(t, "put", code, body, http.StatusCreated)
	code, body = b.do(t, "PUT", "/v1/secrets/crm_token", b.admin, `{"value": "`+value+`"}`)
	mustStatus(t, "replace", code, body, http.StatusOK)
	code, list := b.do(t, "GET", "/v1/secrets", b.admin, "")
	mustStatus(t, "list", code, list, http.StatusOK)
	if strings.Contains(body+list, value) || !strings.Contains(list, `"name":"crm_token"`) || !strings.Contains(list, settings.Fingerprint(value)) {
		t.Errorf("answers: %s %s", body, list)
	}
	for _, tc := range []struct {
		name, path, body string
		status           int
		field            string
	}{
		{"BadName", "/v1/secrets/CRM-token", `{"value": "x"}`, 422, "name"},
		{"NoValue", "/v1/secrets/crm_token", `{}`, 400, "value"},
		{"ValueWithALineBreak", "/v1/secrets/crm_token", `{"value": "a\r\nX-Evil: 1"}`, 422, "value"},
		{"UnknownField", "/v1/secrets/crm_token", `{"value": "x", "note": 1}`, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := b.do(t, "PUT", tc.path, b.admin, tc.body)
			if code != tc.status || !strings.Contains(body, `"field":"`+tc.field) {
				t.Errorf("%d %s, want %d naming %s", code, body, tc.status, tc.field)
			}
		})
	}
	t.Run("AJourneyReferencingAnUnknownSecretIsA422", func(t *testing.T) {
		def := `{"id":"j","name":"J","definition":{"entry":{"event":"e"},"nodes":[{"id":"h","kind":"webhook","url":"https://crm.example/h",
			"headers":{"X-Key":"{{ secrets.crm_token }}"},"body":{"a":["{{ secrets.gone }}"]},"next":"x"},{"id":"x","kind":"exit"}]}}`
		code, body := b.do(t, "POST", "/v1/journeys", b.admin, def)
		if code != 422 || !strings.Contains(body, `"field":"definition.nodes[0].body.a[0]"`) || strings.Contains(body, "headers.X-Key") {
			t.Errorf("%d %s, want 422 naming only definition.nodes[0].body.a[0]", code, body)
		}
	})
	code, body = b.do(t, "DELETE", "/v1/secrets/crm_token", b.admin, "")
	mustStatus(t, "delete", code, body, http.StatusNoContent)
	code, body = b.do(t, "DELETE", "/v1/secrets/crm_token", b.admin, "")
	mustStatus(t, "delete again", code, body, http.StatusNotFound)

	noKey := NewServer(Deps{Store: b.store})
	b.handler = noKey
	code, body = b.do(t, "PUT", "/v1/secrets/crm_token", b.admin, `{"value": "x"}`)
	mustStatus(t, "put without a key", code, body, http.StatusServiceUnavailable)
}
