package activities

import (
	"strconv"

	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/store"
)

// Broadcast statuses as the broadcast workflow names them, in its state
// and in BroadcastStatus's input. They are the workflow's words, not the
// store's column values: BroadcastStatus converts them, so a change to the
// column cannot change a history.
const (
	BroadcastScheduled = "scheduled" // waiting for its send time
	BroadcastSending   = "sending"
	BroadcastPaused    = "paused"
	BroadcastCompleted = "completed"
	BroadcastCancelled = "cancelled"
	BroadcastFailed    = "failed"
)

// storeBroadcastStatus is the store's status for the workflow's status; an
// unknown one is a bug in the workflow, not worth retrying.
func storeBroadcastStatus(status string) (string, error) {
	switch status {
	case BroadcastScheduled:
		return store.BroadcastScheduled, nil
	case BroadcastSending:
		return store.BroadcastSending, nil
	case BroadcastPaused:
		return store.BroadcastPaused, nil
	case BroadcastCompleted:
		return store.BroadcastCompleted, nil
	case BroadcastCancelled:
		return store.BroadcastCancelled, nil
	case BroadcastFailed:
		return store.BroadcastFailed, nil
	}
	return "", temporal.NewNonRetryableApplicationError("unknown broadcast status "+strconv.Quote(status), "BroadcastStatusError", nil)
}
