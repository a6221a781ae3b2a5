package api

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/routing"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// ingestResult is what the pipeline did with a set of calls.
type ingestResult struct {
	Stored      int // new events stored
	Duplicates  int // calls whose messageId was stored before
	Quarantined int
	Dropped     int
	Rejected    []rejection
	// RouteErr says some stored events did not reach their journeys yet:
	// they stay unrouted, and the sweeper (or the client's retry) routes them.
	RouteErr error
}

// rejection is a call the taxonomy refused, by its index in the batch.
type rejection struct {
	Index      int
	Violations []taxonomy.Violation
}

// accepted is a call let in, with the taxonomy's findings when it was let
// in despite them.
type accepted struct {
	msg        *ingest.Message
	violations []taxonomy.Violation
}

// ingest runs decoded calls through the workspace's taxonomy, applies
// identify and alias to profiles, stores the events (one statement for
// the lot), applies their contexts to profiles and routes them to journeys.
// The quarantine's replay submits events through it too.
func (s *server) ingest(ctx context.Context, workspaceID string, msgs []ingest.Message) (ingestResult, error) {
	var res ingestResult
	ctx = routing.WithBudget(ctx)
	msgs, erased, err := s.dropErased(ctx, workspaceID, msgs)
	if err != nil {
		return res, err
	}
	res.Duplicates += erased
	in, err := s.screen(ctx, workspaceID, msgs, &res)
	if err != nil || len(in) == 0 {
		return res, err
	}
	merged, err := s.applyIdentities(ctx, workspaceID, in)
	if err != nil {
		return res, err
	}
	used, err := s.router.UsedEvents(ctx, workspaceID)
	if err != nil {
		return res, err
	}
	events := make([]store.Event, len(in))
	for i, a := range in {
		events[i] = toEvent(workspaceID, a.msg, a.violations)
		if events[i].Type != ingest.Track || !used[events[i].Name] {
			// No journey uses it: routed as it is stored, with no second write.
			events[i].RoutedAt = &events[i].ReceivedAt
		}
	}
	out, err := s.Store.InsertEvents(ctx, events)
	if err != nil {
		return res, err
	}
	for _, o := range out {
		if o.Inserted {
			res.Stored++
		} else {
			res.Duplicates++
		}
	}
	if err := s.Store.ApplyContexts(ctx, workspaceID, contextUpdates(in, out)); err != nil {
		return res, err
	}
	res.RouteErr = s.router.RouteStored(ctx, workspaceID, out)
	if err := s.score(ctx, workspaceID, in, out, &res); err != nil {
		return res, fmt.Errorf("score: %w", err)
	}
	s.evaluateSegments(ctx, workspaceID, out, mergedCustomers(out, merged))
	return res, nil
}

// screen applies the taxonomy's verdict to each call and returns those let in.
func (s *server) screen(ctx context.Context, workspaceID string, msgs []ingest.Message, res *ingestResult) ([]accepted, error) {
	t, err := s.taxonomies.get(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	in := make([]accepted, 0, len(msgs))
	dropped := map[[2]string]int{}
	for i := range msgs {
		m := &msgs[i]
		v := check(t, m)
		switch v.Action {
		case taxonomy.ActionReject:
			res.Rejected = append(res.Rejected, rejection{Index: m.Index, Violations: v.Violations})
		case taxonomy.ActionQuarantine:
			if err := s.Store.QuarantineEvent(ctx, toEvent(workspaceID, m, nil), v.Violations); err != nil {
				return nil, err
			}
			res.Quarantined++
		case taxonomy.ActionDrop:
			reason := taxonomy.RuleBlocked
			if len(v.Violations) > 0 {
				reason = v.Violations[0].Rule
			}
			dropped[[2]string{m.Event, reason}]++
			res.Dropped++
		default:
			in = append(in, accepted{msg: m, violations: v.Violations})
		}
	}
	for k, n := range dropped {
		if err := s.Store.CountDropped(ctx, workspaceID, k[0], k[1], n); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// check is the taxonomy's verdict on a call: a track call's name and
// properties, an identify call's traits; no taxonomy allows everything.
func check(t *taxonomy.Taxonomy, m *ingest.Message) taxonomy.Verdict {
	switch {
	case t == nil:
	case m.Type == ingest.Track:
		return t.CheckEvent(m.Event, m.Properties)
	case m.Type == ingest.Identify:
		return t.CheckTraits(m.Traits)
	}
	return taxonomy.Verdict{Action: taxonomy.ActionAllow}
}

func toEvent(workspaceID string, m *ingest.Message, violations []taxonomy.Violation) store.Event {
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
func (s *server) applyIdentities(ctx context.Context, workspaceID string, in []accepted) ([]int, error) {
	var anon []string
	for _, a := range in {
		if m := a.msg; m.Type == ingest.Identify && m.UserID != "" && m.AnonymousID != "" && m.UserID != m.AnonymousID {
			anon = append(anon, m.AnonymousID)
		}
	}
	unmerged := map[string]bool{}
	if len(anon) > 0 {
		ids, err := s.Store.UnmergedIDs(ctx, workspaceID, anon)
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
		case m.Type == ingest.Alias:
			did, err := s.Store.MergeProfiles(ctx, workspaceID, m.PreviousID, m.UserID, false)
			if err != nil {
				return nil, err
			}
			if did {
				merged = append(merged, i)
			}
		case m.Type != ingest.Identify:
			continue
		case unmerged[m.AnonymousID] && m.UserID != "" && m.UserID != m.AnonymousID:
			delete(unmerged, m.AnonymousID)
			did, err := s.Store.MergeProfiles(ctx, workspaceID, m.AnonymousID, m.UserID, true)
			if err != nil {
				return nil, err
			}
			if did {
				merged = append(merged, i)
			}
		}
		if m.Type == ingest.Identify {
			updates = append(updates, store.ProfileUpdate{ID: m.CustomerID(), Change: traitsChange(m), At: m.Timestamp})
		}
	}
	return merged, s.Store.ChangeProfiles(ctx, workspaceID, updates)
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
func traitsChange(m *ingest.Message) store.ProfileChange {
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

// contextUpdates is, per customer, the latest zone, locale and push token
// the stored calls' contexts carry (identify already applied its own).
func contextUpdates(in []accepted, out []store.Inserted) []store.ContextUpdate {
	latest := map[string]time.Time{}
	byID := map[string]store.ContextUpdate{}
	for i, a := range in {
		m := a.msg
		u := store.ContextUpdate{ID: out[i].Event.UserID, Timezone: m.Timezone(), Locale: m.Locale(), PushToken: m.PushToken()}
		if m.Type == ingest.Identify || (u.Timezone == "" && u.Locale == "" && u.PushToken == "") {
			continue
		}
		if t, ok := latest[u.ID]; ok && t.After(m.Timestamp) {
			continue
		}
		latest[u.ID], byID[u.ID] = m.Timestamp, u
	}
	updates := make([]store.ContextUpdate, 0, len(byID))
	for _, u := range byID {
		updates = append(updates, u)
	}
	return updates
}

// ingestError wraps a pipeline failure with the step that failed.
func ingestError(err error) error { return fmt.Errorf("ingest events: %w", err) }
