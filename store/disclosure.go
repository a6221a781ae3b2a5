package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// DisclosureSection is one part of a disclosure: the rows of one or more
// tables about the customer, each row all of its columns as JSON.
type DisclosureSection struct {
	Name string
	// Tables are the tables the section reads (TestDisclosureCoversErasure
	// holds them to every table erasure deletes from).
	Tables []string
	// SQL selects the rows as one jsonb column, $1 the workspace and $2
	// every id of the customer (canonical and merged).
	SQL string
}

// disclosureSections are what a disclosure holds, in order: everything
// erasureSteps delete, read with to_jsonb so a column added later is
// disclosed without a change here.
var disclosureSections = []DisclosureSection{
	{"profile", []string{"profiles"}, `SELECT to_jsonb(p) FROM profiles p WHERE workspace_id = $1 AND id = ANY($2)`},
	{"identities", []string{"profile_identities"}, `SELECT to_jsonb(i) FROM profile_identities i
		WHERE workspace_id = $1 AND (alias_id = ANY($2) OR profile_id = ANY($2)) ORDER BY created_at, alias_id`},
	{"events", []string{"events", "event_ids"}, `SELECT to_jsonb(e) || jsonb_build_object('routed_at', i.routed_at)
		FROM events e LEFT JOIN event_ids i ON i.workspace_id = e.workspace_id AND i.message_id = e.message_id
		WHERE e.workspace_id = $1 AND (e.user_id = ANY($2) OR e.anonymous_id = ANY($2) OR e.previous_id = ANY($2))
		ORDER BY e.received_at, e.message_id`},
	{"event_rollups", []string{"event_rollups"}, `SELECT to_jsonb(r) FROM event_rollups r
		WHERE workspace_id = $1 AND user_id = ANY($2) ORDER BY event`},
	{"quarantined_events", []string{"quarantined_events"}, `SELECT to_jsonb(q) FROM quarantined_events q
		WHERE workspace_id = $1 AND (event->>'userId' = ANY($2) OR event->>'anonymousId' = ANY($2) OR event->>'previousId' = ANY($2))
		ORDER BY received_at, message_id`},
	{"recent_calls", []string{"recent_calls"}, `SELECT to_jsonb(r) FROM recent_calls r
		WHERE workspace_id = $1 AND (user_id = ANY($2) OR anonymous_id = ANY($2) OR payload->>'previousId' = ANY($2)
			OR (user_id = '' AND anonymous_id = '' AND payload IS NOT NULL
			    AND EXISTS (SELECT 1 FROM unnest($2::text[]) id WHERE strpos(payload::text, id) > 0)))
		ORDER BY seq`},
	{"messages", []string{"messages"}, `SELECT to_jsonb(m) FROM messages m
		WHERE workspace_id = $1 AND customer_id = ANY($2) ORDER BY created_at, id`},
	{"message_events", []string{"message_events"}, `SELECT to_jsonb(e) FROM message_events e JOIN messages m
		ON m.workspace_id = e.workspace_id AND m.id = e.message_id
		WHERE e.workspace_id = $1 AND m.customer_id = ANY($2) ORDER BY e.at, e.event_id`},
	{"message_stat_flags", []string{"message_stat_flags"}, `SELECT to_jsonb(f) FROM message_stat_flags f JOIN messages m
		ON m.workspace_id = f.workspace_id AND m.id = f.message_id
		WHERE f.workspace_id = $1 AND m.customer_id = ANY($2) ORDER BY f.message_id, f.metric`},
	{"consent", []string{"consent"}, `SELECT to_jsonb(c) FROM consent c
		WHERE workspace_id = $1 AND customer_id = ANY($2) ORDER BY channel, topic`},
	{"consent_history", []string{"consent_history"}, `SELECT to_jsonb(h) FROM consent_history h
		WHERE workspace_id = $1 AND customer_id = ANY($2) ORDER BY at, id`},
	{"suppressions", []string{"suppressions"}, `SELECT to_jsonb(s) FROM suppressions s JOIN profiles p
		ON p.workspace_id = s.workspace_id AND p.id = ANY($2)
		   AND ((s.channel = 'email' AND s.address = lower(trim(p.email))) OR (s.channel = 'line' AND s.address = p.line_user_id)
		        OR (s.channel = 'push' AND s.address = ANY(p.push_tokens)))
		WHERE s.workspace_id = $1 ORDER BY s.channel, s.address`},
	{"journey_runs", []string{"journey_runs"}, `SELECT to_jsonb(r) FROM journey_runs r
		WHERE workspace_id = $1 AND customer_id = ANY($2) ORDER BY entered_at, run_key`},
	{"journey_run_steps", []string{"journey_run_steps"}, `SELECT to_jsonb(s) FROM journey_run_steps s JOIN journey_runs r
		ON r.workspace_id = s.workspace_id AND r.run_key = s.run_key
		WHERE s.workspace_id = $1 AND r.customer_id = ANY($2) ORDER BY s.run_key, s.seq`},
	{"journey_conversions", []string{"journey_conversions"}, `SELECT to_jsonb(c) FROM journey_conversions c
		WHERE workspace_id = $1 AND customer_id = ANY($2) ORDER BY converted_at, message_id`},
	{"broadcast_deferrals", []string{"broadcast_deferrals"}, `SELECT to_jsonb(d) FROM broadcast_deferrals d
		WHERE workspace_id = $1 AND customer_id = ANY($2) ORDER BY broadcast_id`},
	{"tracked_segment_members", []string{"tracked_segment_members"}, `SELECT to_jsonb(t) FROM tracked_segment_members t
		WHERE workspace_id = $1 AND customer_id = ANY($2) ORDER BY segment_id`},
	{"lead_score_history", []string{"lead_score_history"}, `SELECT to_jsonb(l) FROM lead_score_history l
		WHERE workspace_id = $1 AND profile_id = ANY($2) ORDER BY seq`},
	{"provision_records", []string{"provision_records"}, `SELECT to_jsonb(r) FROM provision_records r
		WHERE workspace_id = $1 AND customer_id = ANY($2) ORDER BY provided_at, id`},
	{"line_rich_menu_members", []string{"line_rich_menu_members"}, `SELECT to_jsonb(m) FROM line_rich_menu_members m
		WHERE workspace_id = $1 AND customer_id = ANY($2) ORDER BY segment_id, line_user_id`},
	// The credentials of the flow (link token, nonce) are not the customer's data.
	{"line_account_links", []string{"line_account_links"}, `SELECT to_jsonb(l) - 'link_token' - 'nonce' FROM line_account_links l
		WHERE workspace_id = $1 AND customer_id = ANY($2) ORDER BY issued_at, line_user_id`},
}

