package approvals

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/journeytemplates"
)

// TemplateLaunch is a journey to make from a library template: its ID and
// name (the template's title in the journey's language when empty), the
// template's parameters, and the language of its messages (the
// workspace's when empty; checked by the caller).
type TemplateLaunch struct {
	Template journeytemplates.Template
	ID, Name string
	Params   map[string]any
	Locale   string
}

// LaunchTemplate renders the template in the launch's language and
// launches it (LaunchJourney). A parameter the template refuses is a
// jsonfields error naming it.
func (s *Service) LaunchTemplate(ctx context.Context, workspaceID string, l TemplateLaunch, by Actor) (Outcome, error) {
	lang := l.Locale
	if lang == "" {
		set, err := s.Store.WorkspaceSettings(ctx, workspaceID)
		if err != nil {
			return Outcome{}, err
		}
		lang = set.Locale
	}
	def, err := l.Template.RenderIn(lang, l.Params)
	if err != nil {
		return Outcome{}, err
	}
	return s.LaunchJourney(ctx, workspaceID, l.ID, cmp.Or(l.Name, l.Template.In(lang).Title), def, by)
}

// LaunchJourney checks d as any saved journey is (routing.Router.CheckJourney)
// and against the advertising-mail policy, stores it as a new journey and
// activates it, or, when the workspace requires approval, requests the
// activation (the journey stays a draft). The outcome carries the
// taxonomy's warnings. It returns store.ErrConflict when the workspace has
// a journey with id. Activation is a second step: if it fails the journey
// stays a draft, which ActivateJourney finishes.
func (s *Service) LaunchJourney(ctx context.Context, workspaceID, id, name string, d journey.Definition, by Actor) (Outcome, error) {
	warnings, err := s.Router.CheckJourney(ctx, workspaceID, d)
	if err != nil {
		return Outcome{}, err
	}
	if err := s.Store.CheckJourneyAdvertising(ctx, workspaceID, d); err != nil {
		return Outcome{}, err
	}
	canonical, err := json.Marshal(d)
	if err != nil {
		return Outcome{}, fmt.Errorf("approvals: unable to encode journey %s: %w", id, err)
	}
	if _, err := s.Store.CreateJourney(ctx, workspaceID, id, name, canonical); err != nil {
		return Outcome{}, err
	}
	// Activation syncs the trigger schedules (a journey entered on a
	// segment or a date needs its schedule now, not at the sweeper's next
	// sync).
	out, err := s.ActivateJourney(ctx, workspaceID, id, by)
	out.Warnings = warnings
	return out, err
}
