package tests

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/devtemporal"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/worker"
	"github.com/tabiji/tabiji/workflows"
)

// benchStack is the embedded server on a SQLite file (the tabiji dev
// default), Postgres, the journey worker and a baseline worker, in this
// process.
type benchStack struct {
	store   *store.Store
	client  client.Client // Tabiji's: payloads encrypted, as in production
	bare    client.Client // the baseline's: a plain Temporal client
	dbURL   string
	dataDir string
	sends   sendCounter // Send activities completed by the journey worker
	started sync.Map    // workflow ID → time the start call was made
	ran     sync.Map    // baseline workflow ID → time its activity started
	done    atomic.Int64
}

const baselineQueue = "bench-baseline"

// newBenchStack starts the stack; counts, when given, counts the worker's
// statements to Postgres and both clients' calls to Temporal.
func newBenchStack(b testing.TB, counts *roundTrips) *benchStack {
	b.Helper()
	dataDir := b.TempDir()
	srv, err := devtemporal.Start(context.Background(), devtemporal.Options{DataDir: dataDir, FrontendAddress: "127.0.0.1:0",
		UIAddress: devtemporal.UIOff, SearchAttributes: workflows.SearchAttributes()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Stop)
	// The journey's client is tabiji dev's (devtemporal.ConfigureClient:
	// no gzip to a server in the process); the baseline's keeps the SDK's
	// defaults.
	s := benchStackOn(b, srv.FrontendAddress(), srv.Namespace(), counts, devtemporal.ConfigureClient)
	s.dataDir = dataDir
	return s
}

// benchStackOn is benchStack on the Temporal frontend at frontend (the
// embedded server, or the cluster of BenchmarkClusterEntries); configure
// sets the journey client's options as the process under test does.
func benchStackOn(b testing.TB, frontend, namespace string, counts *roundTrips, configure ...func(*client.Options)) *benchStack {
	b.Helper()
	s := &benchStack{dbURL: pgtest.URL(b)}
	ctx := context.Background()
	var err error
	var so store.Options
	if counts != nil {
		so.Tracer = counts
	}
	if s.store, err = store.OpenWith(ctx, s.dbURL, so); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.store.Close)
	opts := client.Options{HostPort: frontend, Namespace: namespace, Logger: sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))}
	if s.bare, err = client.Dial(counts.dialing(opts, "baseline")); err != nil {
		b.Fatal(err)
	}
	if err := workflows.EnsureSearchAttributes(ctx, s.bare, namespace); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.bare.Close)
	for _, c := range configure {
		c(&opts)
	}
	e2eCodec(b).Configure(&opts)
	opts.Interceptors = []interceptor.ClientInterceptor{&s.sends}
	opts = counts.dialing(opts, "journey")
	if s.client, err = client.Dial(opts); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.client.Close)
	if err := s.store.EnsureWorkspace(ctx, "default", "Default"); err != nil {
		b.Fatal(err)
	}
	jw := worker.New(s.client, s.store, taskQueue)
	sends, err := worker.StartAll(worker.NewSendWorkers(s.client, activities.New(s.store), taskQueue, nil))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(sends)
	bw := sdkworker.New(s.bare, baselineQueue, sdkworker.Options{})
	bw.RegisterWorkflow(baselineWorkflow)
	bw.RegisterActivityWithOptions(func(_ context.Context, id string) error {
		s.ran.Store(id, time.Now())
		s.done.Add(1)
		return nil
	}, activity.RegisterOptions{Name: "Noop"})
	for _, w := range []sdkworker.Worker{jw, bw} {
		if err := w.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(w.Stop)
	}
	return s
}

// baselineWorkflow is the simplest Temporal workflow that runs one activity.
func baselineWorkflow(ctx workflow.Context, id string) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second})
	return workflow.ExecuteActivity(ctx, "Noop", id).Get(ctx, nil)
}

