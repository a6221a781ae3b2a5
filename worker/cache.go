package worker

import (
	"fmt"

	sdkworker "go.temporal.io/sdk/worker"
)

// DefaultStickyCacheSize is the SDK's own default: how many workflow runs
// the workers of one process keep in memory between their tasks.
const DefaultStickyCacheSize = 10_000

// SetStickyCacheSize caps the sticky workflow cache that every worker of
// this process shares (the SDK holds it in one process-global): a run in
// the cache takes its next task without replaying its history; a run
// evicted from it replays its history when it wakes. The SDK reads the size
// when the first worker of the process is created, so call this before
// creating any: before New, NewSendWorkers, and before an embedded Temporal
// server starts, whose system workers use the same SDK cache.
func SetStickyCacheSize(n int) error {
	if n < 1 {
		return fmt.Errorf("set sticky cache size: %d is not a number of runs (1 or more)", n)
	}
	sdkworker.SetStickyWorkflowCacheSize(n)
	return nil
}
