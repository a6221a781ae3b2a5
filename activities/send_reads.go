package activities

import (
	"context"
	"fmt"

	"github.com/tabiji/tabiji/store"
)

// prefetch reads in one round trip what the checks of a send to the
// customer read one after the other otherwise (the global control share,
// the customer's profile, the advertising policy, the consent on the
// channel and topic, the frequency caps), or returns nil where they would
// not all be read, or not as they stand now: a transactional send or a
// sales owner's alert skips most checks; a holdout send reads nothing; a
// stored template may change the topic and purpose the checks read by.
func (a *Activities) prefetch(ctx context.Context, in SendInput) (*store.SendReads, error) {
	if in.Transactional || in.To != "" || in.Holdout || in.Template.Name != "" {
		return nil, nil
	}
	r, err := a.store.ReadForSend(ctx, in.WorkspaceID, in.CustomerID, in.Channel, in.Topic)
	if err != nil {
		return nil, fmt.Errorf("read before sending: %w", err)
	}
	return &r, nil
}
