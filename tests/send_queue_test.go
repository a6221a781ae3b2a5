package tests

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/worker"
	"github.com/tabiji/tabiji/workflows"
)

// journeyWorkers is the journey worker with its per-channel send workers:
// Stop stops them all, as `tabiji worker` does.
type journeyWorkers struct {
	sdkworker.Worker
	stopSends func()
	once      sync.Once
}

// Stop stops the send workers, then the journey worker.
func (w *journeyWorkers) Stop() {
	w.once.Do(func() {
		w.stopSends()
		w.Worker.Stop()
	})
}

// withSendWorkers starts the send workers beside a started journey worker.
func (s *stack) withSendWorkers(w sdkworker.Worker, rates worker.Rates) sdkworker.Worker {
	s.t.Helper()
	stop, err := worker.StartAll(worker.NewSendWorkers(s.temporal, activities.New(s.store), taskQueue, rates))
	if err != nil {
		w.Stop()
		s.t.Fatalf("start send workers: %v", err)
	}
	return &journeyWorkers{Worker: w, stopSends: stop}
}

// TestSendRunsOnTheChannelsRateLimitedQueue: the journey schedules its send
// on the email send queue (not the journey queue), the email send worker
// runs it, and the worker polls that queue at the configured rate.
func TestSendRunsOnTheChannelsRateLimitedQueue(t *testing.T) {
	s := startStack(t)
	main := worker.New(s.temporal, s.store, taskQueue)
	if err := main.Start(); err != nil {
		t.Fatal(err)
	}
	w := s.withSendWorkers(main, worker.Rates{"email": 7, "line": 3})
	defer w.Stop()
	s.createActive("ping", `{"entry":{"event":"ping"},"nodes":[
		{"id":"hello","kind":"send","channel":"email","template":{"subject":"hi","body":"ping"},"next":"done"},
		{"id":"done","kind":"exit"}]}`)
	s.track("u_ping", "ping", "p1")
	eventually(t, 20*time.Second, "the email in the outbox", func() bool { return len(s.outbox("u_ping").Messages) == 1 })

	wid := workflows.JourneyWorkflowID("default", "ping", "u_ping")
	if got := s.sendQueue(wid); got != "tabiji-e2e-send-email" {
		t.Errorf("Send scheduled on %q, want tabiji-e2e-send-email", got)
	}
	for q, want := range map[string]float64{"tabiji-e2e-send-email": 7, "tabiji-e2e-send-line": 3} {
		if got := s.pollerRate(q); got != want {
			t.Errorf("%s pollers' rate = %v, want %v", q, got, want)
		}
	}
}

// sendQueue is the task queue of the run's first scheduled Send activity.
func (s *stack) sendQueue(workflowID string) string {
	iter := s.temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, 0)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			s.t.Fatal(err)
		}
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == "Send" {
			return a.GetTaskQueue().GetName()
		}
	}
	return ""
}

// pollerRate is the rate per second the activity pollers of a queue ask
// Temporal to hold the queue to.
func (s *stack) pollerRate(queue string) float64 {
	var pollers []*taskqueuepb.PollerInfo
	eventually(s.t, 20*time.Second, "pollers on "+queue, func() bool {
		d, err := s.temporal.WorkflowService().DescribeTaskQueue(context.Background(), &workflowservice.DescribeTaskQueueRequest{
			Namespace: s.server.Namespace(), TaskQueue: &taskqueuepb.TaskQueue{Name: queue, Kind: enums.TASK_QUEUE_KIND_NORMAL},
			TaskQueueType: enums.TASK_QUEUE_TYPE_ACTIVITY,
		})
		if err != nil {
			s.t.Fatal(err)
		}
		pollers = d.GetPollers()
		return len(pollers) > 0
	})
	return pollers[0].GetRatePerSecond()
}