// DisclosureSegmentsSection is the last section of a disclosure: the
// segments the customer is in as of the disclosure, computed rather than
// read from a table ({"segment": id} rows).
const DisclosureSegmentsSection = "segments"

// DisclosureSections names the sections of a disclosure, in order.
func DisclosureSections() []DisclosureSection {
	return append([]DisclosureSection(nil), disclosureSections...)
}

// DisclosureHead is what a disclosure says before its rows.
type DisclosureHead struct {
	CustomerID  string           // the canonical id
	IDs         []string         // every id of the customer: canonical and merged
	GeneratedAt time.Time        // the snapshot the rows are read in
	Counts      map[string]int64 // rows per section
	Sections    []string         // the sections, in the order their rows come
}

// DisclosureTooLarge is the error of a disclosure holding more rows than
// its limit: nothing was written.
type DisclosureTooLarge struct {
	Rows, Limit int64
	Counts      map[string]int64
}

// ErrDisclosureTooLarge is what a *DisclosureTooLarge is (errors.Is).
var ErrDisclosureTooLarge = errors.New("store: the disclosure is too large")

// Unwrap makes a *DisclosureTooLarge an ErrDisclosureTooLarge.
func (e *DisclosureTooLarge) Unwrap() error { return ErrDisclosureTooLarge }

