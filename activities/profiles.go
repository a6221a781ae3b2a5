package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
)

// ProfileInput names the customer whose profile a journey reads.
type ProfileInput struct {
	WorkspaceID string `json:"workspaceId"`
	CustomerID  string `json:"customerId"`
}

// ProfileResult is the customer's profile as a journey sees it. Found is
// false for a customer Tabiji has no profile of yet (only events).
type ProfileResult struct {
	Profile journey.Profile `json:"profile"`
	Found   bool            `json:"found"`
}

// LoadProfile reads the customer's profile. A journey runs it as a local
// activity: one marker in the history instead of three events.
func (a *Activities) LoadProfile(ctx context.Context, in ProfileInput) (ProfileResult, error) {
	p, err := a.store.GetProfile(ctx, in.WorkspaceID, in.CustomerID)
	if errors.Is(err, store.ErrNotFound) {
		return ProfileResult{Profile: journey.Profile{ID: in.CustomerID}}, nil
	}
	if err != nil {
		return ProfileResult{}, fmt.Errorf("load profile of %s: %w", in.CustomerID, err)
	}
	return ProfileResult{Profile: store.ToJourneyProfile(p), Found: true}, nil
}

// ChangeProfileInput is what an update_profile node does. At is the
// workflow's time, so a later identify call still wins over a stale set.
type ChangeProfileInput struct {
	WorkspaceID string                `json:"workspaceId"`
	CustomerID  string                `json:"customerId"`
	Change      journey.ProfileUpdate `json:"change"`
	At          time.Time             `json:"at"`
}

// ChangeProfile applies an update_profile node to the customer's profile,
// creating the profile when the customer has none, and returns the result.
func (a *Activities) ChangeProfile(ctx context.Context, in ChangeProfileInput) (ProfileResult, error) {
	p, err := a.store.ChangeProfile(ctx, in.WorkspaceID, in.CustomerID, store.ProfileChange{
		Set: in.Change.Set, Unset: in.Change.Unset, Increment: in.Change.Increment,
		AddTags: in.Change.AddTags, RemoveTags: in.Change.RemoveTags,
	}, in.At)
	if err != nil {
		return ProfileResult{}, fmt.Errorf("change profile of %s: %w", in.CustomerID, err)
	}
	return ProfileResult{Profile: store.ToJourneyProfile(p), Found: true}, nil
}
