package ingest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/tabiji/tabiji/metrics"
	"github.com/tabiji/tabiji/routing"
	"github.com/tabiji/tabiji/scoring"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
	"github.com/tabiji/tabiji/webcapture"
	"github.com/tabiji/tabiji/wscache"
)

// Deps is what a Pipeline needs. The caches are the API's too: it
// invalidates them when a taxonomy or scoring rules change.
type Deps struct {
	Store  *store.Store
	Router *routing.Router
	Logger *slog.Logger
	// Taxonomies holds each workspace's compiled taxonomy; every call is
	// checked against it.
	Taxonomies *wscache.Cache[*taxonomy.Taxonomy]
	// Scoring holds each workspace's compiled lead-scoring rules (nil when
	// it has none).
	Scoring *wscache.Cache[*scoring.Compiled]
	// Metrics counts the calls by verdict; nil counts nothing.
	Metrics *metrics.Metrics
	// IdentitySecrets holds each workspace's identity-verification secret,
	// opened (nil: none), which a client key's calls are verified with
	// (FromClientKey); nil verifies none.
	IdentitySecrets *wscache.Cache[[]byte]
}

// Pipeline takes decoded calls from the HTTP handlers to storage and on to
// the journeys: taxonomy, profiles, storage, routing, scoring and segment
// relevance (segment triggers).
type Pipeline struct {
	Deps
	// segments holds each workspace's tracked segments and what moves them.
	segments *wscache.Cache[[]trackedSegment]
}

// cacheTTL is how long the pipeline's own caches keep a workspace's value.
const cacheTTL = 5 * time.Second

// NewPipeline returns a Pipeline over d.
func NewPipeline(d Deps) *Pipeline {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Pipeline{Deps: d}
	p.segments = wscache.New(cacheTTL, p.loadMovers)
	return p
}

// JourneysChanged drops the workspace's tracked segments (the segments its
// active journeys enter on), after a journey lifecycle change made through
// this process; changes made elsewhere show within cacheTTL.
func (p *Pipeline) JourneysChanged(workspaceID string) { p.segments.Invalidate(workspaceID) }

// Result is what the pipeline did with a set of calls.
type Result struct {
	Stored      int // new events stored
	Duplicates  int // calls whose messageId was stored before
	Quarantined int
	Dropped     int
	Rejected    []Rejection
	// Refused are a client key's calls of a batch that lack the identity
	// verification they need (FromClientKey), named batch[i].field.
	Refused Errors
	// RouteErr says some stored events did not reach their journeys yet:
	// they stay unrouted, and the sweeper (or the client's retry) routes them.
	RouteErr error
}

// Rejection is a call the taxonomy refused, by its index in the batch.
type Rejection struct {
	Index      int
	Violations []taxonomy.Violation
}

// accepted is a call let in, with the taxonomy's findings when it was let
// in despite them.
type accepted struct {
	msg        *Message
	violations []taxonomy.Violation
}

// Submit runs decoded calls through the workspace's taxonomy, applies
// identify and alias to profiles, stores the events (one statement for
// the lot), applies their contexts to profiles, routes them to journeys
// (routing.Router.RouteStored), scores them and re-evaluates the segments
// they may move. The quarantine's replay and the LINE webhook submit events
// through it too.
func (p *Pipeline) Submit(ctx context.Context, workspaceID string, msgs []Message, opts ...SubmitOption) (Result, error) {
	var o submitOptions
	for _, opt := range opts {
		opt(&o)
	}
	rec := newRecorder(workspaceID, o)
	kept, refused, err := p.screenClientCalls(ctx, workspaceID, msgs, o)
	if o.client {
		rec.refused(msgs, kept, refused, err, o.batch)
	}
	var res Result
	if err == nil {
		res, err = p.submit(ctx, workspaceID, kept, rec)
	}
	res.Refused = refused
	p.record(ctx, workspaceID, rec, err)
	m := p.Metrics
	m.Ingested(metrics.VerdictStored, res.Stored)
	m.Ingested(metrics.VerdictDuplicate, res.Duplicates)
	m.Ingested(metrics.VerdictRejected, len(res.Rejected))
	m.Ingested(metrics.VerdictQuarantined, res.Quarantined)
	m.Ingested(metrics.VerdictDropped, res.Dropped)
	return res, err
}

// record writes the request's calls for the event debugger when the
// events' statement did not (nothing was stored, or a single call was
// refused); a failure to is logged, never the calls' failure. A pipeline
// without a store (the unit tests of its checks) records nothing.
func (p *Pipeline) record(ctx context.Context, workspaceID string, rec *recorder, err error) {
	var refusal *store.Refusal
	if rec.written || len(rec.calls) == 0 || p.Store == nil || (err != nil && !errors.As(err, &refusal)) {
		return
	}
	if err := p.Store.InsertRecentCalls(ctx, rec.sorted()); err != nil {
		p.Logger.WarnContext(ctx, "record calls for the event debugger", "workspace", workspaceID, "error", err)
	}
}

