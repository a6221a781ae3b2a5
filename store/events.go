package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// Event is one thing a customer did, as a service sent it (Segment spec).
type Event struct {
	WorkspaceID string
	MessageID   string // the sender's id for the call: a second event with the same id is a duplicate
	Type        string // track, identify, page, screen, group or alias; "track" when empty
	UserID      string // the customer: stored as the canonical id of the profile it was merged into
	AnonymousID string
	Name        string          // track: the event; page and screen: the name
	Properties  json.RawMessage // '{}' when nil
	Traits      json.RawMessage // identify and group: '{}' when nil
	Context     json.RawMessage // '{}' when nil
	GroupID     string          // group only
	PreviousID  string          // alias only
	Violations  json.RawMessage // taxonomy findings of an event let in despite them; nil when none
	Timestamp   time.Time       // when it happened; the receive time when zero
	ReceivedAt  time.Time       // now() when zero
	RoutedAt    *time.Time      // nil until the journeys that use it have been signalled; set on insert when none does
}

const eventColumns = `e.workspace_id, e.message_id, e.type, e.user_id, e.anonymous_id, e.event, e.properties,
	e.traits, e.context, e.group_id, e.previous_id, e.violations, e.timestamp, e.received_at, i.routed_at`

// eventFrom joins each event to its routing state.
const eventFrom = `events e JOIN event_ids i
	ON i.workspace_id = e.workspace_id AND i.message_id = e.message_id AND i.received_at = e.received_at`

func scanEvent(row pgx.Row) (Event, error) {
	var e Event
	err := row.Scan(&e.WorkspaceID, &e.MessageID, &e.Type, &e.UserID, &e.AnonymousID, &e.Name, &e.Properties,
		&e.Traits, &e.Context, &e.GroupID, &e.PreviousID, &e.Violations, &e.Timestamp, &e.ReceivedAt, &e.RoutedAt)
	return e, err
}

// InsertEvent stores the event unless the workspace has one with its
// MessageID. It returns the stored row and true, or for a duplicate the row
// stored first and false.
func (s *Store) InsertEvent(ctx context.Context, e Event) (stored Event, inserted bool, err error) {
	out, err := s.InsertEvents(ctx, []Event{e})
	if err != nil {
		return Event{}, false, err
	}
	stored, err = s.GetEvent(ctx, e.WorkspaceID, e.MessageID)
	if err != nil {
		return Event{}, false, fmt.Errorf("store: unable to insert event: read the stored row: %w", err)
	}
	return stored, out[0].Inserted, nil
}

// Inserted is what InsertEvents did with one event.
type Inserted struct {
	Event    Event // as stored, with its canonical UserID; for a duplicate, as given
	Inserted bool  // false for a duplicate messageId, stored before or earlier in the same call
}

// InsertEvents stores the events whose MessageID their workspace has not
// seen, in one statement, and answers for each in order. Each event's UserID
// is replaced by the canonical id of the profile it names, and that profile
// is created when missing. The same statement records recent, the calls
// the event debugger shows (RecentCall: an empty Verdict is decided here).
func (s *Store) InsertEvents(ctx context.Context, events []Event, recent ...RecentCall) ([]Inserted, error) {
	if len(events) == 0 {
		return nil, s.InsertRecentCalls(ctx, recent)
	}
	out := make([]Inserted, len(events))
	cols := newEventColumns(len(events))
	seen := make(map[[2]string]bool, len(events))
	now := time.Now()
	for i, e := range events {
		if e.WorkspaceID == "" || e.MessageID == "" {
			return nil, errors.New("store: unable to insert events: empty workspace or message id")
		}
		e.Type = cmp.Or(e.Type, "track")
		if e.ReceivedAt.IsZero() {
			e.ReceivedAt = now
		}
		if e.Timestamp.IsZero() {
			e.Timestamp = e.ReceivedAt
		}
		e.Properties, e.Traits, e.Context = jsonObject(e.Properties), jsonObject(e.Traits), jsonObject(e.Context)
		out[i] = Inserted{Event: e}
		key := [2]string{e.WorkspaceID, e.MessageID}
		if !seen[key] {
			seen[key] = true
			cols.add(e)
		}
	}
	if len(recent) > 0 {
		cols.recent = newRecentColumns(recent)
	}
	if err := s.insertEventRows(ctx, cols, out); err != nil {
		return nil, fmt.Errorf("store: unable to insert events: %w", err)
	}
	return out, nil
}

