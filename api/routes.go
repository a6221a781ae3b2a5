package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/workflows"
)

func (s *server) routes(r *gin.Engine) {
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/v1/schemas/journey.json", s.journeySchema)
	// The API's own OpenAPI description (openapi.go, package openapi).
	r.GET("/v1/openapi.json", s.openapiDocument)

	// Ingestion takes write, admin and client keys; web pages of the
	// workspace's allowed origins may call it (cors.go), and client keys'
	// calls are held to identity verification (client_keys.go).
	corsIngest := s.ingestCORS()
	ingest := r.Group("/v1", corsIngest, s.auth(roleWrite), limitByKey(s.ingestLimit, "ingestion"), s.pageOrigin)
	// Segment's HTTP Tracking API (tracking.go), and the short paths its
	// browser library posts to (browser_capture.go).
	for _, typ := range []string{"identify", "track", "page", "screen", "group", "alias"} {
		ingest.POST("/"+typ, s.segmentCall(typ))
		r.OPTIONS("/v1/"+typ, corsIngest)
	}
	for short, typ := range shortRoutes {
		ingest.POST("/"+short, s.segmentCall(typ))
		r.OPTIONS("/v1/"+short, corsIngest)
	}
	for _, path := range []string{"/batch", "/b"} {
		ingest.POST(path, s.segmentBatch)
		r.OPTIONS("/v1"+path, corsIngest)
	}
	// The settings the browser library loads at start (browser_capture.go).
	r.GET("/v1/projects/:writeKey/settings", corsIngest, s.pathKey, limitByKey(s.ingestLimit, "ingestion"), s.pageOrigin, s.browserSettings)
	r.OPTIONS("/v1/projects/:writeKey/settings", corsIngest)

	manage := r.Group("/v1", s.auth(roleAdmin), limitByKey(s.manageLimit, "management"), s.audit)
	// The audit log (audit.go records, audit_log.go reads), for owners.
	manage.GET("/audit", ownerOnly, s.listAudit)
	manage.GET("/audit.csv", ownerOnly, longRequest, s.exportAudit)
	// Approval before going live (approvals.go): the workspace's rule and the requests.
	// Single sign-on with OpenID Connect (sso.go; the browser's side in ui_sso.go).
	manage.GET("/workspace/sso", s.getSSO)
	manage.PUT("/workspace/sso", s.putSSO)
	manage.DELETE("/workspace/sso", s.deleteSSO)
	manage.GET("/workspace/approvals", s.getApprovalPolicy)
	manage.PUT("/workspace/approvals", s.putApprovalPolicy)
	manage.GET("/approvals", s.listApprovals)
	manage.GET("/approvals/:id", s.getApproval)
	manage.POST("/approvals/:id/approve", s.approveRequest)
	manage.POST("/approvals/:id/reject", s.rejectRequest)
	// The console session's person (me.go); people and invitations (people.go).
	manage.GET("/me", s.getMe)
	manage.PATCH("/me", s.patchMe)
	manage.PUT("/me/workspace", s.putMeWorkspace)
	manage.GET("/people", s.listPeople)
	manage.POST("/people/invitations", s.createInvitation)
	manage.DELETE("/people/invitations/:id", s.revokeInvitation)
	manage.PUT("/people/:id/role", s.putPersonRole)
	manage.DELETE("/people/:id", s.removePerson)
	manage.POST("/journeys", s.createJourney)
	manage.POST("/journeys/check-expression", s.checkExpression) // journey_check.go
	manage.POST("/journeys/convert", s.convertJourney)           // journey_yaml.go
	manage.GET("/journeys", s.listJourneys)
	manage.GET("/journeys/:id", s.getJourney)
	manage.POST("/journeys/:id/activate", s.activateJourney)
	manage.PUT("/journeys/:id", s.updateJourney)
	manage.GET("/journeys/:id/versions", s.journeyVersions)
	manage.GET("/journeys/:id/layout", s.getJourneyLayout) // journey_layout.go
	manage.PUT("/journeys/:id/layout", s.putJourneyLayout)
	manage.POST("/journeys/:id/pause", s.pauseJourney)
	manage.POST("/journeys/:id/resume", s.resumeJourney)
	manage.POST("/journeys/:id/archive", s.archiveJourney)
	manage.POST("/journeys/:id/migrate", s.migrateJourney)
	manage.POST("/journeys/:id/enter", s.enterJourney)
	manage.POST("/journeys/:id/simulate", s.simulateJourney)
	manage.GET("/journeys/:id/experiments", s.journeyExperiments) // experiments.go
	// Journey statistics and the zone their days are cut in (journey_stats.go).
	manage.GET("/journeys/:id/stats", s.journeyStats)
	manage.GET("/workspace/timezone", s.getWorkspaceTimezone)
	manage.PUT("/workspace/timezone", s.putWorkspaceTimezone)
	// Identity verification for client keys (identity_verification.go, client_keys.go).
	manage.GET("/workspace/identity-verification", s.getIdentitySecret)
	manage.POST("/workspace/identity-verification/rotate", s.rotateIdentitySecret)
	// The workspace the key acts on (workspace.go).
	manage.GET("/workspace", s.getWorkspace)
	// Retention and purposes of use (privacy.go), records of third-party provision (provisions.go).
	manage.GET("/workspace/privacy", s.getPrivacy)
	manage.PATCH("/workspace/privacy", s.patchPrivacy)
	manage.GET("/provisions", longRequest, s.listProvisions)
	manage.GET("/profiles/:id/provisions", longRequest, s.listProvisions)
	manage.PATCH("/workspace", s.patchWorkspace)
	// The web origins that may send events (browser_capture.go).
	manage.GET("/workspace/allowed-origins", s.getAllowedOrigins)
	manage.PUT("/workspace/allowed-origins", s.putAllowedOrigins)
	// The advertising-mail policy: opt-in before advertising, the sender's identity (advertising.go).
	manage.GET("/workspace/advertising", s.getAdvertising)
	manage.PUT("/workspace/advertising", s.putAdvertising)
	// Business KPIs across journeys (kpis.go).
	manage.GET("/kpis/channels", s.kpiChannels)
	manage.GET("/kpis/repeat-purchase", s.kpiRepeatPurchase)
	manage.GET("/kpis/ltv", s.kpiLTV)
	manage.GET("/kpis/journey-revenue", s.kpiJourneyRevenue)
	manage.GET("/kpis/leads", s.kpiLeads)
	manage.GET("/kpis/dashboard", s.kpiDashboard)
	manage.GET("/customers/:id/journeys", s.customerJourneys)
	// Imports and exports stream: longer than the server's timeouts (longRequest).
	manage.POST("/profiles/import", longRequest, s.importProfiles) // profile_import.go
	manage.GET("/profiles/export", longRequest, s.exportProfiles)  // profile_export.go
	manage.GET("/profiles", s.searchProfiles)                      // profile_search.go
	manage.GET("/profiles/:id", s.getProfile)
	manage.GET("/profiles/:id/events", s.profileTimeline)
	manage.GET("/profiles/:id/export", longRequest, s.discloseProfile) // profile_disclosure.go
	manage.DELETE("/profiles/:id", s.eraseProfile)
	// Consent records with their evidence, append-only (consent.go).
	manage.POST("/profiles/:id/consent", s.recordConsent)
	manage.GET("/profiles/:id/consent", s.listConsent)
	manage.GET("/consent/export", longRequest, s.exportConsent)
	manage.POST("/consent/import", longRequest, s.importConsent)
	manage.GET("/outbox", s.outbox)
	// The workspace's API keys: created with the secret shown once, revoked (keys.go).
	manage.GET("/keys", s.listKeys)
	manage.POST("/keys", s.createKey)
	manage.DELETE("/keys/:id", s.revokeKey)
	manage.GET("/journey-templates", s.listJourneyTemplates)
	manage.GET("/journey-templates/:name", s.getJourneyTemplate)
	manage.POST("/journey-templates/:name/launch", s.launchJourneyTemplate)

	// Message templates per channel (message_templates.go, message_template_preview.go).
	manage.POST("/templates", s.createTemplate)
	manage.GET("/templates", s.listTemplates)
	manage.GET("/templates/:id", s.getTemplate)
	manage.PUT("/templates/:id", s.updateTemplate)
	manage.GET("/templates/:id/versions", s.templateVersions)
	manage.POST("/templates/:id/preview", s.previewTemplate)
	manage.POST("/templates/:id/test-send", s.testSendTemplate)
	manage.POST("/templates/render", s.renderDraft) // a draft, unsaved
	// Broadcasts: one message to a segment (broadcasts.go, broadcast_control.go).
	manage.POST("/broadcasts", s.createBroadcast)
	manage.GET("/broadcasts", s.listBroadcasts)
	manage.GET("/broadcasts/:id", s.getBroadcast)
	manage.POST("/broadcasts/:id/schedule", s.scheduleBroadcast)
	manage.POST("/broadcasts/:id/pause", s.controlBroadcast(workflows.BroadcastPause))
	manage.POST("/broadcasts/:id/resume", s.controlBroadcast(workflows.BroadcastResume))
	manage.POST("/broadcasts/:id/cancel", s.controlBroadcast(workflows.BroadcastCancel))
	// Frequency caps per channel (frequency_caps.go).
	manage.GET("/frequency-caps", s.getFrequencyCaps)
	manage.PUT("/frequency-caps", s.putFrequencyCaps)
	// The workspace's global control group (global_control.go).
	manage.GET("/global-control", s.getGlobalControl)
	manage.PUT("/global-control", s.putGlobalControl)
	// Lead scoring (scoring.go; ingestion scores in scoring_pipeline.go).
	manage.GET("/scoring", s.getScoring)
	manage.PUT("/scoring", s.putScoring)
	manage.GET("/profiles/:id/score", s.getProfileScore)

	// Segments (segments.go).
	manage.POST("/segments", s.createSegment)
	manage.GET("/segments", s.listSegments)
	manage.GET("/segments/:id", s.getSegment)
	manage.PUT("/segments/:id", s.updateSegment)
	manage.DELETE("/segments/:id", s.deleteSegment)
	manage.GET("/segments/:id/count", s.countSegment)
	manage.GET("/segments/:id/members", s.segmentMembers)
	manage.POST("/segments/preview", s.previewSegment) // segment_builder.go
	manage.GET("/segments/:id/reach", s.segmentReach)
	manage.GET("/segments/:id/uses", s.segmentUses)
	manage.GET("/profiles/:id/segments", s.profileSegments)
	// Provider settings per channel, secrets write-only (channel_settings.go).
	manage.GET("/channels", s.listChannelSettings)
	manage.GET("/channels/:channel", s.getChannelSettings)
	manage.PUT("/channels/:channel", s.putChannelSettings)
	manage.DELETE("/channels/:channel", s.deleteChannelSettings)
	manage.POST("/channels/:channel/test-send", s.testSendChannel) // channel_test_send.go
	// LINE account linking (line_account_link.go).
	manage.POST("/line/link-tokens", s.issueLineLinkToken)
	manage.POST("/line/account-links", s.completeLineAccountLink)
	// LINE rich menus per segment (line_rich_menus.go; richmenus/ links them).
	manage.GET("/line/rich-menus", s.listRichMenuRules)
	manage.PUT("/line/rich-menus/:segment", s.putRichMenuRule)
	manage.DELETE("/line/rich-menus/:segment", s.deleteRichMenuRule)
	// The month's LINE quota, use and forecast (line_usage.go; broadcasts check it too).
	manage.GET("/line/usage", s.lineUsage)
	// Named secrets journeys reference as {{ secrets.NAME }}, values write-only (secrets.go).
	manage.GET("/secrets", s.listSecrets)
	manage.PUT("/secrets/:name", s.putSecret)
	manage.DELETE("/secrets/:name", s.deleteSecret)

	// The taxonomy (taxonomy.go) and its quarantine (quarantine.go).
	manage.GET("/taxonomy", s.getTaxonomy)
	manage.PUT("/taxonomy", s.putTaxonomy)
	manage.GET("/taxonomy/policy", s.getTaxonomyPolicy)
	manage.PUT("/taxonomy/policy", s.putTaxonomyPolicy)
	manage.GET("/taxonomy/dropped", s.droppedEvents)
	manage.GET("/taxonomy/events", s.listEventDefinitions)
	manage.POST("/taxonomy/events", s.putEventDefinition)
	manage.GET("/taxonomy/events/:name", s.getEventDefinition)
	manage.PUT("/taxonomy/events/:name", s.putEventDefinition)
	manage.DELETE("/taxonomy/events/:name", s.deleteEventDefinition)
	manage.GET("/taxonomy/user-properties", s.listUserProperties)
	manage.POST("/taxonomy/user-properties", s.putUserProperty)
	manage.GET("/taxonomy/user-properties/:name", s.getUserProperty)
	manage.PUT("/taxonomy/user-properties/:name", s.putUserProperty)
	manage.DELETE("/taxonomy/user-properties/:name", s.deleteUserProperty)
	// The event debugger: the latest calls with their verdicts (events_recent.go).
	manage.GET("/events/recent", s.recentEvents)
	manage.GET("/quarantine", s.listQuarantine)
	manage.GET("/quarantine/:id", s.getQuarantined)
	manage.PUT("/quarantine/:id", s.fixQuarantined)
	manage.POST("/quarantine/:id/replay", s.replayQuarantined)
	manage.DELETE("/quarantine/:id", s.dropQuarantined)

	// The message log (messages.go) and what comes back from channels:
	// push opens from app SDKs (push.go, write key), provider webhooks
	// (webhooks_*.go, authenticated by the provider's signature, not a key)
	// and unsubscribe links (unsubscribe.go, a signed token).
	manage.GET("/messages", s.listMessages)
	manage.GET("/messages/*id", s.getMessage) // message IDs hold slashes (workflows.stepKey)
	ingest.POST("/push/opened", s.pushOpened)
	r.OPTIONS("/v1/push/opened", corsIngest)
	r.POST("/webhooks/sendgrid/:workspace", s.sendgridWebhook)
	r.POST("/webhooks/line/:workspace", s.lineWebhook)
	r.POST("/webhooks/twilio/:workspace", s.twilioWebhook)
	r.GET("/u/:token", s.preferences)
	// The click redirect of tracked links (clicks.go).
	r.GET("/r/:token", s.clickRedirect)
	r.HEAD("/r/:token", s.clickRedirect)
	// Double opt-in confirmation links (optin.go, a signed token).
	r.GET("/optin/:token", s.optinForm)
	r.POST("/optin/:token", s.confirmOptin)

	// The console (console.go, ui*.go; pages rendered by console/): a person
	// logs in with their email address and password for a session cookie,
	// which the management routes above take too (console_session.go).
	ui := r.Group("/ui", uiHeaders)
	ui.GET("/login", s.uiLoginForm)
	ui.POST("/login", s.uiLogin)
	ui.POST("/logout", s.uiLogout)
	// Invitation and password-reset links (ui_invitations.go): the token in
	// the path is the only credential.
	ui.GET("/invitations/:token", s.uiInvitation)
	ui.POST("/invitations/:token", s.uiAcceptInvitation)
	ui.GET("/password-reset", s.uiResetForm)
	ui.POST("/password-reset", s.uiAskReset)
	ui.GET("/password-reset/:token", s.uiResetLink)
	ui.POST("/password-reset/:token", s.uiReset)
	ui.GET("/sso/:workspace/start", s.uiSSOStart) // ui_sso.go
	ui.GET("/sso/callback", s.uiSSOCallback)
	ui.StaticFS("/assets", http.FS(console.Assets()))
	ui.GET("/email-frame", s.uiEmailFrame) // ui_email_frame.go: previews' empty document
	pages := ui.Group("", s.uiSession, limitByKey(s.manageLimit, "management"), s.consoleSettings)
	pages.GET("/", s.uiHome) // ui_home.go
	pages.GET("/home.csv", s.uiHomeCSV)
	pages.GET("/report", s.uiMonthlyReport)
	pages.GET("/journeys", s.uiJourneys)
	pages.GET("/journeys/:id", s.uiJourney)
	pages.GET("/journeys/new", s.uiEditor) // ui_editor.go
	pages.GET("/journeys/:id/edit", s.uiEditor)
	pages.GET("/templates", s.uiGallery) // ui_journeys.go
	pages.GET("/templates/:name", s.uiTemplate)
	pages.GET("/customers", s.uiCustomers) // ui_customers.go
	pages.GET("/customers/:id", s.uiCustomer)
	pages.GET("/segments", s.uiSegments) // ui_segments.go
	pages.GET("/segments/new", s.uiSegment)
	pages.GET("/segments/:id", s.uiSegment)
	pages.GET("/settings", s.uiSettings)
	pages.GET("/settings/people", s.uiPeople) // ui_people.go, owners only
	pages.GET("/approvals", s.uiApprovals)    // ui_approvals.go
	pages.GET("/audit", s.uiAudit)            // ui_audit.go, owners only
	pages.GET("/line", s.uiLine)              // ui_line.go
	pages.GET("/broadcasts", s.uiBroadcasts)  // ui_broadcasts.go
	pages.GET("/broadcasts/new", s.uiBroadcastNew)
	pages.GET("/broadcasts/:id", s.uiBroadcast)
	pages.GET("/data/taxonomy", s.uiTaxonomy)     // ui_data.go
	pages.GET("/data/quarantine", s.uiQuarantine) // ui_quarantine.go
	pages.GET("/data/quarantine/:id", s.uiQuarantined)
	pages.GET("/message-templates", s.uiMessageTemplates) // ui_message_templates.go
	pages.GET("/message-templates/new", s.uiMessageTemplate)
	pages.GET("/message-templates/:id", s.uiMessageTemplate)
	pages.GET("/data/debugger", s.uiDebugger) // ui_data.go: the event debugger
	// The Temporal codec server for the Web UI (codec.go).
	s.codecRoutes(r)
	r.GET("/ui", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/ui/") })
	r.POST("/u/:token", s.changePreference)
	// The hosted sign-up form (signup_forms.go): managed with an admin key,
	// published at /f/{id}, a random id, to visitors without one.
	manage.GET("/signup-form", s.getSignupForm)
	manage.PUT("/signup-form", s.putSignupForm)
	r.GET("/f/:id", s.signupPage)
	r.POST("/f/:id", s.signupSubmit)
}
