package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/segments"
)

// MaxPreviewSample is the most members a preview lists.
const MaxPreviewSample = 100

// SegmentPreview is what a definition not yet saved selects now: its
// members counted, their reach per channel, and the first of them in id
// order.
type SegmentPreview struct {
	Reach  Reach
	Sample []string
}

// PreviewSegment validates raw exactly as saving segment id ("" for a new
// one) would (SegmentDefinition: the same field errors and refusals) and,
// when it passes, counts its members and their reach and lists up to
// sample of them (MaxPreviewSample at most), in one read-only transaction
// under the segment statement timeout. Nothing is stored.
func (s *Store) PreviewSegment(ctx context.Context, workspaceID, id string, raw json.RawMessage, sample int) (SegmentPreview, error) {
	canonical, err := s.SegmentDefinition(ctx, workspaceID, id, raw)
	if err != nil {
		return SegmentPreview{}, err
	}
	q, err := s.compileUnsaved(ctx, workspaceID, id, canonical)
	if err != nil {
		return SegmentPreview{}, fmt.Errorf("store: unable to preview a segment: %w", err)
	}
	policy, err := s.AdvertisingPolicy(ctx, workspaceID)
	if err != nil {
		return SegmentPreview{}, err
	}
	sample = min(max(sample, 0), MaxPreviewSample)
	var out SegmentPreview
	err = s.readSegments(ctx, func(tx pgx.Tx) error {
		if out.Reach, err = countReach(ctx, tx, q, policy.Policy()); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT p.id FROM profiles p WHERE p.workspace_id = $1 AND (`+q.Where+
			`) ORDER BY p.id LIMIT $`+strconv.Itoa(q.Next()), append(q.Args, sample)...)
		if err != nil {
			return err
		}
		out.Sample, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return SegmentPreview{}, fmt.Errorf("store: unable to preview a segment: %w", err)
	}
	return out, nil
}

// compileUnsaved compiles a validated definition as segment id would be
// compiled once saved: the workspace's zone, its other segments.
func (s *Store) compileUnsaved(ctx context.Context, workspaceID, id string, canonical json.RawMessage) (segments.Query, error) {
	d, err := segments.Parse(canonical)
	if err != nil {
		return segments.Query{}, err
	}
	resolve, err := s.SegmentResolver(ctx, workspaceID)
	if err != nil {
		return segments.Query{}, err
	}
	tz, err := s.WorkspaceTimezone(ctx, workspaceID)
	if err != nil {
		return segments.Query{}, err
	}
	q, err := segments.Compile(d, segments.Options{Workspace: workspaceID, Timezone: tz, Now: time.Now(), Segments: resolve})
	if err != nil {
		return segments.Query{}, chainFrom(id, err)
	}
	return q, nil
}