// insertEventRows runs the one statement and marks in out the events it stored.
func (s *Store) insertEventRows(ctx context.Context, cols *eventColumnSet, out []Inserted) error {
	stored := map[[2]string]string{}
	err := s.runInsertEvents(ctx, cols, func(rows pgx.Rows) error {
		var ws, id, user string
		_, err := pgx.ForEachRow(rows, []any{&ws, &id, &user}, func() error {
			stored[[2]string{ws, id}] = user
			return nil
		})
		return err
	})
	if err != nil {
		return err
	}
	for i := range out {
		key := [2]string{out[i].Event.WorkspaceID, out[i].Event.MessageID}
		if user, ok := stored[key]; ok {
			out[i].Event.UserID, out[i].Inserted = user, true
			delete(stored, key) // a second event with the id in this call is a duplicate
		}
	}
	return nil
}

// insertEventsSQL claims each message id in event_ids and stores the events
// whose claim succeeded; rows come sorted by id, so that two concurrent
// batches lock in the same order and cannot deadlock. A batch with
// purchases runs insertPurchasesSQL (purchase_counters.go), which counts them too.
// (eventColumnSet.statement puts it together).

// insertEventsCTEs are insertEventsSQL's steps.
const insertEventsCTEs = `
WITH v AS (
	SELECT v.*, COALESCE(pi.profile_id, v.user_id) AS customer
	FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
	            $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[], $14::timestamptz[], $15::timestamptz[],
	            $16::text[], $17::text[])
	     AS v(workspace_id, message_id, type, user_id, anonymous_id, event, properties, traits, context,
	          group_id, previous_id, violations, timestamp, received_at, routed_at, sums, nums)
	LEFT JOIN profile_identities pi ON pi.workspace_id = v.workspace_id AND pi.alias_id = v.user_id
), ids AS (
	INSERT INTO event_ids (workspace_id, message_id, received_at, routed_at)
	SELECT workspace_id, message_id, received_at, routed_at FROM v ORDER BY workspace_id, message_id
	ON CONFLICT DO NOTHING
	RETURNING workspace_id, message_id
), profiles AS (
	INSERT INTO profiles (workspace_id, id)
	SELECT DISTINCT workspace_id, customer FROM v ORDER BY workspace_id, customer
	ON CONFLICT DO NOTHING
), stored AS (
	INSERT INTO events (workspace_id, message_id, type, user_id, anonymous_id, event, properties, traits, context,
		group_id, previous_id, violations, timestamp, received_at)
	SELECT v.workspace_id, v.message_id, v.type, v.customer, v.anonymous_id, v.event, v.properties::jsonb,
		v.traits::jsonb, v.context::jsonb, v.group_id, v.previous_id, v.violations::jsonb, v.timestamp, v.received_at
	FROM v JOIN ids USING (workspace_id, message_id)
	RETURNING workspace_id, message_id, user_id
), rollups AS (` + rollupEventsSQL + `)`

// insertEventsTail answers insertEventsSQL with the events it stored.
const insertEventsTail = `
SELECT workspace_id, message_id, user_id FROM stored`

// rollupEventsSQL adds the events just stored (those whose message id
// was claimed) to their customers' event_rollups (00015), one upsert per
// (workspace, customer, event) in key order, so concurrent batches lock rows
// in the same order. Each event's numeric properties come in v.sums and
// v.nums (eventNumbers): a customer's only event of the name in the batch
// (the usual case) gives them as they are; several are summed per key by
// tabiji_sum_numbers (00023), which the CASE calls only for those groups.
// track_first_at (00047) is the first of the track calls alone (LEAST
// skips a NULL: a group of page calls leaves it as it was).
const rollupEventsSQL = `
	WITH claimed AS (
		SELECT v.workspace_id, v.customer, v.event, v.type, v.timestamp, v.sums, v.nums
		FROM v JOIN ids USING (workspace_id, message_id)
		WHERE v.event <> ''
	), grouped AS (
		SELECT workspace_id, customer, event, count(*) AS n, min(timestamp) AS first_at, max(timestamp) AS last_at,
			min(timestamp) FILTER (WHERE type = 'track') AS track_first_at, min(sums) AS sums, min(nums) AS nums
		FROM claimed GROUP BY 1, 2, 3
	)
	INSERT INTO event_rollups AS r (workspace_id, user_id, event, count, first_at, last_at, track_first_at, sums, nums)
	SELECT g.workspace_id, g.customer, g.event, g.n, g.first_at, g.last_at, g.track_first_at,
		CASE WHEN g.n = 1 THEN g.sums::jsonb ELSE (SELECT tabiji_sum_numbers(c.sums::jsonb) FROM claimed c
			WHERE c.workspace_id = g.workspace_id AND c.customer = g.customer AND c.event = g.event) END,
		CASE WHEN g.n = 1 THEN g.nums::jsonb ELSE (SELECT tabiji_sum_numbers(c.nums::jsonb) FROM claimed c
			WHERE c.workspace_id = g.workspace_id AND c.customer = g.customer AND c.event = g.event) END
	FROM grouped g
	ORDER BY 1, 2, 3
	ON CONFLICT (workspace_id, user_id, event) DO UPDATE SET
		count = r.count + excluded.count,
		first_at = LEAST(r.first_at, excluded.first_at),
		last_at = GREATEST(r.last_at, excluded.last_at),
		track_first_at = LEAST(r.track_first_at, excluded.track_first_at),
		sums = tabiji_add_numbers(r.sums, excluded.sums),
		nums = tabiji_add_numbers(r.nums, excluded.nums)`

