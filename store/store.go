// Package store keeps Tabiji's data in Postgres: workspaces, API keys,
// journeys, events and messages. Every query is scoped by workspace.
package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

var (
	// ErrNotFound is returned when the row asked for does not exist in the workspace.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict is returned when a row with the same identity already exists.
	ErrConflict = errors.New("store: already exists")
	// ErrSchemaBehind is returned by CheckSchema when migrations are pending.
	ErrSchemaBehind = errors.New("store: database schema is behind")
)

const pingTimeout = 15 * time.Second

// Store is Tabiji's Postgres database, through a connection pool.
type Store struct {
	pool *pgxpool.Pool
	opts Options
}

// Open connects to databaseURL and checks that the server answers. Its error
// is one line naming host:port/database (never the password) and the cause.
func Open(ctx context.Context, databaseURL string) (*Store, error) {
	return OpenWith(ctx, databaseURL, Options{})
}

// OpenWith is Open with the pool tuned by opts (statement timeouts).
func OpenWith(ctx context.Context, databaseURL string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: cannot parse the database URL: %w", rootCause(err))
	}
	opts.runtimeParams(cfg.ConnConfig.RuntimeParams)
	if opts.Tracer != nil {
		cfg.ConnConfig.Tracer = opts.Tracer
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: unable to create the connection pool: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, unreachable(cfg.ConnConfig.Config, err)
	}
	return &Store{pool: pool, opts: opts}, nil
}

// Close closes every connection of the pool.
func (s *Store) Close() { s.pool.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("store: unable to ping the database: %w", err)
	}
	return nil
}

// unreachable is the error of a failed first connection: where, and the root cause.
func unreachable(cfg pgconn.Config, err error) error {
	where := net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))) + "/" + cfg.Database
	return fmt.Errorf("store: cannot reach Postgres at %s: %w (is DATABASE_URL right?)", where, rootCause(err))
}

// rootCause strips the layers of a connection error down to what happened
// ("connection refused", "password authentication failed …"): the layers
// repeat the user and address, and a URL parse error the whole URL. The
// causes of several attempts (one per host or address) are joined with "; ".
func rootCause(err error) error {
	for {
		if multi, ok := err.(interface{ Unwrap() []error }); ok {
			errs := multi.Unwrap()
			if len(errs) != 1 {
				causes := make([]string, len(errs))
				for i, e := range errs {
					causes[i] = rootCause(e).Error()
				}
				return errors.New(strings.Join(slices.Compact(causes), "; "))
			}
			err = errs[0]
			continue
		}
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// pgCode returns the SQLSTATE of a Postgres error, or "".
func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

const (
	base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	base36 = "0123456789abcdefghijklmnopqrstuvwxyz"
)

// randomString returns n characters of alphabet drawn from crypto/rand, without modulo bias.
func randomString(n int, alphabet string) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4+8)
	for len(out) < n {
		rand.Read(buf) // never fails: see crypto/rand.Read
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}
