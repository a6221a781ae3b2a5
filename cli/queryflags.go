package cli

import (
	"errors"
	"time"

	"github.com/tabiji/tabiji/store"
)

// QueryFlags bound the database work done on behalf of one API request.
type QueryFlags struct {
	StatementTimeout        time.Duration `name:"statement-timeout" env:"TABIJI_STATEMENT_TIMEOUT" default:"5s" help:"Longest a database statement of an API request may run before Postgres cancels it and the request answers 503 (Postgres statement_timeout on the API's connections; 0 turns it off)."`
	SegmentStatementTimeout time.Duration `name:"segment-statement-timeout" env:"TABIJI_SEGMENT_STATEMENT_TIMEOUT" default:"30s" help:"Longest a statement of a segment count, member page, membership check or erasure may run, instead of --statement-timeout (0 keeps --statement-timeout)."`
}

// options are the store options of the API's connection pool.
func (q QueryFlags) options() (store.Options, error) {
	if q.StatementTimeout < 0 || q.SegmentStatementTimeout < 0 {
		return store.Options{}, errors.New("TABIJI_STATEMENT_TIMEOUT and TABIJI_SEGMENT_STATEMENT_TIMEOUT must not be negative (0 turns them off)")
	}
	return store.Options{StatementTimeout: q.StatementTimeout, SegmentStatementTimeout: q.SegmentStatementTimeout}, nil
}
