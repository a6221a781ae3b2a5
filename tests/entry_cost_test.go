package tests

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/workflows"
)

// roundTrips counts the statements a store runs (as its pgx tracer) and the
// calls clients make to Temporal (as a gRPC interceptor), by name.
type roundTrips struct {
	mu  sync.Mutex
	sql map[string]int // statement, first 60 characters of its first line
	rpc map[string]int // client name + " " + method
}

func newRoundTrips() *roundTrips { return &roundTrips{sql: map[string]int{}, rpc: map[string]int{}} }

// TraceQueryStart counts one statement, one round trip.
func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	r.addSQL("", data.SQL)
	return ctx
}

// TraceQueryEnd is the other half of pgx.QueryTracer.
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart counts a batch: one round trip, whatever it holds.
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.addSQL("", batchKey)
	return ctx
}

// TraceBatchQuery counts a statement sent in a batch (no round trip of its own).
func (r *roundTrips) TraceBatchQuery(_ context.Context, _ *pgx.Conn, data pgx.TraceBatchQueryData) {
	r.addSQL(inBatch, data.SQL)
}

// TraceBatchEnd is the end of pgx.BatchTracer.
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

const (
	batchKey = "(a batch)"
	inBatch  = "   in it: "
)

func (r *roundTrips) addSQL(prefix, sql string) {
	line, _, _ := strings.Cut(strings.TrimSpace(sql), "\n")
	r.mu.Lock()
	r.sql[prefix+line[:min(len(line), 60)]]++
	r.mu.Unlock()
}

// dialing adds the call counter of the client named name to opts (nil:
// opts as they are).
func (r *roundTrips) dialing(opts client.Options, name string) client.Options {
	if r == nil {
		return opts
	}
	count := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, o ...grpc.CallOption) error {
		r.mu.Lock()
		r.rpc[name+" "+method[strings.LastIndexByte(method, '/')+1:]]++
		r.mu.Unlock()
		return invoker(ctx, method, req, reply, cc, o...)
	}
	opts.ConnectionOptions.DialOptions = append(slices.Clone(opts.ConnectionOptions.DialOptions), grpc.WithChainUnaryInterceptor(count))
	return opts
}

// take returns the counts so far and starts again from zero.
func (r *roundTrips) take() (sql, rpc map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sql, rpc = r.sql, r.rpc
	r.sql, r.rpc = map[string]int{}, map[string]int{}
	return sql, rpc
}

