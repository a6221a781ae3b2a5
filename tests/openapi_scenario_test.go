package tests

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestAPIConformsToItsDescription sends real requests through the real
// stack (Postgres, the embedded Temporal server, a worker) and checks each
// request and each answer, problems included, against the description the
// API serves at /v1/openapi.json, with kin-openapi's openapi3filter. A
// request the API must refuse for its shape is refused by the description
// too.
func TestAPIConformsToItsDescription(t *testing.T) {
	s := startStack(t)
	s.startWorker()
	c := newConformance(t, s)
	t.Run("HealthAndMeta", func(t *testing.T) { c.t = t; conformHealth(c) })
	t.Run("Ingestion", func(t *testing.T) { c.t = t; conformIngestion(c) })
	t.Run("Journeys", func(t *testing.T) { c.t = t; conformJourneys(c) })
	t.Run("SegmentsTemplatesBroadcasts", func(t *testing.T) { c.t = t; conformAudiences(c) })
	t.Run("Profiles", func(t *testing.T) { c.t = t; conformProfiles(c) })
	t.Run("Settings", func(t *testing.T) { c.t = t; conformSettings(c) })
	t.Run("TaxonomyAndQuarantine", func(t *testing.T) { c.t = t; conformTaxonomy(c) })
	t.Run("ConsoleAndLinks", func(t *testing.T) { c.t = t; conformConsole(c) })
	t.Run("Edges", func(t *testing.T) { c.t = t; conformEdges(c) })
	t.Run("Governance", func(t *testing.T) { c.t = t; conformGovernance(c) })
	t.Run("People", func(t *testing.T) { c.t = t; conformPeople(c) })
	t.Run("SingleSignOn", func(t *testing.T) { c.t = t; conformSSO(c) })
	c.t = t
	if len(c.seen) < 100 {
		t.Errorf("only %d operations were called: the test should call most of the API", len(c.seen))
	}
	t.Logf("%d operations checked against the description; not called here: %v", len(c.seen), c.uncalled())
}

