package richmenus

import (
	"context"

	"github.com/tabiji/tabiji/routing"
	"github.com/tabiji/tabiji/store"
)

// Rules sets and stops the workspace's rules, one call each for the API.
// A rule's segment is tracked as long as the rule stands, so each change
// also syncs the workspace's tracking (routing.Router.AfterJourneysChanged),
// and the sweeper's Syncer links and unlinks within seconds.
type Rules struct {
	Store  *store.Store
	Router *routing.Router
}

// Put links the rich menu to the segment's members from now on (replacing
// the segment's rule). It returns store.ErrNotFound for a segment the
// workspace lacks.
func (r *Rules) Put(ctx context.Context, workspaceID, segmentID, richMenuID string) (store.RichMenuRule, error) {
	rule, err := r.Store.PutRichMenuRule(ctx, workspaceID, segmentID, richMenuID)
	if err != nil {
		return rule, err
	}
	r.Router.AfterJourneysChanged(ctx, workspaceID) // the segment is tracked from now on
	return rule, nil
}

// Delete stops the segment's rule; the Syncer unlinks its menu from every
// user it linked it to. It returns store.ErrNotFound when the segment has
// no rule.
func (r *Rules) Delete(ctx context.Context, workspaceID, segmentID string) error {
	if err := r.Store.DeleteRichMenuRule(ctx, workspaceID, segmentID); err != nil {
		return err
	}
	r.Router.AfterJourneysChanged(ctx, workspaceID)
	return nil
}
