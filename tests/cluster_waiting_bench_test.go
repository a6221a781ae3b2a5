package tests

import (
	"context"
	"flag"
	"fmt"
	"runtime/debug"
	"slices"
	"strconv"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/worker"
	"github.com/tabiji/tabiji/workflows"
)

var (
	stickyCache = flag.Int("sticky-cache", 0, "BenchmarkClusterWaitingRuns: the worker's sticky cache size (0: the SDK's default, 10,000)")
	waitingConc = flag.Int("waiting-conc", 64, "BenchmarkClusterWaitingRuns: goroutines entering the runs")
	wakeSample  = flag.Int("wake-sample", 40, "BenchmarkClusterWaitingRuns: runs woken, one at a time, of the coldest and of the warmest")
)

// waitingWaker is the event that ends a waiting run's wait_for early.
const waitingWaker = "bench_wake"

// clusterWaitingCost is what BenchmarkClusterWaitingRuns measured, kept
// for the benchmark's second call (as waitingCost).
var clusterWaitingCost map[string]float64

// BenchmarkClusterWaitingRuns leaves -waiting-runs runs waiting on a
// one-day timer (a wait_for that an event ends early) on the cluster and
// reports what each costs: Postgres bytes of Temporal's two databases, and
// the RSS of this process (the journey worker and the test, no server),
// with the worker's sticky cache at -sticky-cache runs. Then it wakes
// -wake-sample of the first runs entered (evicted when the cache is smaller
// than the runs: each replays its history) and as many of the last (still
// cached), one at a time, and reports the p50 from the signal to the run's
// end of each: what a replay costs when a cold run wakes. The entry rate
// (entries/s) runs from the first start call until every run has started
// its timer (counted in the worker, see waitingStack) and visibility lists
// it; started/s is the start calls alone, which Temporal accepts faster
// than a loaded worker brings the runs to their wait.
//
// TABIJI_BENCH_SHARDS sets the cluster's history shards (8 by default):
// with a few thousand runs, the entry rate and Postgres a run at each count.
//
//	go test ./tests/ -run '^$' -bench BenchmarkClusterWaitingRuns -waiting-runs 20000 -sticky-cache 1000 -timeout 90m
//	TABIJI_BENCH_SHARDS=16 go test ./tests/ -run '^$' -bench BenchmarkClusterWaitingRuns -waiting-runs 10000 -sticky-cache 1000 -timeout 60m
func BenchmarkClusterWaitingRuns(b *testing.B) {
	if clusterWaitingCost == nil {
		clusterWaitingCost = measureClusterWaitingRuns(b, *waitingRuns)
	}
	for unit, v := range clusterWaitingCost {
		b.ReportMetric(v, unit)
	}
}

func measureClusterWaitingRuns(b *testing.B, n int) map[string]float64 {
	cache := worker.DefaultStickyCacheSize
	if *stickyCache > 0 {
		cache = *stickyCache
	}
	if err := worker.SetStickyCacheSize(cache); err != nil { // before waitingStackOn creates the worker
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = worker.SetStickyCacheSize(worker.DefaultStickyCacheSize) })
	tc := startTemporalCluster(b)
	s := waitingStackOn(b, tc.frontend)
	d := benchJourney(b, `{"entry":{"event":"bench_wait"},"nodes":[
		{"id":"pause","kind":"wait_for","events":[{"event":"`+waitingWaker+`","next":"done"}],"timeout":"1d","on_timeout":"done"},
		{"id":"done","kind":"exit"}]}`)
	debug.FreeOSMemory()
	hist0, vis0, rss0 := databaseSize(b, tc.dbs["temporal"]), databaseSize(b, tc.dbs["visibility"]), rssBytes(b)
	start := time.Now()
	startAll(b, *waitingConc, n, func(i int) error {
		if i > 0 && i%10_000 == 0 {
			b.Logf("%d runs started after %s, %d at their wait", i, time.Since(start).Round(time.Second), s.waits.n.Load())
		}
		_, err := workflows.EnterJourney(context.Background(), s.client, taskQueue, workflows.JourneyInput{
			WorkspaceID: "default", JourneyID: "wait1d", Version: 1, CustomerID: waitingCustomer(i), Definition: d,
			Entry: journey.Event{MessageID: waitingCustomer(i), Name: "bench_wait"},
		})
		return err
	})
	started := time.Since(start)
	s.untilWaiting(b, n)
	elapsed := time.Since(start)
	b.Logf("%d runs started in %s, all at their wait after %s", n, started.Round(time.Second), elapsed.Round(time.Second))
	debug.FreeOSMemory()
	hist, vis := databaseSize(b, tc.dbs["temporal"])-hist0, databaseSize(b, tc.dbs["visibility"])-vis0
	rss := rssBytes(b) - rss0
	cached := min(n, cache)
	k := min(*wakeSample, n/2)
	cold, warm := wakeRuns(b, s.client, 0, k), wakeRuns(b, s.client, n-k, n)
	return map[string]float64{
		"runs": float64(n), "cache": float64(cache), "shards": float64(tc.shards),
		"pg-MB-empty": float64(hist0+vis0) / (1 << 20), "started/s": float64(n) / started.Seconds(), "entries/s": float64(n) / elapsed.Seconds(),
		"pg-KB/run": float64(hist+vis) / float64(n) / 1024, "pg-visibility-KB/run": float64(vis) / float64(n) / 1024,
		"worker-MB": float64(rss) / (1 << 20), "worker-MB/1k-cached": float64(rss) / float64(cached) * 1000 / (1 << 20),
		"wake-cold-p50-ms": cold, "wake-warm-p50-ms": warm,
	}
}

// untilWaiting waits for every run to have started its timer (the worker
// has run the task that brought it to its wait) and for visibility to list
// every run.
func (s *waitingStack) untilWaiting(b *testing.B, n int) {
	b.Helper()
	untilAll(b, "every run to wait on its timer", time.Hour, func() (bool, string) {
		waiting := s.waits.n.Load()
		if waiting < int64(n) {
			return false, fmt.Sprintf("%d of %d at their wait", waiting, n)
		}
		c, err := s.client.CountWorkflow(context.Background(), &workflowservice.CountWorkflowExecutionsRequest{
			Query: `TabijiJourney = "wait1d" AND TabijiStep = "pause"`})
		if err != nil {
			return false, fmt.Sprintf("count the runs: %v", err)
		}
		return c.GetCount() >= int64(n), fmt.Sprintf("all at their wait, %d of %d in visibility", c.GetCount(), n)
	})
}

func waitingCustomer(i int) string { return "w" + strconv.Itoa(i) }

// wakeRuns ends the waiting runs of customers from to to-1, one at a time, with
// the event their wait_for takes, and returns the p50 in ms from the signal
// to the run's end.
func wakeRuns(b *testing.B, c client.Client, from, to int) float64 {
	ctx := context.Background()
	var lat []time.Duration
	for i := from; i < to; i++ {
		id := workflows.RunWorkflowID("default", "wait1d", waitingCustomer(i), "")
		t0 := time.Now()
		if ok, err := workflows.SignalEvent(ctx, c, id, journey.Event{MessageID: "wake" + strconv.Itoa(i), Name: waitingWaker, Timestamp: t0}); err != nil || !ok {
			b.Fatalf("wake %s: %v (found: %v)", id, err, ok)
		}
		if err := c.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
			b.Fatalf("run %s: %v", id, err)
		}
		lat = append(lat, time.Since(t0))
	}
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	return float64(lat[len(lat)/2].Microseconds()) / 1000
}
