package store

import (
	"context"
	"errors"
	"fmt"
)

// CustomerHistory is what Postgres holds of one customer for the
// console's customer page: the profile, when there is one, and the latest
// events and messages.
type CustomerHistory struct {
	ID       string   // the profile's id when id was a merged one
	Profile  *Profile // nil when the workspace has no profile of the id
	Events   []Event
	Messages []LoggedMessage
}

// CustomerHistory reads a customer's profile (by its id or a merged id)
// and its latest limit events and messages, newest first. A customer
// without a profile may still have events or messages: nothing is an
// error.
func (s *Store) CustomerHistory(ctx context.Context, workspaceID, id string, limit int) (CustomerHistory, error) {
	h := CustomerHistory{ID: id}
	p, err := s.GetProfile(ctx, workspaceID, id)
	switch {
	case err == nil:
		h.ID, h.Profile = p.ID, &p
	case !errors.Is(err, ErrNotFound):
		return h, err
	}
	if h.Events, _, err = s.CustomerEvents(ctx, workspaceID, h.ID, TimelineFilter{Limit: limit}); err != nil {
		return h, fmt.Errorf("store: events of %s: %w", h.ID, err)
	}
	if h.Messages, _, err = s.MessageLog(ctx, workspaceID, LogFilter{CustomerID: h.ID, Limit: limit}); err != nil {
		return h, fmt.Errorf("store: messages of %s: %w", h.ID, err)
	}
	return h, nil
}
