package tests

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/worker"
	"github.com/tabiji/tabiji/workflows"
)

// waitingStack is BenchmarkClusterWaitingRuns' client and journey worker
// on the cluster. waits counts the timers the worker's runs have started
// for the first time (not in a replay): a run's wait_for starts its timer in
// the workflow task that brings it to its wait, so when waits reaches the
// number of runs entered every run is waiting. Visibility cannot say so:
// a run starts with TabijiStep at its start node, the wait, before the
// worker has run its first task.
type waitingStack struct {
	client client.Client // Tabiji's: payloads encrypted, as in production
	waits  waitCounter
}

func waitingStackOn(b *testing.B, frontend string) *waitingStack {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(st.Close)
	if err := st.EnsureWorkspace(ctx, "default", "Default"); err != nil {
		b.Fatal(err)
	}
	s := &waitingStack{}
	opts := client.Options{HostPort: frontend, Namespace: "default",
		Logger: sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))}
	e2eCodec(b).Configure(&opts)
	opts.Interceptors = []interceptor.ClientInterceptor{&s.waits}
	if s.client, err = client.Dial(opts); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.client.Close)
	if err := workflows.EnsureSearchAttributes(ctx, s.client, "default"); err != nil {
		b.Fatal(err)
	}
	w := worker.New(s.client, st, taskQueue)
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(w.Stop)
	return s
}

// waitCounter counts the timers workflows start outside a replay.
type waitCounter struct {
	interceptor.InterceptorBase
	n atomic.Int64
}

func (w *waitCounter) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &waitInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, n: &w.n}
}

type waitInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	n *atomic.Int64
}

func (i *waitInbound) Init(out interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&waitOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: out}, n: i.n})
}

type waitOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	n *atomic.Int64
}

func (o *waitOutbound) NewTimer(ctx workflow.Context, d time.Duration) workflow.Future {
	o.count(ctx)
	return o.Next.NewTimer(ctx, d)
}

func (o *waitOutbound) NewTimerWithOptions(ctx workflow.Context, d time.Duration, opts workflow.TimerOptions) workflow.Future {
	o.count(ctx)
	return o.Next.NewTimerWithOptions(ctx, d, opts)
}

func (o *waitOutbound) count(ctx workflow.Context) {
	if !workflow.IsReplaying(ctx) {
		o.n.Add(1)
	}
}

// untilAll polls cond every second until it holds, logging progress every
// minute; past within it fails.
func untilAll(b *testing.B, what string, within time.Duration, cond func() (bool, string)) {
	b.Helper()
	start := time.Now()
	last := start
	for {
		ok, progress := cond()
		if ok {
			return
		}
		if time.Since(start) > within {
			b.Fatalf("gave up after %s waiting for %s: %s", within, what, progress)
		}
		if time.Since(last) >= time.Minute {
			b.Logf("waiting for %s: %s", what, progress)
			last = time.Now()
		}
		time.Sleep(time.Second)
	}
}
