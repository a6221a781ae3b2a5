package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/people"
)

// The sets of roles the permission table gives routes. The owner may do
// everything; the analyst only reads.
var (
	anyRole   = []people.Role{people.Owner, people.Marketer, people.Analyst, people.Developer}
	marketing = []people.Role{people.Owner, people.Marketer}  // journeys, templates, segments, broadcasts
	building  = []people.Role{people.Owner, people.Developer} // keys, taxonomy, channels, webhooks and secrets, sign-up forms
	owners    = []people.Role{people.Owner}                   // people, erasure, workspace settings, the audit log
	// approvers may be named as a workspace's approver role; the approval engine checks which.
	approvers = []people.Role{people.Owner, people.Marketer, people.Developer}
)

// permissions is the permission table: which roles a console session needs
// for each route ("METHOD /pattern", as in routes.go). Keys are not held to
// it: an admin key may call every management route. A route that takes no
// console session is in noSession instead; TestEveryRouteHasAPermission
// fails when a route is in neither, so a new route must be placed.
var permissions = map[string][]people.Role{
	// Approvals (approvals.go): the workspace's rule is the owner's; the
	// approver role the rule names decides who approves (the engine checks
	// the person's role), so every role but the read-only analyst reaches it.
	"GET /v1/workspace/approvals": anyRole, "PUT /v1/workspace/approvals": owners,
	"GET /v1/approvals": anyRole, "GET /v1/approvals/:id": anyRole,
	"POST /v1/approvals/:id/approve": approvers, "POST /v1/approvals/:id/reject": approvers,
	// Single sign-on: who may sign in and with which role is the owner's (the settings show no secret).
	"GET /v1/workspace/sso": anyRole, "PUT /v1/workspace/sso": owners, "DELETE /v1/workspace/sso": owners,
	// API keys: the builders'; listing them shows no secret.
	"GET /v1/keys": anyRole, "POST /v1/keys": building, "DELETE /v1/keys/:id": building,
	// The audit log is the owner's.
	"GET /v1/audit": owners, "GET /v1/audit.csv": owners,
	// The session's own person: any role (a key is refused by the handlers).
	"GET /v1/me": anyRole, "PATCH /v1/me": anyRole, "PUT /v1/me/workspace": anyRole,
	// People and invitations are the owner's (people.go).
	"GET /v1/people": owners, "POST /v1/people/invitations": owners, "DELETE /v1/people/invitations/:id": owners,
	"PUT /v1/people/:id/role": owners, "DELETE /v1/people/:id": owners,
	// Journeys and their templates.
	"GET /v1/journeys": anyRole, "GET /v1/journeys/:id": anyRole, "GET /v1/journeys/:id/versions": anyRole,
	"POST /v1/journeys/check-expression": anyRole, "POST /v1/journeys/convert": anyRole, // they change nothing
	"GET /v1/journeys/:id/layout": anyRole, "PUT /v1/journeys/:id/layout": marketing,
	"GET /v1/journeys/:id/experiments": anyRole, "GET /v1/journeys/:id/stats": anyRole,
	"POST /v1/journeys": marketing, "PUT /v1/journeys/:id": marketing, "POST /v1/journeys/:id/activate": marketing,
	"POST /v1/journeys/:id/pause": marketing, "POST /v1/journeys/:id/resume": marketing, "POST /v1/journeys/:id/archive": marketing,
	"POST /v1/journeys/:id/migrate": marketing, "POST /v1/journeys/:id/enter": marketing, "POST /v1/journeys/:id/simulate": marketing,
	"GET /v1/journey-templates": anyRole, "GET /v1/journey-templates/:name": anyRole, "POST /v1/journey-templates/:name/launch": marketing,
	// Message templates and broadcasts.
	"GET /v1/templates": anyRole, "GET /v1/templates/:id": anyRole, "GET /v1/templates/:id/versions": anyRole,
	"POST /v1/templates": marketing, "PUT /v1/templates/:id": marketing,
	"POST /v1/templates/:id/preview": marketing, "POST /v1/templates/:id/test-send": marketing, "POST /v1/templates/render": marketing,
	"GET /v1/broadcasts": anyRole, "GET /v1/broadcasts/:id": anyRole, "POST /v1/broadcasts": marketing,
	"POST /v1/broadcasts/:id/schedule": marketing, "POST /v1/broadcasts/:id/pause": marketing,
	"POST /v1/broadcasts/:id/resume": marketing, "POST /v1/broadcasts/:id/cancel": marketing,
	// Audiences: segments, caps, control group, scoring, rich menus.
	"GET /v1/segments": anyRole, "GET /v1/segments/:id": anyRole, "GET /v1/segments/:id/count": anyRole,
	"GET /v1/segments/:id/members": anyRole, "GET /v1/profiles/:id/segments": anyRole,
	"POST /v1/segments/preview": marketing, "GET /v1/segments/:id/reach": anyRole, "GET /v1/segments/:id/uses": anyRole,
	"POST /v1/segments": marketing, "PUT /v1/segments/:id": marketing, "DELETE /v1/segments/:id": marketing,
	"GET /v1/frequency-caps": anyRole, "PUT /v1/frequency-caps": marketing,
	"GET /v1/global-control": anyRole, "PUT /v1/global-control": marketing,
	"GET /v1/scoring": anyRole, "PUT /v1/scoring": marketing, "GET /v1/profiles/:id/score": anyRole,
	"GET /v1/line/rich-menus": anyRole, "PUT /v1/line/rich-menus/:segment": marketing, "DELETE /v1/line/rich-menus/:segment": marketing,
	"GET /v1/line/usage": anyRole,
	// Customers: profiles, consent, imports and exports; erasure is the owner's.
	"GET /v1/profiles": anyRole, "GET /v1/profiles/:id": anyRole, "GET /v1/profiles/:id/events": anyRole, "GET /v1/profiles/:id/export": anyRole,
	"GET /v1/profiles/export": anyRole, "POST /v1/profiles/import": marketing, "DELETE /v1/profiles/:id": owners,
	"GET /v1/profiles/:id/consent": anyRole, "POST /v1/profiles/:id/consent": marketing,
	"GET /v1/consent/export": anyRole, "POST /v1/consent/import": marketing,
	"GET /v1/customers/:id/journeys": anyRole, "GET /v1/provisions": anyRole, "GET /v1/profiles/:id/provisions": anyRole,
	"GET /v1/outbox": anyRole, "GET /v1/messages": anyRole, "GET /v1/messages/*id": anyRole,
	"GET /v1/kpis/channels": anyRole, "GET /v1/kpis/repeat-purchase": anyRole, "GET /v1/kpis/ltv": anyRole,
	"GET /v1/kpis/journey-revenue": anyRole, "GET /v1/kpis/leads": anyRole, "GET /v1/kpis/dashboard": anyRole,
	// The workspace's settings: the owner's, but for the builders' parts.
	"GET /v1/workspace": anyRole, "PATCH /v1/workspace": owners,
	"GET /v1/workspace/timezone": anyRole, "PUT /v1/workspace/timezone": owners,
	"GET /v1/workspace/privacy": anyRole, "PATCH /v1/workspace/privacy": owners,
	"GET /v1/workspace/advertising": anyRole, "PUT /v1/workspace/advertising": owners,
	"GET /v1/workspace/allowed-origins": anyRole, "PUT /v1/workspace/allowed-origins": building,
	// The identity-verification secret is a credential: its readers are those who may rotate it.
	"GET /v1/workspace/identity-verification": building, "POST /v1/workspace/identity-verification/rotate": building,
	// Integration: taxonomy and quarantine, channels, secrets, LINE linking, the sign-up form.
	"GET /v1/taxonomy": anyRole, "PUT /v1/taxonomy": building, "GET /v1/taxonomy/policy": anyRole, "PUT /v1/taxonomy/policy": building,
	"GET /v1/taxonomy/dropped": anyRole, "GET /v1/taxonomy/events": anyRole, "GET /v1/taxonomy/events/:name": anyRole,
	"POST /v1/taxonomy/events": building, "PUT /v1/taxonomy/events/:name": building, "DELETE /v1/taxonomy/events/:name": building,
	"GET /v1/taxonomy/user-properties": anyRole, "GET /v1/taxonomy/user-properties/:name": anyRole,
	"POST /v1/taxonomy/user-properties": building, "PUT /v1/taxonomy/user-properties/:name": building,
	"DELETE /v1/taxonomy/user-properties/:name": building,
	// The event debugger shows calls' payloads only to roles that read profiles (maySeeProfiles).
	"GET /v1/events/recent": anyRole,
	"GET /v1/quarantine":    anyRole, "GET /v1/quarantine/:id": anyRole, "PUT /v1/quarantine/:id": building,
	"POST /v1/quarantine/:id/replay": building, "DELETE /v1/quarantine/:id": building,
	"GET /v1/channels": anyRole, "GET /v1/channels/:channel": anyRole, "PUT /v1/channels/:channel": building,
	"DELETE /v1/channels/:channel": building, "POST /v1/channels/:channel/test-send": building,
	"GET /v1/secrets": anyRole, "PUT /v1/secrets/:name": building, "DELETE /v1/secrets/:name": building,
	"POST /v1/line/link-tokens": building, "POST /v1/line/account-links": building,
	"GET /v1/signup-form": anyRole, "PUT /v1/signup-form": building,
	// The console's pages, and the Temporal Web UI's codec (it decodes what the pages show).
	"GET /ui/": anyRole, "GET /ui/journeys": anyRole, "GET /ui/journeys/:id": anyRole, "GET /ui/journeys/new": anyRole, "GET /ui/journeys/:id/edit": anyRole, "GET /ui/customers": anyRole,
	"GET /ui/customers/:id": anyRole, "GET /ui/segments": anyRole, "GET /ui/segments/new": anyRole, "GET /ui/segments/:id": anyRole, "GET /ui/settings": anyRole, "GET /ui/line": anyRole,
	"GET /ui/message-templates": anyRole, "GET /ui/message-templates/new": anyRole, "GET /ui/message-templates/:id": anyRole,
	"GET /ui/settings/people": owners, "GET /ui/audit": owners, "GET /ui/approvals": anyRole,
	"GET /ui/home.csv": anyRole, "GET /ui/report": anyRole, "GET /ui/templates": anyRole, "GET /ui/templates/:name": anyRole,
	"GET /ui/broadcasts": anyRole, "GET /ui/broadcasts/new": anyRole, "GET /ui/broadcasts/:id": anyRole,
	"GET /ui/data/taxonomy": anyRole, "GET /ui/data/quarantine": anyRole, "GET /ui/data/quarantine/:id": anyRole, "GET /ui/data/debugger": anyRole,
	"POST /ui/codec/decode": anyRole, "POST /ui/codec/encode": anyRole,
}

