// Package routing is how an event reaches a journey run. It holds the
// journey index (which journeys of a workspace take which events), entry and
// signal routing, post-exit goal attribution, the trigger schedules and the
// sweeper.
//
// The path of one event, from the HTTP call to the run:
//
//  1. api's ingestion handlers (/v1/track, /v1/batch, …) bind and validate
//     the calls and hand them to ingest.Pipeline.Submit, which applies the
//     taxonomy, stores the events (store.InsertEvents) and calls
//     Router.RouteStored.
//  2. RouteStored groups the stored events by customer and routes each with
//     Router.Route, one customer's events in order.
//  3. Route looks the event up in the index (index.go): an entry event that
//     passes the journey's entry filter enters the customer through
//     workflows.EnterJourney (SignalWithStart); every event is signalled
//     to the customer's running runs (workflows.SignalEvent); a goal event
//     is also credited to runs that have ended (attribution.go).
//  4. Events routed to every run are marked routed; the rest stay unrouted
//     and the Sweeper (sweeper.go, run by `tabiji api` and `tabiji dev`)
//     routes them again, claiming them so that several APIs' sweepers
//     share them.
//
// With several API processes, the index stays true in each: Changes
// (changes.go) hears every journey change as it commits, and UsedEvents
// checks the workspace's journey version before an ingestion call stores
// events as used by no journey.
package routing

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/tabiji/tabiji/metrics"
	"github.com/tabiji/tabiji/payloadcodec"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
	"github.com/tabiji/tabiji/wscache"
)

// Deps is what a Router needs.
type Deps struct {
	Store     *store.Store
	Temporal  client.Client
	TaskQueue string
	Logger    *slog.Logger
	// PayloadCodec decrypts the histories attribution reads (an ended run's
	// entry event); nil: the payloads are in clear.
	PayloadCodec *payloadcodec.Codec
	// Metrics observes the routing lag; nil observes nothing.
	Metrics *metrics.Metrics
	// Changes, when set (and running), brings the journey changes of every
	// process to the index as they commit; nil: the index keeps a
	// workspace's journeys for indexTTL, dropping them only on this
	// process's own changes (Invalidate), which is right for one process.
	Changes *Changes
	// Taxonomies holds each workspace's compiled taxonomy, which
	// CheckJourney holds a definition's events to; nil: New makes one
	// that keeps a workspace's taxonomy for taxonomyTTL.
	Taxonomies *wscache.Cache[*taxonomy.Taxonomy]
}

// Router hands events to the journey runs that use them.
type Router struct {
	Deps
	journeys *journeyIndex
	// listeners hear of the journey changes made through this process
	// (OnJourneysChanged).
	listeners []func(workspaceID string)
}

// indexTTL is how long the index keeps a workspace's journeys; this
// process drops its own entry on every lifecycle change (Invalidate).
const indexTTL = 5 * time.Second

// taxonomyTTL is how long a Router's own taxonomy cache keeps a
// workspace's taxonomy.
const taxonomyTTL = 5 * time.Second

// NewTaxonomyCache keeps each workspace's compiled taxonomy for ttl.
func NewTaxonomyCache(st *store.Store, ttl time.Duration) *wscache.Cache[*taxonomy.Taxonomy] {
	return wscache.New(ttl, func(ctx context.Context, workspaceID string) (*taxonomy.Taxonomy, error) {
		t, err := st.Taxonomy(ctx, workspaceID)
		if err != nil {
			return nil, fmt.Errorf("load taxonomy: %w", err)
		}
		t.Compile()
		return t, nil
	})
}

// New returns a Router over d.
func New(d Deps) *Router {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Taxonomies == nil {
		d.Taxonomies = NewTaxonomyCache(d.Store, taxonomyTTL)
	}
	return &Router{Deps: d, journeys: newJourneyIndex(d.Store, indexTTL, d.Changes)}
}

// Invalidate drops the workspace's journeys from the index, after a
// lifecycle change made through this process.
func (r *Router) Invalidate(workspaceID string) { r.journeys.invalidate(workspaceID) }

// historyConverter reads the payloads of histories fetched from Temporal:
// through the codec when there is one (payloads recorded before it pass).
func (r *Router) historyConverter() converter.DataConverter {
	if r.PayloadCodec == nil {
		return converter.GetDefaultDataConverter()
	}
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), r.PayloadCodec)
}
