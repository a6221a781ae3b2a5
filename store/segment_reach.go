package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/advertising"
	"github.com/tabiji/tabiji/segments"
)

// Reach is how many of a segment's members a promotional message on each
// channel could reach now: those with an address on the channel, not opted
// out of it, whose address is not suppressed (by a bounce, a complaint, an
// unsubscribe, or left by an erased customer) and, where the workspace's
// advertising policy asks for one, with a recorded opt-in. Sending reads
// the same rules (activities' refuse), topic by topic; Reach reads the
// channel as a whole.
type Reach struct {
	Members int64 `json:"members"`
	Email   int64 `json:"email"`
	LINE    int64 `json:"line"`
	Push    int64 `json:"push"`
	SMS     int64 `json:"sms"`
}

// reachChannels are the channels Reach counts, in its column order, with
// the SQL of a member's address on each (the one sending uses: the last
// push token) and of its key among the suppressions (SuppressionAddress).
var reachChannels = []struct{ name, address, key string }{
	{"email", "m.email", "lower(btrim(m.email))"},
	{"line", "m.line_user_id", "m.line_user_id"},
	{"push", "m.push", "m.push"},
	{"sms", "m.phone", "m.phone"},
}

// reachSQL is the one statement that counts q's members and, per channel,
// those Reach counts. Each rule is a hashed subplan over the workspace's
// consent or suppressions, read once, never a lookup per member. The
// bind parameters after q's are, per channel, whether it needs an opt-in.
func reachSQL(q segments.Query) string {
	sql := `SELECT count(*)`
	n := q.Next()
	for _, ch := range reachChannels {
		c := "'" + ch.name + "'"
		sql += `, count(*) FILTER (WHERE ` + ch.address + ` <> ''
			AND m.id NOT IN (SELECT customer_id FROM consent WHERE workspace_id = $1 AND channel = ` + c + ` AND topic = '' AND status = 'opted_out')
			AND ` + ch.key + ` NOT IN (SELECT address FROM suppressions WHERE workspace_id = $1 AND channel = ` + c + `)
			AND NOT coalesce(` + hashSQL("m.salt", c, ch.key) + ` IN (SELECT hash FROM erased_suppressions WHERE workspace_id = $1 AND channel = ` + c + `), false)
			AND (NOT $` + strconv.Itoa(n) + `::boolean OR m.id IN (SELECT customer_id FROM consent WHERE workspace_id = $1 AND channel = ` + c + ` AND topic = '' AND status = 'opted_in')))`
		n++
	}
	return sql + ` FROM (SELECT p.id, p.email, p.line_user_id, p.phone, coalesce(p.push_tokens[cardinality(p.push_tokens)], '') AS push,
		(SELECT salt FROM erasure_salts WHERE workspace_id = $1) AS salt
		FROM profiles p WHERE p.workspace_id = $1 AND (` + q.Where + `)) m`
}

// reachArgs are q's arguments and, per channel, whether the policy asks a
// promotional message on it for an opt-in.
func reachArgs(q segments.Query, policy advertising.Policy) []any {
	args := append([]any{}, q.Args...)
	for _, ch := range reachChannels {
		args = append(args, policy.NeedsOptIn(ch.name, false))
	}
	return args
}

// countReach runs reachSQL in tx.
func countReach(ctx context.Context, tx pgx.Tx, q segments.Query, policy advertising.Policy) (Reach, error) {
	var r Reach
	err := tx.QueryRow(ctx, reachSQL(q), reachArgs(q, policy)...).Scan(&r.Members, &r.Email, &r.LINE, &r.Push, &r.SMS)
	if err != nil {
		return Reach{}, fmt.Errorf("count the reachable members: %w", err)
	}
	return r, nil
}

// SegmentReach counts segment id's members and those a promotional
// message could reach on each channel now, in one statement. It returns
// ErrNotFound for a segment the workspace lacks.
func (s *Store) SegmentReach(ctx context.Context, workspaceID, id string) (Reach, error) {
	policy, err := s.AdvertisingPolicy(ctx, workspaceID)
	if err != nil {
		return Reach{}, err
	}
	var r Reach
	err = s.inSegment(ctx, workspaceID, id, time.Now(), nil, func(tx pgx.Tx, q segments.Query) error {
		r, err = countReach(ctx, tx, q, policy.Policy())
		return err
	})
	if err != nil {
		return Reach{}, fmt.Errorf("store: unable to count the reach of segment %q: %w", id, err)
	}
	return r, nil
}
