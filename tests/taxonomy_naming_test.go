package tests

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
)

// TestTaxonomyNamingConvention: a workspace that chooses snake_case
// object-action names has every other track call refused with 422 naming
// the field, its own sheet held to the convention, and Tabiji's events
// let through.
func TestTaxonomyNamingConvention(t *testing.T) {
	b := setupKeys(t)
	naming := map[string]any{"events": "snake_case", "properties": "snake_case", "objectAction": true}
	if status, body := b.do("PUT", "/v1/taxonomy", b.admin, map[string]any{"events": []any{map[string]any{"name": "Order Completed"}}}); status != http.StatusOK {
		t.Fatalf("sheet = %d %s", status, body)
	}
	t.Run("AConventionTheSheetBreaksIsRefusedNamingTheDefinition", func(t *testing.T) {
		status, body := b.do("PUT", "/v1/taxonomy/policy", b.admin, map[string]any{"naming": naming})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, "events[0].name") || !strings.Contains(body, "order_completed") {
			t.Errorf("policy = %d %s", status, body)
		}
	})
	if status, body := b.do("PUT", "/v1/taxonomy", b.admin, map[string]any{"events": []any{map[string]any{"name": "order_completed"}}, "naming": naming}); status != http.StatusOK {
		t.Fatalf("sheet = %d %s", status, body)
	}
	track := func(id, event string, props map[string]any) (int, string) {
		return b.do("POST", "/v1/track", b.write, map[string]any{"userId": "u1", "messageId": id, "event": event, "properties": props})
	}
	t.Run("TheConventionIsKept", func(t *testing.T) {
		status, body := b.do("GET", "/v1/taxonomy/policy", b.admin, nil)
		if status != http.StatusOK || !strings.Contains(body, `"objectAction":true`) || !strings.Contains(body, `"onViolation":"reject"`) {
			t.Errorf("policy = %d %s", status, body)
		}
	})
	t.Run("ANameThatFollowsItIsStored", func(t *testing.T) {
		if status, body := track("n1", "product_viewed", map[string]any{"product_id": "p1"}); status != http.StatusOK {
			t.Errorf("track = %d %s", status, body)
		}
	})
	t.Run("ABadEventNameIs422NamingTheField", func(t *testing.T) {
		status, body := track("n2", "ProductViewed", nil)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `"event"`) || !strings.Contains(body, "product_viewed") {
			t.Errorf("track = %d %s", status, body)
		}
		if _, err := b.st.GetEvent(context.Background(), "acme", "n2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the refused event was stored: %v", err)
		}
	})
	t.Run("ABadPropertyNameIs422NamingTheProperty", func(t *testing.T) {
		status, body := track("n3", "product_viewed", map[string]any{"productId": "p1"})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, "properties.productId") {
			t.Errorf("track = %d %s", status, body)
		}
	})
	t.Run("TabijisOwnEventsPass", func(t *testing.T) {
		if status, body := b.do("PUT", "/v1/taxonomy/policy", b.admin, map[string]any{"naming": map[string]any{"events": "camelCase"}}); status != http.StatusUnprocessableEntity {
			t.Errorf("camelCase over a snake_case sheet = %d %s", status, body)
		}
		if status, body := track("n4", "email_opened", map[string]any{"message_id": "m1"}); status != http.StatusOK {
			t.Errorf("track = %d %s", status, body)
		}
	})
	t.Run("AnUnknownCaseIsNamed", func(t *testing.T) {
		status, body := b.do("PUT", "/v1/taxonomy/policy", b.admin, map[string]any{"naming": map[string]any{"events": "SCREAMING_CASE"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, "naming.events") {
			t.Errorf("policy = %d %s", status, body)
		}
	})
}
