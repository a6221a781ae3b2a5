package cli

import (
	"fmt"
	"net"

	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/clicks"
	"github.com/tabiji/tabiji/metrics"
	"github.com/tabiji/tabiji/payloadcodec"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/worker"
	"github.com/tabiji/tabiji/workflows"
)

// APICmd is `tabiji api`.
type APICmd struct {
	DatabaseFlags
	TemporalFlags
	HTTPAddr  string `name:"http-addr" env:"TABIJI_HTTP_ADDR" default:":8080" help:"Address the API listens on."`
	TaskQueue string `name:"task-queue" env:"TABIJI_TASK_QUEUE" default:"tabiji-journeys" help:"Temporal task queue of the journey worker."`
	WebUIURL  string `name:"temporal-ui-url" env:"TABIJI_TEMPORAL_UI_URL" help:"Public URL of the Temporal Web UI, for links to runs in API answers."`
	// UnsubscribeSecret signs unsubscribe links; without it /u/{token} answers 503.
	UnsubscribeSecret string `name:"unsubscribe-secret" env:"TABIJI_UNSUBSCRIBE_SECRET" help:"Secret that signs unsubscribe links (the worker's senders need the same one)."`
	ChannelFlags
	PayloadKeyFlags
	CodecOrigins []string `name:"codec-origins" env:"TABIJI_CODEC_ORIGINS" sep:"," help:"Browser origins, comma-separated (the Temporal Web UI's, e.g. https://temporal.example.com), that may call the codec endpoint /ui/codec with a console session."`
	QueryFlags
	LimitFlags
	MetricsFlags
	// OutboundFlags open private targets to the LINE webhook relay.
	OutboundFlags
}

