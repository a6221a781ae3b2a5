package cli

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/devtemporal"
	"github.com/tabiji/tabiji/locale"
	"github.com/tabiji/tabiji/localpg"
	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/worker"
	"github.com/tabiji/tabiji/workflows"
)

// DefaultWorkspace is the workspace `tabiji dev` creates on first start.
const DefaultWorkspace = "default"

// DevCmd is `tabiji dev`.
type DevCmd struct {
	DataDir      string `name:"data-dir" env:"TABIJI_DATA_DIR" default:".tabiji" help:"Where Temporal's SQLite file, the private Postgres cluster and the dev keys live."`
	HTTPAddr     string `name:"http-addr" env:"TABIJI_HTTP_ADDR" default:"127.0.0.1:8080" help:"Address the API listens on."`
	UIAddr       string `name:"ui-addr" env:"TABIJI_UI_ADDR" default:"127.0.0.1:8233" help:"Address the Temporal Web UI listens on."`
	TemporalAddr string `name:"temporal-addr" env:"TABIJI_TEMPORAL_ADDR" default:"127.0.0.1:7233" help:"Address the embedded Temporal server's gRPC frontend listens on."`
	DatabaseURL  string `name:"database-url" env:"DATABASE_URL" help:"Use this Postgres instead of a private cluster under --data-dir."`
	TaskQueue    string `name:"task-queue" env:"TABIJI_TASK_QUEUE" default:"tabiji-journeys" help:"Temporal task queue of the journey worker."`
	AdminKey     string `name:"dev-admin-key" env:"TABIJI_DEV_ADMIN_KEY" help:"Admin key of workspace default (generated on first start when unset)."`
	WriteKey     string `name:"dev-write-key" env:"TABIJI_DEV_WRITE_KEY" help:"Write key of workspace default (generated on first start when unset)."`
	OwnerEmail   string `name:"dev-owner-email" env:"TABIJI_DEV_OWNER_EMAIL" default:"owner@localhost" help:"Email address of the console's first owner of workspace default (its password is generated on first start and printed)."`
	// UnsubscribeSecret signs unsubscribe links; generated into the data dir when unset.
	UnsubscribeSecret string `name:"unsubscribe-secret" env:"TABIJI_UNSUBSCRIBE_SECRET" help:"Secret that signs unsubscribe links (generated into the data dir on first start when unset)."`
	ChannelFlags
	OutboundFlags
	SendRateFlags
	StickyCacheFlags
	PayloadKeyFlags
	QueryFlags
	LimitFlags
	WorkspaceSettingsFlags
	MetricsFlags
	CodecOrigins []string `name:"codec-origins" env:"TABIJI_CODEC_ORIGINS" sep:"," help:"More browser origins, comma-separated, that may call the codec endpoint /ui/codec with a console session (the embedded Web UI's is always allowed)."`
}

// devStack is what `tabiji dev` started, stopped in reverse order.
type devStack struct {
	stops []func()
}

func (s *devStack) stop() {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
}

