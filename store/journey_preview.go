package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tabiji/tabiji/taxonomy"
)

// JourneyPreview is a version of a journey to preview, with the taxonomy's
// definition of its entry event (zero when the taxonomy does not define
// it): the types a preview's entry properties must have.
type JourneyPreview struct {
	JourneyAt
	EntryEvent taxonomy.EventDef
}

// JourneyToPreview reads a journey's version as JourneyAtVersion does
// (the latest when version is 0, drafts included) and the definition of
// its entry event.
func (s *Store) JourneyToPreview(ctx context.Context, workspaceID, id string, version int) (JourneyPreview, error) {
	at, err := s.JourneyAtVersion(ctx, workspaceID, id, version, false)
	if err != nil {
		return JourneyPreview{JourneyAt: at}, err
	}
	def, err := s.entryEvent(ctx, workspaceID, at.Definition.Entry.Event)
	return JourneyPreview{JourneyAt: at, EntryEvent: def}, err
}

// entryEvent is the taxonomy's definition of the event name, zero when it
// has none.
func (s *Store) entryEvent(ctx context.Context, workspaceID, name string) (taxonomy.EventDef, error) {
	if name == "" {
		return taxonomy.EventDef{}, nil
	}
	def, err := s.EventDefinition(ctx, workspaceID, name)
	if errors.Is(err, ErrNotFound) {
		return taxonomy.EventDef{}, nil
	}
	return def, err
}

// latestEntryEvent is the definition of the entry event of j's latest
// version.
func (s *Store) latestEntryEvent(ctx context.Context, j Journey) (taxonomy.EventDef, error) {
	var d struct {
		Entry struct {
			Event string `json:"event"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(j.Definition, &d); err != nil {
		return taxonomy.EventDef{}, fmt.Errorf("store: unable to read the entry of journey %q: %w", j.ID, err)
	}
	return s.entryEvent(ctx, j.WorkspaceID, d.Entry.Event)
}
