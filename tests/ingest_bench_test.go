package tests

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/localpg"
	"github.com/tabiji/tabiji/store"
)

// ingestBench is the API on a Postgres cluster with fsync on (not the
// tests' ephemeral one), a taxonomy that checks every event, and an active
// journey that the events do not use (so routing looks them up, and no
// Temporal call is due).
type ingestBench struct {
	url, dbURL, write, adminKey string
	client                      *http.Client
	seq                         atomic.Int64
	name                        string // the event sent: Order Completed when empty
}

// taxonomySheet defines the benchmark's event with typed, required,
// formatted properties, and rejects unknown events.
const taxonomySheet = `{"unknownEvents":"reject","events":[{"name":"Order Completed","properties":` + orderProperties +
	`},{"name":"purchase","properties":` + orderProperties + `}]}`

// orderProperties are the properties of the benchmark's event.
const orderProperties = `[
	{"name":"orderId","type":"string","required":true},
	{"name":"revenue","type":"number","required":true},
	{"name":"currency","type":"string","format":"currency"},
	{"name":"coupon","type":"string"},
	{"name":"products","type":"array"}]`

func newIngestBench(b *testing.B) *ingestBench {
	b.Helper()
	ctx := context.Background()
	cluster, err := localpg.Start(ctx, localpg.Options{DataDir: b.TempDir()}) // fsync on
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cluster.Stop() })
	if _, err := store.Migrate(ctx, cluster.URL(), &bytes.Buffer{}); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, cluster.URL())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(st.Close)
	if err := st.EnsureWorkspace(ctx, "default", "Default"); err != nil {
		b.Fatal(err)
	}
	admin, _, err := st.CreateKey(ctx, "default", store.RoleAdmin, "bench")
	if err != nil {
		b.Fatal(err)
	}
	write, _, err := st.CreateKey(ctx, "default", store.RoleWrite, "bench")
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: st}))
	b.Cleanup(srv.Close)
	trimRecentCalls(b, st)
	e := &ingestBench{url: srv.URL, dbURL: cluster.URL(), write: write, adminKey: admin,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	for _, call := range [][3]string{
		{"POST", "/v1/journeys", `{"id":"unused","name":"Unused","definition":{"entry":{"event":"never_sent"},"nodes":[{"id":"x","kind":"exit"}]}}`},
		{"POST", "/v1/journeys/unused/activate", ""},
		{"PUT", "/v1/taxonomy", taxonomySheet},
	} {
		req, _ := http.NewRequest(call[0], srv.URL+call[1], strings.NewReader(call[2]))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json")
		if resp, err := e.client.Do(req); err != nil || resp.StatusCode >= 300 {
			b.Fatalf("%s %s: %v %v", call[0], call[1], resp, err)
		}
	}
	return e
}

// trimRecentCalls trims the event debugger's calls every 5 s while the
// benchmark runs, as the API's sweeper does (routing.Sweeper).
func trimRecentCalls(b *testing.B, st *store.Store) {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	b.Cleanup(func() { stop(); <-done })
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if _, err := st.TrimRecentCalls(ctx, time.Now()); err != nil && ctx.Err() == nil {
					b.Error(err)
				}
			}
		}
	}()
}

// event is one realistic track call of about 450 bytes, for one of 10,000 customers.
func (e *ingestBench) event() string {
	n := e.seq.Add(1)
	return fmt.Sprintf(`{"type":"track","userId":"u_%d","event":"`+cmp.Or(e.name, "Order Completed")+`","messageId":"bench-%d",`+
		`"timestamp":"2026-11-23T10:00:00.000Z","sentAt":"2026-11-23T10:00:00.120Z",`+
		`"properties":{"orderId":"o_%d","revenue":4980,"currency":"JPY","coupon":"FREESHIP",`+
		`"products":[{"sku":"TEA-01","name":"Sencha","price":2490,"quantity":2}]},`+
		`"context":{"library":{"name":"analytics-go","version":"3.3.0"},"ip":"203.0.113.7"},"integrations":{"All":true}}`,
		n%10000, n, n)
}

func (e *ingestBench) post(b *testing.B, path, body string) {
	req, _ := http.NewRequest(http.MethodPost, e.url+path, strings.NewReader(body))
	req.SetBasicAuth(e.write, "")
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("POST %s = %d", path, resp.StatusCode)
	}
}