// connect opens Postgres (refusing a schema that is behind) with the pool
// options, and Temporal (adding the journey search attributes), as api and
// worker both need.
func connect(rc *runContext, db DatabaseFlags, tf TemporalFlags, codec *payloadcodec.Codec, opts store.Options, m *metrics.Metrics) (*store.Store, client.Client, func(), error) {
	st, err := openStoreWith(rc.ctx, db, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	tc, err := dialTemporal(rc.ctx, tf, rc.sdkLog, codec, m, rc.tracing)
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	closeBoth := func() { tc.Close(); st.Close() }
	if err := workflows.EnsureSearchAttributes(rc.ctx, tc, tf.Namespace); err != nil {
		closeBoth()
		return nil, nil, nil, err
	}
	return st, tc, closeBoth, nil
}

// Run serves the API until SIGTERM.
func (a *APICmd) Run(rc *runContext) error {
	if err := a.check(); err != nil {
		return err
	}
	limits, err := a.limits()
	if err != nil {
		return err
	}
	codec, err := newPayloadCodec(a.SecretsKey, a.PayloadKeyFlags)
	if err != nil {
		return err
	}
	opts, err := a.QueryFlags.options()
	if err != nil {
		return err
	}
	m, probes, stopMetrics, err := a.MetricsFlags.start(rc)
	if err != nil {
		return err
	}
	defer stopMetrics()
	stopTracing, err := startTracing(rc, "tabiji-api")
	if err != nil {
		return err
	}
	defer stopTracing()
	a.Transport = rc.tracing.Transport(nil)
	st, tc, closeBoth, err := connect(rc, a.DatabaseFlags, a.TemporalFlags, codec, opts, m)
	if err != nil {
		return err
	}
	defer closeBoth()
	resolver, err := a.Resolver(st)
	if err != nil {
		return err
	}
	clickSigner, err := clicks.NewSigner(a.SecretsKey)
	if err != nil {
		return fmt.Errorf("TABIJI_SECRETS_KEY: %w", err)
	}
	changes, stopChanges := startChanges(rc.ctx, st, rc.log)
	defer stopChanges()
	deps := api.Deps{
		Store: st, Temporal: tc, Namespace: a.Namespace, TaskQueue: a.TaskQueue, WebUIURL: a.WebUIURL, Logger: rc.log, Clicks: clickSigner,
		Channels: resolver, UnsubscribeSecret: a.UnsubscribeSecret, PayloadCodec: codec, CodecOrigins: a.CodecOrigins,
		PublicURL: a.PublicURL, EmailFrom: a.EmailFrom, Limits: limits, TrustedProxies: a.TrustedProxies, Metrics: m, Changes: changes,
	}
	relayClient, err := a.OutboundFlags.client()
	if err != nil {
		return err
	}
	deps.Outbound = relayClient // single sign-on's calls to providers, under the same allowlist
	h := rc.tracing.Handler(api.NewServer(deps), "tabiji-api")
	defer startSweeper(rc.ctx, deps, relayClient)()
	probes.ready(reachable(st, tc))
	return serveHTTP(rc.ctx, a.HTTPAddr, h, func(addr net.Addr) {
		rc.log.Info("API listening", "addr", addr.String())
	})
}

// WorkerCmd is `tabiji worker`.
type WorkerCmd struct {
	DatabaseFlags
	TemporalFlags
	TaskQueue string `name:"task-queue" env:"TABIJI_TASK_QUEUE" default:"tabiji-journeys" help:"Temporal task queue to poll."`
	// UnsubscribeSecret signs the unsubscribe links of sent messages; the API needs the same one.
	UnsubscribeSecret string `name:"unsubscribe-secret" env:"TABIJI_UNSUBSCRIBE_SECRET" help:"Secret that signs unsubscribe links in messages (the same as the API's)."`
	ChannelFlags
	OutboundFlags
	SendRateFlags
	StickyCacheFlags
	PayloadKeyFlags
	MetricsFlags
}

// Run polls the task queue until SIGTERM, then lets running activities end.
func (w *WorkerCmd) Run(rc *runContext) error {
	if err := w.ChannelFlags.check(); err != nil {
		return err
	}
	if err := w.StickyCacheFlags.apply(); err != nil {
		return err
	}
	if _, err := w.OutboundFlags.client(); err != nil {
		return err
	}
	codec, err := newPayloadCodec(w.SecretsKey, w.PayloadKeyFlags)
	if err != nil {
		return err
	}
	m, probes, stopMetrics, err := w.MetricsFlags.start(rc)
	if err != nil {
		return err
	}
	defer stopMetrics()
	stopTracing, err := startTracing(rc, "tabiji-worker")
	if err != nil {
		return err
	}
	defer stopTracing()
	w.Transport = rc.tracing.Transport(nil)
	st, tc, closeBoth, err := connect(rc, w.DatabaseFlags, w.TemporalFlags, codec, store.Options{}, m)
	if err != nil {
		return err
	}
	defer closeBoth()
	delivery, _, err := w.Delivery(st, w.UnsubscribeSecret)
	if err == nil {
		delivery, err = w.withOutbound(delivery)
	}
	if err != nil {
		return err
	}
	delivery.Metrics = m
	wk := worker.New(tc, st, w.TaskQueue, delivery)
	if err := wk.Start(); err != nil {
		return fmt.Errorf("start worker on %s: %w", w.TaskQueue, err)
	}
	stopSends, err := startSendWorkers(tc, activities.New(st, delivery), w.TaskQueue, w.SendRateFlags)
	if err != nil {
		wk.Stop()
		return err
	}
	probes.ready(reachable(st, tc))
	rc.log.Info("worker polling", "taskQueue", w.TaskQueue, "namespace", w.Namespace)
	<-rc.ctx.Done()
	stopSends()
	wk.Stop()
	return nil
}

// MigrateCmd is `tabiji migrate`.
type MigrateCmd struct {
	DatabaseFlags
}

// Run applies pending migrations, each in its own transaction.
func (m *MigrateCmd) Run(rc *runContext) error {
	if m.DatabaseURL == "" {
		_, err := openStore(rc.ctx, m.DatabaseFlags)
		return err
	}
	_, err := store.Migrate(rc.ctx, m.DatabaseURL, rc.stdout)
	return err
}
