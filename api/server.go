// Package api is Tabiji's HTTP API: Segment-style ingestion for backend
// services and the management API for journeys, in Gin.
package api

import (
	"context"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/approvals"
	"github.com/tabiji/tabiji/broadcasts"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/clicks"
	"github.com/tabiji/tabiji/engagement"
	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/metrics"
	"github.com/tabiji/tabiji/optinconfirm"
	"github.com/tabiji/tabiji/outbound"
	"github.com/tabiji/tabiji/payloadcodec"
	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/previews"
	"github.com/tabiji/tabiji/profiles"
	"github.com/tabiji/tabiji/readiness"
	"github.com/tabiji/tabiji/richmenus"
	"github.com/tabiji/tabiji/routing"
	"github.com/tabiji/tabiji/scoring"
	"github.com/tabiji/tabiji/signupforms"
	"github.com/tabiji/tabiji/sso"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/webhooks"
	"github.com/tabiji/tabiji/wscache"
)

// Deps is what the API needs.
type Deps struct {
	Store     *store.Store
	Temporal  client.Client
	Namespace string
	TaskQueue string
	// WebUIURL is the Temporal Web UI's address, for links to runs; empty
	// leaves the links out.
	WebUIURL string
	Logger   *slog.Logger
	// Channels holds each workspace's provider settings (environment as
	// defaults): the webhooks verify with them, test sends go through their
	// senders, and /v1/channels manages them.
	Channels *settings.Resolver
	// SendGridWebhookPublicKey and LineChannelSecret are the webhook
	// secrets of every workspace when Channels is nil (tests): then no
	// workspace has settings of its own and every channel sends to the
	// outbox. Empty turns the provider's webhook off.
	SendGridWebhookPublicKey string
	LineChannelSecret        string
	// Clicks reads the tokens of the click redirect (/r/{token}), signed by
	// the worker's clicks.Rewriter under the same secrets key; nil turns
	// the redirect off.
	Clicks *clicks.Signer
	// UnsubscribeSecret signs unsubscribe links (/u/{token}); empty turns them off.
	UnsubscribeSecret string
	// PayloadCodec encrypts Temporal payloads (payloadcodec): the API reads
	// histories through it and serves it at /ui/codec (codec.go). Nil: the
	// payloads are in clear.
	PayloadCodec *payloadcodec.Codec
	// CodecOrigins are the browser origins (the Temporal Web UI's) that may
	// call /ui/codec with credentials.
	CodecOrigins []string
	// PublicURL is the API's public base URL (TABIJI_PUBLIC_URL). When it is
	// https the console's session cookie is Secure and __Host- prefixed,
	// even when a TLS-terminating proxy forwards plain HTTP.
	PublicURL string
	// Limits are the per-key request rates and the login throttle; the zero
	// value limits nothing.
	Limits Limits
	// TrustedProxies are the addresses (IPs or CIDRs) of proxies whose
	// X-Forwarded-For is believed, for the login throttle's remote address;
	// none by default, so the address is the connection's.
	TrustedProxies []string
	// Metrics counts requests, ingestion and routing; nil counts nothing.
	Metrics *metrics.Metrics
	// EmailFrom is the sender address of the console's emails (invitations,
	// password resets); empty: no-reply@tabiji.invalid.
	EmailFrom string
	// PasswordParams are argon2id's costs for new password hashes; zero:
	// people.DefaultParams.
	PasswordParams people.Params
	// Changes brings the journey changes made through other API processes
	// (routing.Changes, run by the caller); nil: this process's own only,
	// enough when it is the only one.
	Changes *routing.Changes
	// Outbound dials the workspaces' OpenID providers for single sign-on
	// (public addresses only, unless the operator allows more); nil:
	// outbound's defaults.
	Outbound *outbound.Client
}

