package store

import (
	"context"
	"fmt"
)

// BroadcastChoices are what the console's new-broadcast form offers: the
// workspace's segments, its stored message templates (every channel) and
// its time zone, in which a send time is typed.
type BroadcastChoices struct {
	Segments  []Segment
	Templates []MessageTemplate
	Timezone  string
}

// BroadcastChoices reads the new-broadcast form's choices for a workspace.
func (s *Store) BroadcastChoices(ctx context.Context, workspaceID string) (BroadcastChoices, error) {
	var ch BroadcastChoices
	var err error
	if ch.Segments, err = s.ListSegments(ctx, workspaceID); err != nil {
		return ch, fmt.Errorf("list segments: %w", err)
	}
	if ch.Templates, err = s.ListMessageTemplates(ctx, workspaceID, ""); err != nil {
		return ch, fmt.Errorf("list message templates: %w", err)
	}
	if ch.Timezone, err = s.WorkspaceTimezone(ctx, workspaceID); err != nil {
		return ch, fmt.Errorf("read time zone: %w", err)
	}
	return ch, nil
}
