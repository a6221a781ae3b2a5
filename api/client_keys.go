package api

import (
	"context"
	"errors"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/store"
)

// The workspace's identity-verification secret, which a client key's
// calls that change who a person is must be verified with (ingest's
// client_calls.go), is sealed at rest like the channels' secrets.
const (
	identityPurpose    = "identity-verification"
	identitySecretSize = 32
)

// loadIdentitySecret opens the workspace's secret; nil when it has none yet.
func (s *server) loadIdentitySecret(ctx context.Context, workspaceID string) ([]byte, error) {
	sec, err := s.Store.IdentitySecret(ctx, workspaceID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.keyring().Open(workspaceID, identityPurpose, sec.Sealed)
}

// keyring is what seals workspace secrets: the channel settings' keyring.
func (s *server) keyring() *settings.Keyring { return s.Channels.Keyring() }
