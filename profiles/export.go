package profiles

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/tabiji/tabiji/store"
)

// ExportQuery asks for one page of an export: the profiles of Segment (""
// for the workspace's) in id order after the id After, at most Limit, with
// segment membership as of Now; Columns also asks for the CSV's trait
// columns (on the first page).
type ExportQuery struct {
	Segment, After string
	Limit          int
	Now            time.Time
	Columns        bool
}

// ExportPage is one page of an export, and the trait columns when asked.
type ExportPage struct {
	Profiles []store.Profile
	Columns  []string
}

// ExportPage reads one page of an export (store.ProfilesPage; ErrNotFound
// for a segment the workspace lacks) and, when asked, the trait columns:
// the taxonomy's user properties (from the cache the ingestion reads),
// else the traits the page holds, sorted.
func (s *Service) ExportPage(ctx context.Context, workspaceID string, q ExportQuery) (ExportPage, error) {
	ps, err := s.Store.ProfilesPage(ctx, workspaceID, q.Segment, q.After, q.Limit, q.Now)
	if err != nil {
		return ExportPage{}, err
	}
	out := ExportPage{Profiles: ps}
	if !q.Columns {
		return out, nil
	}
	t, err := s.Taxonomies.Get(ctx, workspaceID)
	if err != nil {
		return ExportPage{}, fmt.Errorf("profiles: taxonomy of the export: %w", err)
	}
	seen := map[string]bool{}
	if t != nil {
		for _, p := range t.UserProperties {
			seen[p.Name] = true
		}
	}
	if len(seen) == 0 {
		for _, p := range ps {
			for k := range maps.Keys(p.Traits) {
				seen[k] = true
			}
		}
	}
	out.Columns = slices.Sorted(maps.Keys(seen))
	return out, nil
}
