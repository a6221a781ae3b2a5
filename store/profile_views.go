package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tabiji/tabiji/scoring"
)

// ProfileTimeline reads a customer by its id or a merged id and a page of
// its events, newest first, with the cursor of the next page ("" at the
// end). It returns ErrNotFound for a customer the workspace lacks.
func (s *Store) ProfileTimeline(ctx context.Context, workspaceID, id string, f TimelineFilter) (Profile, []Event, string, error) {
	p, err := s.GetProfile(ctx, workspaceID, id)
	if err != nil {
		return p, nil, "", err
	}
	events, next, err := s.CustomerEvents(ctx, workspaceID, p.ID, f)
	return p, events, next, err
}

// ProfileWithSegments reads a customer and the segments it is in. It
// returns ErrNotFound for a customer the workspace lacks.
func (s *Store) ProfileWithSegments(ctx context.Context, workspaceID, id string) (Profile, []string, error) {
	p, err := s.GetProfile(ctx, workspaceID, id)
	if err != nil {
		return p, nil, err
	}
	in, err := s.ProfileSegments(ctx, workspaceID, p.ID)
	return p, in, err
}

// ScoringRuleSet reads the workspace's lead-scoring rules, empty lists
// when it has none.
func (s *Store) ScoringRuleSet(ctx context.Context, workspaceID string) (scoring.Rules, error) {
	r := scoring.Rules{Events: []scoring.EventRule{}, Traits: []scoring.TraitRule{}}
	raw, err := s.ScoringRules(ctx, workspaceID)
	if errors.Is(err, ErrNotFound) {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("decode scoring rules of %q: %w", workspaceID, err)
	}
	return r, nil
}

// ProfileScore is a customer's lead score: the profile that holds it, the
// half-life of the workspace's rules (0: no decay) and its latest awards.
type ProfileScore struct {
	Profile  Profile
	HalfLife time.Duration
	History  []ScoreEntry
}

// ProfileScore reads a customer's lead score with at most limit of its
// latest awards. It returns ErrNotFound for a customer the workspace lacks.
func (s *Store) ProfileScore(ctx context.Context, workspaceID, id string, limit int) (ProfileScore, error) {
	p, err := s.GetProfile(ctx, workspaceID, id)
	if err != nil {
		return ProfileScore{}, err
	}
	out := ProfileScore{Profile: p}
	r, err := s.ScoringRuleSet(ctx, workspaceID)
	if err != nil {
		return out, err
	}
	if len(r.Events) > 0 || len(r.Traits) > 0 {
		rules, err := scoring.Compile(r)
		if err != nil {
			return out, fmt.Errorf("store: unable to compile the scoring rules of %q: %w", workspaceID, err)
		}
		out.HalfLife = rules.HalfLife
	}
	out.History, err = s.ScoreHistory(ctx, workspaceID, p.ID, limit)
	return out, err
}

// ProfilesPage reads a page of at most limit profiles, by id after the
// given one: the members of segment at the time at, or every profile when
// segment is "". It returns ErrNotFound for a segment the workspace lacks.
func (s *Store) ProfilesPage(ctx context.Context, workspaceID, segment, after string, limit int, at time.Time) ([]Profile, error) {
	var ids []string
	var err error
	if segment != "" {
		ids, err = s.SegmentMembersAt(ctx, workspaceID, segment, after, limit, at)
	} else {
		ids, err = s.ProfileIDs(ctx, workspaceID, after, limit)
	}
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return s.GetProfiles(ctx, workspaceID, ids)
}
