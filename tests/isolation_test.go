package tests

import (
	"context"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/store"
)

// TestEveryEndpointStaysInItsWorkspace: with the keys of another workspace,
// every route of the API — reads, writes, deletes and ingestion, on the ids
// of our data — neither shows our data nor changes it. Our data carries the
// word "secret" in its content, never in its ids, so that no answer (even a
// 404 echoing the path) may contain it.
func TestEveryEndpointStaysInItsWorkspace(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	ctx := context.Background()
	if err := s.store.EnsureWorkspace(ctx, "other", "Other"); err != nil {
		t.Fatal(err)
	}
	otherAdmin, _, err := s.store.CreateKey(ctx, "other", store.RoleAdmin, "other admin")
	if err != nil {
		t.Fatal(err)
	}
	otherWrite, _, err := s.store.CreateKey(ctx, "other", store.RoleWrite, "other write")
	if err != nil {
		t.Fatal(err)
	}

	// Our data: a journey with a waiting run, a profile with events, a taxonomy, a quarantined event.
	journeyDoc := map[string]any{"id": "iso", "name": "Secret journey", "definition": map[string]any{
		"entry": map[string]any{"event": "iso_signup"}, "nodes": []any{
			map[string]any{"id": "w", "kind": "wait", "duration": "24h", "next": "x"}, map[string]any{"id": "x", "kind": "exit"}}}}
	s.call("POST", "/v1/journeys", "admin", journeyDoc, http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/iso/activate", "admin", nil, http.StatusOK, nil)
	s.call("PUT", "/v1/scoring", "admin", map[string]any{"events": []map[string]any{
		{"id": "secret_rule", "event": "iso_signup", "filter": `event.properties.note == "secret-note"`, "points": 7}}}, http.StatusOK, nil)
	s.segment("/v1/identify", `{"userId":"u_iso","messageId":"iso-1","traits":{"email":"secret@iso.example","plan":"secret-plan"}}`)
	s.segment("/v1/track", `{"userId":"u_iso","event":"iso_signup","messageId":"iso-2","properties":{"note":"secret-note"}}`)
	if status, body := s.send("PUT", "/v1/taxonomy", "", "application/json",
		`{"unknownEvents":"allow","events":[{"name":"iso_signup","description":"secret-desc"}],"userProperties":[{"name":"plan","type":"string","description":"secret-desc"}]}`); status != 200 {
		t.Fatalf("taxonomy = %d %s", status, body)
	}
	if err := s.store.QuarantineEvent(ctx, store.Event{WorkspaceID: "default", MessageID: "iso-q", UserID: "u_iso", Name: "iso_bad",
		Properties: []byte(`{"note":"secret-note"}`)}, nil); err != nil {
		t.Fatal(err)
	}
	s.call("PUT", "/v1/frequency-caps", "admin", map[string]any{"caps": map[string]any{"email": []map[string]any{{"max": 3, "window": "1d"}}}}, http.StatusOK, nil)
	// A named secret (journeys' {{ secrets.iso_token }}); its fingerprint holds the word secret.
	if _, err := s.store.PutWorkspaceSecret(ctx, store.WorkspaceSecret{WorkspaceID: "default", Name: "iso_token",
		Sealed: []byte("sealed"), Fingerprint: "sha256:secret00"}); err != nil {
		t.Fatal(err)
	}
	// Our identity-verification secret: the other workspace must neither read nor rotate it.
	if _, err := s.store.EnsureIdentitySecret(ctx, "default", []byte("sealed-identity")); err != nil {
		t.Fatal(err)
	}
	// A base URL stored before endpoints became operator configuration: the
	// view shows it as ignored, to this workspace only.
	if _, err := s.store.UpdateChannelSettings(ctx, "default", "email", func(old store.ChannelSettings, _ bool) (store.ChannelSettings, error) {
		old.Config = []byte(`{"baseUrl": "https://secret-sendgrid.example"}`)
		return old, nil
	}); err != nil {
		t.Fatal(err)
	}
	s.call("PUT", "/v1/global-control", "admin", map[string]any{"percent": 7.5}, http.StatusOK, nil)
	s.call("POST", "/v1/templates", "admin", map[string]any{"id": "iso_tpl", "name": "Secret template", "channel": "email",
		"content": map[string]any{"subject": "secret subject", "html": "<p>secret</p>", "from": "secret@iso.example"}}, http.StatusCreated, nil)
	if _, _, err := s.store.RecordMessage(ctx, store.Message{ID: "iso-msg", WorkspaceID: "default", CustomerID: "u_iso", JourneyID: "iso",
		JourneyVersion: 1, WorkflowID: "iso-wf", NodeID: "send", Channel: "push", Subject: "secret subject"}); err != nil {
		t.Fatal(err)
	}
	// A record of our customer's data sent to a third party.
	if err := s.store.RecordProvision(ctx, store.Provision{WorkspaceID: "default", StepKey: "iso-step", CustomerID: "u_iso",
		JourneyID: "iso", Recipient: "Secret CRM", Host: "crm.iso.example", Items: []string{"email"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.CreateSegment(ctx, "default", store.Segment{ID: "iso_seg", Name: "Secret segment",
		Definition: []byte(`{"condition":{"tag":"secret-tag"}}`)}); err != nil {
		t.Fatal(err)
	}
	s.call("POST", "/v1/broadcasts", "admin", map[string]any{"id": "iso_bc", "name": "Secret broadcast", "segment": "iso_seg", "channel": "email",
		"template": "iso_tpl"}, http.StatusCreated, nil)
	eventually(t, 20*time.Second, "our run to wait", func() bool { return len(runsOf(s, "u_iso")) == 1 })
	s.call("PUT", "/v1/workspace/timezone", "admin", map[string]string{"timezone": "Asia/Tokyo"}, http.StatusOK, nil)
	// Our consent proof and our pages' origin: the other workspace must see neither.
	s.call("POST", "/v1/profiles/u_iso/consent", "admin", map[string]any{"channel": "email", "status": "opted_in", "source": "signup_form",
		"evidence": map[string]any{"form": "secret-form", "wording": "secret wording"}}, http.StatusCreated, nil)
	s.call("PUT", "/v1/workspace/allowed-origins", "admin", map[string]any{"origins": []string{"https://secret-shop.example"}}, http.StatusOK, nil)
	// Our sign-up form, its wording ours alone.
	s.call("PUT", "/v1/signup-form", "admin", map[string]any{"topic": "secret-topic", "wording": map[string]any{"en": "secret wording"}}, http.StatusOK, nil)
	s.call("PUT", "/v1/workspace/advertising", "admin", map[string]any{"optInRequired": true, "sender": map[string]any{
		"name": "Secret Shop", "address": "1-1 Secret, Tokyo", "contact": "secret@shop.example"}}, http.StatusOK, nil)
	// A segment our customer is in.
	s.call("POST", "/v1/segments", "admin", map[string]any{"id": "iso_members", "name": "Secret members",
		"definition": map[string]any{"condition": map[string]any{"trait": map[string]any{"name": "plan", "op": "eq", "value": "secret-plan"}}}},
		http.StatusCreated, nil)
	// A LINE rich menu linked to that segment's members.
	s.call("PUT", "/v1/line/rich-menus/iso_members", "admin", map[string]any{"richMenuId": "richmenu-5ec2e7000000000000000000000000aa"},
		http.StatusOK, nil)
	eventually(t, 20*time.Second, "our run's statistics", func() bool {
		var st store.JourneyStats
		s.call("GET", "/v1/journeys/iso/stats", "admin", nil, http.StatusOK, &st)
		return st.Totals.Entered == 1 && len(st.Nodes) > 0 && st.Nodes[0].Entered == 1
	})
	// Our pending approval request, and our rule requiring approvals.
	s.call("PUT", "/v1/workspace/approvals", "admin", map[string]any{"required": true, "approverRole": "marketer"}, http.StatusOK, nil)
	apr, err := s.store.RequestApproval(ctx, store.ApprovalRequest{WorkspaceID: "default", Kind: store.ApprovalBroadcastSchedule,
		TargetID: "iso_bc", Params: []byte(`{"sendAt":"secret-note"}`), RequestedBy: store.AuditActor{Kind: store.ActorKey, ID: "key_iso"}})
	if err != nil {
		t.Fatal(err)
	}
	// Our single sign-on (sealed as the API would seal it).
	if _, _, err := s.store.PutWorkspaceSSO(ctx, store.WorkspaceSSO{WorkspaceID: "default", Issuer: "https://idp.iso.example", ClientID: "iso-client",
		SecretSealed: []byte("sealed-sso"), SecretFingerprint: "fp", AllowedDomains: []string{"iso.example"}, DefaultRole: "analyst"}); err != nil {
		t.Fatal(err)
	}
	// A key of ours, named so that a listing that leaked it would show it.
	_, ourKey, err := s.store.CreateKey(ctx, "default", store.RoleWrite, "secret-ci")
	if err != nil {
		t.Fatal(err)
	}
	// A member and a pending invitation of ours: the other workspace's owner
	// may neither see nor change them.
	ourPerson := s.person("default", "secret-member@iso.example", "marketer")
	ourInvitation, _, err := s.store.CreatePersonToken(ctx, store.PersonToken{Kind: store.TokenInvitation, Email: "secret-invitee@iso.example",
		WorkspaceID: "default", Role: "analyst", CreatedBy: "secret-owner"}, people.InvitationTTL)
	if err != nil {
		t.Fatal(err)
	}
	ours := snapshot(t, s)

	// Ingestion with the other's write key, on our customer and our messageIds.
	// Segment's browser library posts to the short paths (/v1/t is track, /v1/b batch, …).
	for _, path := range []string{"/v1/identify", "/v1/track", "/v1/batch", "/v1/i", "/v1/t", "/v1/b", "/v1/p", "/v1/s", "/v1/g", "/v1/a"} {
		body := `{"userId":"u_iso","messageId":"iso-2","event":"iso_signup","traits":{"email":"evil@other.example"}}`
		switch path {
		case "/v1/p", "/v1/s":
			body = `{"userId":"u_iso","messageId":"iso-2","name":"secret page"}`
		case "/v1/g":
			body = `{"userId":"u_iso","messageId":"iso-2","groupId":"g_iso"}`
		case "/v1/a":
			body = `{"userId":"u_other","previousId":"u_iso","messageId":"iso-1"}`
		}
		if path == "/v1/batch" || path == "/v1/b" {
			body = `{"batch":[{"type":"alias","userId":"u_other","previousId":"u_iso","messageId":"iso-1"}]}`
		}
		if status, _, p := s.raw("POST", path, writeKey(otherWrite), body); status != http.StatusOK {
			t.Errorf("other workspace %s = %d %v", path, status, p)
		}
	}
	admin := map[string]string{"Authorization": "Bearer " + otherAdmin, "Content-Type": "application/json"}
	calls := []struct{ method, path, body string }{
		{"GET", "/v1/journeys", ""},
		{"GET", "/v1/journeys/iso", ""},
		{"PUT", "/v1/journeys/iso", `{"definition":{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"exit"}]}}`},
		{"GET", "/v1/journeys/iso/versions", ""},
		{"GET", "/v1/journeys/iso/layout", ""},
		{"PUT", "/v1/journeys/iso/layout", `{"version":1,"nodes":{"a":{"x":1,"y":2}}}`},
		{"POST", "/v1/journeys/iso/activate", ""},
		{"POST", "/v1/journeys/iso/pause", ""},
		{"POST", "/v1/journeys/iso/resume", ""},
		{"POST", "/v1/journeys/iso/migrate", `{}`},
		{"POST", "/v1/journeys/iso/enter", `{"userId":"u_iso"}`},
		{"POST", "/v1/journeys/iso/simulate", `{"userId":"u_iso"}`},
		{"POST", "/v1/journeys/check-expression", `{"expression":"profile.traits.plan == 'gold'","context":"entry_filter","entryEvent":"iso_signup"}`},
		{"POST", "/v1/journeys/convert", `{"definition":{"entry":{"event":"x"},"nodes":[]}}`},
		{"GET", "/v1/journeys/iso/stats", ""},
		{"GET", "/v1/journeys/iso/experiments", ""},
		{"GET", "/v1/global-control", ""},
		{"PUT", "/v1/global-control", `{"percent":50}`},
		{"GET", "/v1/workspace/timezone", ""},
		{"PUT", "/v1/workspace/timezone", `{"timezone":"Pacific/Kiritimati"}`},
		{"GET", "/v1/workspace", ""},
		{"PATCH", "/v1/workspace", `{"timezone":"Pacific/Kiritimati","locale":"en","currency":"USD"}`},
		{"GET", "/v1/workspace/privacy", ""},
		{"PATCH", "/v1/workspace/privacy", `{"eventRetention":"25 months"}`},
		{"GET", "/v1/workspace/allowed-origins", ""},
		{"PUT", "/v1/workspace/allowed-origins", `{"origins":["https://evil.example"]}`},
		{"GET", "/v1/signup-form", ""},
		{"PUT", "/v1/signup-form", `{"topic":"evil","wording":{"en":"evil"}}`},
		{"GET", "/v1/workspace/advertising", ""},
		{"PUT", "/v1/workspace/advertising", `{"optInRequired":false,"sender":{"name":"Evil","address":"evil","contact":"evil@other.example"}}`},
		{"GET", "/v1/projects/" + otherWrite + "/settings", ""},
		{"GET", "/v1/profiles/u_iso/export", ""},
		{"GET", "/v1/profiles/u_iso/consent", ""},
		{"POST", "/v1/profiles/u_iso/consent", `{"channel":"email","status":"opted_out","source":"evil_form"}`},
		{"GET", "/v1/consent/export", ""},
		{"GET", "/v1/consent/export?customer=u_iso", ""},
		{"POST", "/v1/consent/import", "customer_id,channel,status,source\nu_iso,email,opted_out,evil_import\n"},
		{"POST", "/v1/line/link-tokens", `{"lineUserId":"U4af4980629b2d7f0d1e2b3c4d5e6f708"}`},
		{"POST", "/v1/line/account-links", `{"linkToken":"NMZTNuVrPTqlr2IF8Bnymkb7rXfYv5EY","userId":"u_iso"}`},
		{"GET", "/v1/kpis/channels", ""},
		{"GET", "/v1/kpis/repeat-purchase", ""},
		{"GET", "/v1/kpis/ltv", ""},
		{"GET", "/v1/kpis/journey-revenue", ""},
		{"GET", "/v1/kpis/leads", ""},
		{"GET", "/v1/kpis/dashboard?from=2026-01-01&to=2030-01-01", ""},
		{"GET", "/v1/keys", ""},
		{"POST", "/v1/keys", `{"role":"write","name":"other-key"}`},
		{"DELETE", "/v1/keys/" + ourKey.ID, ""},
		{"GET", "/v1/people", ""},
		{"POST", "/v1/people/invitations", `{"email":"newbie@other.example","role":"analyst"}`},
		{"DELETE", "/v1/people/invitations/" + ourInvitation.ID, ""},
		{"PUT", "/v1/people/" + ourPerson + "/role", `{"role":"owner"}`},
		{"DELETE", "/v1/people/" + ourPerson, ""},
		{"GET", "/v1/customers/u_iso/journeys", ""},
		{"GET", "/v1/profiles/u_iso", ""},
		{"GET", "/v1/profiles?q=u_iso", ""},
		{"POST", "/v1/channels/email/test-send", `{"to":"iso@example.com","from":"shop@example.com"}`},
		{"GET", "/v1/profiles/u_iso/events", ""},
		{"GET", "/v1/outbox?customer=u_iso", ""},
		{"GET", "/v1/messages?customer=u_iso", ""},
		{"GET", "/v1/messages/iso-msg", ""},
		{"POST", "/v1/push/opened", `{"messageId":"iso-msg","userId":"u_iso"}`},
		{"GET", "/v1/journey-templates", ""},
		{"GET", "/v1/taxonomy", ""},
		{"GET", "/v1/taxonomy/policy", ""},
		{"PUT", "/v1/taxonomy/policy", `{"unknownEvents":"reject"}`},
		{"GET", "/v1/taxonomy/dropped", ""},
		{"GET", "/v1/taxonomy/events", ""},
		{"GET", "/v1/taxonomy/events/iso_signup", ""},
		{"PUT", "/v1/taxonomy/events/iso_signup", `{"status":"blocked"}`},
		{"POST", "/v1/taxonomy/events", `{"name":"iso_signup","status":"blocked"}`},
		{"DELETE", "/v1/taxonomy/events/iso_signup", ""},
		{"GET", "/v1/taxonomy/user-properties", ""},
		{"GET", "/v1/taxonomy/user-properties/plan", ""},
		{"PUT", "/v1/taxonomy/user-properties/plan", `{"type":"number"}`},
		{"POST", "/v1/taxonomy/user-properties", `{"name":"plan","type":"number"}`},
		{"DELETE", "/v1/taxonomy/user-properties/plan", ""},
		{"GET", "/v1/quarantine", ""},
		{"GET", "/v1/events/recent", ""},
		{"GET", "/v1/quarantine/iso-q", ""},
		{"PUT", "/v1/quarantine/iso-q", `{"messageId":"iso-q","type":"track","userId":"u_iso","event":"iso_bad"}`},
		{"POST", "/v1/quarantine/iso-q/replay", ""},
		{"DELETE", "/v1/quarantine/iso-q", ""},
		{"PUT", "/v1/taxonomy", `{"unknownEvents":"reject","events":[]}`},
		{"POST", "/v1/journeys/iso/archive", ""},
		{"DELETE", "/v1/profiles/u_iso", ""},
		{"GET", "/v1/journey-templates/cart-abandonment", ""},
		{"GET", "/v1/templates", ""},
		{"GET", "/v1/templates/iso_tpl", ""},
		{"GET", "/v1/templates/iso_tpl/versions", ""},
		{"PUT", "/v1/templates/iso_tpl", `{"content":{"subject":"evil","html":"evil","from":"evil@other.example"}}`},
		{"POST", "/v1/templates/iso_tpl/preview", `{"profileId":"u_iso"}`},
		{"POST", "/v1/templates/iso_tpl/test-send", `{"profileId":"u_iso","to":"evil@other.example"}`},
		{"POST", "/v1/templates/render", `{"profileId":"u_iso","channel":"email","content":{"subject":"{{ profile.email }}","from":"evil@other.example","html":"{{ profile.traits }}"}}`},
		{"GET", "/v1/frequency-caps", ""},
		{"PUT", "/v1/frequency-caps", `{"caps":{"email":[{"max":1,"window":"1h"}]}}`},
		{"GET", "/v1/scoring", ""},
		{"PUT", "/v1/scoring", `{"events":[{"id":"evil","event":"iso_signup","points":1000}]}`},
		{"GET", "/v1/profiles/u_iso/score", ""},
		{"POST", "/v1/profiles/import", `{"rows":[{"line":2,"id":"u_iso","traits":{"plan":"evil-plan","email":"evil@other.example"}}]}`},
		{"GET", "/v1/profiles/export?format=csv&fields=plan,email", ""},
		{"GET", "/v1/broadcasts", ""},
		{"GET", "/v1/broadcasts/iso_bc", ""},
		{"POST", "/v1/broadcasts/iso_bc/schedule", ""},
		{"POST", "/v1/broadcasts/iso_bc/pause", ""},
		{"POST", "/v1/broadcasts/iso_bc/resume", ""},
		{"POST", "/v1/broadcasts/iso_bc/cancel", ""},
		{"POST", "/v1/broadcasts", `{"id":"iso_bc","name":"Other iso","segment":"iso_seg","channel":"email","template":"iso_tpl"}`},
		{"GET", "/v1/channels", ""},
		{"GET", "/v1/channels/email", ""},
		{"PUT", "/v1/channels/email", `{"baseUrl":""}`},
		{"DELETE", "/v1/channels/email", ""},
		{"GET", "/v1/secrets", ""},
		{"PUT", "/v1/secrets/iso_token", `{"value":"evil"}`},
		{"DELETE", "/v1/secrets/iso_token", ""},
		{"GET", "/v1/workspace/identity-verification", ""},
		{"POST", "/v1/workspace/identity-verification/rotate", ""},
		{"GET", "/v1/segments", ""},
		{"GET", "/v1/segments/iso_members", ""},
		{"PUT", "/v1/segments/iso_members", `{"name":"evil","definition":{"condition":{"trait":{"name":"plan","op":"exists"}}}}`},
		{"GET", "/v1/segments/iso_members/count", ""},
		{"GET", "/v1/segments/iso_members/members", ""},
		{"GET", "/v1/segments/iso_members/reach", ""},
		{"GET", "/v1/segments/iso_members/uses", ""},
		{"POST", "/v1/segments/preview", `{"id":"iso_members","definition":{"condition":{"segment":"iso_members"}}}`},
		{"GET", "/v1/profiles/u_iso/segments", ""},
		{"GET", "/v1/provisions?format=csv", ""},
		{"GET", "/v1/provisions?customer=u_iso", ""},
		{"GET", "/v1/profiles/u_iso/provisions", ""},
		{"GET", "/v1/line/rich-menus", ""},
		{"PUT", "/v1/line/rich-menus/iso_members", `{"richMenuId":"richmenu-0000000000000000000000000000000e"}`},
		{"DELETE", "/v1/line/rich-menus/iso_members", ""},
		{"GET", "/v1/line/usage", ""},
		{"DELETE", "/v1/segments/iso_members", ""},
		// The codec endpoint; TestSecurityCodecEndpoint checks that our payloads stay encrypted for the other workspace.
		{"POST", "/ui/codec/decode", `{"payloads":[]}`},
		{"POST", "/ui/codec/encode", `{"payloads":[]}`},
		// Last: the other workspace makes its own journeys, under our journey's id too.
		{"POST", "/v1/journeys", `{"id":"iso","name":"Other iso","definition":{"entry":{"event":"iso_signup"},"nodes":[{"id":"a","kind":"exit"}]}}`},
		{"POST", "/v1/journey-templates/cart-abandonment/launch", `{"id":"iso_launch"}`},
		{"POST", "/v1/templates", `{"id":"iso_tpl","name":"Other iso","channel":"push","content":{"title":"a","body":"b"}}`},
		{"POST", "/v1/segments", `{"id":"iso_members","name":"Other iso","definition":{"condition":{"trait":{"name":"plan","op":"exists"}}}}`},
		// Approvals: our rule, our pending request.
		{"GET", "/v1/workspace/approvals", ""},
		{"PUT", "/v1/workspace/approvals", `{"required":false}`},
		{"GET", "/v1/approvals", ""},
		{"GET", "/v1/approvals/" + apr.ID, ""},
		{"POST", "/v1/approvals/" + apr.ID + "/approve", ""},
		{"POST", "/v1/approvals/" + apr.ID + "/reject", `{"comment":"no"}`},
		// Single sign-on: ours is not shown, changed or removed (the other's PUT is refused before it dials).
		{"GET", "/v1/workspace/sso", ""},
		{"PUT", "/v1/workspace/sso", `{"issuer":"http://idp.iso.example","clientId":"x","clientSecret":"y","allowedDomains":["iso.example"],"defaultRole":"owner"}`},
		{"DELETE", "/v1/workspace/sso", ""},
		// The audit log: the other workspace's own changes above, none of ours.
		{"GET", "/v1/audit", ""},
		{"GET", "/v1/audit.csv", ""},
	}
	covered := map[string]bool{}
	for _, c := range calls {
		covered[c.method+" "+strings.SplitN(c.path, "?", 2)[0]] = true
	}
	for _, c := range otherReportPages(t, s, otherAdmin, ourPerson, ourInvitation.ID) {
		covered[c] = true
	}
	everyRouteIsCalled(t, covered)
	for _, c := range calls {
		headers := admin
		if strings.HasPrefix(c.path, "/v1/consent/import") {
			headers = map[string]string{"Authorization": admin["Authorization"], "Content-Type": "text/csv"}
		}
		status, _, body := s.raw(c.method, c.path, headers, c.body)
		marker := "secret"
		if strings.HasPrefix(c.path, "/v1/secrets") { // the resource's own name: look for our fingerprint
			marker = "secret00"
		}
		if strings.HasPrefix(c.path, "/v1/keys") { // a new key's answer has its secret: look for our key's name
			marker = "secret-ci"
		}
		if strings.HasPrefix(c.path, "/v1/workspace/identity-verification") { // its words name the secret: look for ours
			marker = "sealed-identity"
		}
		if strings.HasPrefix(c.path, "/v1/audit") || c.path == "/v1/events/recent" || strings.HasSuffix(c.path, "/export") { // its records name resources such as secrets, its calls (and a disclosure of them) hold its own "secret page": look for our data
			marker = ourWords.FindString(mustJSON(t, body))
		}
		if marker != "" && strings.Contains(mustJSON(t, body), marker) {
			t.Errorf("other workspace %s %s = %d shows our data: %v", c.method, c.path, status, body)
		}
		// (Profiles of u_iso answer 200: the other workspace's ingestion above made its own u_iso.)
		if strings.HasPrefix(c.path, "/v1/quarantine/") ||
			(strings.HasPrefix(c.path, "/v1/journeys/iso") && c.method != "PUT") ||
			strings.HasPrefix(c.path, "/v1/templates/iso_tpl") || strings.HasPrefix(c.path, "/v1/broadcasts/iso_bc") ||
			strings.HasPrefix(c.path, "/v1/segments/iso_members") || strings.HasPrefix(c.path, "/v1/line/rich-menus/") ||
			strings.HasPrefix(c.path, "/v1/approvals/") || strings.HasPrefix(c.path, "/v1/keys/") ||
			(strings.HasPrefix(c.path, "/v1/people/") && c.method != "POST") {
			if status != http.StatusNotFound {
				t.Errorf("other workspace %s %s = %d, want 404", c.method, c.path, status)
			}
		}
	}
	for _, path := range []string{"/v1/profiles/export?format=jsonl", "/v1/profiles/export?format=csv", "/v1/provisions?format=csv"} {
		req, _ := http.NewRequest(http.MethodGet, s.url+path, nil)
		req.Header.Set("Authorization", admin["Authorization"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		text, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || strings.Contains(string(text), "secret") {
			t.Errorf("the other workspace's export %s = %d %s: it must hold only its own customers", path, resp.StatusCode, text)
		}
	}
	if m, history, err := s.store.LoggedMessageByID(ctx, "default", "iso-msg"); err != nil || m.Status != "recorded" || len(history) != 0 {
		t.Errorf("another workspace's calls changed our message: %+v %+v %v", m, history, err)
	}
	if got, err := s.store.WorkspaceSecrets(ctx, "default", []string{"iso_token"}); err != nil || len(got) != 1 || string(got[0].Sealed) != "sealed" {
		t.Errorf("another workspace's calls changed our secret: %+v %v", got, err)
	}
	if ms, err := s.store.Members(ctx, "default"); err != nil || !hasMember(ms, ourPerson, "marketer") {
		t.Errorf("another workspace's calls changed our people: %+v %v", ms, err)
	}
	if inv, err := s.store.Invitations(ctx, "default"); err != nil || len(inv) != 1 || inv[0].ID != ourInvitation.ID {
		t.Errorf("another workspace's calls changed our invitations: %+v %v", inv, err)
	}
	if w, err := s.store.WorkspaceSSO(ctx, "default"); err != nil || w.Issuer != "https://idp.iso.example" || string(w.SecretSealed) != "sealed-sso" {
		t.Errorf("another workspace's calls changed our single sign-on: %+v %v", w, err)
	}
	if sec, err := s.store.IdentitySecret(ctx, "default"); err != nil || string(sec.Sealed) != "sealed-identity" {
		t.Errorf("another workspace's calls changed our identity-verification secret: %+v %v", sec, err)
	}
	if b, err := s.store.GetBroadcast(ctx, "default", "iso_bc"); err != nil || b.Status != store.BroadcastDraft || b.Name != "Secret broadcast" {
		t.Errorf("another workspace's calls changed our broadcast: %+v %v", b, err)
	}
	if _, err := s.store.GetBroadcast(ctx, "other", "iso_bc"); err == nil {
		t.Error("the other workspace made a broadcast of our segment and template")
	}
	if after := snapshot(t, s); !reflect.DeepEqual(after, ours) {
		for k := range ours {
			if !reflect.DeepEqual(after[k], ours[k]) {
				t.Errorf("another workspace's calls changed our %s:\nbefore %v\nafter  %v", k, ours[k], after[k])
			}
		}
	}
}

// publicRoutes need no key and hold no workspace's data; ingestion routes
// are called above with the other workspace's write key.
var publicRoutes = map[string]bool{
	// The API's own OpenAPI description is the same for everyone and names no workspace.
	"GET /healthz": true, "GET /readyz": true, "GET /v1/schemas/journey.json": true, "GET /v1/openapi.json": true,
	"POST /v1/identify": true, "POST /v1/track": true, "POST /v1/page": true, "POST /v1/screen": true,
	"POST /v1/group": true, "POST /v1/alias": true, "POST /v1/batch": true,
	"POST /v1/i": true, "POST /v1/t": true, "POST /v1/p": true, "POST /v1/s": true,
	"POST /v1/g": true, "POST /v1/a": true, "POST /v1/b": true,
	// Provider webhooks are authenticated by the provider's signature and
	// unsubscribe links by a signed token, not by a key: api's
	// TestSendGridWebhook, TestLineWebhook, TestTwilioWebhook and
	// TestUnsubscribe check that a signed delivery or link for one workspace
	// cannot touch another's.
	"POST /webhooks/sendgrid/:workspace": true, "POST /webhooks/line/:workspace": true,
	"POST /webhooks/twilio/:workspace": true, "GET /u/:token": true, "POST /u/:token": true,
	// The click redirect reads its workspace from a signed token, not a key:
	// api's TestClickRedirect checks that a token not signed here redirects
	// nowhere and records nothing.
	"GET /r/:token": true, "HEAD /r/:token": true,
	// The hosted sign-up form is published to visitors under a random id
	// of its own, not a key: TestSignupFormInChromium checks an unknown
	// id is a 404, and its form writes only into the form's workspace.
	"GET /f/:id": true, "POST /f/:id": true,
	// Double opt-in links, by a signed token (api TestOptInConfirmation).
	"GET /optin/:token": true, "POST /optin/:token": true,
	// The report pages' login form and their static files hold no data.
	"GET /ui": true, "GET /ui/login": true, "POST /ui/login": true,
	// Single sign-on's start sends the browser to the named workspace's
	// provider (a login, no data), and the callback acts only on the
	// workspace sealed in the browser's login cookie: api's TestSSOSignIn
	// checks that a foreign cookie, state or code signs nobody in.
	"GET /ui/sso/:workspace/start": true, "GET /ui/sso/callback": true,
	"GET /ui/assets/*filepath": true, "HEAD /ui/assets/*filepath": true,
	// The email preview's empty document (preview.js writes into it).
	"GET /ui/email-frame": true,
	// Invitation and password-reset links carry their own single-use token,
	// which names one person and one workspace (store TestPersonTokens,
	// tests TestInvitationFlow); the reset request answers every address alike.
	"GET /ui/invitations/:token": true, "POST /ui/invitations/:token": true,
	"GET /ui/password-reset": true, "POST /ui/password-reset": true,
	"GET /ui/password-reset/:token": true, "POST /ui/password-reset/:token": true,
	// CORS preflights of the codec endpoint carry no credentials and no data.
	"OPTIONS /ui/codec/decode": true, "OPTIONS /ui/codec/encode": true,
	// CORS preflights of the ingestion routes (client keys in web pages) likewise.
	"OPTIONS /v1/identify": true, "OPTIONS /v1/track": true, "OPTIONS /v1/page": true, "OPTIONS /v1/screen": true,
	"OPTIONS /v1/group": true, "OPTIONS /v1/alias": true, "OPTIONS /v1/batch": true, "OPTIONS /v1/push/opened": true,
	"OPTIONS /v1/i": true, "OPTIONS /v1/t": true, "OPTIONS /v1/p": true, "OPTIONS /v1/s": true,
	"OPTIONS /v1/g": true, "OPTIONS /v1/a": true, "OPTIONS /v1/b": true, "OPTIONS /v1/projects/:writeKey/settings": true,
}

// otherReportPages opens the report pages with a session of an owner of
// the other workspace: our journey is not found, and no page shows our
// data. It returns the routes it called.
func otherReportPages(t *testing.T, s *stack, otherAdmin, ourPerson, ourInvitation string) []string {
	t.Helper()
	key, err := s.store.Authenticate(context.Background(), otherAdmin)
	if err != nil {
		t.Fatal(err)
	}
	token := s.ownerSession(key.WorkspaceID)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// The session's own routes: switching into our workspace is refused.
	pages := []struct{ method, path, body string }{{"GET", "/ui/", ""}, {"GET", "/ui/journeys", ""}, {"GET", "/ui/journeys/iso", ""},
		{"GET", "/ui/journeys/iso/edit", ""}, {"GET", "/ui/journeys/new", ""},
		{"GET", "/ui/customers/u_iso", ""}, {"GET", "/ui/customers?q=u_iso", ""}, {"GET", "/ui/settings", ""},
		{"GET", "/ui/home.csv?from=2026-01-01&to=2030-01-01", ""}, {"GET", "/ui/report?month=2026-12", ""},
		{"GET", "/ui/templates", ""}, {"GET", "/ui/templates/cart-abandonment", ""}, {"GET", "/ui/line", ""}, {"GET", "/ui/settings/people", ""},
		{"GET", "/ui/audit", ""}, {"GET", "/ui/approvals", ""}, {"GET", "/ui/data/taxonomy", ""},
		{"GET", "/ui/data/quarantine", ""}, {"GET", "/ui/data/quarantine/iso-q", ""},
		{"GET", "/ui/data/debugger", ""},
		{"GET", "/ui/message-templates", ""}, {"GET", "/ui/message-templates/new", ""}, {"GET", "/ui/message-templates/iso_tpl", ""},
		{"GET", "/ui/segments", ""}, {"GET", "/ui/segments/new", ""}, {"GET", "/ui/segments/iso_members", ""},
		{"GET", "/ui/broadcasts", ""}, {"GET", "/ui/broadcasts/new", ""}, {"GET", "/ui/broadcasts/iso_bc", ""},
		{"GET", "/v1/me", ""}, {"PATCH", "/v1/me", `{"locale":"ja"}`}, {"PUT", "/v1/me/workspace", `{"workspace":"default"}`},
		{"GET", "/v1/journeys/iso", ""}, {"GET", "/v1/people", ""}, {"PUT", "/v1/people/" + ourPerson + "/role", `{"role":"owner"}`},
		{"DELETE", "/v1/people/" + ourPerson, ""}, {"DELETE", "/v1/people/invitations/" + ourInvitation, ""}, {"POST", "/ui/logout", ""}}
	var called []string
	for _, p := range pages {
		req, _ := http.NewRequest(p.method, s.url+p.path, strings.NewReader(p.body))
		req.AddCookie(&http.Cookie{Name: "tabiji_session", Value: token})
		req.Header.Set("X-CSRF-Token", people.CSRFToken(token))
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		leak := strings.Contains(string(body), "secret") || strings.Contains(string(body), "iso_signup")
		if p.path == "/ui/data/debugger" { // the other workspace's own calls hold its "secret page" and iso_signup: look for our data
			leak = ourWords.MatchString(string(body))
		}
		if leak || ((strings.HasSuffix(p.path, "/journeys/iso") || strings.HasSuffix(p.path, "/journeys/iso/edit") ||
			strings.HasSuffix(p.path, "/segments/iso_members")) && resp.StatusCode != http.StatusNotFound) ||
			(p.path == "/v1/me/workspace" && resp.StatusCode != http.StatusUnprocessableEntity) ||
			(strings.HasPrefix(p.path, "/ui/broadcasts") && (strings.Contains(string(body), "iso_seg") || strings.Contains(string(body), "Secret"))) ||
			(p.path == "/ui/broadcasts/iso_bc" && resp.StatusCode != http.StatusNotFound) ||
			(p.path == "/ui/data/quarantine/iso-q" && resp.StatusCode != http.StatusNotFound) ||
			(strings.HasPrefix(p.path, "/ui/data/quarantine") && strings.Contains(string(body), "iso_bad")) ||
			(strings.HasPrefix(p.path, "/v1/people/") && resp.StatusCode != http.StatusNotFound) {
			t.Errorf("the other workspace's report page %s = %d shows our data or journey: %s", p.path, resp.StatusCode, body)
		}
		called = append(called, p.method+" "+strings.Split(p.path, "?")[0])
	}
	return called
}

// everyRouteIsCalled fails when the API has a route the isolation test does
// not call, so a new endpoint cannot skip the check.
func everyRouteIsCalled(t *testing.T, covered map[string]bool) {
	t.Helper()
	engine, ok := api.NewServer(api.Deps{}).(*gin.Engine)
	if !ok {
		t.Fatal("api.NewServer is no longer a *gin.Engine: update everyRouteIsCalled")
	}
	for _, r := range engine.Routes() {
		if publicRoutes[r.Method+" "+r.Path] {
			continue
		}
		pattern := regexp.MustCompile("^" + r.Method + " " + regexp.MustCompile(`[:*][a-zA-Z]+`).ReplaceAllString(r.Path, `[^/]+`) + "$")
		found := false
		for c := range covered {
			found = found || pattern.MatchString(c)
		}
		if !found {
			t.Errorf("route %s %s is not called with another workspace's key: add it to the calls", r.Method, r.Path)
		}
	}
}

// ourWords are the words of our data that the other workspace's audit log
// may not hold (its records name resources such as "secrets").
var ourWords = regexp.MustCompile(`(?i)secret (journey|template|broadcast|members|subject|wording)|secret-(plan|desc|note|tag|topic|form)|secret@iso|secret00|sealed-identity`)

// snapshot reads, with our admin key, what the other workspace must not change.
func snapshot(t *testing.T, s *stack) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, path := range []string{"/v1/journeys/iso", "/v1/journeys/iso/versions", "/v1/profiles/u_iso/events", "/v1/taxonomy",
		"/v1/taxonomy/policy", "/v1/quarantine", "/v1/outbox", "/v1/templates", "/v1/templates/iso_tpl/versions", "/v1/frequency-caps",
		"/v1/journeys/iso/stats", "/v1/journeys/iso/experiments", "/v1/global-control", "/v1/workspace/timezone", "/v1/kpis/channels", "/v1/kpis/journey-revenue",
		"/v1/scoring", "/v1/profiles/u_iso/score", "/v1/channels", "/v1/segments", "/v1/segments/iso_members",
		"/v1/segments/iso_members/count", "/v1/profiles/u_iso/segments", "/v1/workspace", "/v1/workspace/privacy",
		"/v1/workspace/allowed-origins", "/v1/profiles/u_iso/consent", "/v1/line/rich-menus", "/v1/signup-form", "/v1/workspace/advertising",
		"/v1/audit", "/v1/approvals", "/v1/workspace/approvals"} {
		var v any
		s.call("GET", path, "admin", nil, http.StatusOK, &v)
		out[path] = v
	}
	var p profileBody
	s.call("GET", "/v1/profiles/u_iso", "admin", nil, http.StatusOK, &p)
	p.Journeys = nil // their live state moves on its own
	out["profile"] = p
	runs := runsOf(s, "u_iso")
	out["runs"] = len(runs)
	if len(runs) == 1 {
		out["run status"] = runs[0]["status"]
	}
	return out
}

// hasMember says whether the person is among the members with the role.
func hasMember(ms []store.Member, personID, role string) bool {
	for _, m := range ms {
		if m.PersonID == personID {
			return m.Role == role
		}
	}
	return false
}