// startAll calls start for n IDs from conc goroutines and waits for the calls.
func startAll(b *testing.B, conc, n int, start func(i int) error) {
	b.Helper()
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range conc {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				if err := start(i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func waitFor(b *testing.B, what string, cond func() bool) {
	b.Helper()
	deadline := time.Now().Add(15 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// reportLatency reports the p50 and p99 of the latencies in ms.
func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	if len(lat) == 0 {
		return
	}
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(.50), "p50-ms")
	b.ReportMetric(pct(.99), "p99-ms")
}

// sendJourney is the journey BenchmarkEntries and TestEntryCost enter.
const sendJourney = `{"entry":{"event":"bench"},"nodes":[
	{"id":"hello","kind":"send","channel":"outbox","template":{"body":"hi {{ customer.id }}"},"next":"done"},
	{"id":"done","kind":"exit"}]}`

// BenchmarkEntries compares journey entries (entry → send → exit, entered
// with SignalWithStart as the API does) with the simplest one-activity
// workflow started the same way on the same server: in bursts from 16
// goroutines (throughput, and latency under load: "c16") and paced, each
// entry waiting for the previous one's send (latency with no queue:
// "paced"). Run with a fixed count:
// go test ./tests/ -run '^$' -bench BenchmarkEntries -benchtime 300x
func BenchmarkEntries(b *testing.B) {
	s := newBenchStack(b, nil)
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

func (s *benchStack) baseline(b *testing.B, conc int) {
	run := fmt.Sprintf("b%d_", time.Now().UnixNano())
	s.done.Store(0)
	cpu0 := cpuNow(b, s.dbURL)
	b.ResetTimer()
	startAll(b, max(conc, 1), b.N, func(i int) error {
		id := run + strconv.Itoa(i)
		s.started.Store(id, time.Now())
		_, err := s.bare.SignalWithStartWorkflow(context.Background(), id, workflows.EventSignal, nil, client.StartWorkflowOptions{
			ID: id, TaskQueue: baselineQueue, TypedSearchAttributes: benchAttrs(id),
		}, baselineWorkflow, id)
		for conc == 0 && err == nil && s.done.Load() <= int64(i) {
			time.Sleep(time.Millisecond)
		}
		return err
	})
	waitFor(b, "the baseline activities", func() bool { return s.done.Load() >= int64(b.N) })
	b.StopTimer()
	reportCPU(b, s.dbURL, cpu0, b.N)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "starts/s")
	var lat []time.Duration
	s.ran.Range(func(k, v any) bool {
		if t0, ok := s.started.Load(k); ok && strings.HasPrefix(k.(string), run) {
			lat = append(lat, v.(time.Time).Sub(t0.(time.Time)))
		}
		return true
	})
	reportLatency(b, lat)
}

func (s *benchStack) journeys(b *testing.B, conc int, d journey.Definition) {
	run := fmt.Sprintf("j%d_", time.Now().UnixNano())
	sent0 := s.sends.done.Load()
	cpu0 := cpuNow(b, s.dbURL)
	b.ResetTimer()
	startAll(b, max(conc, 1), b.N, func(i int) error {
		customer := run + strconv.Itoa(i)
		s.started.Store(customer, time.Now())
		_, err := workflows.EnterJourney(context.Background(), s.client, taskQueue, workflows.JourneyInput{
			WorkspaceID: "default", JourneyID: "bench", Version: 1, CustomerID: customer, Definition: d,
			Entry: journey.Event{MessageID: customer, Name: "bench", Timestamp: time.Now()},
		})
		for conc == 0 && err == nil && s.sends.done.Load()-sent0 <= int64(i) {
			time.Sleep(time.Millisecond)
		}
		return err
	})
	waitFor(b, "the journey sends", func() bool { return s.sends.done.Load()-sent0 >= int64(b.N) })
	b.StopTimer()
	reportCPU(b, s.dbURL, cpu0, b.N)
	msgs := s.messages(b, run)
	if len(msgs) != b.N {
		b.Fatalf("%d messages in the outbox, want %d", len(msgs), b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	var lat []time.Duration
	for _, m := range msgs {
		if t0, ok := s.started.Load(m.CustomerID); ok {
			lat = append(lat, m.CreatedAt.Sub(t0.(time.Time)))
		}
	}
	reportLatency(b, lat)
}

// messages lists the outbox rows of this run's customers.
func (s *benchStack) messages(b *testing.B, prefix string) []store.Message {
	var out []store.Message
	var after string
	for {
		page, next, err := s.store.ListMessages(context.Background(), "default", store.MessageFilter{Limit: 500, After: after})
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range page {
			if strings.HasPrefix(m.CustomerID, prefix) {
				out = append(out, m)
			}
		}
		if next == "" {
			return out
		}
		after = next
	}
}

var waitingRuns = flag.Int("waiting-runs", 10000, "how many runs BenchmarkWaitingRuns leaves waiting")

// waitingCost is what BenchmarkWaitingRuns measured. The testing package
// calls a benchmark once with b.N = 1 and again with the -benchtime count:
// the runs are started once, and the second call reports the same numbers.
var waitingCost map[string]float64

// BenchmarkWaitingRuns measures what runs waiting on a one-day timer cost:
// the growth of the Temporal data dir and of this process's RSS (server and
// worker together) per run. It starts -waiting-runs runs whatever b.N is,
// so one `go test -bench` run measures it beside BenchmarkEntries.
func BenchmarkWaitingRuns(b *testing.B) {
	if waitingCost == nil {
		waitingCost = measureWaitingRuns(b, *waitingRuns)
	}
	for unit, v := range waitingCost {
		b.ReportMetric(v, unit)
	}
}

func measureWaitingRuns(b *testing.B, n int) map[string]float64 {
	s := newBenchStack(b, nil)
	d := benchJourney(b, `{"entry":{"event":"bench_wait"},"nodes":[
		{"id":"pause","kind":"wait","duration":"1d","next":"done"},{"id":"done","kind":"exit"}]}`)
	runtime.GC()
	disk0, rss0 := dirSize(b, s.dataDir), rssBytes(b)
	start := time.Now()
	startAll(b, 16, n, func(i int) error {
		_, err := workflows.EnterJourney(context.Background(), s.client, taskQueue, workflows.JourneyInput{
			WorkspaceID: "default", JourneyID: "wait1d", Version: 1, CustomerID: "w" + strconv.Itoa(i), Definition: d,
			Entry: journey.Event{MessageID: "w" + strconv.Itoa(i), Name: "bench_wait"},
		})
		return err
	})
	waitFor(b, "every run to wait on its timer", func() bool {
		c, err := s.client.CountWorkflow(context.Background(), &workflowservice.CountWorkflowExecutionsRequest{
			Query: `TabijiJourney = "wait1d" AND TabijiStep = "pause"`})
		return err == nil && c.GetCount() >= int64(n)
	})
	elapsed := time.Since(start)
	runtime.GC()
	disk, rss := dirSize(b, s.dataDir)-disk0, rssBytes(b)-rss0
	return map[string]float64{
		"runs": float64(n), "entries/s": float64(n) / elapsed.Seconds(),
		"disk-KB/run": float64(disk) / float64(n) / 1024, "rss-KB/run": float64(rss) / float64(n) / 1024,
		"disk-MB": float64(disk) / (1 << 20), "rss-MB": float64(rss) / (1 << 20),
	}
}

func benchJourney(b testing.TB, raw string) journey.Definition {
	d, err := journey.Parse([]byte(raw))
	if err != nil {
		b.Fatal(err)
	}
	return d
}

func benchAttrs(id string) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(workflows.AttrWorkspace.ValueSet("default"), workflows.AttrJourney.ValueSet("baseline"),
		workflows.AttrCustomer.ValueSet(id), workflows.AttrVersion.ValueSet(1), workflows.AttrStep.ValueSet("entry"))
}

func dirSize(b *testing.B, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// rssBytes reads this process's resident set size from /proc.
func rssBytes(b *testing.B) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kb * 1024
		}
	}
	b.Fatal("no VmRSS in /proc/self/status")
	return 0
}
