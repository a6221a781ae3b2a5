// Package cli is the tabiji command: its subcommands, their flags and
// environment variables, and the wiring that starts each process.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/tabiji/tabiji/telemetry"
)

// CLI is the whole command line. Every flag can also be set by the
// environment variable named in its env tag.
type CLI struct {
	LogLevel  string `name:"log-level" env:"TABIJI_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Log level: debug, info, warn or error."`
	LogFormat string `name:"log-format" env:"TABIJI_LOG_FORMAT" default:"text" enum:"text,json" help:"Log format: text or json (one object a line; lines logged under a traced request carry trace_id and span_id)."`

	Dev         DevCmd         `cmd:"" help:"Run everything in one process: embedded Temporal and its Web UI, Postgres, the API and the worker."`
	API         APICmd         `cmd:"" name:"api" help:"Run the HTTP API against an external Temporal and Postgres."`
	Worker      WorkerCmd      `cmd:"" help:"Run the journey worker against an external Temporal and Postgres."`
	Migrate     MigrateCmd     `cmd:"" help:"Apply the database migrations embedded in this binary."`
	Journeys    JourneysCmd    `cmd:"" help:"Manage journeys through the API: apply from a file, list, show, pause, resume, archive, simulate."`
	Templates   TemplatesCmd   `cmd:"" help:"List journey templates and launch one as an active journey."`
	Scoring     ScoringCmd     `cmd:"" help:"Lead scoring through the API: show or apply the rules, show a customer's score."`
	KPIs        KPIsCmd        `cmd:"" name:"kpis" help:"Business KPIs through the API: channels compared, repeat-purchase rate, LTV by cohort, revenue per journey."`
	Profiles    ProfilesCmd    `cmd:"" help:"Import customers from CSV or JSONL, and export a segment's, through the API."`
	Channels    ChannelsCmd    `cmd:"" help:"Show and set the workspace's provider settings per channel (SendGrid, LINE, FCM); secrets are write-only."`
	Privacy     PrivacyCmd     `cmd:"" help:"Retention of events and message history, purposes of use, and records of third-party provision (APPI, GDPR), through the API."`
	Advertising AdvertisingCmd `cmd:"" help:"The advertising-mail policy (特定電子メール法): opt-in before promotional email and SMS, and the sender's identity they carry, through the API."`
	Consent     ConsentCmd     `cmd:"" help:"Record, list, import and export customers' consent with its proof (source, time, evidence), through the API."`
	Audit       AuditCmd       `cmd:"" help:"The audit log of every change made through the API and the console: list it or export it as CSV (owners and admin keys)."`
	Secrets     SecretsCmd     `cmd:"" help:"Set, list and delete the workspace's named secrets, which webhook nodes reference as {{ secrets.NAME }}; values are write-only."`

	Taxonomy   TaxonomyCmd   `cmd:"" help:"Apply or export a workspace's event taxonomy (the design sheet)."`
	Segments   SegmentsCmd   `cmd:"" help:"Apply, list, count and list the members of segments (audiences defined by conditions)."`
	Broadcasts BroadcastsCmd `cmd:"" help:"Create, schedule, watch, pause, resume and cancel broadcasts (one message to a segment)."`
	Bench      BenchCmd      `cmd:"" hidden:"" help:"Development benchmarks (see BENCHMARKS.md)."`
	Quarantine QuarantineCmd `cmd:"" help:"List, replay or drop the events the taxonomy quarantined."`

	Keys       KeysCmd       `cmd:"" help:"Create, list and revoke API keys (in DATABASE_URL directly)."`
	Workspaces WorkspacesCmd `cmd:"" help:"Create and list workspaces (in DATABASE_URL directly)."`
	Users      UsersCmd      `cmd:"" help:"The console's people: invite (through the API), add and reset-password (in DATABASE_URL directly, for a fresh workspace's first owner), list, set-role and remove (through the API with an admin key, else in the database)."`
}

// runContext is what every command's Run receives.
type runContext struct {
	ctx    context.Context
	stdout io.Writer
	stderr io.Writer // progress bars and notes, kept off stdout (which may carry an export)
	log    *slog.Logger
	// sdkLog is for the Temporal SDK, whose routine Info lines ("Started
	// Worker") would bury ours: Warn and above unless debugging.
	sdkLog *slog.Logger
	// tracing is the process's OpenTelemetry tracing (nil: none), set by the
	// commands that serve (api, worker, dev) from the OTEL_* variables.
	tracing *telemetry.Tracing
}

type exitCode int

// Model returns the parsed command-line model, for tools and tests that
// list what the binary reads (flags and environment variables).
func Model() (*kong.Kong, error) {
	var c CLI
	return kong.New(&c, options(io.Discard, io.Discard)...)
}

func options(stdout, stderr io.Writer) []kong.Option {
	return []kong.Option{
		kong.Name("tabiji"),
		kong.Description("Tabiji is a customer-journey engine: every customer's journey is a durable Temporal workflow.\n\nStart with `tabiji dev`: it runs the whole stack on this machine and prints where to find it."),
		kong.Writers(stdout, stderr),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, FlagsLast: true}),
		kong.Exit(func(code int) { panic(exitCode(code)) }),
	}
}

// Run parses args and runs the command they name until ctx ends. Help and
// usage go to stdout and stderr; the returned error is one line for the user.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	var c CLI
	parser, err := kong.New(&c, options(stdout, stderr)...)
	if err != nil {
		return fmt.Errorf("build command line: %w", err)
	}
	defer func() {
		if v := recover(); v != nil {
			code, ok := v.(exitCode)
			if !ok {
				panic(v)
			}
			if code != 0 {
				err = ErrUsage
			}
		}
	}()
	unsetEmptyEnv(parser)
	kctx, err := parser.Parse(args)
	if err != nil {
		parser.Errorf("%s", err)
		var perr *kong.ParseError
		if errors.As(err, &perr) {
			_ = perr.Context.PrintUsage(true)
		}
		return ErrUsage
	}
	sdkLevel := "warn"
	if c.LogLevel == "debug" || c.LogLevel == "error" {
		sdkLevel = c.LogLevel
	}
	return kctx.Run(&runContext{
		ctx: ctx, stdout: stdout, stderr: stderr,
		log:    newLogger(stderr, c.LogLevel, c.LogFormat),
		sdkLog: newLogger(stderr, sdkLevel, c.LogFormat).With("component", "temporal"),
	})
}

// unsetEmptyEnv treats a variable set to "" as unset, so `TEMPORAL_NAMESPACE=`
// in a compose file or a shell keeps the default instead of an empty value.
func unsetEmptyEnv(k *kong.Kong) {
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, f := range n.Flags {
			for _, env := range f.Envs {
				if v, ok := os.LookupEnv(env); ok && v == "" {
					_ = os.Unsetenv(env)
				}
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(k.Model.Node)
}

// ErrUsage is returned after kong has already told the user what is wrong.
var ErrUsage = errors.New("see tabiji --help")

func newLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(strings.ToUpper(level)))
	opts := &slog.HandlerOptions{Level: lv}
	// A record logged with a traced context carries trace_id and span_id.
	if format == "json" {
		return slog.New(telemetry.NewLogHandler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(telemetry.NewLogHandler(slog.NewTextHandler(w, opts)))
}
