package tests

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/workflows"
)

// BenchmarkCluster is issue 17's cluster scenario, full form: 1,000
// customers (TABIJI_BENCH_CUSTOMERS) enter cart abandonment through two
// APIs while a newsletter goes to 10,000 (TABIJI_BENCH_AUDIENCE), with a
// worker, an API and a history host killed half way; it checks exactly one
// reminder and one newsletter each, and reports the messages a second from
// scheduling the newsletter to the last message. Run it once:
//
//	go test ./tests/ -run '^$' -bench BenchmarkCluster$ -benchtime 1x -timeout 30m
func BenchmarkCluster(b *testing.B) {
	load := clusterLoad{customers: envInt(b, "TABIJI_BENCH_CUSTOMERS", 1000), audience: envInt(b, "TABIJI_BENCH_AUDIENCE", 10_000),
		wait: "30s", within: 20 * time.Minute}
	for range b.N {
		s, elapsed := runClusterScenario(b, load)
		b.ReportMetric(float64(load.customers+load.audience)/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(elapsed.Seconds(), "s")
		tc := s.p.client()
		var cart billable
		for i := range 20 {
			cart.add(billableActions(b, tc, workflows.RunWorkflowID("default", "cart_abandonment", clusterCustomer(i), "")))
		}
		bc := billableActions(b, tc, workflows.BroadcastWorkflowID("default", "winter"))
		b.ReportMetric(float64(cart.total())/20, "cart-actions/run")
		b.ReportMetric(float64(bc.total())/float64(load.audience), "newsletter-actions/recipient")
		for unit, n := range map[string]int{"cart-signals/run": cart.Signals, "cart-activities/run": cart.Activities,
			"cart-timers/run": cart.Timers, "cart-marker-tasks/run": cart.MarkerTasks, "cart-upserts/run": cart.Upserts} {
			b.ReportMetric(float64(n)/20, unit)
		}
	}
}

// BenchmarkClusterEntries is BenchmarkEntries on the cluster: journey
// entries against the bare one-activity workflow started the same way, both
// workers in this process, Temporal the five server processes on Postgres.
//
//	go test ./tests/ -run '^$' -bench BenchmarkClusterEntries -benchtime 300x -timeout 30m
func BenchmarkClusterEntries(b *testing.B) {
	tc := startTemporalCluster(b)
	s := benchStackOn(b, tc.frontend, "default", nil)
	d := benchJourney(b, sendJourney)
	for _, conc := range []int{16, 0} {
		name := fmt.Sprintf("c%d", conc)
		if conc == 0 {
			name = "paced"
		}
		b.Run("Baseline/"+name, func(b *testing.B) { s.baseline(b, conc) })
		b.Run("Journey/"+name, func(b *testing.B) { s.journeys(b, conc, d) })
	}
}

// databaseSize is pg_database_size of one of Temporal's databases.
func databaseSize(b *testing.B, name string) int64 {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv(pgtest.EnvURL))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CHECKPOINT"); err != nil {
		b.Fatal(err)
	}
	var size int64
	if err := conn.QueryRow(ctx, "SELECT pg_database_size($1)", name).Scan(&size); err != nil {
		b.Fatal(err)
	}
	return size
}

// BenchmarkClusterIngestion measures /v1/batch (100 track events a call,
// the taxonomy on, an active journey the events do not use) through one
// `tabiji api` process and through two, against COPY of the same rows into
// the same table, in alternation. Each round posts 20 batches from four
// goroutines to one API, 20 from four goroutines split over both, and
// COPYs 20 batches of 100 rows on one connection.
//
//	go test ./tests/ -run '^$' -bench BenchmarkClusterIngestion -benchtime 20x -timeout 30m
func BenchmarkClusterIngestion(b *testing.B) {
	tc := startTemporalCluster(b)
	p := productionOn(b, tc.frontend)
	_, one := p.api()
	_, two := p.api()
	e := &ingestBench{url: one.url, dbURL: p.dbURL, write: p.write, adminKey: p.admin,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	for _, call := range [][3]string{
		{"POST", "/v1/journeys", `{"id":"unused","name":"Unused","definition":{"entry":{"event":"never_sent"},"nodes":[{"id":"x","kind":"exit"}]}}`},
		{"POST", "/v1/journeys/unused/activate", ""},
		{"PUT", "/v1/taxonomy", taxonomySheet},
	} {
		e.admin(b, call[0], call[1], call[2])
	}
	conn, err := pgx.Connect(context.Background(), p.dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	const perRound = 20
	var oneTook, twoTook, copyTook time.Duration
	b.ResetTimer()
	for range b.N {
		oneTook += postRound(b, e, []string{one.url}, perRound)
		twoTook += postRound(b, e, []string{one.url, two.url}, perRound)
		rows := make([][][]any, perRound)
		for i := range rows {
			rows[i] = e.copyRows(100)
		}
		start := time.Now()
		for _, r := range rows {
			e.copy(b, conn, r)
		}
		copyTook += time.Since(start)
	}
	events := float64(b.N * perRound * 100)
	b.ReportMetric(events/oneTook.Seconds(), "one-api-events/s")
	b.ReportMetric(events/twoTook.Seconds(), "two-apis-events/s")
	b.ReportMetric(events/copyTook.Seconds(), "copy-events/s")
	b.ReportMetric(copyTook.Seconds()/twoTook.Seconds(), "two/copy")
	b.ReportMetric(copyTook.Seconds()/oneTook.Seconds(), "one/copy")
}

// postRound posts n batches of 100 events from four goroutines, spread
// over the APIs, and says how long they took.
func postRound(b *testing.B, e *ingestBench, apis []string, n int) time.Duration {
	bodies := make([]string, n)
	for i := range bodies {
		bodies[i] = e.batch(100)
	}
	var next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				postBatch(b, e, apis[(g+i)%len(apis)], bodies[i])
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

func postBatch(b *testing.B, e *ingestBench, url, body string) {
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/batch", strings.NewReader(body))
	req.SetBasicAuth(e.write, "")
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("POST /v1/batch = %d", resp.StatusCode)
	}
}
