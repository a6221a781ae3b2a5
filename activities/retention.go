package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/tabiji/tabiji/privacy"
	"github.com/tabiji/tabiji/store"
)

// RetentionBatch is how many rows one delete of retention removes.
const RetentionBatch = 5000

// RetentionInput is one pass of retention, as of At.
type RetentionInput struct {
	At        time.Time `json:"at"`
	BatchSize int       `json:"batchSize,omitempty"` // RetentionBatch when zero
}

// RetentionResult says what a pass removed.
type RetentionResult struct {
	DroppedPartitions []string `json:"droppedPartitions,omitempty"`
	Events            int64    `json:"events"`
	Messages          int64    `json:"messages"`
	ProvisionRecords  int64    `json:"provisionRecords"`
}

// EnforceRetention deletes what every workspace's retention no longer
// keeps at in.At: monthly event partitions that hold only rows past their
// workspaces' retention are dropped whole; older events of a partition
// that another workspace still keeps rows of, old messages with their
// history, and provision records past their legal period are deleted in
// batches. Every step is idempotent, so a retried pass finishes the work.
func (a *Activities) EnforceRetention(ctx context.Context, in RetentionInput) (RetentionResult, error) {
	batch := in.BatchSize
	if batch <= 0 {
		batch = RetentionBatch
	}
	settings, err := a.store.AllPrivacySettings(ctx)
	if err != nil {
		return RetentionResult{}, err
	}
	var res RetentionResult
	if res.DroppedPartitions, err = a.dropExpiredPartitions(ctx, in.At, settings); err != nil {
		return res, err
	}
	for _, ws := range settings {
		if ws.EventRetentionMonths > 0 {
			n, err := drain(ctx, batch, func() (int64, error) {
				return a.store.PruneEvents(ctx, ws.WorkspaceID, privacy.Cutoff(in.At, ws.EventRetentionMonths), batch)
			})
			if res.Events += n; err != nil {
				return res, err
			}
		}
		if ws.MessageRetentionMonths > 0 {
			n, err := drain(ctx, batch, func() (int64, error) {
				return a.store.PruneMessages(ctx, ws.WorkspaceID, privacy.Cutoff(in.At, ws.MessageRetentionMonths), batch)
			})
			if res.Messages += n; err != nil {
				return res, err
			}
		}
	}
	res.ProvisionRecords, err = drain(ctx, batch, func() (int64, error) { return a.store.PruneProvisionRecords(ctx, in.At, batch) })
	return res, err
}

// dropExpiredPartitions drops each monthly partition of events ended
// before at whose rows all belong to workspaces whose retention has passed
// its end. A partition a workspace without retention (or with a longer
// one) has rows in is left to the per-workspace deletes.
func (a *Activities) dropExpiredPartitions(ctx context.Context, at time.Time, settings []store.PrivacySettings) ([]string, error) {
	parts, err := a.store.EventPartitions(ctx)
	if err != nil {
		return nil, err
	}
	var dropped []string
	for _, p := range parts {
		var expired []string
		for _, ws := range settings {
			if ws.EventRetentionMonths > 0 && !privacy.Cutoff(at, ws.EventRetentionMonths).Before(p.To) {
				expired = append(expired, ws.WorkspaceID)
			}
		}
		if len(expired) == 0 {
			continue
		}
		ok, err := a.store.DropEventPartition(ctx, p, expired)
		if err != nil {
			return dropped, fmt.Errorf("retention: %w", err)
		}
		if ok {
			dropped = append(dropped, p.Name)
		}
		activity.RecordHeartbeat(ctx, p.Name)
	}
	return dropped, nil
}

// drain calls prune until it removes less than a batch, heartbeating
// between batches, and sums what it removed.
func drain(ctx context.Context, batch int, prune func() (int64, error)) (int64, error) {
	var total int64
	for {
		n, err := prune()
		total += n
		if err != nil || n < int64(batch) {
			return total, err
		}
		activity.RecordHeartbeat(ctx, total)
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("retention: %w", err)
		}
	}
}
