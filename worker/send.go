package worker

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/workflows"
)

// Rates are the sends per second each channel's provider accepts, by
// channel; a channel without a rate (or with 0) is not limited.
type Rates map[string]float64

// NewSendWorkers returns one worker per channel, not yet started, each
// polling workflows.SendTaskQueue(taskQueue, channel) and running only the
// Send activity of acts (built as the journey worker's). Temporal enforces the channel's rate across every worker
// polling that queue (TaskQueueActivitiesPerSecond), so a provider's limit
// holds however many workers run.
func NewSendWorkers(c client.Client, acts *activities.Activities, taskQueue string, rates Rates) []sdkworker.Worker {
	ws := make([]sdkworker.Worker, 0, len(journey.Channels))
	for _, ch := range journey.Channels {
		w := sdkworker.New(c, workflows.SendTaskQueue(taskQueue, ch), sendOptions(rates[ch]))
		w.RegisterActivityWithOptions(acts.Send, activity.RegisterOptions{Name: "Send"})
		// A broadcast batch is one provider call per 1,000 (email) or 500
		// (LINE) recipients: the queue's rate limits those calls too.
		w.RegisterActivityWithOptions(acts.BroadcastBatch, activity.RegisterOptions{Name: "BroadcastBatch"})
		ws = append(ws, w)
	}
	return ws
}

// sendOptions limits a send queue to perSecond activities across all its
// workers; 0 leaves Temporal's default (effectively unlimited). A
// broadcast batch's heartbeats reach Temporal every workflows.HeartbeatEvery.
func sendOptions(perSecond float64) sdkworker.Options {
	return sdkworker.Options{TaskQueueActivitiesPerSecond: perSecond, MaxHeartbeatThrottleInterval: workflows.HeartbeatEvery}
}

// StartAll starts every worker, stopping those already started if one
// fails; the returned function stops them all.
func StartAll(ws []sdkworker.Worker) (stop func(), err error) {
	started := make([]sdkworker.Worker, 0, len(ws))
	stop = func() {
		for i := len(started) - 1; i >= 0; i-- {
			started[i].Stop()
		}
	}
	for _, w := range ws {
		if err := w.Start(); err != nil {
			stop()
			return nil, err
		}
		started = append(started, w)
	}
	return stop, nil
}
