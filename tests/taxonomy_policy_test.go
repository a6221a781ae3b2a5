package tests

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
)

const policySheet = `
unknownEvents: quarantine
invalidTraits: reject
events:
  - name: purchase
    onInvalid: reject
    properties:
      - {name: total, type: number, required: true}
  - name: cart_add
    onInvalid: quarantine
    properties:
      - {name: product, type: string, required: true}
  - name: app_open
    onInvalid: allow
    properties:
      - {name: app_version, type: string, required: true}
  - name: debug_ping
    status: blocked
userProperties:
  - {name: plan, type: string, enum: [free, pro]}
`

// TestTaxonomyPolicies sends invalid events through the real /v1/track and
// /v1/identify under each policy and checks what each policy promises:
// reject answers 4xx naming the property and stores nothing; quarantine
// answers 200 and keeps the event aside with its violations; allow stores
// it flagged; a blocked event is dropped and counted.
func TestTaxonomyPolicies(t *testing.T) {
	s := startStack(t) // no journey is active: no worker needed
	ctx := context.Background()
	if status, body := s.send("PUT", "/v1/taxonomy", "", yamlType, policySheet); status != 200 {
		t.Fatalf("apply the sheet = %d %s", status, body)
	}
	track := func(id, event, props string) (int, []byte) {
		return s.send("POST", "/v1/track", "Basic "+basicKey(s.write), "application/json",
			`{"userId":"aiko","messageId":"`+id+`","event":"`+event+`","properties":`+props+`}`)
	}
	stored := func(id string) (store.Event, bool) {
		e, err := s.store.GetEvent(ctx, "default", id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return e, err == nil
	}
	quarantined := func(id string) (store.QuarantinedEvent, bool) {
		q, err := s.store.GetQuarantined(ctx, "default", id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return q, err == nil
	}

	t.Run("ValidEventsAreStoredUnflagged", func(t *testing.T) {
		if status, body := track("ok-1", "purchase", `{"total": 4800}`); status != 200 {
			t.Fatalf("track = %d %s", status, body)
		}
		if e, ok := stored("ok-1"); !ok || len(e.Violations) != 0 {
			t.Errorf("stored = %v %+v", ok, e)
		}
	})

	t.Run("RejectAnswers4xxNamingThePropertyAndStoresNothing", func(t *testing.T) {
		status, body := track("rej-1", "purchase", `{"total": "4800"}`)
		if status/100 != 4 || !slices.Contains(problemFields(body), "properties.total") || !strings.Contains(string(body), "type") {
			t.Errorf("track = %d %s, want 4xx naming properties.total and the rule", status, body)
		}
		if _, ok := stored("rej-1"); ok {
			t.Error("a rejected event was stored")
		}
		if _, ok := quarantined("rej-1"); ok {
			t.Error("a rejected event was quarantined")
		}
	})

	t.Run("QuarantineKeepsTheEventAsideWithItsViolations", func(t *testing.T) {
		if status, body := track("q-1", "cart_add", `{"sku": "tea"}`); status != 200 {
			t.Fatalf("track = %d %s", status, body)
		}
		q, ok := quarantined("q-1")
		if !ok || len(q.Violations) != 1 || q.Violations[0].Field != "properties.product" || q.Violations[0].Rule != "required" ||
			q.Event.Name != "cart_add" || q.Event.UserID != "aiko" || !strings.Contains(string(q.Event.Properties), "tea") {
			t.Errorf("quarantined = %v %+v", ok, q)
		}
		if _, ok := stored("q-1"); ok {
			t.Error("a quarantined event was also stored")
		}
	})

	t.Run("AllowStoresTheEventFlagged", func(t *testing.T) {
		if status, body := track("a-1", "app_open", `{}`); status != 200 {
			t.Fatalf("track = %d %s", status, body)
		}
		e, ok := stored("a-1")
		if !ok || !strings.Contains(string(e.Violations), "properties.app_version") {
			t.Errorf("stored = %v, violations %s", ok, e.Violations)
		}
	})

	t.Run("BlockedEventsAreDroppedAndCounted", func(t *testing.T) {
		for _, id := range []string{"b-1", "b-2"} {
			if status, body := track(id, "debug_ping", `{}`); status != 200 {
				t.Fatalf("track = %d %s", status, body)
			}
			if _, ok := stored(id); ok {
				t.Errorf("blocked event %s was stored", id)
			}
		}
		_, body := s.send("GET", "/v1/taxonomy/dropped", "", "", "")
		if !strings.Contains(string(body), `"event":"debug_ping","reason":"blocked","count":2`) {
			t.Errorf("dropped = %s", body)
		}
	})

	t.Run("UnknownEventsFollowTheWorkspacePolicy", func(t *testing.T) {
		if status, _ := track("u-1", "purchse", `{"total": 1}`); status != 200 {
			t.Errorf("quarantine: %d", status)
		}
		if q, ok := quarantined("u-1"); !ok || q.Violations[0].Field != "event" || q.Violations[0].Rule != "unknown" {
			t.Errorf("unknown event under quarantine: %v %+v", ok, q)
		}
		s.send("PUT", "/v1/taxonomy/policy", "", "application/json", `{"unknownEvents":"reject"}`)
		if status, body := track("u-2", "purchse", `{}`); status/100 != 4 || !slices.Contains(problemFields(body), "event") {
			t.Errorf("reject: %d %s", status, body)
		}
		s.send("PUT", "/v1/taxonomy/policy", "", "application/json", `{"unknownEvents":"allow"}`)
		if status, _ := track("u-3", "purchse", `{}`); status != 200 {
			t.Errorf("allow: %d", status)
		}
		if e, ok := stored("u-3"); !ok || !strings.Contains(string(e.Violations), "unknown") {
			t.Errorf("unknown event under allow: %v %s", ok, e.Violations)
		}
	})

	t.Run("InvalidTraitsFollowTheWorkspacePolicy", func(t *testing.T) {
		status, body := s.send("POST", "/v1/identify", "Basic "+basicKey(s.write), "application/json",
			`{"userId":"aiko","messageId":"id-1","traits":{"plan":"gold"}}`)
		if status/100 != 4 || !slices.Contains(problemFields(body), "traits.plan") {
			t.Errorf("identify under reject = %d %s, want 4xx naming traits.plan", status, body)
		}
		if status, body := s.send("POST", "/v1/identify", "Basic "+basicKey(s.write), "application/json",
			`{"userId":"aiko","messageId":"id-2","traits":{"plan":"pro"}}`); status != http.StatusOK {
			t.Errorf("valid identify = %d %s", status, body)
		}
	})
}
