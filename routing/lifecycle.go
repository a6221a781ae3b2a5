package routing

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// The journey changes made through this process, each one call for the
// API: the change in the store, then the index, the listeners and the
// trigger schedules brought in step. Refusals are store.Refusals.

// OnJourneysChanged adds fn to what hears of a workspace's journey
// changes made through this process (the ingestion pipeline drops the
// segments its journeys track). Call it before the router is used.
func (r *Router) OnJourneysChanged(fn func(workspaceID string)) {
	r.listeners = append(r.listeners, fn)
}

// AfterJourneysChanged tells the listeners of a change to the workspace's
// journeys and syncs its trigger schedules: a failure to sync is logged,
// not returned, since the change is made; the sweeper syncs again within
// minutes.
func (r *Router) AfterJourneysChanged(ctx context.Context, workspaceID string) {
	for _, fn := range r.listeners {
		fn(workspaceID)
	}
	if err := r.SyncTriggers(ctx, workspaceID); err != nil {
		r.Logger.Warn("trigger schedules not synced; the sweeper retries", "workspace", workspaceID, "error", err)
	}
}

// ActivateJourney makes the journey's latest version the one new entrants
// get. A version saved while its entry segment existed is checked again
// (the segment may have been deleted since: deleting is refused only
// while an active or paused journey enters on it), and so is the
// advertising-mail policy. It returns store.ErrNotFound for a journey the
// workspace lacks.
func (r *Router) ActivateJourney(ctx context.Context, workspaceID, id string) (store.Journey, error) {
	latest, err := r.Store.GetJourney(ctx, workspaceID, id)
	if err != nil {
		return latest, err
	}
	if def, err := journey.Parse(latest.Definition); err == nil {
		if err := r.Store.CheckEntrySegment(ctx, workspaceID, def); err != nil {
			return latest, err
		}
		if err := r.Store.CheckJourneyAdvertising(ctx, workspaceID, def); err != nil {
			return latest, err
		}
	}
	j, err := r.Store.ActivateJourney(ctx, workspaceID, id)
	if err != nil {
		return j, err
	}
	r.Invalidate(workspaceID)
	r.AfterJourneysChanged(ctx, workspaceID)
	return j, nil
}

// APIEntryRequest is one entry by API call: the customer, a messageId
// that dedupes a retried call (generated when empty), and the payload that
// becomes the entry event's properties.
type APIEntryRequest struct {
	UserID    string
	MessageID string
	Payload   map[string]any
}

// APIEntered is the outcome of an entry by API call: the run's workflow
// ID, or Entered false when the re-entry rule keeps the customer out.
type APIEntered struct {
	Entered    bool
	WorkflowID string
	MessageID  string
}

// EnterByAPI enters a customer into a journey whose entry is "api": true,
// with the payload as the entry event's properties (and its correlation key
// read from there). It returns store.ErrNotFound for a journey the
// workspace lacks, and a store.Refusal (ErrConflict) when the journey is
// not active or not entered by API, or (ErrMalformed) when the payload lacks
// the journey's correlation key.
func (r *Router) EnterByAPI(ctx context.Context, workspaceID, journeyID string, req APIEntryRequest) (APIEntered, error) {
	active, err := r.apiEntryOf(ctx, workspaceID, journeyID)
	if err != nil {
		return APIEntered{}, err
	}
	ev := journey.Event{MessageID: cmp.Or(req.MessageID, uuid.NewString()), Name: journey.APIEntryEvent, Properties: req.Payload, Timestamp: time.Now().UTC()}
	keyPath := active.Definition.Entry.CorrelationKey
	key := CorrelationValue(keyPath, ev)
	if keyPath != "" && key == "" {
		field := "payload." + strings.TrimPrefix(keyPath, "properties.")
		msg := "is required: it is the journey's correlation key"
		return APIEntered{}, store.Refuse(store.ErrMalformed, field+": "+msg, jsonfields.Error{Field: field, Message: msg})
	}
	in := workflows.JourneyInput{
		WorkspaceID: workspaceID, JourneyID: journeyID, Version: active.Version, CustomerID: req.UserID,
		Definition: active.Definition, Entry: ev, CorrelationKey: key,
	}
	run, err := workflows.EnterJourney(ctx, r.Temporal, r.TaskQueue, in)
	if err != nil || run == nil {
		return APIEntered{MessageID: ev.MessageID}, err
	}
	return APIEntered{Entered: true, WorkflowID: run.GetID(), MessageID: ev.MessageID}, nil
}

// apiEntryOf finds the active version of a journey entered by API call,
// refusing (ErrConflict) a journey that is not active or not entered by API.
func (r *Router) apiEntryOf(ctx context.Context, workspaceID, journeyID string) (APIEntry, error) {
	j, err := r.Store.GetJourney(ctx, workspaceID, journeyID)
	if err != nil {
		return APIEntry{}, err
	}
	var latest journey.Definition
	if err := json.Unmarshal(j.Definition, &latest); err != nil {
		return APIEntry{}, fmt.Errorf("routing: read the definition of journey %s: %w", j.ID, err)
	}
	if j.Status != store.JourneyActive {
		return APIEntry{}, store.Refuse(store.ErrConflict, "journey "+j.ID+" is "+string(j.Status)+": only an active journey takes entries")
	}
	e, ok, err := r.APIEntry(ctx, workspaceID, j.ID)
	if err != nil {
		return APIEntry{}, err
	}
	if !ok {
		return APIEntry{}, store.Refuse(store.ErrConflict, "journey "+j.ID+" is entered by event "+latest.Entry.Event+`, not by API call ("entry": {"api": true})`)
	}
	return e, nil
}
