package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// RichMenuRule links a LINE rich menu to the members of a segment.
type RichMenuRule struct {
	WorkspaceID string
	SegmentID   string
	RichMenuID  string
	Linked      int // LINE users the menu is linked to now
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// RichMenuLink is one LINE user's menu from one rule.
type RichMenuLink struct {
	SegmentID  string
	RichMenuID string
	LineUserID string
	CustomerID string
	// Others says the user also has a menu from another rule: leaving this
	// rule's segment relinks that one rather than unlinking.
	Others bool
}

// PutRichMenuRule sets the rich menu of the segment's members; a segment
// the workspace does not have is ErrNotFound.
func (s *Store) PutRichMenuRule(ctx context.Context, workspaceID, segmentID, richMenuID string) (RichMenuRule, error) {
	r := RichMenuRule{WorkspaceID: workspaceID, SegmentID: segmentID, RichMenuID: richMenuID}
	err := s.pool.QueryRow(ctx, `INSERT INTO line_rich_menu_rules (workspace_id, segment_id, rich_menu_id)
		SELECT $1, $2, $3 FROM segments WHERE workspace_id = $1 AND id = $2
		ON CONFLICT (workspace_id, segment_id) DO UPDATE SET rich_menu_id = excluded.rich_menu_id, updated_at = now()
		RETURNING created_at, updated_at`, workspaceID, segmentID, richMenuID).Scan(&r.CreatedAt, &r.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return RichMenuRule{}, fmt.Errorf("store: rich menu of segment %q: %w", segmentID, ErrNotFound)
	}
	if err != nil {
		return RichMenuRule{}, fmt.Errorf("store: unable to set the rich menu of segment %q: %w", segmentID, err)
	}
	return r, nil
}

// RichMenuRules lists the workspace's rules, by segment, with how many
// users each has linked.
func (s *Store) RichMenuRules(ctx context.Context, workspaceID string) ([]RichMenuRule, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.segment_id, r.rich_menu_id, r.created_at, r.updated_at,
			(SELECT count(*) FROM line_rich_menu_members m WHERE m.workspace_id = r.workspace_id AND m.segment_id = r.segment_id
			 AND m.rich_menu_id = r.rich_menu_id)
		FROM line_rich_menu_rules r WHERE r.workspace_id = $1 ORDER BY r.segment_id`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list rich menu rules: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (RichMenuRule, error) {
		r := RichMenuRule{WorkspaceID: workspaceID}
		return r, row.Scan(&r.SegmentID, &r.RichMenuID, &r.CreatedAt, &r.UpdatedAt, &r.Linked)
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to read rich menu rules: %w", err)
	}
	return out, nil
}

// RichMenuSegments are the segments the workspace's rules name: tracked,
// as the segments journeys enter on are.
func (s *Store) RichMenuSegments(ctx context.Context, workspaceID string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT segment_id FROM line_rich_menu_rules WHERE workspace_id = $1 ORDER BY segment_id`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list rich menu segments: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unable to read rich menu segments: %w", err)
	}
	return out, nil
}

