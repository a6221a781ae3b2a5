package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/journey"
)

// Profile is one customer of a workspace.
type Profile struct {
	WorkspaceID    string
	ID             string   // canonical customer id: the userId (or the anonymousId while there is none)
	AnonymousIDs   []string // merged into this profile
	Traits         map[string]any
	TraitUpdatedAt map[string]time.Time // per trait: latest wins
	Tags           []string
	Email, Phone   string
	LineUserID     string
	PushTokens     []string
	Timezone       string // IANA zone ("Asia/Tokyo"); "" when unknown
	Locale         string // BCP 47 locale ("ja-JP"); "" when unknown
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// ProfileChange is what a journey's update_profile node (or identify) does to a profile.
type ProfileChange struct {
	Set       map[string]any
	Unset     []string
	Increment map[string]float64
	AddTags   []string
	// RemoveTags are taken away after AddTags.
	RemoveTags []string
	// Timezone, Locale and PushToken come from an event's context: set when
	// not empty, they are overridden by the traits "timezone" and "locale".
	Timezone, Locale, PushToken string
}

func (c ProfileChange) empty() bool {
	return len(c.Set) == 0 && len(c.Unset) == 0 && len(c.Increment) == 0 && len(c.AddTags) == 0 &&
		len(c.RemoveTags) == 0 && c.Timezone == "" && c.Locale == "" && c.PushToken == ""
}

const profileColumns = `p.workspace_id, p.id, p.traits, p.trait_updated_at, p.tags, p.email, p.phone,
	p.line_user_id, p.push_tokens, p.timezone, p.locale, p.created_at, p.updated_at,
	ARRAY(SELECT alias_id FROM profile_identities i
	      WHERE i.workspace_id = p.workspace_id AND i.profile_id = p.id ORDER BY i.created_at, i.alias_id)`

// canonicalID is the SQL for the profile id that $2 stands for in workspace $1.
const canonicalID = `COALESCE((SELECT profile_id FROM profile_identities WHERE workspace_id = $1 AND alias_id = $2), $2)`

func scanProfile(row pgx.Row) (Profile, error) {
	var p Profile
	var updated map[string]time.Time
	err := row.Scan(&p.WorkspaceID, &p.ID, &p.Traits, &updated, &p.Tags, &p.Email, &p.Phone,
		&p.LineUserID, &p.PushTokens, &p.Timezone, &p.Locale, &p.CreatedAt, &p.UpdatedAt, &p.AnonymousIDs)
	p.TraitUpdatedAt = updated
	if p.Traits == nil {
		p.Traits = map[string]any{}
	}
	if p.TraitUpdatedAt == nil {
		p.TraitUpdatedAt = map[string]time.Time{}
	}
	return p, err
}

// GetProfile returns the profile that id names: its canonical id or an id
// merged into it. It returns ErrNotFound when there is none.
func (s *Store) GetProfile(ctx context.Context, workspaceID, id string) (Profile, error) {
	return scanGotProfile(s.pool.QueryRow(ctx, getProfileSQL, workspaceID, id), id)
}

var getProfileSQL = `SELECT ` + profileColumns + ` FROM profiles p WHERE p.workspace_id = $1 AND p.id = ` + canonicalID

func scanGotProfile(row pgx.Row, id string) (Profile, error) {
	p, err := scanProfile(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return Profile{}, fmt.Errorf("store: unable to get profile %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Profile{}, fmt.Errorf("store: unable to get profile %q: %w", id, err)
	}
	return p, nil
}

// ChangeProfile applies c to the profile that id names, creating it when
// missing, and returns the result. A Set or Unset of a trait whose value is
// newer than at loses; increments always apply.
func (s *Store) ChangeProfile(ctx context.Context, workspaceID, id string, c ProfileChange, at time.Time) (Profile, error) {
	if workspaceID == "" || id == "" {
		return Profile{}, errors.New("store: unable to change profile: empty workspace or id")
	}
	var p Profile
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		p, err = lockProfile(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		if c.empty() {
			return nil
		}
		p = applyChange(p, c, at)
		return saveProfile(ctx, tx, &p)
	})
	if err != nil {
		return Profile{}, fmt.Errorf("store: unable to change profile %q: %w", id, err)
	}
	return p, nil
}

// lockProfile reads the profile id names for update, creating it when missing.
func lockProfile(ctx context.Context, tx pgx.Tx, workspaceID, id string) (Profile, error) {
	if _, err := tx.Exec(ctx, `
		INSERT INTO profiles (workspace_id, id) SELECT $1, `+canonicalID+`
		ON CONFLICT (workspace_id, id) DO NOTHING`, workspaceID, id); err != nil {
		return Profile{}, fmt.Errorf("create the profile: %w", err)
	}
	p, err := scanProfile(tx.QueryRow(ctx, `
		SELECT `+profileColumns+` FROM profiles p
		WHERE p.workspace_id = $1 AND p.id = `+canonicalID+` FOR UPDATE OF p`, workspaceID, id))
	if err != nil {
		return Profile{}, fmt.Errorf("lock the profile: %w", err)
	}
	return p, nil
}

// applyChange is c applied to p at time at: the rules, without the database.
func applyChange(p Profile, c ProfileChange, at time.Time) Profile {
	p.Traits, p.TraitUpdatedAt = maps.Clone(p.Traits), maps.Clone(p.TraitUpdatedAt)
	newer := func(k string) bool { return !p.TraitUpdatedAt[k].After(at) }
	for _, k := range slices.Sorted(maps.Keys(c.Set)) {
		if newer(k) {
			p.Traits[k], p.TraitUpdatedAt[k] = c.Set[k], at
		}
	}
	for _, k := range c.Unset {
		if newer(k) {
			delete(p.Traits, k)
			p.TraitUpdatedAt[k] = at
		}
	}
	for k, by := range c.Increment {
		n, _ := p.Traits[k].(float64)
		p.Traits[k] = n + by
		if newer(k) {
			p.TraitUpdatedAt[k] = at
		}
	}
	for _, t := range c.AddTags {
		if !slices.Contains(p.Tags, t) {
			p.Tags = append(p.Tags, t)
		}
	}
	p.Tags = slices.DeleteFunc(p.Tags, func(t string) bool { return slices.Contains(c.RemoveTags, t) })
	if c.PushToken != "" && !slices.Contains(p.PushTokens, c.PushToken) {
		p.PushTokens = append(p.PushTokens, c.PushToken)
	}
	p.Timezone = firstString(p.Traits["timezone"], c.Timezone, p.Timezone)
	p.Locale = firstString(p.Traits["locale"], c.Locale, p.Locale)
	p.Email = firstString(p.Traits["email"])
	p.Phone = firstString(p.Traits["phone"])
	p.LineUserID = firstString(p.Traits["lineUserId"])
	return p
}

// firstString is the first of vs that is a non-empty string, or "".
func firstString(vs ...any) string {
	for _, v := range vs {
		if s, ok := v.(string); ok && s != "" {
			return s
		}
	}
	return ""
}

func saveProfile(ctx context.Context, tx pgx.Tx, p *Profile) error {
	traits, err := json.Marshal(p.Traits)
	if err != nil {
		return fmt.Errorf("encode traits: %w", err)
	}
	updated, err := json.Marshal(p.TraitUpdatedAt)
	if err != nil {
		return fmt.Errorf("encode trait times: %w", err)
	}
	err = tx.QueryRow(ctx, `
		UPDATE profiles SET traits = $3, trait_updated_at = $4, tags = $5, email = $6, phone = $7,
			line_user_id = $8, push_tokens = $9, timezone = $10, locale = $11, updated_at = now()
		WHERE workspace_id = $1 AND id = $2
		RETURNING updated_at`,
		p.WorkspaceID, p.ID, traits, updated, nonNil(p.Tags), p.Email, p.Phone, p.LineUserID,
		nonNil(p.PushTokens), p.Timezone, p.Locale).Scan(&p.UpdatedAt)
	if err != nil {
		return fmt.Errorf("save the profile: %w", err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// MergeProfiles merges the profile fromID names into the one intoID names:
// traits (latest wins per trait), tags, push tokens, merged ids and tracked
// segment memberships move over, fromID becomes an id of the merged
// profile, and the events of the old profile are rewritten to the new one. With onlyAnonymous, as identify
// asks, a fromID already merged into another profile is left there: a
// device's anonymousId seen under a second userId does not merge two people.
// It returns whether it merged.
func (s *Store) MergeProfiles(ctx context.Context, workspaceID, fromID, intoID string, onlyAnonymous bool) (bool, error) {
	if workspaceID == "" || fromID == "" || intoID == "" {
		return false, errors.New("store: unable to merge profiles: empty workspace or id")
	}
	merged := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var from, into string
		err := tx.QueryRow(ctx, `SELECT `+canonicalID+`, `+strings.ReplaceAll(canonicalID, "$2", "$3"),
			workspaceID, fromID, intoID).Scan(&from, &into)
		if err != nil || from == into || (onlyAnonymous && from != fromID) {
			return err
		}
		merged = true
		return mergeInto(ctx, tx, workspaceID, from, into)
	})
	if err != nil {
		return false, fmt.Errorf("store: unable to merge profile %q into %q: %w", fromID, intoID, err)
	}
	return merged, nil
}

// mergeInto moves the canonical profile from into the canonical profile into.
func mergeInto(ctx context.Context, tx pgx.Tx, workspaceID, from, into string) error {
	// The purchase counters first (their locks come before any row's, as
	// ingestion takes them); counted again once the events are moved.
	recount, err := recountPurchases(ctx, tx, workspaceID, []string{from, into})
	if err != nil {
		return err
	}
	// Lock in id order, so that two merges of the same pair cannot deadlock.
	first, second := min(from, into), max(from, into)
	a, err := lockProfile(ctx, tx, workspaceID, first)
	if err != nil {
		return err
	}
	b, err := lockProfile(ctx, tx, workspaceID, second)
	if err != nil {
		return err
	}
	old, p := a, b
	if first == into {
		old, p = b, a
	}
	p = mergeProfile(p, old)
	if err := saveProfile(ctx, tx, &p); err != nil {
		return err
	}
	steps := []struct {
		what, sql string
		args      []any
	}{
		{"move merged ids", `UPDATE profile_identities SET profile_id = $3 WHERE workspace_id = $1 AND profile_id = $2`,
			[]any{workspaceID, from, into}},
		{"rewrite events", `UPDATE events SET user_id = $3 WHERE workspace_id = $1 AND user_id = $2`,
			[]any{workspaceID, from, into}},
		{"move event rollups", `WITH gone AS (DELETE FROM event_rollups WHERE workspace_id = $1 AND user_id = $2 RETURNING *)
			INSERT INTO event_rollups AS r (workspace_id, user_id, event, count, first_at, last_at, track_first_at, sums, nums)
			SELECT workspace_id, $3, event, count, first_at, last_at, track_first_at, sums, nums FROM gone ORDER BY event
			ON CONFLICT (workspace_id, user_id, event) DO UPDATE SET
				count = r.count + excluded.count, first_at = LEAST(r.first_at, excluded.first_at),
				last_at = GREATEST(r.last_at, excluded.last_at), track_first_at = LEAST(r.track_first_at, excluded.track_first_at),
				sums = tabiji_add_numbers(r.sums, excluded.sums), nums = tabiji_add_numbers(r.nums, excluded.nums)`,
			[]any{workspaceID, from, into}},
		// The tracked memberships of segments that journeys enter on move
		// too: the merged customer is the same person, who entered once (the
		// earlier entry stays). Whether the merged profile is still in is for
		// the caller to re-evaluate (ingestion does, for every tracked segment).
		{"move tracked segment memberships", `WITH gone AS (
				DELETE FROM tracked_segment_members WHERE workspace_id = $1 AND customer_id = $2 RETURNING segment_id, entered_at)
			INSERT INTO tracked_segment_members AS m (workspace_id, segment_id, customer_id, entered_at)
			SELECT $1, segment_id, $3, entered_at FROM gone ORDER BY segment_id
			ON CONFLICT (workspace_id, segment_id, customer_id) DO UPDATE SET entered_at = LEAST(m.entered_at, excluded.entered_at)`,
			[]any{workspaceID, from, into}},
		{"delete the old profile", `DELETE FROM profiles WHERE workspace_id = $1 AND id = $2`, []any{workspaceID, from}},
		{"record the merged id", `INSERT INTO profile_identities (workspace_id, alias_id, profile_id) VALUES ($1, $2, $3)
			ON CONFLICT (workspace_id, alias_id) DO UPDATE SET profile_id = excluded.profile_id`, []any{workspaceID, from, into}},
	}
	for _, st := range steps {
		if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
			return fmt.Errorf("%s: %w", st.what, err)
		}
	}
	return recount()
}

// mergeProfile is p with old's traits, tags, tokens, zone and locale merged in.
func mergeProfile(p, old Profile) Profile {
	set := map[string]any{}
	for k, v := range old.Traits {
		if !p.TraitUpdatedAt[k].After(old.TraitUpdatedAt[k]) {
			set[k] = v
		}
	}
	mine := p.Traits
	p.Traits, p.TraitUpdatedAt = maps.Clone(p.Traits), maps.Clone(p.TraitUpdatedAt)
	maps.Copy(p.Traits, set)
	for k := range set {
		p.TraitUpdatedAt[k] = old.TraitUpdatedAt[k]
	}
	keepTouches(p.Traits, mine, old.Traits)
	p = applyChange(p, ProfileChange{AddTags: old.Tags, Timezone: p.Timezone, Locale: p.Locale}, time.Time{})
	p.Timezone, p.Locale = cmpOr(p.Timezone, old.Timezone), cmpOr(p.Locale, old.Locale)
	for _, t := range old.PushTokens {
		if !slices.Contains(p.PushTokens, t) {
			p.PushTokens = append(p.PushTokens, t)
		}
	}
	return p
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ToJourneyProfile is the part of a stored profile a journey sees.
func ToJourneyProfile(p Profile) journey.Profile {
	return journey.Profile{
		ID: p.ID, Traits: p.Traits, Tags: p.Tags, Email: p.Email, Phone: p.Phone,
		Timezone: p.Timezone, Locale: p.Locale, LineUserID: p.LineUserID, PushTokens: p.PushTokens,
	}
}
