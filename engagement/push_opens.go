package engagement

import (
	"context"
	"time"

	"github.com/tabiji/tabiji/store"
)

// RecordPushOpen records that customerID opened the push message
// messageID at at, as an app's SDK reports it: one open per message counts
// (the report's ID is the message's). It returns store.ErrNotFound when
// the workspace has no push message of that id sent to that customer.
func (r *Recorder) RecordPushOpen(ctx context.Context, workspaceID, customerID, messageID string, at time.Time) error {
	m, _, err := r.Store.LoggedMessageByID(ctx, workspaceID, messageID)
	if err != nil {
		return err
	}
	if m.CustomerID != customerID || m.Channel != "push" {
		return store.ErrNotFound // another user's message, or not a push: as good as none
	}
	_, err = r.Record(ctx, Report{WorkspaceID: workspaceID, Source: "push_opened", EventID: m.ID,
		Name: PushOpened, MessageID: m.ID, Status: "opened", ProviderEvent: "push_opened", Channel: "push", At: at})
	return err
}
