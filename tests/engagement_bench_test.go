package tests

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/clicks"
	"github.com/tabiji/tabiji/store"
)

// engagementBench is the ingestion benchmark's API and Postgres (fsync
// on) with the signed webhooks and the click redirect on, and benchMessages
// messages sent to its customers, each customer with a LINE user ID.
type engagementBench struct {
	*ingestBench
	hooks  string // the API with webhooks and the redirect on
	sgKey  *ecdsa.PrivateKey
	signer *clicks.Signer
}

const benchMessages = 2000

func newEngagementBench(b *testing.B) *engagementBench {
	b.Helper()
	e := &engagementBench{ingestBench: newIngestBench(b)}
	ctx := context.Background()
	st, err := store.Open(ctx, e.dbURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(st.Close)
	if e.sgKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		b.Fatal(err)
	}
	if e.signer, err = clicks.NewSigner(e2eSecretsKey); err != nil {
		b.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&e.sgKey.PublicKey)
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: st, SendGridWebhookPublicKey: base64.StdEncoding.EncodeToString(der),
		LineChannelSecret: e2eLineSecret, Clicks: e.signer}))
	b.Cleanup(srv.Close)
	e.hooks = srv.URL
	calls := make([]string, 0, benchMessages)
	for i := range benchMessages {
		calls = append(calls, fmt.Sprintf(`{"type":"identify","userId":"u_%d","messageId":"seed-%d","traits":{"email":"u%d@example.jp","lineUserId":"%s"}}`,
			i, i, i, benchLineUser(i)))
	}
	for chunk := range slices.Chunk(calls, 100) {
		e.post(b, "/v1/batch", `{"batch":[`+strings.Join(chunk, ",")+`]}`)
	}
	for i := range benchMessages { // a broadcast's messages: no run to signal
		if _, _, err := st.RecordMessage(ctx, store.Message{ID: benchMessageID(i), WorkspaceID: "default", CustomerID: fmt.Sprintf("u_%d", i),
			WorkflowID: "ws_default/bc_bench", Channel: "email", Subject: "News", Status: "sent"}); err != nil {
			b.Fatal(err)
		}
	}
	return e
}

func benchMessageID(i int) string { return fmt.Sprintf("bench-msg-%d", i%benchMessages) }
func benchLineUser(i int) string  { return fmt.Sprintf("U%032d", i%benchMessages) }

// do makes one request to the hooks server and checks its status.
func (e *engagementBench) do(b *testing.B, req *http.Request, want int) {
	resp, err := e.client.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		b.Errorf("%s %s = %d, want %d", req.Method, req.URL.Path, resp.StatusCode, want)
	}
}

// sendgridPost is one signed Event Webhook delivery of n events (opens,
// clicks and deliveries of the seeded messages), as SendGrid batches them.
func (e *engagementBench) sendgridPost(b *testing.B, n int) *http.Request {
	kinds := []string{"delivered", "open", "click"}
	events := make([]string, n)
	for i := range events {
		s := int(e.seq.Add(1))
		events[i] = fmt.Sprintf(`{"email":"u%d@example.jp","timestamp":%d,"event":%q,"sg_event_id":"sg-%d","sg_message_id":"sgm-%d",`+
			`"message_id":%q,"url":"https://shop.example.jp/sale"}`, s%benchMessages, time.Now().Unix(), kinds[s%3], s, s%benchMessages, benchMessageID(s))
	}
	body := "[" + strings.Join(events, ",") + "]"
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := sha256.Sum256([]byte(ts + body))
	sig, err := ecdsa.SignASN1(rand.Reader, e.sgKey, sum[:])
	if err != nil {
		b.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, e.hooks+"/webhooks/sendgrid/default", strings.NewReader(body))
	req.Header.Set("X-Twilio-Email-Event-Webhook-Signature", base64.StdEncoding.EncodeToString(sig))
	req.Header.Set("X-Twilio-Email-Event-Webhook-Timestamp", ts)
	return req
}