// Run starts the whole stack, prints where it is, and runs until Ctrl+C.
func (d *DevCmd) Run(rc *runContext) error {
	if err := d.ChannelFlags.check(); err != nil {
		return err
	}
	if err := d.StickyCacheFlags.apply(); err != nil { // before the embedded server's own workers
		return err
	}
	if _, err := d.OutboundFlags.client(); err != nil {
		return err
	}
	limits, err := d.limits()
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(d.DataDir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	// As root, localpg runs postgres as user postgres, which must pass through this folder.
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // G301: see above
		return fmt.Errorf("create data dir %s: %w", dir, err)
	}
	var stack devStack
	defer stack.stop()
	out := rc.stdout
	fmt.Fprintf(out, "tabiji dev: data in %s\n", dir)

	dbURL, err := d.postgres(rc, dir, &stack)
	if err != nil {
		return err
	}
	if err := step(out, "applying migrations", func() error {
		_, err := store.Migrate(rc.ctx, dbURL, io.Discard)
		return err
	}); err != nil {
		return err
	}
	st, err := store.Open(rc.ctx, dbURL)
	if err != nil {
		return err
	}
	stack.stops = append(stack.stops, st.Close)
	keys, err := d.ensureDefaults(rc.ctx, st, dir)
	if err != nil {
		return err
	}

	codec, err := d.devPayloadCodec(dir)
	if err != nil {
		return err
	}
	httpAddr, apiDial, err := devHTTPAddr(d.HTTPAddr)
	if err != nil {
		return err
	}
	var tsrv *devtemporal.Server
	if err := step(out, "starting Temporal (SQLite in "+filepath.Join(dir, "temporal.db")+")", func() error {
		tsrv, err = devtemporal.Start(rc.ctx, devtemporal.Options{
			DataDir: dir, FrontendAddress: d.TemporalAddr, UIAddress: d.UIAddr, Namespace: "default",
			SearchAttributes: workflows.SearchAttributes(), Logger: rc.log.With("component", "temporal-server"),
			CodecEndpoint: "http://" + apiDial + "/ui/codec", CodecLogin: "http://" + apiDial + "/ui/login",
		})
		return err
	}); err != nil {
		return err
	}
	stack.stops = append(stack.stops, tsrv.Stop)
	m, probes, stopMetrics, err := d.MetricsFlags.start(rc)
	if err != nil {
		return err
	}
	stack.stops = append(stack.stops, stopMetrics)
	stopTracing, err := startTracing(rc, "tabiji-dev")
	if err != nil {
		return err
	}
	stack.stops = append(stack.stops, stopTracing)
	d.Transport = rc.tracing.Transport(nil)
	tc, err := dialTemporal(rc.ctx, TemporalFlags{Address: tsrv.FrontendAddress(), Namespace: tsrv.Namespace(), Embedded: true}, rc.sdkLog, codec, m, rc.tracing)
	if err != nil {
		return err
	}
	stack.stops = append(stack.stops, tc.Close)

	unsubSecret, err := devSecret(dir, "unsubscribe-secret", d.UnsubscribeSecret)
	if err != nil {
		return err
	}
	delivery, resolver, err := d.devDelivery(st, dir, unsubSecret)
	if err != nil {
		return err
	}
	delivery.Metrics = m
	wk := worker.New(tc, st, d.TaskQueue, delivery)
	if err := wk.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	stack.stops = append(stack.stops, wk.Stop)
	stopSends, err := startSendWorkers(tc, activities.New(st, delivery), d.TaskQueue, d.SendRateFlags)
	if err != nil {
		return err
	}
	stack.stops = append(stack.stops, stopSends)
	probes.ready(reachable(st, tc))

	apiStore, err := d.apiStore(rc, dbURL)
	if err != nil {
		return err
	}
	stack.stops = append(stack.stops, apiStore.Close)
	changes, stopChanges := startChanges(rc.ctx, apiStore, rc.log)
	stack.stops = append(stack.stops, stopChanges)
	deps := api.Deps{
		Store: apiStore, Temporal: tc, Namespace: tsrv.Namespace(), TaskQueue: d.TaskQueue, WebUIURL: tsrv.UIURL(), Logger: rc.log,
		Channels: resolver, UnsubscribeSecret: unsubSecret, PayloadCodec: codec, CodecOrigins: append([]string{origin(tsrv.UIURL())}, d.CodecOrigins...),
		PublicURL: d.PublicURL, EmailFrom: d.EmailFrom, Limits: limits, TrustedProxies: d.TrustedProxies, Metrics: m, Changes: changes,
	}
	if delivery.Clicks != nil {
		deps.Clicks = delivery.Clicks.Signer // the dev secrets key's, as the worker's links
	}
	relayClient, err := d.OutboundFlags.client()
	if err != nil {
		return err
	}
	deps.Outbound = relayClient // single sign-on's calls to providers, under the same allowlist
	h := rc.tracing.Handler(api.NewServer(deps), "tabiji-api")
	stack.stops = append(stack.stops, startSweeper(rc.ctx, deps, relayClient))
	err = serveHTTP(rc.ctx, httpAddr, h, func(addr net.Addr) {
		pg := dbURL
		if d.DatabaseURL != "" {
			pg = "from DATABASE_URL"
		}
		printReady(out, "http://"+addr.String(), tsrv, pg, keys)
	})
	fmt.Fprint(out, "\nstopping the API, the worker, Temporal and PostgreSQL… ")
	stack.stop()
	stack.stops = nil
	fmt.Fprintln(out, "stopped; everything is kept in "+dir)
	return err
}

