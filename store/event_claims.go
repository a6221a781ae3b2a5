package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// RouteClaimed routes claimed events and reports, by workspace, the message
// ids of those that reached every run that uses them.
type RouteClaimed func(ctx context.Context, events []Event) (routed map[string][]string, err error)

// ClaimUnroutedEvents claims at most limit events of any workspace received
// before the given time and not yet routed, oldest first, skipping those
// another process holds (FOR UPDATE SKIP LOCKED: several APIs' sweepers
// share the unrouted events instead of each routing all of them), hands
// them to route, and marks routed in the same transaction those route
// reports routed. The claim holds until route returns. It says how many it
// claimed; route's error is returned after the routed ones are marked.
func (s *Store) ClaimUnroutedEvents(ctx context.Context, before time.Time, limit int, route RouteClaimed) (int, error) {
	claimed := 0
	var routeErr error
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT `+eventColumns+` FROM `+eventFrom+`
			WHERE i.routed_at IS NULL AND i.received_at < $1
			ORDER BY i.received_at
			LIMIT $2
			FOR UPDATE OF i SKIP LOCKED`, before, limit)
		if err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) { return scanEvent(r) })
		if err != nil || len(events) == 0 {
			return err
		}
		claimed = len(events)
		routed, rerr := route(ctx, events)
		routeErr = rerr
		for ws, ids := range routed {
			if _, err := tx.Exec(ctx, `
				UPDATE event_ids SET routed_at = COALESCE(routed_at, now())
				WHERE workspace_id = $1 AND message_id = ANY($2)`, ws, slices.Sorted(slices.Values(ids))); err != nil {
				return fmt.Errorf("mark routed: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return claimed, errors.Join(routeErr, fmt.Errorf("store: unable to sweep unrouted events: %w", err))
	}
	return claimed, routeErr
}
