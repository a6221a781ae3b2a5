package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/sendgrid"
	"github.com/tabiji/tabiji/devtemporal"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/worker"
	"github.com/tabiji/tabiji/workflows"
)

// BenchmarkBroadcast sends one broadcast per iteration to
// TABIJI_BENCH_RECIPIENTS customers (100,000) through the spec-checking
// fake SendGrid, on the embedded Temporal server with its SQLite file (as
// tabiji dev runs it), the email send queue limited to
// TABIJI_BENCH_SEND_RATE batch activities a second (10: at 1,000
// recipients a request, SendGrid's mail/send at 10 requests a second). It
// reports messages a second, the Temporal actions the broadcast took,
// counted from the histories of all its runs, and SendGrid requests per
// 1,000 recipients. Plain is the same email for everyone but its
// unsubscribe link; Personalised greets each customer by name in the
// subject and body and gives every tenth (the VIPs) another paragraph.
func BenchmarkBroadcast(b *testing.B) {
	n, rate := envInt(b, "TABIJI_BENCH_RECIPIENTS", 100_000), 10.0
	if v := os.Getenv("TABIJI_BENCH_SEND_RATE"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 {
			b.Fatalf("TABIJI_BENCH_SEND_RATE=%q: want batches a second, above 0", v)
		}
		rate = r
	}
	ctx := context.Background()
	st := pgtest.Store(b)
	tc := benchTemporal(b)
	if err := st.EnsureWorkspace(ctx, "default", "Default"); err != nil {
		b.Fatal(err)
	}
	seedAudience(b, st, n)
	fake := providertest.NewSendGrid(b)
	sg, err := sendgrid.NewSender(sendgrid.Config{APIKey: "SG.test", BaseURL: fake.URL})
	if err != nil {
		b.Fatal(err)
	}
	acts := activities.New(st, activities.Options{Senders: map[string]channels.Sender{"email": sg},
		UnsubscribeSecret: "s3cret", PublicURL: "https://tabiji.test"})
	jw := worker.New(tc, st, taskQueue)
	if err := jw.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(jw.Stop)
	stop, err := worker.StartAll(worker.NewSendWorkers(tc, acts, taskQueue, worker.Rates{"email": rate}))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(stop)
	for _, bc := range []struct{ name, content string }{
		{"Plain", `{"subject": "Winter sale", "from": "shop@example.com",
			"html": "<p>20% off everything.</p><p><a href=\"{{ message.unsubscribe_url }}\">Unsubscribe</a></p>"}`},
		{"Personalised", `{"subject": "{{ profile.traits.first_name }}, winter sale", "from": "shop@example.com",
			"html": "<p>Hi {{ profile.traits.first_name | default: \"there\" }},</p>{% if profile.traits.vip %}<p>As a VIP you get 30% off.</p>{% else %}<p>20% off everything.</p>{% endif %}<p><a href=\"{{ message.unsubscribe_url }}\">Unsubscribe</a></p>"}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			content := json.RawMessage(bc.content)
			for i := range b.N {
				id := "bench-" + strings.ToLower(bc.name) + strconv.Itoa(i)
				if _, err := st.CreateBroadcast(ctx, store.Broadcast{WorkspaceID: "default", ID: id, Name: id, SegmentID: "bench", Channel: "email", Content: content}); err != nil {
					b.Fatal(err)
				}
				before := len(fake.Requests())
				start := time.Now()
				run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.BroadcastWorkflowID("default", id), TaskQueue: taskQueue},
					workflows.Broadcast, workflows.BroadcastInput{Spec: activities.BroadcastSpec{WorkspaceID: "default", BroadcastID: id,
						SegmentID: "bench", Channel: "email", Content: content}})
				if err != nil {
					b.Fatal(err)
				}
				var p workflows.BroadcastProgress
				if err := run.Get(ctx, &p); err != nil {
					b.Fatal(err)
				}
				elapsed := time.Since(start)
				if p.Sent != n || p.Status != store.BroadcastCompleted {
					b.Fatalf("broadcast ended %+v, want %d sent", p, n)
				}
				c := countActions(b, tc, run.GetID(), run.GetRunID())
				total := c.workflowTasks + c.activities + c.timers + c.runs
				requests := len(fake.Requests()) - before
				b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
				b.ReportMetric(float64(total)/float64(n), "actions/recipient")
				b.ReportMetric(float64(c.activities), "activities")
				b.ReportMetric(float64(c.workflowTasks), "workflow-tasks")
				b.ReportMetric(float64(c.runs), "runs")
				b.ReportMetric(float64(requests), "sendgrid-requests")
				b.ReportMetric(float64(requests)*1000/float64(n), "requests/1k-recipients")
				b.Logf("%d recipients in %s, %d SendGrid requests: %+v", n, elapsed.Round(time.Millisecond), requests, c)
			}
		})
	}
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive whole number", name, v)
	}
	return n
}

// benchTemporal is the embedded server on a SQLite file and a client of it.
func benchTemporal(b *testing.B) client.Client {
	srv, err := devtemporal.Start(context.Background(), devtemporal.Options{DataDir: b.TempDir(), FrontendAddress: "127.0.0.1:0",
		UIAddress: devtemporal.UIOff, SearchAttributes: workflows.SearchAttributes()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Stop)
	quiet := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	opts := client.Options{HostPort: srv.FrontendAddress(), Namespace: srv.Namespace(), Logger: quiet}
	e2eCodec(b).Configure(&opts) // as in production
	tc, err := client.Dial(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(tc.Close)
	return tc
}

// seedAudience stores n customers with an email address, a first name
// (every tenth a VIP) and the tag "bench", and the segment "bench" of that
// tag.
func seedAudience(b *testing.B, st *store.Store, n int) {
	ctx, now := context.Background(), time.Now()
	for from := 0; from < n; from += 5000 {
		var batch []store.ProfileUpdate
		for i := from; i < min(n, from+5000); i++ {
			id := fmt.Sprintf("p%07d", i)
			batch = append(batch, store.ProfileUpdate{ID: id, At: now,
				Change: store.ProfileChange{Set: map[string]any{"email": id + "@example.com", "first_name": benchNames[i%len(benchNames)] + " " + strconv.Itoa(i),
					"vip": i%10 == 0}, AddTags: []string{"bench"}}})
		}
		if err := st.ChangeProfiles(ctx, "default", batch); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := st.CreateSegment(ctx, "default", store.Segment{ID: "bench", Name: "Bench",
		Definition: json.RawMessage(`{"condition": {"tag": "bench"}}`)}); err != nil {
		b.Fatal(err)
	}
}

var benchNames = []string{"Hana", "Kenji", "Ann", "千恵", "Bob", "Émile", "Yuki", "Dan"}

type actionCount struct{ runs, workflowTasks, activities, timers, events int }

// countActions reads the history of every run of a workflow, following
// continue-as-new from the first run.
func countActions(b *testing.B, tc client.Client, id, runID string) actionCount {
	var c actionCount
	for runID != "" {
		c.runs++
		it := tc.GetWorkflowHistory(context.Background(), id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		next := ""
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				b.Fatal(err)
			}
			c.events++
			switch e.GetEventType() {
			case enums.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
				c.workflowTasks++
			case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
				c.activities++
			case enums.EVENT_TYPE_TIMER_STARTED:
				c.timers++
			case enums.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
				next = e.GetWorkflowExecutionContinuedAsNewEventAttributes().GetNewExecutionRunId()
			}
		}
		runID = next
	}
	return c
}