func (e *ingestBench) batch(n int) string {
	calls := make([]string, n)
	for i := range calls {
		calls[i] = e.event()
	}
	return `{"batch":[` + strings.Join(calls, ",") + `]}`
}

// BenchmarkIngestion measures /v1/batch (100 events a call) and single
// /v1/track calls through the real handler into Postgres with the taxonomy
// on, and COPY of the same rows into the same table, apart and then in
// alternation (Batch100VersusCOPY100: the ratio to quote). Run it with
//
//	go test ./tests/ -run '^$' -bench BenchmarkIngestion -benchtime 3s
func BenchmarkIngestion(b *testing.B) {
	e := newIngestBench(b)
	for _, clients := range []int{1, 4} {
		b.Run(fmt.Sprintf("Batch100/clients=%d", clients), func(b *testing.B) {
			bodies := make([]string, b.N)
			for i := range bodies {
				bodies[i] = e.batch(100)
			}
			var next atomic.Int64
			b.SetParallelism(clients) // × GOMAXPROCS goroutines
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					e.post(b, "/v1/batch", bodies[next.Add(1)-1])
				}
			})
			b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
		})
	}
	b.Run("IdentifyBatch100", func(b *testing.B) {
		bodies := make([]string, b.N)
		for i := range bodies {
			calls := make([]string, 100)
			for j := range calls {
				n := e.seq.Add(1)
				calls[j] = fmt.Sprintf(`{"type":"identify","userId":"u_%d","messageId":"bench-%d",`+
					`"traits":{"email":"u%d@example.jp","plan":"pro","visits":%d},"context":{"timezone":"Asia/Tokyo","locale":"ja-JP"}}`,
					n%10000, n, n%10000, n)
			}
			bodies[i] = `{"batch":[` + strings.Join(calls, ",") + `]}`
		}
		b.ResetTimer()
		for i := range b.N {
			e.post(b, "/v1/batch", bodies[i])
		}
		b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("Track", func(b *testing.B) {
		bodies := make([]string, b.N)
		for i := range bodies {
			bodies[i] = e.event()
		}
		took := make([]time.Duration, b.N)
		b.ResetTimer()
		for i := range b.N {
			start := time.Now()
			e.post(b, "/v1/track", bodies[i])
			took[i] = time.Since(start)
		}
		slices.Sort(took)
		b.ReportMetric(float64(took[b.N/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(took[b.N*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("COPY100", func(b *testing.B) { e.copyBaseline(b, 100) })
	b.Run("Batch100VersusCOPY100", e.versusCOPY)
	// The same with purchase events, which ingestion also counts for the
	// dashboard (store.insertPurchasesSQL): every call reads its customers'
	// purchases and updates the purchase counters, all at one quarter hour.
	b.Run("PurchasesVersusCOPY100", func(b *testing.B) {
		e.name = store.CountedPurchaseEvent
		defer func() { e.name = "" }()
		e.versusCOPY(b)
	})
}

// copyBaseline COPYs b.N batches of n rows like those ingestion stores
// into events, on one connection.
func (e *ingestBench) copyBaseline(b *testing.B, n int) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, e.dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	batches := make([][][]any, b.N)
	for i := range batches {
		batches[i] = e.copyRows(n)
	}
	b.ResetTimer()
	for i := range b.N {
		e.copy(b, conn, batches[i])
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
}

var copyColumns = []string{"workspace_id", "message_id", "type", "user_id", "anonymous_id", "event", "properties", "traits",
	"context", "group_id", "previous_id", "timestamp", "received_at"}

// copyRows makes n rows like those ingestion stores, for COPY.
func (e *ingestBench) copyRows(n int) [][]any {
	props := `{"orderId":"o_1","revenue":4980,"currency":"JPY","coupon":"FREESHIP","products":[{"sku":"TEA-01","name":"Sencha","price":2490,"quantity":2}]}`
	evCtx := `{"library":{"name":"analytics-go","version":"3.3.0"},"ip":"203.0.113.7"}`
	rows := make([][]any, 0, n)
	for range n {
		s := e.seq.Add(1)
		rows = append(rows, []any{"default", fmt.Sprintf("copy-%d", s), "track", fmt.Sprintf("u_%d", s%10000), "",
			"Order Completed", props, "{}", evCtx, "", "", time.Now(), time.Now()})
	}
	return rows
}

func (e *ingestBench) copy(b *testing.B, conn *pgx.Conn, rows [][]any) {
	if _, err := conn.CopyFrom(context.Background(), pgx.Identifier{"events"}, copyColumns, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
}

// versusCOPY measures /v1/batch and COPY in alternation, so that the
// load of other work on the machine weighs on both alike. Each b.N round
// posts 20 batches of 100 track events from two goroutines (as
// Batch100/clients=1 does with GOMAXPROCS 2), then COPYs 20 batches of 100
// rows on one connection. It reports both rates and batch's share of COPY's.
func (e *ingestBench) versusCOPY(b *testing.B) {
	const perRound = 20
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, e.dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	type round struct {
		bodies []string
		rows   [][][]any
	}
	rounds := make([]round, b.N)
	for i := range rounds {
		for range perRound {
			rounds[i].bodies = append(rounds[i].bodies, e.batch(100))
			rounds[i].rows = append(rounds[i].rows, e.copyRows(100))
		}
	}
	var batchTook, copyTook time.Duration
	b.ResetTimer()
	for _, r := range rounds {
		start := time.Now()
		var wg sync.WaitGroup
		for g := range 2 {
			wg.Go(func() {
				for i := g; i < perRound; i += 2 {
					e.post(b, "/v1/batch", r.bodies[i])
				}
			})
		}
		wg.Wait()
		batchTook += time.Since(start)
		start = time.Now()
		for _, rows := range r.rows {
			e.copy(b, conn, rows)
		}
		copyTook += time.Since(start)
	}
	events := float64(b.N * perRound * 100)
	b.ReportMetric(events/batchTook.Seconds(), "batch-events/s")
	b.ReportMetric(events/copyTook.Seconds(), "copy-events/s")
	b.ReportMetric(copyTook.Seconds()/batchTook.Seconds(), "batch/copy")
}

// BenchmarkIngestionSegmentJourney measures what segment-triggered
// journeys cost ingestion: /v1/batch of 100 track events with no such
// journey; with one on a trait segment (the events cannot move it: no
// query at all); and with one more on a segment over the very events sent
// (every call re-evaluates it for its customers: one membership query and
// one tracked-members query). Nobody joins, so no Temporal call is due.
// Run it with
//
//	go test ./tests/ -run '^$' -bench BenchmarkIngestionSegmentJourney -benchtime 3s
func BenchmarkIngestionSegmentJourney(b *testing.B) {
	e := newIngestBench(b)
	st, err := store.Open(context.Background(), e.dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	batch100 := func(b *testing.B) {
		bodies := make([]string, b.N)
		for i := range bodies {
			bodies[i] = e.batch(100)
		}
		var next atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				e.post(b, "/v1/batch", bodies[next.Add(1)-1])
			}
		})
		b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
	}
	segmentJourney := func(id, condition string) {
		e.admin(b, "POST", "/v1/segments", `{"id":"`+id+`","name":"`+id+`","definition":{"condition":`+condition+`}}`)
		e.admin(b, "POST", "/v1/journeys", `{"id":"`+id+`","name":"`+id+`","definition":{"entry":{"segment":"`+id+`"},"nodes":[{"id":"x","kind":"exit"}]}}`)
		if err := st.MarkSegmentBaselined(context.Background(), "default", id, time.Now()); err != nil {
			b.Fatal(err)
		}
		e.admin(b, "POST", "/v1/journeys/"+id+"/activate", "") // drops the API's caches
	}
	b.Run("Batch100/NoSegmentJourney", batch100)
	segmentJourney("gold", `{"trait":{"name":"plan","op":"eq","value":"gold"}}`)
	b.Run("Batch100/SegmentNotMovedByTheEvents", batch100)
	segmentJourney("big_spender", `{"event":{"name":"Order Completed","sum":{"property":"revenue","op":"gte","value":1e12}}}`)
	b.Run("Batch100/SegmentMovedByTheEvents", batch100)
}

func (e *ingestBench) admin(b *testing.B, method, path, body string) {
	b.Helper()
	req, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.adminKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err != nil || resp.StatusCode >= 300 {
		b.Fatalf("%s %s: %v %v", method, path, resp, err)
	}
	resp.Body.Close()
}
