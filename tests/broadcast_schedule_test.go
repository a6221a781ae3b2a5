package tests

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/store"
)

// startedThenWait is a Temporal client whose SignalWithStartWorkflow
// returns only once the broadcast's row says it is sending: the widest the
// window between the workflow's start and the API's next step can be.
type startedThenWait struct {
	client.Client
	st *store.Store
}

func (c startedThenWait) SignalWithStartWorkflow(ctx context.Context, workflowID, signalName string, signalArg any,
	options client.StartWorkflowOptions, workflow any, workflowArgs ...any) (client.WorkflowRun, error) {
	run, err := c.Client.SignalWithStartWorkflow(ctx, workflowID, signalName, signalArg, options, workflow, workflowArgs...)
	if err != nil {
		return run, err
	}
	// Polled here, on the API's goroutine, where a test may not stop: a
	// run that never marks the row fails the call, and so the test.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		b, err := c.st.GetBroadcast(ctx, "default", "now")
		if err == nil && b.Status != store.BroadcastDraft && b.Status != store.BroadcastScheduled {
			break
		}
		if time.Now().After(deadline) {
			return run, errors.New("the broadcast's run did not mark it sending within 30 s")
		}
	}
	return run, nil
}

// TestBroadcastScheduledNowIsAcceptedHoweverFastItsRunStarts: scheduling a
// broadcast for now answered 409 "began sending meanwhile" whenever its
// workflow marked the row sending before the API marked it scheduled (about
// one run in a few of TestBroadcastThroughTheAPI). The client here holds
// the API until the run has marked it sending, so the old order fails
// every time; the row is now marked scheduled before the run starts.
func TestBroadcastScheduledNowIsAcceptedHoweverFastItsRunStarts(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	s.handler.Store(api.NewServer(api.Deps{Store: s.store, Temporal: startedThenWait{Client: s.temporal, st: s.store},
		Namespace: s.server.Namespace(), TaskQueue: taskQueue}))
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "n_ann", "messageId": "id-n_ann",
		"traits": map[string]any{"email": "ann@example.com", "plan": "pro"}}, http.StatusOK, nil)
	s.call("POST", "/v1/segments", "admin", map[string]any{"id": "pro", "name": "Pro",
		"definition": map[string]any{"condition": map[string]any{"trait": map[string]any{"name": "plan", "op": "eq", "value": "pro"}}}}, http.StatusCreated, nil)
	s.call("POST", "/v1/broadcasts", "admin", json.RawMessage(`{"id": "now", "name": "Now", "segment": "pro",
		"channel": "email", "content": {"subject": "Now", "from": "shop@example.com", "html": "<p>Hi</p>"}}`), http.StatusCreated, nil)
	s.call("POST", "/v1/broadcasts/now/schedule", "admin", nil, http.StatusAccepted, nil)
	eventually(t, 60*time.Second, "the broadcast completes", func() bool { return s.broadcast("now").Status == "completed" })
	if b := s.broadcast("now"); b.Progress.Sent != 1 {
		t.Errorf("progress = %+v, want the one customer sent", b.Progress)
	}
}
