package api

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// taxonomyCache keeps each workspace's compiled taxonomy for ttl, so that
// checking an event costs map lookups, not a query. Every change through
// this API invalidates the workspace's entry; changes made elsewhere (the
// CLI, another API process) show within ttl. Concurrent misses share one
// load (singleflight), so an expiry under load makes one query, not one per
// request.
type taxonomyCache struct {
	store *store.Store
	ttl   time.Duration
	loads singleflight.Group

	mu   sync.Mutex
	byWS map[string]taxonomyEntry
	gen  map[string]uint64 // bumped by invalidate, so a load begun before it is not kept
}

type taxonomyEntry struct {
	loaded time.Time
	t      *taxonomy.Taxonomy
}

func newTaxonomyCache(st *store.Store, ttl time.Duration) *taxonomyCache {
	return &taxonomyCache{store: st, ttl: ttl, byWS: map[string]taxonomyEntry{}, gen: map[string]uint64{}}
}

// get returns the workspace's compiled taxonomy. Callers must not change it.
func (c *taxonomyCache) get(ctx context.Context, workspaceID string) (*taxonomy.Taxonomy, error) {
	c.mu.Lock()
	e, ok := c.byWS[workspaceID]
	gen := c.gen[workspaceID]
	c.mu.Unlock()
	if ok && time.Since(e.loaded) < c.ttl {
		return e.t, nil
	}
	key := workspaceID + "\x00" + strconv.FormatUint(gen, 10)
	v, err, _ := c.loads.Do(key, func() (any, error) {
		t, err := c.store.Taxonomy(context.WithoutCancel(ctx), workspaceID)
		if err != nil {
			return nil, err
		}
		t.Compile()
		c.mu.Lock()
		if c.gen[workspaceID] == gen {
			c.byWS[workspaceID] = taxonomyEntry{loaded: time.Now(), t: t}
		}
		c.mu.Unlock()
		return t, nil
	})
	if err != nil {
		return nil, fmt.Errorf("load taxonomy: %w", err)
	}
	return v.(*taxonomy.Taxonomy), nil
}

// invalidate drops the workspace's entry: the next get loads it afresh.
func (c *taxonomyCache) invalidate(workspaceID string) {
	c.mu.Lock()
	delete(c.byWS, workspaceID)
	c.gen[workspaceID]++
	c.mu.Unlock()
}