// apiStore is the API's own connection pool, its statements bounded by
// the query flags (the worker's pool has none: activities have Temporal's
// timeouts).
func (d *DevCmd) apiStore(rc *runContext, dbURL string) (*store.Store, error) {
	opts, err := d.QueryFlags.options()
	if err != nil {
		return nil, err
	}
	return store.OpenWith(rc.ctx, dbURL, opts)
}

// devDelivery is the Send activity's options and the settings resolver the
// API shares (so a change through the API reaches the worker at once);
// unsubscribe links point at the dev API unless TABIJI_PUBLIC_URL says
// otherwise, and the secrets key is generated into the data dir when unset.
func (d *DevCmd) devDelivery(st *store.Store, dir, unsubSecret string) (activities.Options, *settings.Resolver, error) {
	flags := d.ChannelFlags
	if flags.PublicURL == "" {
		flags.PublicURL = "http://" + d.HTTPAddr
	}
	key, err := devSecret(dir, "secrets-key", flags.SecretsKey)
	if err != nil {
		return activities.Options{}, nil, err
	}
	flags.SecretsKey = key
	opts, r, err := flags.Delivery(st, unsubSecret)
	if err != nil {
		return opts, nil, err
	}
	opts, err = d.withOutbound(opts)
	return opts, r, err
}

// postgres returns DATABASE_URL, or starts the private cluster.
func (d *DevCmd) postgres(rc *runContext, dir string, stack *devStack) (string, error) {
	if d.DatabaseURL != "" {
		fmt.Fprintln(rc.stdout, "  using Postgres from DATABASE_URL")
		return d.DatabaseURL, nil
	}
	pgDir := filepath.Join(dir, "postgres")
	var cluster *localpg.Cluster
	err := step(rc.stdout, "starting PostgreSQL (private cluster in "+pgDir+")", func() error {
		var err error
		cluster, err = localpg.Start(rc.ctx, localpg.Options{DataDir: pgDir})
		return err
	})
	if err != nil {
		return "", err
	}
	stack.stops = append(stack.stops, func() {
		if err := cluster.Stop(); err != nil {
			rc.log.Error("stop PostgreSQL", "error", err)
		}
	})
	return cluster.URL(), nil
}

// devKeys are the keys of workspace default, kept in the data dir because
// the database holds only their hashes.
type devKeys struct {
	Admin string `json:"adminKey"`
	Write string `json:"writeKey"`
	// OwnerPassword is the first owner's password as generated; the owner
	// may change it in the console (then this one no longer works).
	OwnerPassword string `json:"ownerPassword,omitempty"`
	// OwnerEmail is the first owner's address (--dev-owner-email); not saved.
	OwnerEmail string `json:"-"`
}

// devZone is the zone of a new dev workspace that names none: the
// machine's, unless that is UTC (a container's usual zone) and the
// language has a zone of its own.
func devZone(lang string) string {
	if tz := locale.MachineTimezone(); tz != "UTC" {
		return tz
	}
	return locale.DefaultTimezone(lang)
}