// noSession are the routes no console session reaches, each with why.
var noSession = map[string]string{ //nolint:gosec // G101: route patterns and the reasons they take no session, no credential
	"GET /healthz": "probe", "GET /readyz": "probe", "GET /v1/schemas/journey.json": "public schema",
	"GET /v1/openapi.json":                "public description",
	"GET /v1/projects/:writeKey/settings": "ingestion (write key in the path)", "OPTIONS /v1/projects/:writeKey/settings": "CORS preflight",
	"POST /v1/push/opened": "ingestion (write key)", "OPTIONS /v1/push/opened": "CORS preflight",
	"POST /webhooks/sendgrid/:workspace": "provider signature", "POST /webhooks/line/:workspace": "provider signature",
	"POST /webhooks/twilio/:workspace": "provider signature",
	"GET /u/:token":                    "signed unsubscribe link", "POST /u/:token": "signed unsubscribe link",
	"GET /r/:token": "signed click link", "HEAD /r/:token": "signed click link",
	"GET /optin/:token": "signed opt-in link", "POST /optin/:token": "signed opt-in link",
	"GET /f/:id": "public sign-up form", "POST /f/:id": "public sign-up form",
	"GET /ui/email-frame": "the email preview's empty document (no data)",
	"GET /ui":             "redirect", "GET /ui/login": "login form", "POST /ui/login": "login", "POST /ui/logout": "logout (ends the cookie's session, whatever it is)",
	"GET /ui/invitations/:token": "invitation link (the token is the credential)", "POST /ui/invitations/:token": "invitation link (the token is the credential)",
	"GET /ui/password-reset": "reset request form", "POST /ui/password-reset": "reset request (same answer for every address, throttled)",
	"GET /ui/password-reset/:token": "reset link (the token is the credential)", "POST /ui/password-reset/:token": "reset link (the token is the credential)",
	"GET /ui/sso/:workspace/start": "single sign-on: the way to a login", "GET /ui/sso/callback": "single sign-on: the provider's answer, a login",
	"GET /ui/assets/*filepath": "static files", "HEAD /ui/assets/*filepath": "static files",
	"OPTIONS /ui/codec/decode": "CORS preflight", "OPTIONS /ui/codec/encode": "CORS preflight",
	// Segment's HTTP Tracking API and the short paths of its browser library.
	"POST /v1/identify": "ingestion (write key)", "OPTIONS /v1/identify": "CORS preflight",
	"POST /v1/track": "ingestion (write key)", "OPTIONS /v1/track": "CORS preflight",
	"POST /v1/page": "ingestion (write key)", "OPTIONS /v1/page": "CORS preflight",
	"POST /v1/screen": "ingestion (write key)", "OPTIONS /v1/screen": "CORS preflight",
	"POST /v1/group": "ingestion (write key)", "OPTIONS /v1/group": "CORS preflight",
	"POST /v1/alias": "ingestion (write key)", "OPTIONS /v1/alias": "CORS preflight",
	"POST /v1/batch": "ingestion (write key)", "OPTIONS /v1/batch": "CORS preflight",
	"POST /v1/i": "ingestion (write key)", "OPTIONS /v1/i": "CORS preflight",
	"POST /v1/t": "ingestion (write key)", "OPTIONS /v1/t": "CORS preflight",
	"POST /v1/p": "ingestion (write key)", "OPTIONS /v1/p": "CORS preflight",
	"POST /v1/s": "ingestion (write key)", "OPTIONS /v1/s": "CORS preflight",
	"POST /v1/g": "ingestion (write key)", "OPTIONS /v1/g": "CORS preflight",
	"POST /v1/a": "ingestion (write key)", "OPTIONS /v1/a": "CORS preflight",
	"POST /v1/b": "ingestion (write key)", "OPTIONS /v1/b": "CORS preflight",
}

// permitted lets the request through when the permission table gives its
// route to the role; else it answers 403 naming the roles that may.
func permitted(c *gin.Context, role string) bool {
	need, ok := permissions[c.Request.Method+" "+c.FullPath()]
	if ok && slices.Contains(need, people.Role(role)) {
		return true
	}
	if !ok {
		problem(c, http.StatusForbidden, "no console role may call "+c.Request.Method+" "+c.FullPath()+": use an admin key")
		return false
	}
	problem(c, http.StatusForbidden, "this needs the "+roleNames(need)+" role; your role in this workspace is "+role)
	return false
}

// roleNames reads "marketer or owner" (the owner last: every change is theirs too).
func roleNames(roles []people.Role) string {
	names := make([]string, 0, len(roles))
	for _, r := range roles {
		if r != people.Owner {
			names = append(names, string(r))
		}
	}
	return strings.Join(append(names, string(people.Owner)), " or ")
}
