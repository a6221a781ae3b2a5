package activities

import (
	"context"
	"fmt"
	"sync"

	"github.com/tabiji/tabiji/store"
)

// prefetch reads in one round trip what the checks of a send to the
// customer read one after the other otherwise (the global control share,
// the customer's profile, the advertising policy, the consent on the
// channel and topic, the frequency caps), or returns nil where they would
// not all be read, or not as they stand now: a transactional send or a
// sales owner's alert skips most checks; a holdout send reads nothing; a
// stored template may change the topic and purpose the checks read by.
// The workspace's settings (control share, policy, caps) come from what
// this process last read of them while their version has not moved
// (store.ReadForSendKnowing): a change applies to the next send.
func (a *Activities) prefetch(ctx context.Context, in SendInput) (*store.SendReads, error) {
	if in.Transactional || in.To != "" || in.Holdout || in.Template.Name != "" {
		return nil, nil
	}
	r, settings, err := a.store.ReadForSendKnowing(ctx, a.settings.get(in.WorkspaceID), in.WorkspaceID, in.CustomerID, in.Channel, in.Topic)
	if err != nil {
		return nil, fmt.Errorf("read before sending: %w", err)
	}
	a.settings.put(in.WorkspaceID, settings)
	return &r, nil
}

// sendSettings keeps each workspace's send settings as last read. Sends of
// one workspace read concurrently and the last to finish is kept: an older
// version kept costs the next send a second read, never a stale setting.
// It holds one entry per workspace that sent, a few hundred bytes each.
type sendSettings struct {
	mu   sync.Mutex
	byWS map[string]*store.SendSettings
}

func (c *sendSettings) get(workspaceID string) *store.SendSettings {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byWS[workspaceID]
}

func (c *sendSettings) put(workspaceID string, s *store.SendSettings) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byWS == nil {
		c.byWS = map[string]*store.SendSettings{}
	}
	c.byWS[workspaceID] = s
}
