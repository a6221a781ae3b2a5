package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tabiji/tabiji/webcapture"
)

// ContextUpdate is what an event's context says about its customer.
type ContextUpdate struct {
	ID                          string // the canonical profile id
	Timezone, Locale, PushToken string
	// FirstTouch and LastTouch are acquisition traits (webcapture.Touch):
	// the first is kept only by a profile without first_touch_at, the last
	// only when it is later than the profile's last_touch_at. The times
	// are what the batch compares them by; nil maps change nothing.
	FirstTouch, LastTouch     map[string]any
	FirstTouchAt, LastTouchAt time.Time
}

// ApplyContexts records the time zones, locales, push tokens and touches
// of events' contexts on existing profiles, in one statement: the traits
// "timezone" and "locale" win over a context. ids must be distinct.
func (s *Store) ApplyContexts(ctx context.Context, workspaceID string, updates []ContextUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	slices.SortFunc(updates, func(a, b ContextUpdate) int { return strings.Compare(a.ID, b.ID) })
	var ids, zones, locales, tokens []string
	var first, last []map[string]any
	for _, u := range updates {
		ids, zones, locales, tokens = append(ids, u.ID), append(zones, u.Timezone), append(locales, u.Locale), append(tokens, u.PushToken)
		first, last = append(first, orEmpty(u.FirstTouch)), append(last, orEmpty(u.LastTouch))
	}
	_, err := s.pool.Exec(ctx, `
		WITH v AS (
			SELECT v.id,
				CASE WHEN v.tz = '' OR p.traits ? 'timezone' THEN p.timezone ELSE v.tz END AS tz,
				CASE WHEN v.locale = '' OR p.traits ? 'locale' THEN p.locale ELSE v.locale END AS locale,
				CASE WHEN v.token = '' OR v.token = ANY(p.push_tokens) THEN p.push_tokens
				     ELSE p.push_tokens || v.token END AS tokens,
				CASE WHEN v.first = '{}' OR p.traits ? 'first_touch_at' THEN '{}' ELSE v.first END AS first,
				CASE WHEN v.last = '{}' OR (v.last->>'last_touch_at')::timestamptz
				        <= COALESCE(tabiji_timestamptz(p.traits->>'last_touch_at'), '-infinity') THEN NULL ELSE v.last END AS last
			FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[])
			     AS v(id, tz, locale, token, first, last)
			JOIN profiles p ON p.workspace_id = $1 AND p.id = v.id
		)
		UPDATE profiles p SET timezone = v.tz, locale = v.locale, push_tokens = v.tokens, updated_at = now(),
			-- a new last touch replaces the old one whole
			traits = CASE WHEN v.last IS NULL THEN p.traits
			              ELSE p.traits - ARRAY(SELECT k FROM jsonb_object_keys(p.traits) k WHERE k LIKE 'last\_touch\_%') END
			         || v.first || COALESCE(v.last, '{}')
		FROM v
		WHERE p.workspace_id = $1 AND p.id = v.id
		  AND ((p.timezone, p.locale, p.push_tokens) IS DISTINCT FROM (v.tz, v.locale, v.tokens) OR v.first <> '{}' OR v.last IS NOT NULL)`,
		workspaceID, ids, zones, locales, tokens, first, last)
	if err != nil {
		return fmt.Errorf("store: unable to apply event contexts to profiles: %w", err)
	}
	return nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// keepTouches makes the merged traits hold the earlier first touch and
// the later last touch of the two profiles (webcapture.Touch), whole.
func keepTouches(merged, mine, theirs map[string]any) {
	for _, prefix := range []string{webcapture.FirstTouch, webcapture.LastTouch} {
		at := prefix + "at"
		m, mok := tabijiTime(mine[at])
		t, tok := tabijiTime(theirs[at])
		keepMine := mok && (!tok || (prefix == webcapture.FirstTouch && m.Before(t)) || (prefix == webcapture.LastTouch && m.After(t)))
		if !keepMine {
			continue
		}
		for k := range merged {
			if strings.HasPrefix(k, prefix) {
				delete(merged, k)
			}
		}
		for k, v := range mine {
			if strings.HasPrefix(k, prefix) {
				merged[k] = v
			}
		}
	}
}

func tabijiTime(v any) (time.Time, bool) {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}