type server struct {
	Deps
	// router hands stored events to the journey runs that use them.
	router *routing.Router
	// taxonomies holds each workspace's compiled taxonomy; ingestion checks every event against it.
	taxonomies *taxonomyCache
	// scoring holds each workspace's compiled lead-scoring rules.
	scoring *wscache.Cache[*scoring.Compiled]
	// pipeline takes the decoded calls of every ingestion endpoint to the journeys.
	pipeline *ingest.Pipeline
	// profiles reads and erases customers across Postgres and Temporal.
	profiles *profiles.Service
	// previews renders and test-sends message templates.
	previews *previews.Service
	// broadcasts schedules broadcasts after their checks.
	broadcasts *broadcasts.Scheduler
	// approvals activates journeys and schedules broadcasts, or asks an
	// approver first when the workspace requires it.
	approvals *approvals.Service
	// engagement records what comes back from sent messages as events of their customers.
	engagement *engagement.Recorder
	// webhooks verifies and applies the providers' webhook deliveries.
	webhooks *webhooks.Service
	// readiness checks that Postgres and Temporal answer.
	readiness *readiness.Checker
	// richMenus sets and stops the LINE rich menu rules of segments.
	richMenus *richmenus.Rules
	// optinConfirm shows and records double opt-in confirmations.
	optinConfirm *optinconfirm.Service
	// identitySecrets holds each workspace's identity-verification secret, opened.
	identitySecrets *wscache.Cache[[]byte]
	// The abuse limits (ratelimit.go); nil limits nothing.
	ingestLimit, manageLimit, loginByAddr, loginByKey *keyedLimiter
	// origins holds each workspace's allowed web origins; everyOrigin, under
	// everyOriginKey, the union of them, for CORS preflights (cors.go).
	origins     *wscache.Cache[[]string]
	everyOrigin *wscache.Cache[map[string]bool]
	// securePublic: the public URL is https (ui_cookie.go).
	securePublic bool
	// signups runs the hosted sign-up forms (signup_forms.go); signupLimit
	// limits each address's submissions to each form.
	signups     signupforms.Service
	signupLimit *keyedLimiter
	// description is the API's OpenAPI description as JSON, built on first
	// use (openapi.go).
	description func() ([]byte, error)
	// engine serves the routes; auditTargets are what the audit log
	// records of each state-changing management route (audit.go).
	engine       *gin.Engine
	auditTargets map[string]auditTarget
	// people logs people in and runs invitations and password resets;
	// resetByAddr and resetByMail limit reset requests (ui_invitations.go).
	people                   *people.Service
	resetByAddr, resetByMail *keyedLimiter
	// sso keeps the workspaces' OpenID providers and signs people in through them.
	sso *sso.Service
}

// newServer is the API's state without its routes.
func newServer(d Deps) *server {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Channels == nil {
		d.Channels = settings.NewResolver(d.Store, settings.Options{Defaults: map[string]settings.Values{
			"email": {settings.WebhookPublicKey: d.SendGridWebhookPublicKey},
			"line":  {settings.ChannelSecret: d.LineChannelSecret},
		}})
	}
	s := &server{Deps: d, taxonomies: newTaxonomyCache(d.Store, 5*time.Second)}
	s.router = routing.New(routing.Deps{
		Store: d.Store, Temporal: d.Temporal, TaskQueue: d.TaskQueue, Logger: d.Logger, PayloadCodec: d.PayloadCodec, Metrics: d.Metrics,
		Changes: d.Changes, Taxonomies: s.taxonomies,
	})
	s.scoring = newScoringCache(d.Store, 5*time.Second)
	s.identitySecrets = wscache.New(5*time.Second, s.loadIdentitySecret)
	s.pipeline = ingest.NewPipeline(ingest.Deps{
		Store: d.Store, Router: s.router, Logger: d.Logger, Taxonomies: s.taxonomies, Scoring: s.scoring, Metrics: d.Metrics,
		IdentitySecrets: s.identitySecrets,
	})
	s.router.OnJourneysChanged(s.pipeline.JourneysChanged)
	if d.Changes != nil {
		d.Changes.OnChange(func(workspaceID string) {
			if workspaceID != "" { // the segments' cache lives only cacheTTL anyway
				s.pipeline.JourneysChanged(workspaceID)
			}
		})
	}
	s.engagement = engagement.New(engagement.Deps{Store: d.Store, Pipeline: s.pipeline, Temporal: d.Temporal, Logger: d.Logger})
	s.webhooks = &webhooks.Service{Store: d.Store, Channels: d.Channels, Engagement: s.engagement, Pipeline: s.pipeline}
	s.readiness = &readiness.Checker{Store: d.Store, Temporal: d.Temporal, Logger: d.Logger}
	s.richMenus = &richmenus.Rules{Store: d.Store, Router: s.router}
	s.optinConfirm = &optinconfirm.Service{Store: d.Store, Pipeline: s.pipeline, Logger: d.Logger}
	s.profiles = &profiles.Service{Store: d.Store, Temporal: d.Temporal, Namespace: d.Namespace, WebUIURL: d.WebUIURL, Taxonomies: s.taxonomies}
	s.previews = &previews.Service{Store: d.Store, Channels: d.Channels}
	s.broadcasts = &broadcasts.Scheduler{Store: d.Store, Temporal: d.Temporal, TaskQueue: d.TaskQueue, Channels: d.Channels}
	s.approvals = &approvals.Service{Store: d.Store, Router: s.router, Broadcasts: s.broadcasts}
	s.origins = wscache.New(5*time.Second, d.Store.AllowedOrigins)
	s.everyOrigin = wscache.New(5*time.Second, func(ctx context.Context, _ string) (map[string]bool, error) {
		return d.Store.EveryAllowedOrigin(ctx)
	})
	s.ingestLimit, s.manageLimit = newKeyedLimiter(d.Limits.Ingest), newKeyedLimiter(d.Limits.Manage)
	s.loginByAddr, s.loginByKey = newKeyedLimiter(d.Limits.Login), newKeyedLimiter(d.Limits.Login)
	s.signups, s.signupLimit = signupforms.Service{Store: d.Store, Pipeline: s.pipeline}, newKeyedLimiter(signupRate)
	s.people = &people.Service{Store: d.Store, Params: d.PasswordParams}
	s.people.Mailer = s.sendConsoleMail
	s.resetByAddr, s.resetByMail = newKeyedLimiter(resetRate), newKeyedLimiter(resetRate)
	s.sso = &sso.Service{Store: d.Store, People: s.people, Keys: d.Channels.Keyring(), Client: sso.HTTPClient(d.Outbound)}
	s.securePublic = strings.HasPrefix(strings.ToLower(d.PublicURL), "https://")
	s.description = sync.OnceValues(loadDescription)
	return s
}