// linePost is one signed LINE webhook delivery: a text message from a
// seeded customer.
func (e *engagementBench) linePost() *http.Request {
	s := int(e.seq.Add(1))
	body := fmt.Sprintf(`{"destination":"U0","events":[{"type":"message","replyToken":"r","message":{"type":"text","id":"%d","quoteToken":"q","text":"在庫はありますか"},`+
		`"timestamp":%d,"source":{"type":"user","userId":%q},"webhookEventId":"line-%d","deliveryContext":{"isRedelivery":false},"mode":"active"}]}`,
		s, time.Now().UnixMilli(), benchLineUser(s), s)
	mac := hmac.New(sha256.New, []byte(e2eLineSecret))
	mac.Write([]byte(body))
	req, _ := http.NewRequest(http.MethodPost, e.hooks+"/webhooks/line/default", strings.NewReader(body))
	req.Header.Set("x-line-signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return req
}

// clickURL is a tracked link of a seeded message.
func (e *engagementBench) clickURL() string {
	s := int(e.seq.Add(1))
	return e.hooks + "/r/" + e.signer.Sign(clicks.Link{WorkspaceID: "default", CustomerID: fmt.Sprintf("u_%d", s%benchMessages),
		MessageID: benchMessageID(s), Channel: "line", URL: fmt.Sprintf("https://shop.example.jp/sale?item=%d&utm_source=line", s)})
}

// BenchmarkClickRedirect measures the click redirect one click after the
// other (the token checked, line_clicked stored through the pipeline, the
// message moved to clicked, the 302), with p50 and p99, against /v1/track
// of one event measured the same way in the same run. Run it with
//
//	go test ./tests/ -run '^$' -bench BenchmarkClickRedirect -benchtime 3000x -count 3
func BenchmarkClickRedirect(b *testing.B) {
	e := newEngagementBench(b)
	noFollow := &http.Client{Transport: e.client.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	latencies := func(b *testing.B, one func(i int)) {
		took := make([]time.Duration, b.N)
		b.ResetTimer()
		for i := range b.N {
			start := time.Now()
			one(i)
			took[i] = time.Since(start)
		}
		b.StopTimer()
		slices.Sort(took)
		b.ReportMetric(float64(took[b.N/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(took[b.N*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	}
	b.Run("Redirect", func(b *testing.B) {
		links := make([]string, b.N)
		for i := range links {
			links[i] = e.clickURL()
		}
		latencies(b, func(i int) {
			resp, err := noFollow.Get(links[i])
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound {
				b.Fatalf("GET /r/… = %d", resp.StatusCode)
			}
		})
	})
	b.Run("RefusedToken", func(b *testing.B) {
		bad := e.clickURL()
		bad = bad[:len(bad)-4] + "AAAA"
		latencies(b, func(int) {
			req, _ := http.NewRequest(http.MethodGet, bad, nil)
			e.do(b, req, http.StatusNotFound)
		})
	})
	b.Run("Track", func(b *testing.B) {
		bodies := make([]string, b.N)
		for i := range bodies {
			bodies[i] = e.event()
		}
		latencies(b, func(i int) { e.post(b, "/v1/track", bodies[i]) })
	})
}

// BenchmarkIngestionWithEngagement is BenchmarkIngestion's alternating
// measure with engagement flowing in alongside: each round posts 20
// batches of 100 track events from two goroutines while eight more
// deliver 200 engagement events (10% of the track events) through the
// signed webhooks, 160 as SendGrid deliveries of 10 events (delivered, open,
// click) and 40 as LINE deliveries of one message event; then COPYs the
// same 2,000 track rows. It reports the track rate's share of COPY's, and
// the same without engagement (alternating in the same run). Run it with
//
//	go test ./tests/ -run '^$' -bench BenchmarkIngestionWithEngagement -benchtime 20x -count 3
func BenchmarkIngestionWithEngagement(b *testing.B) {
	e := newEngagementBench(b)
	b.Run("Batch100VersusCOPY100", e.versusCOPY)
	b.Run("Batch100WithEngagementVersusCOPY100", func(b *testing.B) {
		const perRound = 20
		// Providers deliver webhooks concurrently (SendGrid and LINE each
		// keep several requests open): so do hookSenders goroutines.
		const hookSenders = 8
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, e.dbURL)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(ctx)
		type round struct {
			bodies []string
			hooks  []*http.Request
			rows   [][][]any
		}
		rounds := make([]round, b.N)
		for i := range rounds {
			for range perRound {
				rounds[i].bodies = append(rounds[i].bodies, e.batch(100))
				rounds[i].rows = append(rounds[i].rows, e.copyRows(100))
			}
			for range 16 {
				rounds[i].hooks = append(rounds[i].hooks, e.sendgridPost(b, 10))
			}
			for range 40 {
				rounds[i].hooks = append(rounds[i].hooks, e.linePost())
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
			for g := range hookSenders {
				wg.Go(func() {
					for i := g; i < len(r.hooks); i += hookSenders {
						e.do(b, r.hooks[i], http.StatusOK)
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
		b.ReportMetric(float64(b.N*200)/batchTook.Seconds(), "engagement-events/s")
		b.ReportMetric(events/copyTook.Seconds(), "copy-events/s")
		b.ReportMetric(copyTook.Seconds()/batchTook.Seconds(), "batch/copy")
	})
}
