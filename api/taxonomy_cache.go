package api

import (
	"context"
	"fmt"
	"time"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
	"github.com/tabiji/tabiji/wscache"
)

// taxonomyCache holds each workspace's compiled taxonomy: checking an event
// costs map lookups, not a query.
type taxonomyCache = wscache.Cache[*taxonomy.Taxonomy]

func newTaxonomyCache(st *store.Store, ttl time.Duration) *taxonomyCache {
	return wscache.New(ttl, func(ctx context.Context, workspaceID string) (*taxonomy.Taxonomy, error) {
		t, err := st.Taxonomy(ctx, workspaceID)
		if err != nil {
			return nil, fmt.Errorf("load taxonomy: %w", err)
		}
		t.Compile()
		return t, nil
	})
}