// NewServer returns the API as an http.Handler.
func NewServer(d Deps) http.Handler {
	s := newServer(d)
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		s.Logger.Error("trusted proxies ignored: the remote address is the connection's", "error", err)
		_ = r.SetTrustedProxies(nil) // nil always parses
	}
	r.Use(s.observe, s.recover, validParams)
	r.NoRoute(func(c *gin.Context) {
		problem(c, http.StatusNotFound, "no such endpoint: "+c.Request.Method+" "+c.Request.URL.Path)
	})
	r.HandleMethodNotAllowed = true
	r.NoMethod(func(c *gin.Context) {
		problem(c, http.StatusMethodNotAllowed, c.Request.Method+" is not allowed on "+c.Request.URL.Path)
	})
	s.routes(r)
	s.engine, s.auditTargets = r, auditTargets(r.Routes())
	return r
}

// observe counts the request by its route pattern (never its path, whose
// ids would make a series each) and status, and times it.
func (s *server) observe(c *gin.Context) {
	began := time.Now()
	nameSpan(c)
	c.Next()
	s.Metrics.Request(c.FullPath(), c.Request.Method, c.Writer.Status(), time.Since(began))
}

// recover turns a panic into a logged 500 problem rather than a dropped
// connection.
func (s *server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			s.Logger.ErrorContext(c.Request.Context(), "panic in handler", "path", logPath(c), "panic", v)
			problem(c, http.StatusInternalServerError, "internal error: the server logged it")
		}
	}()
	c.Next()
}

// fail answers an unexpected error: logged, and a 500 without internals;
// a statement the database cancelled at its statement timeout is a 503.
func (s *server) fail(c *gin.Context, err error) {
	s.Logger.ErrorContext(c.Request.Context(), "request failed", "method", c.Request.Method, "path", logPath(c), "error", err)
	if store.StatementTimedOut(err) {
		c.Header("Retry-After", "5")
		problem(c, http.StatusServiceUnavailable, statementTimeoutDetail)
		return
	}
	problem(c, http.StatusInternalServerError, "internal error: the server logged it")
}

// nameSpan names the request's server span (when it is traced) by its
// route pattern, as the metrics do, rather than the tracing's generic name.
func nameSpan(c *gin.Context) {
	route := c.FullPath()
	if span := trace.SpanFromContext(c.Request.Context()); span.IsRecording() && route != "" {
		span.SetName(c.Request.Method + " " + route)
		span.SetAttributes(attribute.String("http.route", route))
	}
}