func (p *Pipeline) submit(ctx context.Context, workspaceID string, msgs []Message, rec *recorder) (Result, error) {
	var res Result
	if len(msgs) == 0 {
		return res, nil
	}
	ctx = routing.WithBudget(ctx)
	msgs, erased, err := p.dropErased(ctx, workspaceID, msgs, rec)
	if err != nil {
		return res, err
	}
	res.Duplicates += erased
	in, err := p.screen(ctx, workspaceID, msgs, &res, rec)
	if err != nil || len(in) == 0 {
		return res, err
	}
	merged, err := p.applyIdentities(ctx, workspaceID, in)
	if err != nil {
		return res, err
	}
	used, err := p.Router.UsedEvents(ctx, workspaceID)
	if err != nil {
		return res, err
	}
	events := make([]store.Event, len(in))
	firsts := make(map[string]bool, len(in))
	for i, a := range in {
		verdict := "" // InsertEvents decides: stored or duplicate
		if firsts[a.msg.MessageID] {
			verdict = store.VerdictDuplicate // an earlier call of the request has its id
		}
		firsts[a.msg.MessageID] = true
		rec.add(a.msg, verdict, violationsReason(a.violations))
		events[i] = ToEvent(workspaceID, a.msg, a.violations)
		if events[i].Type != Track || !used[events[i].Name] {
			// No journey uses it: routed as it is stored, with no second write.
			events[i].RoutedAt = &events[i].ReceivedAt
		}
	}
	out, err := p.Store.InsertEvents(ctx, events, rec.sampled()...)
	if err != nil {
		return res, err
	}
	rec.written = true
	for _, o := range out {
		if o.Inserted {
			res.Stored++
		} else {
			res.Duplicates++
		}
	}
	if err := p.Store.ApplyContexts(ctx, workspaceID, contextUpdates(in, out)); err != nil {
		return res, err
	}
	if err := p.recordConsent(ctx, workspaceID, in, out); err != nil {
		return res, err
	}
	res.RouteErr = p.Router.RouteStored(ctx, workspaceID, out)
	if err := p.score(ctx, workspaceID, in, out, &res); err != nil {
		return res, fmt.Errorf("score: %w", err)
	}
	p.evaluateSegments(ctx, workspaceID, out, mergedCustomers(out, merged))
	return res, nil
}

