package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ChannelSettings is one workspace's stored provider settings for one
// channel. The store keeps Secrets as the opaque sealed bytes it is given:
// sealing and opening them is the channels/settings package's job.
type ChannelSettings struct {
	WorkspaceID  string
	Channel      string
	Config       json.RawMessage   // the settings that are not secret
	Secrets      []byte            // sealed; nil when the channel has no secret set
	Fingerprints map[string]string // per secret field, a short fingerprint
	UpdatedAt    time.Time
}

const channelSettingsColumns = `workspace_id, channel, config, secrets, fingerprints, updated_at`

func scanChannelSettings(row pgx.Row) (ChannelSettings, error) {
	var cs ChannelSettings
	err := row.Scan(&cs.WorkspaceID, &cs.Channel, &cs.Config, &cs.Secrets, &cs.Fingerprints, &cs.UpdatedAt)
	return cs, err
}

// ChannelSettingsOf returns the workspace's settings for channel, or
// ErrNotFound when it has none.
func (s *Store) ChannelSettingsOf(ctx context.Context, workspaceID, channel string) (ChannelSettings, error) {
	cs, err := scanChannelSettings(s.pool.QueryRow(ctx, `SELECT `+channelSettingsColumns+`
		FROM channel_settings WHERE workspace_id = $1 AND channel = $2`, workspaceID, channel))
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return ChannelSettings{}, fmt.Errorf("store: unable to get %s settings of %q: %w", channel, workspaceID, err)
	}
	return cs, nil
}

// ListChannelSettings returns the workspace's settings, by channel name.
func (s *Store) ListChannelSettings(ctx context.Context, workspaceID string) ([]ChannelSettings, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+channelSettingsColumns+`
		FROM channel_settings WHERE workspace_id = $1 ORDER BY channel`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list channel settings of %q: %w", workspaceID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ChannelSettings, error) { return scanChannelSettings(r) })
	if err != nil {
		return nil, fmt.Errorf("store: unable to list channel settings of %q: %w", workspaceID, err)
	}
	return out, nil
}

// UpdateChannelSettings reads the workspace's settings for the channel
// (ErrNotFound's zero value, with WorkspaceID and Channel set, when it has
// none), hands them to change and stores what change returns, in one
// transaction holding the row: two concurrent updates apply one after the
// other, so neither loses the other's secrets. An error from change is
// returned wrapped, and nothing is stored.
func (s *Store) UpdateChannelSettings(ctx context.Context, workspaceID, channel string,
	change func(old ChannelSettings, found bool) (ChannelSettings, error)) (ChannelSettings, error) {
	var stored ChannelSettings
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Serialise updates of the pair even when no row exists yet.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('channel_settings'), hashtext($1 || '/' || $2))`,
			workspaceID, channel); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		old, err := scanChannelSettings(tx.QueryRow(ctx, `SELECT `+channelSettingsColumns+`
			FROM channel_settings WHERE workspace_id = $1 AND channel = $2`, workspaceID, channel))
		found := err == nil
		if !found && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("read: %w", err)
		}
		if !found {
			old = ChannelSettings{WorkspaceID: workspaceID, Channel: channel}
		}
		next, err := change(old, found)
		if err != nil {
			return err
		}
		if next.Config == nil {
			next.Config = json.RawMessage(`{}`)
		}
		if next.Fingerprints == nil {
			next.Fingerprints = map[string]string{}
		}
		stored, err = scanChannelSettings(tx.QueryRow(ctx, `
			INSERT INTO channel_settings (workspace_id, channel, config, secrets, fingerprints)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (workspace_id, channel) DO UPDATE SET config = EXCLUDED.config,
				secrets = EXCLUDED.secrets, fingerprints = EXCLUDED.fingerprints, updated_at = now()
			RETURNING `+channelSettingsColumns,
			workspaceID, channel, next.Config, next.Secrets, next.Fingerprints))
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		return nil
	})
	if err != nil {
		return ChannelSettings{}, fmt.Errorf("store: unable to update %s settings of %q: %w", channel, workspaceID, err)
	}
	return stored, nil
}

// DeleteChannelSettings removes the workspace's settings for the channel
// (the environment's then apply); ErrNotFound when it had none.
func (s *Store) DeleteChannelSettings(ctx context.Context, workspaceID, channel string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM channel_settings WHERE workspace_id = $1 AND channel = $2`, workspaceID, channel)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: unable to delete %s settings of %q: %w", channel, workspaceID, err)
	}
	return nil
}
