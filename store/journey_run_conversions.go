package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// recordConversions stores the report's conversions one by one (each
// reads what reached the run before it, and the conversions stored before
// it): rare beside steps, so not batched.
func recordConversions(ctx context.Context, tx pgx.Tx, r RunReport) ([]counter, error) {
	var out []counter
	for _, cv := range r.Conversions {
		tag, err := tx.Exec(ctx, `
			INSERT INTO journey_conversions (workspace_id, run_key, message_id, journey_id, customer_id, converted_at, revenue)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
			r.WorkspaceID, r.RunKey, cv.MessageID, r.JourneyID, r.CustomerID, cv.At, cv.Revenue)
		if err != nil {
			return nil, fmt.Errorf("insert conversion %s: %w", cv.MessageID, err)
		}
		if tag.RowsAffected() == 0 {
			continue
		}
		out = append(out, counter{metric: "conversions", at: cv.At, amount: cv.Revenue})
		first, err := firstConversion(ctx, tx, r, cv.At)
		if err != nil {
			return nil, err
		}
		if first {
			out = append(out, counter{metric: "converted", at: cv.At})
		}
		credits, err := conversionCredits(ctx, tx, r, cv)
		if err != nil {
			return nil, err
		}
		out = append(out, credits...)
	}
	return out, nil
}

// firstConversion marks the run converted and says whether it was not before.
func firstConversion(ctx context.Context, tx pgx.Tx, r RunReport, at time.Time) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE journey_runs SET converted_at = $3
		WHERE workspace_id = $1 AND run_key = $2 AND converted_at IS NULL`, r.WorkspaceID, r.RunKey, at)
	if err != nil {
		return false, fmt.Errorf("mark converted: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// conversionCredits credits a conversion to the split variants the run was
// assigned before it, and to the channels it was sent a message on before
// it: conversions and revenue every time, "converted" the first time the
// run converts after that variant or channel reached it.
func conversionCredits(ctx context.Context, tx pgx.Tx, r RunReport, cv RunConversion) ([]counter, error) {
	rows, err := tx.Query(ctx, `
		SELECT 'variant', node_id, variant, min(entered_at) FROM journey_run_steps
		WHERE workspace_id = $1 AND run_key = $2 AND variant IS NOT NULL AND entered_at <= $3 GROUP BY node_id, variant
		UNION ALL
		SELECT 'channel', '', channel, min(created_at) FROM messages
		WHERE workspace_id = $1 AND customer_id = $4 AND workflow_id = $5 AND journey_id = $6
		  AND created_at <= $3 AND status <> ALL($7) GROUP BY channel
		ORDER BY 1, 2, 3`,
		r.WorkspaceID, r.RunKey, cv.At, r.CustomerID, r.WorkflowID, r.JourneyID, []string{"pending", "sending", "skipped", "failed"})
	if err != nil {
		return nil, fmt.Errorf("read what reached the run: %w", err)
	}
	type reach struct {
		kind, node, key string
		since           time.Time
	}
	reached, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (reach, error) {
		var x reach
		return x, row.Scan(&x.kind, &x.node, &x.key, &x.since)
	})
	if err != nil {
		return nil, fmt.Errorf("read what reached the run: %w", err)
	}
	var out []counter
	for _, x := range reached {
		if x.kind == "variant" {
			out = append(out, counter{metric: "variant_conversions", node: x.node, key: x.key, at: cv.At, amount: cv.Revenue})
		}
		var before bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM journey_conversions
			WHERE workspace_id = $1 AND run_key = $2 AND message_id <> $3 AND converted_at >= $4 AND converted_at <= $5)`,
			r.WorkspaceID, r.RunKey, cv.MessageID, x.since, cv.At).Scan(&before); err != nil {
			return nil, fmt.Errorf("read earlier conversions: %w", err)
		}
		switch {
		case before:
		case x.kind == "variant":
			out = append(out, counter{metric: "variant_converted", node: x.node, key: x.key, at: cv.At})
		default:
			out = append(out, counter{metric: "channel_converted", key: x.key, at: cv.At})
		}
	}
	return out, nil
}
