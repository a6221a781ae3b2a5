package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/routing"
	"github.com/tabiji/tabiji/scoring"
	"github.com/tabiji/tabiji/store"
)

// score gives the points that the accepted calls earn under the
// workspace's scoring rules (track events by their rules; identify calls
// by the trait rules the profile now matches) and tracks
// scoring.ChangedEvent for every change, through Submit, with a messageId
// derived from the scored call. Duplicates are scored too: the store gives
// each (call, rule) once, and answers a retry with the change it made, so
// a retry after a crash emits what the crash lost, and never twice.
func (p *Pipeline) score(ctx context.Context, workspaceID string, in []accepted, out []store.Inserted, res *Result) error {
	rules, err := p.Scoring.Get(ctx, workspaceID)
	if err != nil || rules == nil {
		return err
	}
	var awards []store.ScoreAward
	for i, a := range in {
		m := a.msg
		if m.Type != Track || !rules.Scores(m.Event) {
			continue
		}
		e := journey.Event{MessageID: m.MessageID, Name: m.Event, Properties: m.Properties, Timestamp: m.Timestamp}
		for _, aw := range rules.EventAwardsWithin(e, routing.Budget(ctx)) {
			awards = append(awards, store.ScoreAward{ID: out[i].Event.UserID, Source: m.MessageID, RuleID: aw.RuleID, Points: aw.Points, At: m.Timestamp})
		}
	}
	traitAwards, err := p.traitAwards(ctx, workspaceID, rules, in)
	if err != nil {
		return err
	}
	changes, err := p.Store.AwardScores(ctx, workspaceID, rules.HalfLife, append(awards, traitAwards...))
	if err != nil || len(changes) == 0 {
		return err
	}
	return p.trackScoreChanges(ctx, workspaceID, changes, res)
}

// traitAwards are the trait rules the identified profiles match.
func (p *Pipeline) traitAwards(ctx context.Context, workspaceID string, rules *scoring.Compiled, in []accepted) ([]store.ScoreAward, error) {
	if !rules.HasTraitRules() {
		return nil, nil
	}
	var awards []store.ScoreAward
	for _, a := range in {
		m := a.msg
		if m.Type != Identify {
			continue
		}
		prof, err := p.Store.GetProfile(ctx, workspaceID, m.CustomerID())
		if err != nil {
			return nil, fmt.Errorf("read profile for trait rules: %w", err)
		}
		jp := journey.Profile{ID: prof.ID, Traits: prof.Traits, Tags: prof.Tags, Email: prof.Email, Phone: prof.Phone, Timezone: prof.Timezone, Locale: prof.Locale}
		for _, aw := range rules.TraitAwardsWithin(jp, time.Now(), routing.Budget(ctx)) {
			awards = append(awards, store.ScoreAward{ID: prof.ID, Source: m.MessageID, RuleID: aw.RuleID, Points: aw.Points,
				At: m.Timestamp, OncePerProfile: true})
		}
	}
	return awards, nil
}

// trackScoreChanges ingests one scoring.ChangedEvent per change.
func (p *Pipeline) trackScoreChanges(ctx context.Context, workspaceID string, changes []store.ScoreChange, res *Result) error {
	now := time.Now().UTC()
	msgs := make([]Message, 0, len(changes))
	for i, c := range changes {
		body, err := json.Marshal(map[string]any{
			"userId": c.ProfileID, "event": scoring.ChangedEvent, "messageId": changedMessageID(c.Source),
			"timestamp":  c.At.UTC().Format(time.RFC3339Nano),
			"properties": map[string]any{"score": hundredths(c.Score), "previous": hundredths(c.Previous), "rules": c.Rules},
		})
		if err != nil {
			return fmt.Errorf("encode %s: %w", scoring.ChangedEvent, err)
		}
		m, err := Decode(Track, body, now)
		if err != nil {
			return fmt.Errorf("decode %s: %w", scoring.ChangedEvent, err)
		}
		m.Index = i
		msgs = append(msgs, m)
	}
	r, err := p.Submit(ctx, workspaceID, msgs)
	if err != nil {
		return fmt.Errorf("track %s: %w", scoring.ChangedEvent, err)
	}
	if len(r.Rejected) > 0 {
		p.Logger.Warn("the taxonomy rejected a score change: define the event to let it in",
			"workspace", workspaceID, "event", scoring.ChangedEvent, "violation", r.Rejected[0].Violations[0].Message)
	}
	if r.RouteErr != nil {
		res.RouteErr = errors.Join(res.RouteErr, r.RouteErr)
	}
	return nil
}

// changedMessageID is the messageId of the score change a call caused: the
// same for every retry of the call.
func changedMessageID(source string) string {
	const prefix = "lead_score:"
	if len(prefix)+len(source) <= 200 {
		return prefix + source
	}
	sum := sha256.Sum256([]byte(source))
	return prefix + hex.EncodeToString(sum[:])
}

// hundredths rounds a score for people and templates.
func hundredths(v float64) float64 { return math.Round(v*100) / 100 }

// ScoreImported gives the trait rules' points to the imported customers
// who now match them (once per customer, as after an identify), under a
// source named by the import's time and the customer, so that a repeat of
// the import scores nothing twice.
func (p *Pipeline) ScoreImported(ctx context.Context, workspaceID string, updates []store.ProfileUpdate, asOf time.Time) error {
	rules, err := p.Scoring.Get(ctx, workspaceID)
	if err != nil || !rules.HasTraitRules() || len(updates) == 0 {
		return err
	}
	ids := make([]string, len(updates))
	for i, u := range updates {
		ids[i] = u.ID
	}
	profiles, err := p.Store.GetProfiles(ctx, workspaceID, ids) // merged ids are not scored here
	if err != nil {
		return err
	}
	var awards []store.ScoreAward
	for _, prof := range profiles {
		jp := journey.Profile{ID: prof.ID, Traits: prof.Traits, Tags: prof.Tags, Email: prof.Email, Phone: prof.Phone, Timezone: prof.Timezone, Locale: prof.Locale}
		for _, aw := range rules.TraitAwards(jp, time.Now()) {
			awards = append(awards, store.ScoreAward{ID: prof.ID, Source: "import:" + asOf.UTC().Format(time.RFC3339Nano) + ":" + prof.ID,
				RuleID: aw.RuleID, Points: aw.Points, At: asOf, OncePerProfile: true})
		}
	}
	changes, err := p.Store.AwardScores(ctx, workspaceID, rules.HalfLife, awards)
	if err != nil || len(changes) == 0 {
		return err
	}
	var res Result
	if err := p.trackScoreChanges(ctx, workspaceID, changes, &res); err != nil {
		return err
	}
	if res.RouteErr != nil { // stored unrouted: the sweeper routes them
		p.Logger.Warn("route score changes of an import", "workspace", workspaceID, "error", res.RouteErr)
	}
	return nil
}
