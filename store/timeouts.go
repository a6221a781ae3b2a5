package store

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options tune the connection pool of a Store.
type Options struct {
	// StatementTimeout bounds every statement run on the pool's
	// connections: Postgres's own statement_timeout, set as a run-time
	// parameter of each connection, so the server cancels a statement that
	// runs longer (SQLSTATE 57014, see StatementTimedOut). 0 keeps the
	// server's setting (none by default): the worker's pool, whose
	// activities have Temporal's timeouts.
	StatementTimeout time.Duration
	// SegmentStatementTimeout bounds the statements of segment counts,
	// member pages and membership checks instead (SET LOCAL in their
	// read-only transaction), and those of an erasure (EraseCustomer), which
	// must not fail at every retry for a customer with many events; 0 keeps
	// StatementTimeout.
	SegmentStatementTimeout time.Duration
	// Tracer, when set, sees every statement the pool's connections run
	// (pgx's QueryTracer): the tests count a journey entry's round trips
	// to Postgres with it, so a change that adds one fails there.
	Tracer pgx.QueryTracer
}

// queryCanceled is the SQLSTATE of a statement the server cancelled:
// statement_timeout, or a cancel request.
const queryCanceled = "57014"

// StatementTimedOut reports whether err is a statement the server cancelled
// (SQLSTATE 57014), as it does when the statement timeout runs out.
func StatementTimedOut(err error) bool { return pgCode(err) == queryCanceled }

// millis is d as Postgres reads a duration setting without a unit.
func millis(d time.Duration) string {
	return strconv.FormatInt(max(d.Milliseconds(), 1), 10)
}

// runtimeParams are the connection settings the options ask for.
func (o Options) runtimeParams(params map[string]string) {
	if o.StatementTimeout > 0 {
		params["statement_timeout"] = millis(o.StatementTimeout)
	}
}

// segmentTimeout sets the segment statement timeout, when there is one, for
// the rest of tx.
func (s *Store) segmentTimeout(ctx context.Context, tx pgx.Tx) error {
	if s.opts.SegmentStatementTimeout <= 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `SET LOCAL statement_timeout = `+millis(s.opts.SegmentStatementTimeout))
	return err
}
