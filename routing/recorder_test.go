package routing

import (
	"context"
	"sync"

	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/journey"
)

// signalRecorder is a Temporal client that records the journey events
// signalled to runs (SignalWorkflow), and fails on anything else.
type signalRecorder struct {
	client.Client
	mu      sync.Mutex
	signals []recordedSignal
}

type recordedSignal struct {
	workflowID string
	event      journey.Event
}

func (r *signalRecorder) SignalWorkflow(_ context.Context, workflowID, _, _ string, arg any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.signals = append(r.signals, recordedSignal{workflowID, arg.(journey.Event)})
	return nil
}
