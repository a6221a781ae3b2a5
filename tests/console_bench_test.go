package tests

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/devtemporal"
	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// benchedPages are the pages measured: the console's, and the dashboard's
// API. Paths are against the seeded data (November 2026; customer
// c0000042 has runs, messages and events).
var benchedPages = []struct{ name, path string }{
	{"HomeLast30Days", "/ui/"},
	{"HomeMonth", "/ui/?from=2026-11-01&to=2026-11-30"},
	{"HomeCSVMonth", "/ui/home.csv?from=2026-11-01&to=2026-11-30"},
	{"MonthlyReport", "/ui/report?month=2026-11"},
	{"Journeys", "/ui/journeys"},
	{"TemplateGallery", "/ui/templates"},
	{"Template", "/ui/templates/cart-abandonment"},
	{"Journey", "/ui/journeys/cart"},
	{"CustomersByEmail", "/ui/customers?q=C42%40example.jp"},
	{"CustomersByPhone", "/ui/customers?q=090-0000-0042"},
	{"CustomersByID", "/ui/customers?q=c0000042"},
	{"Customer", "/ui/customers/c0000042"},
	{"Settings", "/ui/settings"},
	{"LINE", "/ui/line"},
	{"People", "/ui/settings/people"},
	{"Approvals", "/ui/approvals"},
	{"Audit", "/ui/audit"},
	{"JourneyCanvasNew", "/ui/journeys/new"},
	{"JourneyCanvas", "/ui/journeys/cart/edit"},
	{"Segments", "/ui/segments"},
	{"SegmentBuilderNew", "/ui/segments/new"},
	{"Broadcasts", "/ui/broadcasts"},
	{"BroadcastNew", "/ui/broadcasts/new"},
	{"MessageTemplates", "/ui/message-templates"},
	{"MessageTemplateNew", "/ui/message-templates/new"},
	{"Taxonomy", "/ui/data/taxonomy"},
	{"Quarantine", "/ui/data/quarantine"},
	{"Debugger", "/ui/data/debugger"},
	{"APIDashboardMonth", "/v1/kpis/dashboard?from=2026-11-01&to=2026-12-01&tz=Asia/Tokyo"},
}

// BenchmarkConsolePages times each console page's server time (the real
// API handler, called in process, with a real console session) over a
// workspace of 1,000,000 profiles and 1,000,000 journey runs in a month,
// reporting p50 and p95 in milliseconds, and the CPU time a request costs
// this process and Postgres (reportCPU: what load from other programs
// inflates least). TABIJI_BENCH_PROFILES and
// TABIJI_BENCH_RUNS change the sizes. TABIJI_BENCH_DATABASE_URL names a
// database to seed and keep (migrated first; seeded only while it has no
// journey runs), so a second run, or EXPLAIN by hand, skips the seeding. Run with
//
//	go test ./tests/ -run '^$' -bench BenchmarkConsolePages -benchtime 50x -timeout 60m
func BenchmarkConsolePages(b *testing.B) {
	profiles, runs := benchSize("TABIJI_BENCH_PROFILES", 1_000_000), benchSize("TABIJI_BENCH_RUNS", 1_000_000)
	h, admin, db := consoleBenchServer(b)
	seedConsole(b, h.store, db, profiles, runs)
	cookie := consoleLogin(b, h.handler, consoleOwner(b, h.store))
	for _, p := range benchedPages {
		b.Run(p.name, func(b *testing.B) {
			auth := func(r *http.Request) { r.Header.Set("Cookie", cookie) }
			if strings.HasPrefix(p.path, "/v1/") {
				auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+admin) }
			}
			var took []time.Duration
			cpu0 := cpuNow(b, h.dbURL)
			for b.Loop() {
				r := httptest.NewRequest(http.MethodGet, p.path, nil)
				r.Header.Set("Accept-Language", "ja")
				auth(r)
				w := httptest.NewRecorder()
				start := time.Now()
				h.handler.ServeHTTP(w, r)
				took = append(took, time.Since(start))
				if w.Code != http.StatusOK {
					b.Fatalf("GET %s: %d %s", p.path, w.Code, w.Body.String())
				}
			}
			reportPercentiles(b, took)
			reportCPU(b, h.dbURL, cpu0, len(took))
		})
	}
}

// reportPercentiles reports p50 and p95 of took in milliseconds.
func reportPercentiles(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	at := func(q float64) float64 {
		return float64(took[int(q*float64(len(took)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
}

func benchSize(env string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(env)); err == nil && v > 0 {
		return v
	}
	return def
}

type consoleBench struct {
	store   *store.Store
	handler http.Handler
	dbURL   string
}

// consoleBenchServer starts Postgres, the embedded Temporal server (the
// customer page lists runs from its visibility) and the API handler, and
// makes an admin key.
func consoleBenchServer(b *testing.B) (consoleBench, string, *pgxpool.Pool) {
	b.Helper()
	ctx := context.Background()
	dbURL := os.Getenv("TABIJI_BENCH_DATABASE_URL")
	if dbURL == "" {
		dbURL = pgtest.URL(b)
	} else if _, err := store.Migrate(ctx, dbURL, io.Discard); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(st.Close)
	db, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	srv, err := devtemporal.Start(ctx, devtemporal.Options{DataDir: b.TempDir(), FrontendAddress: "127.0.0.1:0",
		UIAddress: devtemporal.UIOff, SearchAttributes: workflows.SearchAttributes()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Stop)
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	opts := client.Options{HostPort: srv.FrontendAddress(), Namespace: srv.Namespace(), Logger: sdklog.NewStructuredLogger(quiet)}
	codec := e2eCodec(b)
	codec.Configure(&opts)
	tc, err := client.Dial(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(tc.Close)
	if err := st.EnsureWorkspace(ctx, "default", "Default"); err != nil {
		b.Fatal(err)
	}
	admin, _, err := st.CreateKey(ctx, "default", store.RoleAdmin, "bench admin")
	if err != nil {
		b.Fatal(err)
	}
	h := api.NewServer(api.Deps{Store: st, Temporal: tc, Namespace: srv.Namespace(), TaskQueue: taskQueue,
		WebUIURL: "http://ui.test", PayloadCodec: codec, Logger: quiet})
	return consoleBench{store: st, handler: h, dbURL: dbURL}, admin, db
}

// consoleOwner makes (or, in a kept database, finds) an owner of the
// workspace with e2ePassword and returns their address.
func consoleOwner(b *testing.B, st *store.Store) string {
	b.Helper()
	ctx := context.Background()
	const email = "owner@example.jp"
	p, err := st.PersonByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		hash, herr := cheapHashes.Hash(e2ePassword)
		if herr != nil {
			b.Fatal(herr)
		}
		p, err = st.CreatePerson(ctx, email, hash, "")
	}
	if err != nil {
		b.Fatal(err)
	}
	if err := st.AddMember(ctx, "default", p.ID, string(people.Owner)); err != nil {
		b.Fatal(err)
	}
	return email
}

// consoleLogin logs in as the console's login form does and returns the
// session cookie.
func consoleLogin(b *testing.B, h http.Handler, email string) string {
	b.Helper()
	form := url.Values{"email": {email}, "password": {e2ePassword}, "next": {"/ui/"}}
	r := httptest.NewRequest(http.MethodPost, "/ui/login", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		b.Fatalf("log in: %d %s", w.Code, w.Body.String())
	}
	for _, c := range w.Result().Cookies() {
		if strings.HasSuffix(c.Name, "tabiji_session") && c.Value != "" {
			return c.Name + "=" + c.Value
		}
	}
	b.Fatal("log in: no session cookie")
	return ""
}