func total(m map[string]int, prefix string) (n int) {
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

// TestEntryCost counts what one journey entry (entry → send → exit on the
// development outbox, BenchmarkEntries's journey) costs in round trips,
// beside the bare one-activity workflow started the same way: statements
// to Postgres, calls to Temporal, and the events and search-attribute
// upserts of its history. The budgets are what the engine costs today: a
// change that adds a round trip per entry fails here, where a benchmark on
// a busy machine would not notice.
func TestEntryCost(t *testing.T) {
	counts := newRoundTrips()
	s := newBenchStack(t, counts)
	d := benchJourney(t, sendJourney)
	const n = 20
	enter := func(i int) string {
		customer := fmt.Sprintf("cost_%d", i)
		if _, err := workflows.EnterJourney(context.Background(), s.client, taskQueue, workflows.JourneyInput{
			WorkspaceID: "default", JourneyID: "bench", Version: 1, CustomerID: customer, Definition: d,
			Entry: journey.Event{MessageID: customer, Name: "bench", Timestamp: time.Now()},
		}); err != nil {
			t.Fatal(err)
		}
		return customer
	}
	pace(t, "warm-up send", func() int64 { enter(-1); return 1 }, s.sends.done.Load)
	waitRunsClosed(t, s.bare, []string{workflows.RunWorkflowID("default", "bench", "cost_-1", "")})
	counts.take()
	var ids []string
	for i := range n {
		ids = append(ids, workflows.RunWorkflowID("default", "bench", enter(i), ""))
		pace(t, "send "+strconv.Itoa(i), func() int64 { return int64(i) + 2 }, s.sends.done.Load)
	}
	waitRunsClosed(t, s.bare, ids)
	sql, rpc := counts.take()
	var bareIDs []string
	for i := range n {
		id := "cost_b" + strconv.Itoa(i)
		if _, err := s.bare.SignalWithStartWorkflow(context.Background(), id, workflows.EventSignal, nil, client.StartWorkflowOptions{
			ID: id, TaskQueue: baselineQueue, TypedSearchAttributes: benchAttrs(id),
		}, baselineWorkflow, id); err != nil {
			t.Fatal(err)
		}
		bareIDs = append(bareIDs, id)
		pace(t, "baseline activity "+strconv.Itoa(i), func() int64 { return int64(i) + 1 }, s.done.Load)
	}
	waitRunsClosed(t, s.client, bareIDs)
	_, bareRPC := counts.take()
	events := historyCounts(t, s, ids)
	per := func(v int) float64 { return float64(v) / n }
	trips := total(sql, "") - total(sql, inBatch)
	t.Logf("per entry: %.1f round trips to Postgres (%.1f statements), %.1f calls to Temporal (baseline %.1f), history %v",
		per(trips), per(total(sql, "")-total(sql, batchKey)), per(total(rpc, "journey ")), per(total(bareRPC, "baseline ")), events)
	for _, k := range slices.Sorted(maps.Keys(sql)) {
		t.Logf("  %5.2f  %s", per(sql[k]), k)
	}
	for _, k := range slices.Sorted(maps.Keys(rpc)) {
		t.Logf("  %5.2f  %s", per(rpc[k]), k)
	}
	budget := map[string]float64{
		"round trips to Postgres":              per(trips),
		"statements to Postgres":               per(total(sql, "") - total(sql, batchKey)),
		"calls to Temporal":                    per(total(rpc, "journey ")) - per(total(bareRPC, "baseline ")),
		"history events":                       float64(events["events"]) / n,
		"search-attribute upserts":             float64(events[enums.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES.String()]) / n,
		"markers (local activities, versions)": float64(events[enums.EVENT_TYPE_MARKER_RECORDED.String()]) / n,
	}
	for what, most := range entryBudget {
		if got := budget[what]; got > most {
			t.Errorf("%s per entry: %.2f, budget %.2f", what, got, most)
		}
	}
}

// entryBudget is the most each count may be per entry ("calls to
// Temporal" beyond the baseline's).
var entryBudget = map[string]float64{
	"round trips to Postgres":              3,  // Send: its reads, its outbox write; the run report, one statement
	"statements to Postgres":               7,  // Send: the settings' version, the profile, the consent (the settings kept while the version stands); the outbox's lock, erasure check and insert; the report
	"calls to Temporal":                    0,  // the Send of the outbox runs eagerly, as the baseline's activity
	"history events":                       14, // no version marker: the run's shape is in its input
	"search-attribute upserts":             1,  // the last step with the outcome
	"markers (local activities, versions)": 1,  // the run report's local activity
}

// pace waits until done() reaches want().
func pace(t *testing.T, what string, want func() int64, done func() int64) {
	t.Helper()
	w := want()
	deadline := time.Now().Add(time.Minute)
	for done() < w {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for the %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitRunsClosed waits until each run has ended, through c: a client
// whose calls are not the ones being counted.
func waitRunsClosed(t *testing.T, c client.Client, ids []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, id := range ids {
		if err := c.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
			t.Fatalf("run %s: %v", id, err)
		}
	}
}

// historyCounts counts the events of the runs' histories by type ("events": all).
func historyCounts(t *testing.T, s *benchStack, ids []string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, id := range ids {
		it := s.client.GetWorkflowHistory(context.Background(), id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			out[e.GetEventType().String()]++
			out["events"]++
		}
	}
	return out
}
