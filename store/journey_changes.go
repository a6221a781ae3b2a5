package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// journeyChannel is the Postgres channel on which migration 00040's
// triggers announce a change to what routes events (a journey's status or
// versions, a workspace's time zone), the payload the workspace id.
const journeyChannel = "tabiji_journeys"

// listenProbe is how long ListenJourneyChanges waits for a notification
// before it checks that its connection still answers: a connection that
// died without a word would otherwise leave the caller trusting a cache
// that no notification will ever clear.
const listenProbe = 10 * time.Second

// ListenJourneyChanges listens for journey changes on a connection of its
// own (not one of the pool's): it calls ready once it listens, then changed
// with the workspace id of every change that commits, in any process,
// until ctx ends (nil) or the connection fails (the error; call it again to
// listen again, and treat everything cached before as stale: changes made
// meanwhile were not heard).
func (s *Store) ListenJourneyChanges(ctx context.Context, ready func(), changed func(workspaceID string)) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("store: unable to connect to listen for journey changes: %w", rootCause(err))
	}
	defer func() { _ = conn.Close(context.Background()) }() // a listener has nothing to flush
	if _, err := conn.Exec(ctx, "LISTEN "+journeyChannel); err != nil {
		return fmt.Errorf("store: unable to listen for journey changes: %w", err)
	}
	ready()
	for {
		wait, cancel := context.WithTimeout(ctx, listenProbe)
		n, err := conn.WaitForNotification(wait)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
			if err := s.probe(ctx, conn); err != nil {
				return err
			}
		case err != nil:
			return fmt.Errorf("store: lost the journey changes connection: %w", err)
		default:
			changed(n.Payload)
		}
	}
}

// probe checks that the listening connection still answers.
func (s *Store) probe(ctx context.Context, conn *pgx.Conn) error {
	pctx, cancel := context.WithTimeout(ctx, listenProbe)
	defer cancel()
	if err := conn.Ping(pctx); err != nil && ctx.Err() == nil {
		return fmt.Errorf("store: the journey changes connection does not answer: %w", err)
	}
	return nil
}

// JourneyVersion is the workspace's journey version, which every change
// to what routes its events bumps (migration 00040); 0 for a workspace
// that does not exist.
func (s *Store) JourneyVersion(ctx context.Context, workspaceID string) (int64, error) {
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT journey_version FROM workspaces WHERE id = $1`, workspaceID).Scan(&v)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("store: unable to read the journey version: %w", err)
	}
	return v, nil
}
