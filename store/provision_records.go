package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Provision is one record of third-party provision (APPI art. 29): a
// webhook step that sent a customer's data to a third party (migration
// 00031).
type Provision struct {
	ID          int64     `json:"id"`
	WorkspaceID string    `json:"-"`
	StepKey     string    `json:"-"` // a hash of the webhook's idempotency key: one record per step
	CustomerID  string    `json:"customer"`
	JourneyID   string    `json:"journey"`
	Recipient   string    `json:"recipient"` // the node's named recipient, or the URL's host
	Host        string    `json:"host"`
	Items       []string  `json:"items"` // the data items sent: the body's field paths
	ProvidedAt  time.Time `json:"providedAt"`
}

// RecordProvision records p, once per step key: a retried step changes nothing.
func (s *Store) RecordProvision(ctx context.Context, p Provision) error {
	if p.Items == nil {
		p.Items = []string{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO provision_records (workspace_id, step_key, customer_id, journey_id, recipient, host, items)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (workspace_id, step_key) DO NOTHING`,
		p.WorkspaceID, p.StepKey, p.CustomerID, p.JourneyID, p.Recipient, p.Host, p.Items)
	if err != nil {
		return fmt.Errorf("store: unable to record a provision to %s: %w", p.Host, err)
	}
	return nil
}

// ForgetProvision deletes the record of a step whose data never left (the
// outbound policy refused the call).
func (s *Store) ForgetProvision(ctx context.Context, workspaceID, stepKey string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM provision_records WHERE workspace_id = $1 AND step_key = $2`, workspaceID, stepKey); err != nil {
		return fmt.Errorf("store: unable to forget a provision record: %w", err)
	}
	return nil
}

// erasedProvisionCustomer is the customer_id that erasure gives the
// records of customer $2 of workspace $1 (see erasureSteps).
var erasedProvisionCustomer = `(SELECT 'erased:' || encode(` + hashSQL("salt", "'customer'", "$2::text") + `, 'hex')
	FROM erasure_salts WHERE workspace_id = $1)`

// ProvisionFilter selects records of provision: of one customer when
// CustomerID is set (with the records an erasure kept under the id's
// salted hash, so whoever knows the id still finds them), provided in [Since, Until) when set, after the cursor
// After, at most Limit (100 when zero).
type ProvisionFilter struct {
	CustomerID   string
	Since, Until time.Time
	After        string
	Limit        int
}

// Provisions lists the workspace's records of provision, oldest first, and
// the cursor of the next page ("" after the last).
func (s *Store) Provisions(ctx context.Context, workspaceID string, f ProvisionFilter) ([]Provision, string, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	var after int64
	if f.After != "" {
		n, err := strconv.ParseInt(f.After, 10, 64)
		if err != nil || n < 0 {
			return nil, "", fmt.Errorf("store: unable to list provision records: %w", ErrInvalidCursor)
		}
		after = n
	}
	var since, until *time.Time
	if !f.Since.IsZero() {
		since = &f.Since
	}
	if !f.Until.IsZero() {
		until = &f.Until
	}
	rows, err := s.pool.Query(ctx, `SELECT id, workspace_id, step_key, customer_id, journey_id, recipient, host, items, provided_at
		FROM provision_records
		WHERE workspace_id = $1 AND ($2 = '' OR customer_id = $2 OR customer_id = `+erasedProvisionCustomer+`) AND ($3::timestamptz IS NULL OR provided_at >= $3)
		  AND ($4::timestamptz IS NULL OR provided_at < $4) AND id > $5
		ORDER BY id LIMIT $6`, workspaceID, f.CustomerID, since, until, after, f.Limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to list provision records: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Provision, error) {
		var p Provision
		err := r.Scan(&p.ID, &p.WorkspaceID, &p.StepKey, &p.CustomerID, &p.JourneyID, &p.Recipient, &p.Host, &p.Items, &p.ProvidedAt)
		return p, err
	})
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to list provision records: %w", err)
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = strconv.FormatInt(out[len(out)-1].ID, 10)
	}
	return out, next, nil
}