// eventColumnSet holds events column by column, as insertEventsSQL takes them.
type eventColumnSet struct {
	ws, id, typ, user, anon, name, props, traits, ctx, group, prev []string
	sums, nums                                                     []string // eventNumbers of each, "{}" for an unnamed event
	violations                                                     []*string
	ts, received                                                   []time.Time
	routed                                                         []*time.Time
	recent                                                         *recentColumns // the calls to record, nil for none
}

func newEventColumns(n int) *eventColumnSet {
	return &eventColumnSet{ws: make([]string, 0, n)}
}

func (c *eventColumnSet) add(e Event) {
	c.ws, c.id, c.typ = append(c.ws, e.WorkspaceID), append(c.id, e.MessageID), append(c.typ, e.Type)
	c.user, c.anon, c.name = append(c.user, e.UserID), append(c.anon, e.AnonymousID), append(c.name, e.Name)
	c.props, c.traits = append(c.props, string(e.Properties)), append(c.traits, string(e.Traits))
	c.ctx, c.group, c.prev = append(c.ctx, string(e.Context)), append(c.group, e.GroupID), append(c.prev, e.PreviousID)
	var v *string
	if len(e.Violations) > 0 && string(e.Violations) != "null" {
		s := string(e.Violations)
		v = &s
	}
	c.violations = append(c.violations, v)
	c.ts, c.received, c.routed = append(c.ts, e.Timestamp), append(c.received, e.ReceivedAt), append(c.routed, e.RoutedAt)
	sums, nums := "{}", "{}"
	if e.Name != "" {
		sums, nums = eventNumbers(e.Properties)
	}
	c.sums, c.nums = append(c.sums, sums), append(c.nums, nums)
}

func (c *eventColumnSet) args() []any {
	args := []any{c.ws, c.id, c.typ, c.user, c.anon, c.name, c.props, c.traits, c.ctx, c.group, c.prev,
		c.violations, c.ts, c.received, c.routed, c.sums, c.nums}
	if c.recent != nil {
		args = append(args, c.recent.args()...)
	}
	return args
}

// statement is insertEventsSQL for the columns: with purchases,
// insertPurchasesSQL; with recent calls, the step that records them.
func (c *eventColumnSet) statement(purchases bool) string {
	sql := insertEventsCTEs
	if purchases {
		sql += purchasesCTEs
	}
	if c.recent != nil {
		sql += insertRecentCTE
	}
	return sql + insertEventsTail
}

// GetEvent returns the workspace's event with the message id, or ErrNotFound.
func (s *Store) GetEvent(ctx context.Context, workspaceID, messageID string) (Event, error) {
	e, err := scanEvent(s.pool.QueryRow(ctx, `
		SELECT `+eventColumns+` FROM `+eventFrom+`
		WHERE i.workspace_id = $1 AND i.message_id = $2`, workspaceID, messageID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Event{}, fmt.Errorf("store: unable to get event %q: %w", messageID, ErrNotFound)
	}
	if err != nil {
		return Event{}, fmt.Errorf("store: unable to get event %q: %w", messageID, err)
	}
	return e, nil
}

// MarkEventRouted records that the event reached every journey run that
// uses it; the first time counts. It returns ErrNotFound for an unknown event.
func (s *Store) MarkEventRouted(ctx context.Context, workspaceID, messageID string) error {
	n, err := s.MarkEventsRouted(ctx, workspaceID, []string{messageID})
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("store: unable to mark event %q routed: %w", messageID, ErrNotFound)
	}
	return nil
}