func conformHealth(c *conformance) {
	c.do(exchange{method: "GET", path: "/healthz", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/readyz", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/openapi.json", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/schemas/journey.json", want: http.StatusOK})
}

func conformIngestion(c *conformance) {
	track := map[string]any{"userId": "aiko", "event": "page_viewed", "properties": map[string]any{"path": "/tea"}}
	c.do(exchange{method: "POST", path: "/v1/track", auth: "write", body: track, want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/t", auth: "write", body: track, want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/track", auth: "write", contentType: "text/plain", body: `{"userId":"aiko","event":"beacon"}`, want: http.StatusOK})
	identify := map[string]any{"userId": "aiko", "traits": map[string]any{"email": "aiko@example.com", "plan": "gold", "name": "Aiko"}}
	c.do(exchange{method: "POST", path: "/v1/identify", auth: "write", body: identify, want: http.StatusOK})
	for _, typ := range []string{"page", "screen"} {
		c.do(exchange{method: "POST", path: "/v1/" + typ, auth: "write", body: map[string]any{"anonymousId": "anon-1", "name": "Home"}, want: http.StatusOK})
	}
	c.do(exchange{method: "POST", path: "/v1/group", auth: "write", body: map[string]any{"userId": "aiko", "groupId": "g1"}, want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/alias", auth: "write", body: map[string]any{"userId": "aiko", "previousId": "anon-1"}, want: http.StatusOK})
	batch := map[string]any{"batch": []any{
		map[string]any{"type": "track", "userId": "ben", "event": "purchase", "properties": map[string]any{"total": 4800}},
		map[string]any{"type": "identify", "userId": "ben", "traits": map[string]any{"email": "ben@example.com"}}}}
	c.do(exchange{method: "POST", path: "/v1/batch", auth: "write", body: batch, want: http.StatusOK})
	// Refusals: their problems name the field, and conform too.
	c.do(exchange{method: "POST", path: "/v1/track", auth: "write", body: map[string]any{"userId": "aiko"}, want: http.StatusBadRequest, refused: true})
	c.do(exchange{method: "POST", path: "/v1/track", auth: "write", body: map[string]any{"event": "x"}, want: http.StatusBadRequest, refused: true})
	c.do(exchange{method: "POST", path: "/v1/track", body: track, want: http.StatusUnauthorized})
	c.do(exchange{method: "POST", path: "/v1/identify", auth: "write", contentType: "application/xml", body: "<x/>", want: http.StatusUnsupportedMediaType, refused: true})
	mixed := map[string]any{"batch": []any{map[string]any{"type": "track", "userId": "ben", "event": "ok"}, map[string]any{"type": "track", "userId": "ben"}}}
	c.do(exchange{method: "POST", path: "/v1/b", auth: "write", body: mixed, want: http.StatusBadRequest})
	c.do(exchange{method: "OPTIONS", path: "/v1/track", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/projects/" + c.s.write + "/settings", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/projects/" + c.s.admin + "/settings", want: http.StatusForbidden})
	c.do(exchange{method: "POST", path: "/v1/push/opened", auth: "write", body: map[string]any{"messageId": "nope", "userId": "aiko"}, want: http.StatusNotFound})
}

func conformJourneys(c *conformance) {
	journey := cartJourney(c.t, "1h")
	c.do(exchange{method: "POST", path: "/v1/journeys", auth: "admin", body: journey, want: http.StatusCreated})
	c.do(exchange{method: "POST", path: "/v1/journeys", auth: "admin", body: journey, want: http.StatusConflict})
	broken := map[string]any{"name": "Broken", "definition": map[string]any{"entry": map[string]any{"event": "x"}, "nodes": []any{
		map[string]any{"id": "a", "kind": "wait", "duration": "1h", "next": "nowhere"}}}}
	c.do(exchange{method: "POST", path: "/v1/journeys", auth: "admin", body: broken, want: http.StatusUnprocessableEntity})
	c.do(exchange{method: "POST", path: "/v1/journeys", auth: "admin", body: map[string]any{"name": "No definition"}, want: http.StatusBadRequest, refused: true})
	c.do(exchange{method: "GET", path: "/v1/journeys", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/journeys", auth: "bearer:" + c.s.write, want: http.StatusForbidden})
	c.do(exchange{method: "GET", path: "/v1/journeys", want: http.StatusUnauthorized, refused: true})
	c.do(exchange{method: "GET", path: "/v1/journeys/cart_abandonment", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/journeys/nope", auth: "admin", want: http.StatusNotFound})
	c.do(exchange{method: "PUT", path: "/v1/journeys/cart_abandonment", auth: "admin", body: map[string]any{"definition": journey["definition"]}, want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/journeys/cart_abandonment/versions", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/journeys/cart_abandonment/activate", auth: "admin", want: http.StatusOK})
	c.s.track("carol", "cart_add", "conform-cart-1")
	eventually(c.t, 30*time.Second, "carol's run", func() bool { return len(runsOf(c.s, "carol")) == 1 })
	c.do(exchange{method: "GET", path: "/v1/customers/carol/journeys", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/journeys/cart_abandonment/pause", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/journeys/cart_abandonment/resume", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/journeys/cart_abandonment/migrate", auth: "admin", body: map[string]any{"version": 2}, want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/journeys/cart_abandonment/enter", auth: "admin", body: map[string]any{"userId": "dan"}, want: http.StatusConflict})
	c.do(exchange{method: "POST", path: "/v1/journeys/cart_abandonment/simulate", auth: "admin",
		body: map[string]any{"userId": "sim", "entry": map[string]any{"properties": map[string]any{}}, "events": []any{}}, want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/journeys/cart_abandonment/stats", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/journeys/check-expression", auth: "admin",
		body: map[string]any{"expression": "event.properties.total > 1 && profile.traits.zodiac == 'leo'", "context": "wait_for_match", "event": "purchase"}, want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/journeys/check-expression", auth: "admin",
		body: map[string]any{"expression": "event.name ==", "context": "entry_filter"}, want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/journeys/convert", auth: "admin", body: map[string]any{"definition": journey["definition"]}, want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/journeys/convert", auth: "admin", body: map[string]any{"yaml": "- not a mapping"}, want: http.StatusUnprocessableEntity})
	c.do(exchange{method: "GET", path: "/v1/journeys/cart_abandonment/stats?tz=Mars/Olympus", auth: "admin", want: http.StatusBadRequest})
	c.do(exchange{method: "GET", path: "/v1/journeys/cart_abandonment/experiments", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/journey-templates", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/journey-templates/welcome", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/journey-templates/welcome/launch", auth: "admin", body: map[string]any{"id": "welcome"}, want: http.StatusCreated})
	c.do(exchange{method: "POST", path: "/v1/journeys/welcome/archive", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/journeys/welcome/pause", auth: "admin", want: http.StatusConflict})
	c.do(exchange{method: "GET", path: "/v1/outbox", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/messages?limit=10", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/messages?status=bogus", auth: "admin", want: http.StatusBadRequest})
	c.do(exchange{method: "GET", path: "/v1/messages/" + url.PathEscape("bc/default/none/u1"), auth: "admin", want: http.StatusNotFound})
	for _, kpi := range []string{"channels", "repeat-purchase", "ltv", "journey-revenue", "leads"} {
		c.do(exchange{method: "GET", path: "/v1/kpis/" + kpi, auth: "admin", want: http.StatusOK})
	}
}

func conformAudiences(c *conformance) {
	segment := map[string]any{"id": "gold", "name": "Gold", "definition": map[string]any{"condition": map[string]any{
		"trait": map[string]any{"name": "plan", "op": "eq", "value": "gold"}}}}
	c.do(exchange{method: "POST", path: "/v1/segments", auth: "admin", body: segment, want: http.StatusCreated})
	c.do(exchange{method: "POST", path: "/v1/segments", auth: "admin", body: map[string]any{"name": "Bad", "definition": map[string]any{"condition": map[string]any{
		"trait": map[string]any{"name": "plan", "op": "sideways", "value": 1}}}}, want: http.StatusUnprocessableEntity})
	c.do(exchange{method: "GET", path: "/v1/segments", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/segments/gold", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "PUT", path: "/v1/segments/gold", auth: "admin", body: segment, want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/segments/gold/count", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/segments/gold/members?limit=10", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/segments/gold/members?limit=9999", auth: "admin", want: http.StatusBadRequest, refused: true})
	c.do(exchange{method: "GET", path: "/v1/segments/gold/reach", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/segments/gold/uses", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/segments/preview", auth: "admin", body: map[string]any{"id": "gold", "definition": segment["definition"], "sample": 5}, want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/segments/preview", auth: "admin", body: map[string]any{"definition": segment["definition"], "sample": 101}, want: http.StatusBadRequest, refused: true})
	c.do(exchange{method: "POST", path: "/v1/segments/preview", auth: "admin", body: map[string]any{"definition": map[string]any{"condition": map[string]any{
		"trait": map[string]any{"name": "plan", "op": "sideways", "value": 1}}}}, want: http.StatusUnprocessableEntity})
	tpl := map[string]any{"name": "Cart reminder", "channel": "email", "content": map[string]any{
		"subject": "Your {{ event.properties.product }} is waiting", "from": "shop@example.com", "html": "<p>Hi {{ profile.traits.name }}</p>"}}
	c.do(exchange{method: "POST", path: "/v1/templates", auth: "admin", body: tpl, want: http.StatusCreated})
	c.do(exchange{method: "POST", path: "/v1/templates", auth: "admin", body: map[string]any{"name": "No channel", "content": map[string]any{}}, want: http.StatusBadRequest, refused: true})
	c.do(exchange{method: "GET", path: "/v1/templates?channel=email", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/templates/cart_reminder", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "PUT", path: "/v1/templates/cart_reminder", auth: "admin", body: map[string]any{"content": tpl["content"]}, want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/templates/cart_reminder/versions", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/templates/cart_reminder/preview", auth: "admin", body: map[string]any{"profileId": "aiko"}, want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/templates/cart_reminder/test-send", auth: "admin", body: map[string]any{"profileId": "aiko", "to": "me@example.com"}, want: http.StatusAccepted})
	bc := map[string]any{"id": "winter", "name": "Winter", "segment": "gold", "channel": "email", "template": "cart_reminder", "transactional": true}
	c.do(exchange{method: "POST", path: "/v1/broadcasts", auth: "admin", body: bc, want: http.StatusCreated})
	c.do(exchange{method: "GET", path: "/v1/broadcasts", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/broadcasts/winter", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/broadcasts/winter/pause", auth: "admin", want: http.StatusConflict})
	c.do(exchange{method: "POST", path: "/v1/broadcasts/winter/cancel", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/broadcasts/winter/schedule", auth: "admin", want: http.StatusConflict})
	c.do(exchange{method: "GET", path: "/v1/line/rich-menus", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "PUT", path: "/v1/line/rich-menus/gold", auth: "admin", body: map[string]any{"richMenuId": "richmenu-88c05ef6921ae53f8b58a25f3a65faf7"}, want: http.StatusOK})
	c.do(exchange{method: "PUT", path: "/v1/line/rich-menus/gold", auth: "admin", body: map[string]any{"richMenuId": "menu"}, want: http.StatusBadRequest, refused: true})
	c.do(exchange{method: "DELETE", path: "/v1/line/rich-menus/gold", auth: "admin", want: http.StatusNoContent})
	c.do(exchange{method: "DELETE", path: "/v1/segments/gold", auth: "admin", want: http.StatusNoContent})
}

func conformProfiles(c *conformance) {
	c.do(exchange{method: "GET", path: "/v1/profiles/aiko", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/profiles/nobody", auth: "admin", want: http.StatusNotFound})
	c.do(exchange{method: "GET", path: "/v1/profiles/aiko/events?limit=5", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/profiles/aiko/segments", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/profiles/aiko/score", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/profiles/aiko/export", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/profiles/aiko/provisions", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/provisions?format=csv", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/provisions?since=yesterday", auth: "admin", want: http.StatusBadRequest})
	consent := map[string]any{"channel": "email", "status": "opted_in", "source": "signup_form",
		"evidence": map[string]any{"form": "footer", "wording": "メールを受け取る", "ip": "203.0.113.7"}}
	c.do(exchange{method: "POST", path: "/v1/profiles/aiko/consent", auth: "admin", body: consent, want: http.StatusCreated})
	c.do(exchange{method: "POST", path: "/v1/profiles/aiko/consent", auth: "admin", body: map[string]any{"channel": "fax", "status": "opted_in", "source": "x"}, want: http.StatusUnprocessableEntity, refused: true})
	c.do(exchange{method: "GET", path: "/v1/profiles/aiko/consent", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/consent/export", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/consent/import", auth: "admin", contentType: "text/csv",
		body: "customer_id,channel,status,source\nben,email,opted_out,store_counter\n", want: http.StatusOK})
	rows := map[string]any{"rows": []any{map[string]any{"line": 2, "id": "c1", "traits": map[string]any{"email": "hana@example.jp"}}}}
	c.do(exchange{method: "POST", path: "/v1/profiles/import", auth: "admin", body: rows, want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/profiles/import", auth: "admin", body: map[string]any{"rows": []any{}}, want: http.StatusBadRequest, refused: true})
	c.do(exchange{method: "GET", path: "/v1/profiles/export", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/profiles/export?format=csv", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "DELETE", path: "/v1/profiles/c1", auth: "admin", want: http.StatusOK})
}

func conformSettings(c *conformance) {
	c.do(exchange{method: "GET", path: "/v1/workspace", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "PATCH", path: "/v1/workspace", auth: "admin", body: map[string]any{"timezone": "Asia/Tokyo"}, want: http.StatusOK})
	c.do(exchange{method: "PATCH", path: "/v1/workspace", auth: "admin", body: map[string]any{"timezone": "Mars/Olympus"}, want: http.StatusUnprocessableEntity})
	c.do(exchange{method: "PATCH", path: "/v1/workspace", auth: "admin", body: map[string]any{"colour": "blue"}, want: http.StatusBadRequest, refused: true})
	c.do(exchange{method: "GET", path: "/v1/workspace/timezone", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "PUT", path: "/v1/workspace/timezone", auth: "admin", body: map[string]any{"timezone": "Asia/Tokyo"}, want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/workspace/privacy", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "PATCH", path: "/v1/workspace/privacy", auth: "admin", body: map[string]any{"eventRetention": "25 months"}, want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/workspace/allowed-origins", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "PUT", path: "/v1/workspace/allowed-origins", auth: "admin", body: map[string]any{"origins": []string{"https://shop.example"}}, want: http.StatusOK})
	c.do(exchange{method: "PUT", path: "/v1/workspace/allowed-origins", auth: "admin", body: map[string]any{"origins": []string{"*"}}, want: http.StatusUnprocessableEntity})
	c.do(exchange{method: "GET", path: "/v1/workspace/advertising", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "PUT", path: "/v1/workspace/advertising", auth: "admin", body: map[string]any{"optInRequired": true,
		"sender": map[string]any{"name": "旅路商店", "address": "東京都千代田区千代田1-1", "contact": "support@shop.example"}}, want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/workspace/identity-verification", auth: "admin", want: http.StatusServiceUnavailable})
	c.do(exchange{method: "POST", path: "/v1/workspace/identity-verification/rotate", auth: "admin", want: http.StatusServiceUnavailable})
	c.do(exchange{method: "GET", path: "/v1/frequency-caps", auth: "admin", want: http.StatusOK})
	caps := map[string]any{"caps": map[string]any{"email": []any{map[string]any{"max": 3, "window": "7d"}}}}
	c.do(exchange{method: "PUT", path: "/v1/frequency-caps", auth: "admin", body: caps, want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/global-control", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "PUT", path: "/v1/global-control", auth: "admin", body: map[string]any{"percent": 5}, want: http.StatusOK})
	c.do(exchange{method: "PUT", path: "/v1/global-control", auth: "admin", body: map[string]any{"percent": 150}, want: http.StatusUnprocessableEntity})
	c.do(exchange{method: "GET", path: "/v1/scoring", auth: "admin", want: http.StatusOK})
	rules := map[string]any{"events": []any{map[string]any{"id": "demo", "event": "demo_request", "points": 50}}, "traits": []any{}}
	c.do(exchange{method: "PUT", path: "/v1/scoring", auth: "admin", body: rules, want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/channels", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/channels/email", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "PUT", path: "/v1/channels/email", auth: "admin", body: map[string]any{"baseUrl": "http://evil.example"}, want: http.StatusUnprocessableEntity})
	c.do(exchange{method: "GET", path: "/v1/secrets", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/line/usage", auth: "admin", want: http.StatusConflict})
	c.do(exchange{method: "PUT", path: "/v1/signup-form", auth: "admin", body: map[string]any{"topic": "newsletter"}, want: http.StatusOK})
	raw := c.do(exchange{method: "GET", path: "/v1/signup-form", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/f/" + field(c.t, raw, "id"), want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/f/" + field(c.t, raw, "id"), contentType: "application/x-www-form-urlencoded",
		body: "email=hana%40example.jp&consent=on", want: http.StatusOK})
}

func conformTaxonomy(c *conformance) {
	c.do(exchange{method: "GET", path: "/v1/taxonomy", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/taxonomy?format=yaml", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/taxonomy?format=csv", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/taxonomy?format=xml", auth: "admin", want: http.StatusBadRequest, refused: true})
	event := map[string]any{"name": "order_completed", "properties": []any{map[string]any{"name": "total", "type": "number", "required": true}}}
	c.do(exchange{method: "POST", path: "/v1/taxonomy/events", auth: "admin", body: event, want: http.StatusCreated})
	c.do(exchange{method: "PUT", path: "/v1/taxonomy/events/order_completed", auth: "admin", body: event, want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/taxonomy/events", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/taxonomy/events/order_completed", auth: "admin", want: http.StatusOK})
	prop := map[string]any{"name": "plan", "type": "string", "enum": []any{"gold", "silver"}}
	c.do(exchange{method: "POST", path: "/v1/taxonomy/user-properties", auth: "admin", body: prop, want: http.StatusCreated})
	c.do(exchange{method: "GET", path: "/v1/taxonomy/user-properties", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/taxonomy/user-properties/plan", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "PUT", path: "/v1/taxonomy/policy", auth: "admin", body: map[string]any{"unknownEvents": "allow"}, want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/taxonomy/policy", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "PUT", path: "/v1/taxonomy?dry_run=true", auth: "admin", body: map[string]any{"events": []any{}, "userProperties": []any{}}, want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/taxonomy/dropped?days=7", auth: "admin", want: http.StatusOK})
	// An order without its required total is quarantined, fixed and replayed.
	c.do(exchange{method: "PUT", path: "/v1/taxonomy/events/order_completed", auth: "admin",
		body: map[string]any{"name": "order_completed", "onInvalid": "quarantine", "properties": event["properties"]}, want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/track", auth: "write", body: map[string]any{"userId": "aiko", "event": "order_completed", "messageId": "q-1"}, want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/quarantine", auth: "admin", want: http.StatusOK})
	raw := c.do(exchange{method: "GET", path: "/v1/quarantine/q-1", auth: "admin", want: http.StatusOK})
	var q struct {
		Event map[string]any `json:"event"`
	}
	if err := json.Unmarshal(raw, &q); err != nil || q.Event == nil {
		c.t.Fatalf("GET /v1/quarantine/q-1: no event in %s (%v)", raw, err)
	}
	q.Event["properties"] = map[string]any{"total": 1200}
	c.do(exchange{method: "PUT", path: "/v1/quarantine/q-1", auth: "admin", body: q.Event, want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/v1/quarantine/q-1/replay", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "DELETE", path: "/v1/quarantine/q-1", auth: "admin", want: http.StatusNotFound})
	c.do(exchange{method: "DELETE", path: "/v1/taxonomy/user-properties/plan", auth: "admin", want: http.StatusNoContent})
	c.do(exchange{method: "DELETE", path: "/v1/taxonomy/events/order_completed", auth: "admin", want: http.StatusNoContent})
	c.do(exchange{method: "DELETE", path: "/v1/taxonomy/events/order_completed", auth: "admin", want: http.StatusNotFound})
}

func conformConsole(c *conformance) {
	c.do(exchange{method: "GET", path: "/ui", want: http.StatusMovedPermanently})
	c.do(exchange{method: "GET", path: "/ui/", want: http.StatusSeeOther, refused: true})
	c.do(exchange{method: "GET", path: "/ui/login", want: http.StatusOK})
	owner := url.Values{"email": {c.s.ownerEmail("default")}, "password": {"not the password"}}
	c.do(exchange{method: "POST", path: "/ui/login", contentType: "application/x-www-form-urlencoded", body: owner.Encode(), want: http.StatusUnauthorized})
	homeless := url.Values{"email": {"nobody-here@example.com"}, "password": {e2ePassword}}
	if hash, err := cheapHashes.Hash(e2ePassword); err != nil {
		c.t.Fatal(err)
	} else if _, err := c.s.store.CreatePerson(context.Background(), "nobody-here@example.com", hash, ""); err != nil {
		c.t.Fatal(err) // a person of no workspace
	}
	c.do(exchange{method: "POST", path: "/ui/login", contentType: "application/x-www-form-urlencoded", body: homeless.Encode(), want: http.StatusForbidden})
	owner.Set("password", e2ePassword)
	c.do(exchange{method: "POST", path: "/ui/login", contentType: "application/x-www-form-urlencoded", body: owner.Encode(), want: http.StatusSeeOther})
	for _, ck := range (&http.Response{Header: c.header}).Cookies() {
		if ck.Name == "tabiji_session" {
			c.session = ck.Value
		}
	}
	if c.session == "" {
		c.t.Fatalf("POST /ui/login set no tabiji_session cookie: %v", c.header)
	}
	for _, p := range []string{"/ui/", "/ui/journeys", "/ui/journeys/cart_abandonment", "/ui/customers?q=aiko", "/ui/customers/aiko", "/ui/settings", "/ui/settings/people", "/ui/audit", "/ui/approvals", "/ui/line",
		"/ui/home.csv", "/ui/report?month=2026-11", "/ui/templates", "/ui/templates/welcome"} {
		c.do(exchange{method: "GET", path: p, auth: "session", want: http.StatusOK})
	}
	c.do(exchange{method: "POST", path: "/ui/codec/decode", auth: "admin", body: map[string]any{"payloads": []any{}}, want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/ui/logout", auth: "session", want: http.StatusSeeOther})
	c.do(exchange{method: "GET", path: "/r/forged-token", want: http.StatusServiceUnavailable})
	c.do(exchange{method: "GET", path: "/u/forged-token", want: http.StatusServiceUnavailable})
	c.do(exchange{method: "GET", path: "/optin/forged-token", want: http.StatusServiceUnavailable})
	c.do(exchange{method: "POST", path: "/webhooks/sendgrid/default", body: []any{}, want: http.StatusServiceUnavailable})
	c.do(exchange{method: "POST", path: "/webhooks/line/default", body: map[string]any{"events": []any{}}, want: http.StatusServiceUnavailable})
	c.do(exchange{method: "POST", path: "/webhooks/twilio/default", contentType: "application/x-www-form-urlencoded", body: "MessageSid=SM1", want: http.StatusServiceUnavailable})
}

// conformEdges calls what the groups above leave out: every CORS preflight,
// the short paths, write-only secrets, static files, signed links without
// their secret, and the provider-bound routes a workspace without LINE
// settings refuses.
func conformEdges(c *conformance) {
	preflight := http.Header{"Origin": {"https://shop.example"}, "Access-Control-Request-Method": {"POST"}}
	for _, p := range []string{"identify", "track", "page", "screen", "group", "alias", "batch", "i", "t", "p", "s", "g", "a", "b", "push/opened"} {
		c.do(exchange{method: "OPTIONS", path: "/v1/" + p, header: preflight, want: http.StatusNoContent})
	}
	c.do(exchange{method: "OPTIONS", path: "/v1/projects/" + c.s.write + "/settings", header: preflight, want: http.StatusNoContent})
	codecPreflight := http.Header{"Origin": {"http://ui.test"}, "Access-Control-Request-Method": {"POST"}}
	for _, op := range []string{"encode", "decode"} {
		c.do(exchange{method: "OPTIONS", path: "/ui/codec/" + op, header: codecPreflight, want: http.StatusNoContent})
	}
	c.do(exchange{method: "POST", path: "/ui/codec/encode", auth: "admin", body: map[string]any{"payloads": []any{}}, want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/ui/codec/encode", auth: "write", body: map[string]any{"payloads": []any{}}, want: http.StatusUnauthorized, refused: true})
	for _, short := range []struct{ path, body string }{{"i", `{"userId":"aiko","traits":{"plan":"gold"}}`},
		{"p", `{"userId":"aiko","name":"Home"}`}, {"s", `{"userId":"aiko","name":"Home"}`}, {"g", `{"userId":"aiko","groupId":"g1"}`},
		{"a", `{"userId":"aiko","previousId":"anon-2"}`}} {
		c.do(exchange{method: "POST", path: "/v1/" + short.path, auth: "write", contentType: "application/json", body: short.body, want: http.StatusOK})
	}
	c.do(exchange{method: "PUT", path: "/v1/secrets/crm_token", auth: "admin", body: map[string]any{"value": "s3cret"}, want: http.StatusServiceUnavailable})
	c.do(exchange{method: "PUT", path: "/v1/secrets/crm_token", auth: "admin", body: map[string]any{}, want: http.StatusBadRequest, refused: true})
	c.do(exchange{method: "DELETE", path: "/v1/secrets/crm_token", auth: "admin", want: http.StatusNotFound})
	c.do(exchange{method: "DELETE", path: "/v1/channels/push", auth: "admin", want: http.StatusNotFound})
	c.do(exchange{method: "POST", path: "/v1/line/link-tokens", auth: "admin", body: map[string]any{"lineUserId": "U4af4980629b2d7f0d1e2b3c4d5e6f708"}, want: http.StatusConflict})
	c.do(exchange{method: "POST", path: "/v1/line/link-tokens", auth: "admin", body: map[string]any{"lineUserId": "someone"}, want: http.StatusBadRequest, refused: true})
	c.do(exchange{method: "POST", path: "/v1/line/account-links", auth: "admin", body: map[string]any{"linkToken": "forged", "userId": "shop_42"}, want: http.StatusUnprocessableEntity})
	c.do(exchange{method: "POST", path: "/v1/broadcasts/winter/resume", auth: "admin", want: http.StatusConflict})
	c.do(exchange{method: "PUT", path: "/v1/taxonomy/user-properties/tier", auth: "admin", body: map[string]any{"name": "tier", "type": "string"}, want: http.StatusCreated})
	c.do(exchange{method: "PUT", path: "/v1/taxonomy/user-properties/tier", auth: "admin", body: map[string]any{"name": "tier", "type": "number"}, want: http.StatusOK})
	c.do(exchange{method: "PUT", path: "/v1/taxonomy/user-properties/tier", auth: "admin", body: map[string]any{"name": "rank", "type": "string"}, want: http.StatusBadRequest})
	c.do(exchange{method: "GET", path: "/ui/assets/console.css", want: http.StatusOK})
	c.do(exchange{method: "HEAD", path: "/ui/assets/console.css", want: http.StatusOK})
	c.do(exchange{method: "HEAD", path: "/r/forged-token", want: http.StatusServiceUnavailable})
	c.do(exchange{method: "POST", path: "/u/forged-token", contentType: "application/x-www-form-urlencoded", body: "List-Unsubscribe=One-Click", want: http.StatusServiceUnavailable})
	c.do(exchange{method: "POST", path: "/optin/forged-token", want: http.StatusServiceUnavailable})
	c.do(exchange{method: "GET", path: "/v1/kpis/dashboard?from=2026-11-01&to=2026-12-01", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/kpis/dashboard", auth: "admin", want: http.StatusBadRequest, refused: true})
}

// conformGovernance calls the approval rule and requests and the
// workspace's keys, and reads the audit log, which holds every change the
// groups above made.
func conformGovernance(c *conformance) {
	c.do(exchange{method: "GET", path: "/v1/workspace/approvals", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "PUT", path: "/v1/workspace/approvals", auth: "admin", body: map[string]any{"required": false}, want: http.StatusOK})
	c.do(exchange{method: "PUT", path: "/v1/workspace/approvals", auth: "admin", body: map[string]any{"required": "yes"}, want: http.StatusBadRequest, refused: true})
	c.do(exchange{method: "GET", path: "/v1/approvals", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/approvals/nope", auth: "admin", want: http.StatusNotFound})
	for _, verb := range []string{"approve", "reject"} {
		c.do(exchange{method: "POST", path: "/v1/approvals/nope/" + verb, auth: "admin", body: map[string]any{"comment": "ok"}, want: http.StatusNotFound})
	}
	raw := c.do(exchange{method: "POST", path: "/v1/keys", auth: "admin", body: map[string]any{"role": "write", "name": "shop backend"}, want: http.StatusCreated})
	c.do(exchange{method: "POST", path: "/v1/keys", auth: "admin", body: map[string]any{"role": "root", "name": "x"}, want: http.StatusBadRequest, refused: true})
	c.do(exchange{method: "GET", path: "/v1/keys", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "DELETE", path: "/v1/keys/" + field(c.t, raw, "id"), auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "DELETE", path: "/v1/keys/nope", auth: "admin", want: http.StatusNotFound})
	c.do(exchange{method: "GET", path: "/v1/audit?resource=journeys&limit=5", auth: "admin", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/v1/audit?outcome=bogus", auth: "admin", want: http.StatusBadRequest, refused: true})
	c.do(exchange{method: "GET", path: "/v1/audit.csv", auth: "admin", want: http.StatusOK})
}

// conformPeople calls the people API, the invitation page and the
// password-reset pages.
func conformPeople(c *conformance) {
	ownerID := c.s.person("default", c.s.ownerEmail("default"), "owner")
	c.do(exchange{method: "GET", path: "/v1/people", auth: "admin", want: http.StatusOK})
	raw := c.do(exchange{method: "POST", path: "/v1/people/invitations", auth: "admin", body: map[string]any{"email": "conform@example.com", "role": "analyst"},
		want: http.StatusCreated})
	c.do(exchange{method: "POST", path: "/v1/people/invitations", auth: "admin", body: map[string]any{"email": "conform2@example.com", "role": "admin"},
		want: http.StatusUnprocessableEntity})
	c.do(exchange{method: "POST", path: "/v1/people/invitations", auth: "admin", body: map[string]any{"role": "analyst", "extra": 1},
		want: http.StatusBadRequest, refused: true})
	var answer struct {
		Invitation struct{ ID string } `json:"invitation"`
		InviteLink string              `json:"inviteLink"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil || answer.InviteLink == "" {
		c.t.Fatalf("invitation answer %s: %v", raw, err)
	}
	c.do(exchange{method: "GET", path: strings.TrimPrefix(answer.InviteLink, c.s.url), want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/ui/invitations/no-such-token", want: http.StatusNotFound})
	c.do(exchange{method: "POST", path: "/ui/invitations/no-such-token", contentType: "application/x-www-form-urlencoded", body: "name=A&password=x",
		want: http.StatusNotFound})
	c.do(exchange{method: "DELETE", path: "/v1/people/invitations/" + answer.Invitation.ID, auth: "admin", want: http.StatusNoContent})
	c.do(exchange{method: "DELETE", path: "/v1/people/invitations/" + answer.Invitation.ID, auth: "admin", want: http.StatusNotFound})
	c.do(exchange{method: "PUT", path: "/v1/people/" + ownerID + "/role", auth: "admin", body: map[string]any{"role": "analyst"}, want: http.StatusConflict})
	c.do(exchange{method: "PUT", path: "/v1/people/nope/role", auth: "admin", body: map[string]any{"role": "analyst"}, want: http.StatusNotFound})
	c.do(exchange{method: "DELETE", path: "/v1/people/" + ownerID, auth: "admin", want: http.StatusConflict})
	c.do(exchange{method: "DELETE", path: "/v1/people/nope", auth: "admin", want: http.StatusNotFound})
	c.do(exchange{method: "GET", path: "/ui/password-reset", want: http.StatusOK})
	c.do(exchange{method: "POST", path: "/ui/password-reset", contentType: "application/x-www-form-urlencoded", body: "email=nobody%40example.com",
		want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/ui/password-reset/no-such-token", want: http.StatusNotFound})
	c.do(exchange{method: "POST", path: "/ui/password-reset/no-such-token", contentType: "application/x-www-form-urlencoded", body: "password=x",
		want: http.StatusNotFound})
}