// screen applies the taxonomy's verdict to each call and returns those let in.
func (p *Pipeline) screen(ctx context.Context, workspaceID string, msgs []Message, res *Result, rec *recorder) ([]accepted, error) {
	t, err := p.Taxonomies.Get(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	in := make([]accepted, 0, len(msgs))
	dropped := map[[2]string]int{}
	for i := range msgs {
		m := &msgs[i]
		v := Check(t, m)
		switch v.Action {
		case taxonomy.ActionReject:
			res.Rejected = append(res.Rejected, Rejection{Index: m.Index, Violations: v.Violations})
			rec.add(m, store.VerdictRejected, violationsReason(v.Violations))
		case taxonomy.ActionQuarantine:
			if err := p.Store.QuarantineEvent(ctx, ToEvent(workspaceID, m, nil), v.Violations); err != nil {
				return nil, err
			}
			res.Quarantined++
			rec.add(m, store.VerdictQuarantined, violationsReason(v.Violations))
		case taxonomy.ActionDrop:
			reason := taxonomy.RuleBlocked
			if len(v.Violations) > 0 {
				reason = v.Violations[0].Rule
			}
			dropped[[2]string{m.Event, reason}]++
			res.Dropped++
			rec.add(m, store.VerdictDropped, cmp.Or(violationsReason(v.Violations), reason))
		default:
			in = append(in, accepted{msg: m, violations: v.Violations})
		}
	}
	for k, n := range dropped {
		if err := p.Store.CountDropped(ctx, workspaceID, k[0], k[1], n); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// Check is the taxonomy's verdict on a call: a track call's name and
// properties, an identify call's traits; no taxonomy allows everything.
func Check(t *taxonomy.Taxonomy, m *Message) taxonomy.Verdict {
	switch {
	case t == nil:
	case m.Type == Track:
		return t.CheckEvent(m.Event, m.Properties)
	case m.Type == Identify:
		return t.CheckTraits(m.Traits)
	}
	return taxonomy.Verdict{Action: taxonomy.ActionAllow}
}

// ToEvent is the stored form of a call, flagged with the taxonomy's
// violations when it was let in despite them.
func ToEvent(workspaceID string, m *Message, violations []taxonomy.Violation) store.Event {
	e := store.Event{
		WorkspaceID: workspaceID, MessageID: m.MessageID, Type: m.Type, UserID: m.CustomerID(), AnonymousID: m.AnonymousID,
		Name: m.Event, Properties: m.RawProperties, Traits: m.RawTraits, Context: m.RawContext,
		GroupID: m.GroupID, PreviousID: m.PreviousID, Timestamp: m.Timestamp, ReceivedAt: m.ReceivedAt,
	}
	if len(violations) > 0 {
		e.Violations, _ = json.Marshal(violations) // a slice of plain structs always encodes
	}
	return e
}

// applyIdentities merges ids (identify, alias) and then sets traits, before
// the events are stored, so that they are stored under the merged id: one
// lookup and one transaction for the batch, plus one per id merged. It
// returns the indexes in in of the calls that merged two profiles.
func (p *Pipeline) applyIdentities(ctx context.Context, workspaceID string, in []accepted) ([]int, error) {
	var anon []string
	for _, a := range in {
		if m := a.msg; m.Type == Identify && m.UserID != "" && m.AnonymousID != "" && m.UserID != m.AnonymousID {
			anon = append(anon, m.AnonymousID)
		}
	}
	unmerged := map[string]bool{}
	if len(anon) > 0 {
		ids, err := p.Store.UnmergedIDs(ctx, workspaceID, anon)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			unmerged[id] = true
		}
	}
	var updates []store.ProfileUpdate
	var merged []int
	for i, a := range in {
		m := a.msg
		switch {
		case m.Type == Alias:
			did, err := p.Store.MergeProfiles(ctx, workspaceID, m.PreviousID, m.UserID, false)
			if err != nil {
				return nil, err
			}
			if did {
				merged = append(merged, i)
			}
		case m.Type != Identify:
			continue
		case unmerged[m.AnonymousID] && m.UserID != "" && m.UserID != m.AnonymousID:
			delete(unmerged, m.AnonymousID)
			did, err := p.Store.MergeProfiles(ctx, workspaceID, m.AnonymousID, m.UserID, true)
			if err != nil {
				return nil, err
			}
			if did {
				merged = append(merged, i)
			}
		}
		if m.Type == Identify {
			updates = append(updates, store.ProfileUpdate{ID: m.CustomerID(), Change: traitsChange(m), At: m.Timestamp})
		}
	}
	return merged, p.Store.ChangeProfiles(ctx, workspaceID, updates)
}

// mergedCustomers is the profile each merging call was stored under (the
// merged one), once each.
func mergedCustomers(out []store.Inserted, merged []int) []string {
	var ids []string
	for _, i := range merged {
		if id := out[i].Event.UserID; id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// traitsChange is what an identify call does to its profile: a trait sent
// as null is removed.
func traitsChange(m *Message) store.ProfileChange {
	c := store.ProfileChange{Set: map[string]any{}, Timezone: m.Timezone(), Locale: m.Locale(), PushToken: m.PushToken()}
	for k, v := range m.Traits {
		if v == nil {
			c.Unset = append(c.Unset, k)
		} else {
			c.Set[k] = v
		}
	}
	return c
}

// contextUpdates is what the calls' contexts change on their profiles:
// per customer, the zone, locale and push token of its latest call that
// has any (identify's are applied with its traits), and the first and last
// touch of its visits (webcapture.TouchOf).
func contextUpdates(in []accepted, out []store.Inserted) []store.ContextUpdate {
	latest := map[string]time.Time{}
	byID := map[string]*store.ContextUpdate{}
	update := func(id string) *store.ContextUpdate {
		if byID[id] == nil {
			byID[id] = &store.ContextUpdate{ID: id}
		}
		return byID[id]
	}
	for i, a := range in {
		m, id := a.msg, out[i].Event.UserID
		touches(update, id, m)
		tz, locale, token := m.Timezone(), m.Locale(), m.PushToken()
		if m.Type == Identify || (tz == "" && locale == "" && token == "") {
			continue
		}
		if t, ok := latest[id]; ok && t.After(m.Timestamp) {
			continue
		}
		u := update(id)
		latest[id], u.Timezone, u.Locale, u.PushToken = m.Timestamp, tz, locale, token
	}
	updates := make([]store.ContextUpdate, 0, len(byID))
	for _, u := range byID {
		updates = append(updates, *u)
	}
	return updates
}

// touches keeps the customer's earliest touch and latest attributed touch
// among the calls of a submission.
func touches(update func(string) *store.ContextUpdate, id string, m *Message) {
	t, ok, attributed := webcapture.TouchOf(m.Context, m.Timestamp)
	if !ok {
		return
	}
	u := update(id)
	if u.FirstTouch == nil || t.At.Before(u.FirstTouchAt) {
		u.FirstTouch, u.FirstTouchAt = t.Traits(webcapture.FirstTouch), t.At
	}
	if attributed && (u.LastTouch == nil || !t.At.Before(u.LastTouchAt)) {
		u.LastTouch, u.LastTouchAt = t.Traits(webcapture.LastTouch), t.At
	}
}
