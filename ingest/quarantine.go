package ingest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// The quarantine's fixes and replays, each one call for the API. A bad
// call is a store.Refusal (ErrMalformed) naming its fields, as ingestion's
// handlers answer a bad call.

// FixQuarantined replaces a quarantined event with fixed (its messageId
// the quarantined one's), checked again under the workspace's taxonomy; it
// stays in quarantine with its new violations. It returns
// store.ErrNotFound for an event not in quarantine.
func (p *Pipeline) FixQuarantined(ctx context.Context, workspaceID string, fixed store.Event) (store.QuarantinedEvent, error) {
	m, err := DecodeStored(fixed)
	if err != nil {
		return store.QuarantinedEvent{}, callRefusal(err)
	}
	t, err := p.Taxonomies.Get(ctx, workspaceID)
	if err != nil {
		return store.QuarantinedEvent{}, fmt.Errorf("ingest: taxonomy of %s: %w", workspaceID, err)
	}
	return p.Store.FixQuarantined(ctx, workspaceID, fixed.MessageID, ToEvent(workspaceID, &m, nil), Check(t, &m).Violations)
}

// Replayed is a quarantined event let in by a replay: the taxonomy's
// action and the violations it flags.
type Replayed struct {
	MessageID  string
	Action     taxonomy.Action
	Violations []taxonomy.Violation
}

// Replay submits a quarantined event again, through Submit, under the
// current taxonomy: let in, it is stored and routed and leaves the
// quarantine; blocked, it is dropped and counted; still failing, it stays
// with its new violations and the refusal (ErrInvalid) names them. It
// returns store.ErrNotFound for an event not in quarantine, and a refusal
// (ErrConflict) when the taxonomy changed during the replay.
func (p *Pipeline) Replay(ctx context.Context, workspaceID, messageID string) (Replayed, error) {
	q, err := p.Store.GetQuarantined(ctx, workspaceID, messageID)
	if err != nil {
		return Replayed{}, err
	}
	m, err := DecodeStored(q.Event)
	if err != nil {
		return Replayed{}, callRefusal(err) // only an event stored before a fix validated it
	}
	t, err := p.Taxonomies.Get(ctx, workspaceID)
	if err != nil {
		return Replayed{}, fmt.Errorf("ingest: taxonomy of %s: %w", workspaceID, err)
	}
	v := Check(t, &m)
	if v.Action == taxonomy.ActionReject || v.Action == taxonomy.ActionQuarantine {
		if _, err := p.Store.FixQuarantined(ctx, workspaceID, q.MessageID, q.Event, v.Violations); err != nil {
			return Replayed{}, err
		}
		return Replayed{}, ViolationRefusal("the event still breaks the taxonomy: fix it (PUT) and replay, or drop it", v.Violations)
	}
	res, err := p.Submit(ctx, workspaceID, []Message{m})
	if err != nil {
		return Replayed{}, fmt.Errorf("ingest events: %w", err)
	}
	if len(res.Rejected) > 0 || res.Quarantined > 0 { // the taxonomy changed under us
		return Replayed{}, store.Refuse(store.ErrConflict, "the taxonomy changed during the replay: replay again")
	}
	if res.RouteErr != nil {
		// Stored but not yet routed: the sweeper routes it.
		p.Logger.Warn("route replayed event", "messageId", q.MessageID, "error", res.RouteErr)
	}
	if err := p.Store.ReleaseQuarantined(ctx, workspaceID, q.MessageID); err != nil {
		return Replayed{}, err
	}
	return Replayed{MessageID: q.MessageID, Action: v.Action, Violations: v.Violations}, nil
}

// ViolationRefusal is a refusal (ErrInvalid) with one field error per
// violation, named by its field ("properties.total") and saying the rule.
func ViolationRefusal(detail string, vs []taxonomy.Violation) error {
	errs := make([]jsonfields.Error, len(vs))
	for i, v := range vs {
		errs[i] = jsonfields.Error{Field: v.Field, Message: v.Rule + ": " + v.Message}
	}
	return store.Refuse(store.ErrInvalid, detail, errs...)
}

// callRefusal is a call's decoding error as the client reads it (a 400):
// its field errors, the first one the detail, or a refusal on the body.
func callRefusal(err error) error {
	var errs Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		return store.Refuse(store.ErrMalformed, "body: "+err.Error(), jsonfields.Error{Field: "body", Message: err.Error()})
	}
	return store.Refuse(store.ErrMalformed, errs[0].Field+": "+errs[0].Message, errs...)
}

// DecodeStored rebuilds the Segment call a stored event came from and
// decodes it as ingestion decodes calls, received now.
func DecodeStored(ev store.Event) (Message, error) {
	typ := cmp.Or(ev.Type, Track)
	call := map[string]any{"type": typ, "messageId": ev.MessageID}
	if ev.UserID != "" && ev.UserID != ev.AnonymousID { // ingestion stores an anonymous caller's id in both
		call["userId"] = ev.UserID
	}
	if ev.AnonymousID != "" {
		call["anonymousId"] = ev.AnonymousID
	}
	nameField := "event"
	if typ == Page || typ == Screen {
		nameField = "name"
	}
	for field, v := range map[string]string{nameField: ev.Name, "groupId": ev.GroupID, "previousId": ev.PreviousID} {
		if v != "" {
			call[field] = v
		}
	}
	for field, raw := range map[string]json.RawMessage{"properties": ev.Properties, "traits": ev.Traits, "context": ev.Context} {
		if len(raw) > 0 && string(raw) != "null" {
			call[field] = raw
		}
	}
	if !ev.Timestamp.IsZero() {
		call["timestamp"] = ev.Timestamp.Format(time.RFC3339Nano)
	}
	body, err := json.Marshal(call)
	if err != nil {
		return Message{}, fmt.Errorf("encode the stored call: %w", err)
	}
	return Decode(typ, body, time.Now().UTC())
}