// ensureDefaults creates workspace default and its dev keys.
func (d *DevCmd) ensureDefaults(ctx context.Context, st *store.Store, dir string) (devKeys, error) {
	if _, err := ensureWorkspace(ctx, st, DefaultWorkspace, "Default", d.WorkspaceSettingsFlags, devZone(d.Locale)); err != nil {
		return devKeys{}, err
	}
	path := filepath.Join(dir, "dev-keys.json")
	var keys devKeys
	if raw, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(raw, &keys); err != nil {
			return devKeys{}, fmt.Errorf("read %s: %w (delete it to get new dev keys)", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return devKeys{}, fmt.Errorf("read %s: %w", path, err)
	}
	if d.AdminKey != "" {
		keys.Admin = d.AdminKey
	}
	if d.WriteKey != "" {
		keys.Write = d.WriteKey
	}
	if keys.Admin == "" || keys.Write == "" {
		admin, _, err := st.CreateKey(ctx, DefaultWorkspace, store.RoleAdmin, "dev admin")
		if err != nil {
			return devKeys{}, err
		}
		write, _, err := st.CreateKey(ctx, DefaultWorkspace, store.RoleWrite, "dev write")
		if err != nil {
			return devKeys{}, err
		}
		keys = devKeys{Admin: or(keys.Admin, admin), Write: or(keys.Write, write)}
		raw, _ := json.MarshalIndent(keys, "", "  ")
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			return devKeys{}, fmt.Errorf("save dev keys: %w", err)
		}
	}
	if _, err := st.EnsureKey(ctx, DefaultWorkspace, store.RoleAdmin, "dev admin", keys.Admin); err != nil {
		return devKeys{}, err
	}
	if _, err := st.EnsureKey(ctx, DefaultWorkspace, store.RoleWrite, "dev write", keys.Write); err != nil {
		return devKeys{}, err
	}
	return d.ensureOwner(ctx, st, path, keys)
}

// ensureOwner makes --dev-owner-email an owner of workspace default, with
// a password generated on first start and kept beside the keys.
func (d *DevCmd) ensureOwner(ctx context.Context, st *store.Store, path string, keys devKeys) (devKeys, error) {
	keys.OwnerEmail = people.NormalizeEmail(d.OwnerEmail)
	if keys.OwnerPassword == "" {
		keys.OwnerPassword = rand.Text()
		raw, _ := json.MarshalIndent(keys, "", "  ")
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			return devKeys{}, fmt.Errorf("save the first owner's password: %w", err)
		}
	}
	svc := people.Service{Store: st}
	if _, err := svc.EnsureOwner(ctx, DefaultWorkspace, keys.OwnerEmail, keys.OwnerPassword, d.Locale); err != nil {
		return devKeys{}, err
	}
	return keys, nil
}

// devSecret returns given, or the secret kept in the data dir's file name,
// made of 32 random bytes on first use.
func devSecret(dir, name, given string) (string, error) {
	if given != "" {
		return given, nil
	}
	path := filepath.Join(dir, name)
	if raw, err := os.ReadFile(path); err == nil && len(raw) > 0 {
		return string(raw), nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	secret := rand.Text() + rand.Text()
	if err := os.WriteFile(path, []byte(secret), 0o600); err != nil {
		return "", fmt.Errorf("save %s: %w", name, err)
	}
	return secret, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// step prints a line of progress around a slow start-up step.
func step(out io.Writer, what string, f func() error) error {
	fmt.Fprintf(out, "  %s… ", what)
	start := time.Now()
	if err := f(); err != nil {
		fmt.Fprintln(out, "failed")
		return err
	}
	fmt.Fprintf(out, "ok (%.1fs)\n", time.Since(start).Seconds())
	return nil
}

func printReady(out io.Writer, apiURL string, tsrv *devtemporal.Server, postgres string, keys devKeys) {
	fmt.Fprintf(out, `
Tabiji is ready.
  API               %s
  Temporal Web UI   %s
  Temporal gRPC     %s (namespace %s)
  Postgres          %s
  Workspace         %s
  Admin key         %s
  Write key         %s
  Console           %s/ui/
  Console login     %s
  Console password  %s

Try: curl -s %s/readyz
Press Ctrl+C to stop; journeys, their timers and data are kept in the data dir.
`, apiURL, tsrv.UIURL(), tsrv.FrontendAddress(), tsrv.Namespace(), postgres, DefaultWorkspace, keys.Admin, keys.Write,
		apiURL, keys.OwnerEmail, keys.OwnerPassword, apiURL)
}
