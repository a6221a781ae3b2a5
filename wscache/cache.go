// Package wscache keeps a value per workspace (a compiled taxonomy,
// compiled scoring rules, an opened secret) for a while, so that using it
// costs a map lookup, not a query.
package wscache

import (
	"context"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Cache keeps a value per workspace (a compiled taxonomy, compiled
// scoring rules) for ttl, so that using it costs a map lookup, not a query.
// Every change through the API invalidates the workspace's entry; changes
// made elsewhere (the CLI, another API process) show within ttl. Concurrent
// misses share one load (singleflight), so an expiry under load makes one
// query, not one per request.
type Cache[T any] struct {
	load  func(ctx context.Context, workspaceID string) (T, error)
	ttl   time.Duration
	loads singleflight.Group

	mu   sync.Mutex
	byWS map[string]cacheEntry[T]
	gen  map[string]uint64 // bumped by Invalidate, so a load begun before it is not kept
}

type cacheEntry[T any] struct {
	loaded time.Time
	v      T
}

// New returns a cache that loads a workspace's value with load and keeps
// it for ttl.
func New[T any](ttl time.Duration, load func(ctx context.Context, workspaceID string) (T, error)) *Cache[T] {
	return &Cache[T]{load: load, ttl: ttl, byWS: map[string]cacheEntry[T]{}, gen: map[string]uint64{}}
}

// Get returns the workspace's value. Callers must not change it.
func (c *Cache[T]) Get(ctx context.Context, workspaceID string) (T, error) {
	c.mu.Lock()
	e, ok := c.byWS[workspaceID]
	gen := c.gen[workspaceID]
	c.mu.Unlock()
	if ok && time.Since(e.loaded) < c.ttl {
		return e.v, nil
	}
	key := workspaceID + "\x00" + strconv.FormatUint(gen, 10)
	v, err, _ := c.loads.Do(key, func() (any, error) {
		v, err := c.load(context.WithoutCancel(ctx), workspaceID)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if c.gen[workspaceID] == gen {
			c.byWS[workspaceID] = cacheEntry[T]{loaded: time.Now(), v: v}
		}
		c.mu.Unlock()
		return v, nil
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// Invalidate drops the workspace's entry: the next Get loads it afresh.
func (c *Cache[T]) Invalidate(workspaceID string) {
	c.mu.Lock()
	delete(c.byWS, workspaceID)
	c.gen[workspaceID]++
	c.mu.Unlock()
}
