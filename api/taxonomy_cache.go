package api

import (
	"time"

	"github.com/tabiji/tabiji/routing"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
	"github.com/tabiji/tabiji/wscache"
)

// taxonomyCache holds each workspace's compiled taxonomy: checking an event
// costs map lookups, not a query.
type taxonomyCache = wscache.Cache[*taxonomy.Taxonomy]

func newTaxonomyCache(st *store.Store, ttl time.Duration) *taxonomyCache {
	return routing.NewTaxonomyCache(st, ttl)
}