// DeleteRichMenuRule removes the rule; its links are undone by the next sync.
func (s *Store) DeleteRichMenuRule(ctx context.Context, workspaceID, segmentID string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM line_rich_menu_rules WHERE workspace_id = $1 AND segment_id = $2`, workspaceID, segmentID)
	if err != nil {
		return fmt.Errorf("store: unable to delete the rich menu of segment %q: %w", segmentID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: rich menu of segment %q: %w", segmentID, ErrNotFound)
	}
	return nil
}

// RichMenuWorkspaces are the workspaces with a rule or a link to undo.
func (s *Store) RichMenuWorkspaces(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT workspace_id FROM line_rich_menu_rules
		UNION SELECT DISTINCT workspace_id FROM line_rich_menu_members ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list rich menu workspaces: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unable to read rich menu workspaces: %w", err)
	}
	return out, nil
}

// RichMenuLinksDue are up to limit links to make: tracked members of a
// rule's segment with a LINE user ID whose menu from that rule is not
// linked (or was another menu), by segment and user.
func (s *Store) RichMenuLinksDue(ctx context.Context, workspaceID string, limit int) ([]RichMenuLink, error) {
	return s.richMenuLinks(ctx, "links due", `SELECT r.segment_id, r.rich_menu_id, p.line_user_id, t.customer_id, false
		FROM line_rich_menu_rules r
		JOIN tracked_segment_members t ON t.workspace_id = r.workspace_id AND t.segment_id = r.segment_id
		JOIN profiles p ON p.workspace_id = t.workspace_id AND p.id = t.customer_id AND p.line_user_id <> ''
		LEFT JOIN line_rich_menu_members m ON m.workspace_id = r.workspace_id AND m.segment_id = r.segment_id AND m.line_user_id = p.line_user_id
		WHERE r.workspace_id = $1 AND (m.line_user_id IS NULL OR m.rich_menu_id <> r.rich_menu_id)
		ORDER BY r.segment_id, p.line_user_id LIMIT $2`, workspaceID, limit)
}

// RichMenuUnlinksDue are up to limit links to undo: the rule is gone, or
// the LINE user is no longer a tracked member of its segment. Others says
// the user has a link from another rule that stays (its rule is there and
// the user still in its segment).
func (s *Store) RichMenuUnlinksDue(ctx context.Context, workspaceID string, limit int) ([]RichMenuLink, error) {
	return s.richMenuLinks(ctx, "unlinks due", `SELECT m.segment_id, m.rich_menu_id, m.line_user_id, m.customer_id,
			EXISTS (SELECT 1 FROM line_rich_menu_members o
				JOIN line_rich_menu_rules r ON r.workspace_id = o.workspace_id AND r.segment_id = o.segment_id
				JOIN tracked_segment_members t ON t.workspace_id = o.workspace_id AND t.segment_id = o.segment_id
				JOIN profiles p ON p.workspace_id = t.workspace_id AND p.id = t.customer_id AND p.line_user_id = o.line_user_id
				WHERE o.workspace_id = m.workspace_id AND o.line_user_id = m.line_user_id AND o.segment_id <> m.segment_id)
		FROM line_rich_menu_members m
		WHERE m.workspace_id = $1 AND (
			NOT EXISTS (SELECT 1 FROM line_rich_menu_rules r WHERE r.workspace_id = m.workspace_id AND r.segment_id = m.segment_id)
			OR NOT EXISTS (SELECT 1 FROM tracked_segment_members t JOIN profiles p ON p.workspace_id = t.workspace_id AND p.id = t.customer_id
				WHERE t.workspace_id = m.workspace_id AND t.segment_id = m.segment_id AND p.line_user_id = m.line_user_id))
		ORDER BY m.segment_id, m.line_user_id LIMIT $2`, workspaceID, limit)
}

func (s *Store) richMenuLinks(ctx context.Context, what, sql string, args ...any) ([]RichMenuLink, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list rich menu %s: %w", what, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (RichMenuLink, error) {
		var l RichMenuLink
		return l, row.Scan(&l.SegmentID, &l.RichMenuID, &l.LineUserID, &l.CustomerID, &l.Others)
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to read rich menu %s: %w", what, err)
	}
	return out, nil
}

// RecordRichMenuLinks records links LINE accepted.
func (s *Store) RecordRichMenuLinks(ctx context.Context, workspaceID string, links []RichMenuLink) error {
	batch := &pgx.Batch{}
	for _, l := range links {
		batch.Queue(`INSERT INTO line_rich_menu_members (workspace_id, segment_id, line_user_id, customer_id, rich_menu_id)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workspace_id, segment_id, line_user_id)
			DO UPDATE SET rich_menu_id = excluded.rich_menu_id, customer_id = excluded.customer_id, linked_at = now()`,
			workspaceID, l.SegmentID, l.LineUserID, l.CustomerID, l.RichMenuID)
	}
	if err := s.pool.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("store: unable to record rich menu links: %w", err)
	}
	return nil
}

// ForgetRichMenuLinks removes undone links. For a link whose user has
// others (Others), those are removed too, so that the next sync links the
// menu of a rule the user is still in.
func (s *Store) ForgetRichMenuLinks(ctx context.Context, workspaceID string, links []RichMenuLink) error {
	batch := &pgx.Batch{}
	for _, l := range links {
		if l.Others {
			batch.Queue(`DELETE FROM line_rich_menu_members WHERE workspace_id = $1 AND line_user_id = $2`, workspaceID, l.LineUserID)
			continue
		}
		batch.Queue(`DELETE FROM line_rich_menu_members WHERE workspace_id = $1 AND segment_id = $2 AND line_user_id = $3`,
			workspaceID, l.SegmentID, l.LineUserID)
	}
	if err := s.pool.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("store: unable to forget rich menu links: %w", err)
	}
	return nil
}
