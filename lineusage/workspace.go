package lineusage

import (
	"context"
	"time"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/store"
)

// OfWorkspace reads the month's use at now of the workspace's LINE
// channel. It returns settings.ErrNotConfigured for a workspace without
// LINE credentials, and a store.Refusal (ErrUnavailable, LINE's error its
// Cause) when LINE does not answer.
func OfWorkspace(ctx context.Context, senders *settings.Resolver, workspaceID string, now time.Time) (Usage, error) {
	sender, err := senders.LINE(ctx, workspaceID)
	if err != nil {
		return Usage{}, err
	}
	u, err := Read(ctx, sender, now)
	if err != nil {
		r := store.Refuse(store.ErrUnavailable, "LINE did not answer its quota: "+err.Error())
		r.Cause = err
		return Usage{}, r
	}
	return u, nil
}
