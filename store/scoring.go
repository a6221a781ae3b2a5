package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/scoring"
)

// ScoringRules returns a workspace's stored lead-scoring rules (JSON, as
// the scoring package writes them), or ErrNotFound when it has none.
func (s *Store) ScoringRules(ctx context.Context, workspaceID string) (json.RawMessage, error) {
	var raw json.RawMessage
	err := s.pool.QueryRow(ctx, `SELECT rules FROM lead_score_rules WHERE workspace_id = $1`, workspaceID).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to get scoring rules of %q: %w", workspaceID, err)
	}
	return raw, nil
}

// PutScoringRules replaces a workspace's lead-scoring rules.
func (s *Store) PutScoringRules(ctx context.Context, workspaceID string, rules json.RawMessage) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO lead_score_rules (workspace_id, rules) VALUES ($1, $2)
		ON CONFLICT (workspace_id) DO UPDATE SET rules = EXCLUDED.rules, updated_at = now()`, workspaceID, rules)
	if err != nil {
		return fmt.Errorf("store: unable to put scoring rules of %q: %w", workspaceID, err)
	}
	return nil
}

// ScoreAward is points a rule gives a profile for a source (an event's messageId).
type ScoreAward struct {
	ID     string // any id of the profile
	Source string
	RuleID string
	Points float64
	At     time.Time // when the points were earned
	// OncePerProfile (trait rules) skips the award when the profile has
	// had points from the rule before, for any source.
	OncePerProfile bool
}

// ScoreChange is what the awards of one source did to one profile's score.
type ScoreChange struct {
	ProfileID       string // canonical
	Source          string
	Rules           []string
	Previous, Score float64 // Previous is the score decayed to At, just before the points
	At              time.Time
}

type scoreKey struct{ source, rule string }

// AwardScores gives the awards in order, each at most once per (source,
// rule): the profile's score (trait scoring.Trait, as of its update time)
// is decayed by halfLife, the points added, and a history row written, in
// one transaction. It returns one change per source, also for awards
// recorded before (read back from the history), so that a retry can emit
// what a crash kept from being emitted.
func (s *Store) AwardScores(ctx context.Context, workspaceID string, halfLife time.Duration, awards []ScoreAward) ([]ScoreChange, error) {
	if len(awards) == 0 {
		return nil, nil
	}
	var changes []ScoreChange
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		ids := make([]string, 0, len(awards))
		for _, a := range awards {
			ids = append(ids, a.ID)
		}
		slices.Sort(ids)
		byID, err := lockProfiles(ctx, tx, workspaceID, slices.Compact(ids))
		if err != nil {
			return err
		}
		done, err := recordedAwards(ctx, tx, workspaceID, awards)
		if err != nil {
			return err
		}
		once, err := onceAwarded(ctx, tx, workspaceID, awards, byID)
		if err != nil {
			return err
		}
		var rows []historyRow
		dirty := map[string]*Profile{}
		bySource := map[string]int{} // index into changes
		for _, a := range awards {
			p := byID[a.ID]
			if old, ok := done[scoreKey{a.Source, a.RuleID}]; ok {
				changes = addToChange(changes, bySource, old)
				continue
			}
			if a.OncePerProfile && once[scoreKey{p.ID, a.RuleID}] {
				continue
			}
			once[scoreKey{p.ID, a.RuleID}] = true
			row := award(p, a, halfLife)
			rows, dirty[p.ID] = append(rows, row), p
			changes = addToChange(changes, bySource, row)
		}
		if err := insertHistory(ctx, tx, workspaceID, rows); err != nil {
			return err
		}
		return saveProfiles(ctx, tx, workspaceID, dirty)
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to award scores: %w", err)
	}
	return changes, nil
}

// historyRow is one award as lead_score_history holds it.
type historyRow struct {
	Source, RuleID, ProfileID string
	Points, Before, After     float64
	At                        time.Time
}

// award adds a's points to p's score, in place.
func award(p *Profile, a ScoreAward, halfLife time.Duration) historyRow {
	cur := scoring.Score{At: p.TraitUpdatedAt[scoring.Trait]}
	cur.Value, _ = p.Traits[scoring.Trait].(float64)
	next, prev := cur.Add(a.Points, a.At, halfLife)
	p.Traits[scoring.Trait], p.TraitUpdatedAt[scoring.Trait] = next.Value, next.At
	return historyRow{Source: a.Source, RuleID: a.RuleID, ProfileID: p.ID, Points: a.Points, Before: prev, After: next.Value, At: a.At}
}

func addToChange(changes []ScoreChange, bySource map[string]int, r historyRow) []ScoreChange {
	if i, ok := bySource[r.Source]; ok {
		changes[i].Rules, changes[i].Score = append(changes[i].Rules, r.RuleID), r.After
		return changes
	}
	bySource[r.Source] = len(changes)
	return append(changes, ScoreChange{ProfileID: r.ProfileID, Source: r.Source, Rules: []string{r.RuleID},
		Previous: r.Before, Score: r.After, At: r.At})
}

// recordedAwards are the history rows of the awards' (source, rule) pairs.
func recordedAwards(ctx context.Context, tx pgx.Tx, workspaceID string, awards []ScoreAward) (map[scoreKey]historyRow, error) {
	sources, rules := make([]string, len(awards)), make([]string, len(awards))
	for i, a := range awards {
		sources[i], rules[i] = a.Source, a.RuleID
	}
	rows, err := tx.Query(ctx, `
		SELECT h.source, h.rule_id, h.profile_id, h.points, h.score_before, h.score_after, h.at
		FROM lead_score_history h JOIN unnest($2::text[], $3::text[]) AS v(source, rule_id) USING (source, rule_id)
		WHERE h.workspace_id = $1 ORDER BY h.seq`, workspaceID, sources, rules)
	if err != nil {
		return nil, fmt.Errorf("read recorded awards: %w", err)
	}
	out := map[scoreKey]historyRow{}
	var r historyRow
	_, err = pgx.ForEachRow(rows, []any{&r.Source, &r.RuleID, &r.ProfileID, &r.Points, &r.Before, &r.After, &r.At}, func() error {
		out[scoreKey{r.Source, r.RuleID}] = r
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read recorded awards: %w", err)
	}
	return out, nil
}

// onceAwarded are the (profile, rule) pairs of once-per-profile awards
// that the profiles already had.
func onceAwarded(ctx context.Context, tx pgx.Tx, workspaceID string, awards []ScoreAward, byID map[string]*Profile) (map[scoreKey]bool, error) {
	var profiles, rules []string
	for _, a := range awards {
		if a.OncePerProfile {
			profiles, rules = append(profiles, byID[a.ID].ID), append(rules, a.RuleID)
		}
	}
	out := map[scoreKey]bool{}
	if len(profiles) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, `
		SELECT DISTINCT h.profile_id, h.rule_id
		FROM lead_score_history h JOIN unnest($2::text[], $3::text[]) AS v(profile_id, rule_id) USING (profile_id, rule_id)
		WHERE h.workspace_id = $1`, workspaceID, profiles, rules)
	if err != nil {
		return nil, fmt.Errorf("read once-per-profile awards: %w", err)
	}
	var k scoreKey
	_, err = pgx.ForEachRow(rows, []any{&k.source, &k.rule}, func() error { out[k] = true; return nil })
	if err != nil {
		return nil, fmt.Errorf("read once-per-profile awards: %w", err)
	}
	return out, nil
}

func insertHistory(ctx context.Context, tx pgx.Tx, workspaceID string, rows []historyRow) error {
	if len(rows) == 0 {
		return nil
	}
	var sources, rules, profiles []string
	var points, before, after []float64
	var at []time.Time
	for _, r := range rows {
		sources, rules, profiles = append(sources, r.Source), append(rules, r.RuleID), append(profiles, r.ProfileID)
		points, before, after, at = append(points, r.Points), append(before, r.Before), append(after, r.After), append(at, r.At)
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO lead_score_history (workspace_id, source, rule_id, profile_id, points, score_before, score_after, at)
		SELECT $1, v.source, v.rule_id, v.profile_id, v.points, v.score_before, v.score_after, v.at FROM unnest($2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::float8[], $8::timestamptz[])
			WITH ORDINALITY AS v(source, rule_id, profile_id, points, score_before, score_after, at, n)
		ORDER BY v.n`, workspaceID, sources, rules, profiles, points, before, after, at)
	if err != nil {
		return fmt.Errorf("record awards: %w", err)
	}
	return nil
}

// ScoreEntry is one award in a profile's score history.
type ScoreEntry struct {
	Source     string    `json:"source"`
	RuleID     string    `json:"rule"`
	Points     float64   `json:"points"`
	Before     float64   `json:"score_before"`
	After      float64   `json:"score_after"`
	At         time.Time `json:"at"`
	RecordedAt time.Time `json:"recorded_at"`
}

// ScoreHistory returns the latest awards of the profile id names, newest first.
func (s *Store) ScoreHistory(ctx context.Context, workspaceID, id string, limit int) ([]ScoreEntry, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT source, rule_id, points, score_before, score_after, at, recorded_at FROM lead_score_history
		WHERE workspace_id = $1 AND profile_id = `+canonicalID+` ORDER BY seq DESC LIMIT $3`, workspaceID, id, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the score history of %q: %w", id, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ScoreEntry, error) {
		var e ScoreEntry
		err := r.Scan(&e.Source, &e.RuleID, &e.Points, &e.Before, &e.After, &e.At, &e.RecordedAt)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the score history of %q: %w", id, err)
	}
	return out, nil
}
