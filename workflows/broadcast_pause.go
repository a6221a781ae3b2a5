package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
)

// pauseChange marks, in broadcast histories, a pause or resume taken
// during a wait (an A/B test's, or until held customers' quiet hours end)
// and recorded at once. Before it, the broadcast's row said "sending"
// until the wait ended; a run whose history has no marker goes on so.
const (
	pauseChange  = "broadcast-pause-at-once"
	pauseVersion = 1
)

// showPause records a pause or resume the moment it is taken, so that the
// broadcast's status says paused while a wait goes on (the wait itself
// still ends on its timer; a paused broadcast then holds until resumed).
// A broadcast not yet sending (waiting for its send time) keeps its
// status: the pause shows when the send time comes.
func (b *broadcastRun) showPause(ctx workflow.Context) error {
	want := activities.BroadcastSending
	if b.st.Paused {
		want = activities.BroadcastPaused
	}
	now := b.st.Progress.Status
	if now == want || (now != activities.BroadcastSending && now != activities.BroadcastPaused) {
		return nil
	}
	if workflow.GetVersion(ctx, pauseChange, workflow.DefaultVersion, pauseVersion) == workflow.DefaultVersion {
		return nil
	}
	return b.setStatus(ctx, want)
}