func (e *DisclosureTooLarge) Error() string {
	return fmt.Sprintf("store: the disclosure holds %d rows, more than the %d one disclosure may hold", e.Rows, e.Limit)
}

// Disclose reads everything the workspace holds about the customer that id
// names (its canonical id or a merged one) in one read-only snapshot:
// head is called once with the counts, then row for each row, section by
// section in DisclosureSections' order, then for the segments the
// customer is in. It returns ErrNotFound when nothing is held, and a
// *DisclosureTooLarge, before calling head, when more than limit rows are.
func (s *Store) Disclose(ctx context.Context, workspaceID, id string, limit int64,
	head func(DisclosureHead) error, row func(section string, raw json.RawMessage) error) error {
	ids, in, err := s.disclosureSubject(ctx, workspaceID, id)
	if err != nil {
		return err
	}
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := s.segmentTimeout(ctx, tx); err != nil {
			return err
		}
		h := DisclosureHead{CustomerID: ids[0], IDs: ids, Counts: map[string]int64{}}
		if err := tx.QueryRow(ctx, `SELECT now()`).Scan(&h.GeneratedAt); err != nil {
			return fmt.Errorf("read the snapshot's time: %w", err)
		}
		total, err := disclosureCounts(ctx, tx, workspaceID, ids, h.Counts)
		if err != nil {
			return err
		}
		h.Counts[DisclosureSegmentsSection] = int64(len(in))
		switch {
		case total == 0:
			return ErrNotFound
		case total > limit:
			return &DisclosureTooLarge{Rows: total, Limit: limit, Counts: h.Counts}
		}
		h.Sections = append(sectionNames(), DisclosureSegmentsSection)
		if err := head(h); err != nil {
			return err
		}
		if err := discloseRows(ctx, tx, workspaceID, ids, row); err != nil {
			return err
		}
		for _, g := range in {
			raw, _ := json.Marshal(map[string]string{"segment": g}) // a map of strings always encodes
			if err := row(DisclosureSegmentsSection, raw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: unable to disclose customer %q: %w", id, err)
	}
	return nil
}

// disclosureSubject resolves id to every id of the customer (canonical
// first) and the segments the customer is in now.
func (s *Store) disclosureSubject(ctx context.Context, workspaceID, id string) (ids, segments []string, err error) {
	p, err := s.GetProfile(ctx, workspaceID, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return []string{id}, nil, nil
	case err != nil:
		return nil, nil, err
	}
	if segments, err = s.ProfileSegments(ctx, workspaceID, p.ID); err != nil {
		return nil, nil, fmt.Errorf("store: unable to disclose the segments of %q: %w", id, err)
	}
	return append([]string{p.ID}, p.AnonymousIDs...), segments, nil
}

func sectionNames() []string {
	var names []string
	for _, sec := range disclosureSections {
		names = append(names, sec.Name)
	}
	return names
}

// disclosureCounts counts each section's rows into counts and returns the sum.
func disclosureCounts(ctx context.Context, tx pgx.Tx, workspaceID string, ids []string, counts map[string]int64) (int64, error) {
	var total int64
	for _, sec := range disclosureSections {
		var n int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM (`+sec.SQL+`) AS rows`, workspaceID, ids).Scan(&n); err != nil {
			return 0, fmt.Errorf("count %s: %w", sec.Name, err)
		}
		counts[sec.Name] = n
		total += n
	}
	return total, nil
}

func discloseRows(ctx context.Context, tx pgx.Tx, workspaceID string, ids []string, row func(string, json.RawMessage) error) error {
	for _, sec := range disclosureSections {
		rows, err := tx.Query(ctx, sec.SQL, workspaceID, ids)
		if err != nil {
			return fmt.Errorf("read %s: %w", sec.Name, err)
		}
		var raw json.RawMessage
		_, err = pgx.ForEachRow(rows, []any{&raw}, func() error { return row(sec.Name, raw) })
		if err != nil {
			return fmt.Errorf("read %s: %w", sec.Name, err)
		}
	}
	return nil
}
