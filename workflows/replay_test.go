package workflows

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/tabiji/tabiji/payloadcodec"
)

// TestReplayRecordedHistories replays histories recorded from real runs on
// the embedded server (tests/ writes them with -update-history). A change to
// the interpreter (or the broadcast workflow) that would break runs already in flight fails here.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded histories in testdata/ (%v)", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflow(Journey)
			r.RegisterWorkflow(Broadcast)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Errorf("replay %s: %v", f, err)
			}
		})
	}
}

// TestReplayRecordedHistoriesThroughThePayloadCodec replays the same
// histories, recorded in clear, on a worker that encrypts its payloads: a
// run started before the codec was turned on goes on after the upgrade.
func TestReplayRecordedHistoriesThroughThePayloadCodec(t *testing.T) {
	codec, err := payloadcodec.New("tabiji-replay-secrets-key-0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	var opts client.Options
	codec.Configure(&opts)
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded histories in testdata/ (%v)", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
				DataConverter: opts.DataConverter, FailureConverter: opts.FailureConverter,
			})
			if err != nil {
				t.Fatal(err)
			}
			r.RegisterWorkflow(Journey)
			r.RegisterWorkflow(Broadcast)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Errorf("replay %s: %v", f, err)
			}
		})
	}
}