// MarkEventsRouted records that the events reached every journey run that
// uses them, in one statement, and returns how many it found.
func (s *Store) MarkEventsRouted(ctx context.Context, workspaceID string, messageIDs []string) (int64, error) {
	ids := slices.Sorted(slices.Values(messageIDs))
	tag, err := s.pool.Exec(ctx, `
		UPDATE event_ids SET routed_at = COALESCE(routed_at, now())
		WHERE workspace_id = $1 AND message_id = ANY($2)`, workspaceID, ids)
	if err != nil {
		return 0, fmt.Errorf("store: unable to mark events routed: %w", err)
	}
	return tag.RowsAffected(), nil
}

// UnroutedEvents returns at most limit events of any workspace received
// before the given time and not yet routed, oldest first: what a crash
// between storing and signalling left behind.
func (s *Store) UnroutedEvents(ctx context.Context, before time.Time, limit int) ([]Event, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+eventColumns+` FROM `+eventFrom+`
		WHERE i.routed_at IS NULL AND i.received_at < $1
		ORDER BY i.received_at
		LIMIT $2`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list unrouted events: %w", err)
	}
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) { return scanEvent(r) })
	if err != nil {
		return nil, fmt.Errorf("store: unable to list unrouted events: %w", err)
	}
	return events, nil
}

// UnroutedEventsByID returns those of the workspace's events with the given
// message ids that are stored but not yet routed, oldest first: what a
// client's retry of a call that failed to route must route again.
func (s *Store) UnroutedEventsByID(ctx context.Context, workspaceID string, messageIDs []string) ([]Event, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+eventColumns+` FROM `+eventFrom+`
		WHERE i.workspace_id = $1 AND i.message_id = ANY($2) AND i.routed_at IS NULL
		ORDER BY i.received_at, i.message_id`, workspaceID, messageIDs)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read unrouted events: %w", err)
	}
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) { return scanEvent(r) })
	if err != nil {
		return nil, fmt.Errorf("store: unable to read unrouted events: %w", err)
	}
	return events, nil
}

// TimelineFilter pages CustomerEvents: at most Limit events (1–500, 50
// when 0), after the cursor a previous page returned.
type TimelineFilter struct {
	Limit int
	After string
}

// CustomerEvents returns a page of the customer's events, newest first by
// (timestamp, message id), and the cursor of the next page ("" after the
// last). customerID is a canonical profile id: merged events carry it. An
// After it did not make gives an error wrapping ErrInvalidCursor.
func (s *Store) CustomerEvents(ctx context.Context, workspaceID, customerID string, f TimelineFilter) ([]Event, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	where, args := `e.workspace_id = $1 AND e.user_id = $2`, []any{workspaceID, customerID, limit + 1}
	if f.After != "" {
		at, id, err := decodeCursor(f.After)
		if err != nil {
			return nil, "", fmt.Errorf("store: unable to list the customer's events: %w", err)
		}
		where += ` AND (e.timestamp, e.message_id) < ($4::timestamptz, $5)`
		args = append(args, at, id)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT `+eventColumns+` FROM `+eventFrom+`
		WHERE `+where+`
		ORDER BY e.timestamp DESC, e.message_id DESC
		LIMIT $3`, args...)
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to list the customer's events: %w", err)
	}
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) { return scanEvent(r) })
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to list the customer's events: %w", err)
	}
	next := ""
	if len(events) > limit {
		events = events[:limit]
		last := events[limit-1]
		next = encodeCursor(last.Timestamp, last.MessageID)
	}
	return events, next, nil
}

// EnsureEventPartitions creates the monthly partitions of events from the
// month of now to monthsAhead months later, moving rows the default
// partition caught for them. The API and the worker call it at start and daily.
func (s *Store) EnsureEventPartitions(ctx context.Context, now time.Time, monthsAhead int) error {
	if _, err := s.pool.Exec(ctx, `SELECT tabiji_event_partitions($1, $2)`, now, monthsAhead); err != nil {
		return fmt.Errorf("store: unable to create event partitions: %w", err)
	}
	return nil
}

// jsonObject stores a missing JSON document as an empty object.
func jsonObject(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("{}")
	}
	return raw
}
