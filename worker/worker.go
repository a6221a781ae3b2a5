// Package worker wires the journey workflow and its activities to a Temporal
// task queue.
package worker

import (
	_ "time/tzdata" // wait_until and quiet hours read IANA zones on any machine

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// New returns a worker, not yet started, that runs journeys on taskQueue
// and delivers messages as opts say (none: the dev outbox).
func New(c client.Client, st *store.Store, taskQueue string, opts ...activities.Options) sdkworker.Worker {
	// A broadcast's pages and statuses heartbeat: see workflows.HeartbeatEvery.
	w := sdkworker.New(c, taskQueue, sdkworker.Options{MaxHeartbeatThrottleInterval: workflows.HeartbeatEvery})
	w.RegisterWorkflow(workflows.Journey)
	w.RegisterWorkflow(workflows.SegmentSweep)
	w.RegisterWorkflow(workflows.DateTriggerSweep)
	w.RegisterWorkflow(workflows.Broadcast)
	w.RegisterWorkflow(workflows.Retention)
	w.RegisterActivity(activities.New(st, opts...))
	return w
}
