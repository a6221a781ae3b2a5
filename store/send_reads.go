package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// SendReads is what a send reads before it decides whether the message
// goes: the workspace's global control share, advertising policy and
// frequency caps, and the customer's profile and consent on the channel.
type SendReads struct {
	GlobalControl float64
	Policy        AdvertisingPolicy
	Caps          json.RawMessage // nil when the workspace has none
	Profile       *Profile        // nil when Tabiji has no profile of the customer
	Consent       string          // the consent status that applies; "" when none is recorded
}

// SendSettings is what every send of a workspace reads alike (its global
// control share, advertising policy, frequency caps) and the workspace's
// send-settings version they were read at, which every change to them
// bumps in its own transaction (migration 00053): a process may keep them
// and read only the version again.
type SendSettings struct {
	Version       int64
	GlobalControl float64
	Policy        AdvertisingPolicy
	Caps          json.RawMessage
}

// ReadForSend reads a SendReads in one round trip: the statements of
// GlobalControl, AdvertisingPolicy, FrequencyCaps, GetProfile and
// ConsentFor in one batch, each read as that method reads it.
func (s *Store) ReadForSend(ctx context.Context, workspaceID, customerID, channel, topic string) (SendReads, error) {
	r, _, err := s.ReadForSendKnowing(ctx, nil, workspaceID, customerID, channel, topic)
	return r, err
}

// ReadForSendKnowing is ReadForSend for a caller that kept the
// workspace's settings (known, nil for none): one round trip reads the
// settings' version, the profile and the consent, and the settings only
// when known is nil; a second reads the settings again where the version
// moved. It returns the settings the reads hold, to keep.
func (s *Store) ReadForSendKnowing(ctx context.Context, known *SendSettings, workspaceID, customerID, channel, topic string) (SendReads, *SendSettings, error) {
	var r SendReads
	var version int64
	fresh := &SendSettings{}
	b := &pgx.Batch{}
	// The version first: a change committed between it and the settings'
	// reads makes the next send read them again, never keep them stale.
	queueSettingsVersion(b, workspaceID, &version)
	if known == nil {
		queueSendSettings(b, workspaceID, fresh)
	}
	queueCustomerReads(b, workspaceID, customerID, channel, topic, &r)
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return SendReads{}, nil, fmt.Errorf("store: unable to read for a send to %q: %w", customerID, err)
	}
	settings := known
	switch {
	case known == nil:
		fresh.Version, settings = version, fresh
	case known.Version != version:
		b = &pgx.Batch{}
		queueSettingsVersion(b, workspaceID, &fresh.Version)
		queueSendSettings(b, workspaceID, fresh)
		if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
			return SendReads{}, nil, fmt.Errorf("store: unable to read the send settings of %q: %w", workspaceID, err)
		}
		settings = fresh
	}
	r.GlobalControl, r.Policy, r.Caps = settings.GlobalControl, settings.Policy, settings.Caps
	return r, settings, nil
}

func queueSettingsVersion(b *pgx.Batch, workspaceID string, v *int64) {
	b.Queue(`SELECT send_settings_version FROM workspaces WHERE id = $1`, workspaceID).QueryRow(func(row pgx.Row) error {
		if err := row.Scan(v); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("read the send settings' version: %w", err)
		}
		return nil
	})
}

// queueSendSettings queues the statements of GlobalControl,
// AdvertisingPolicy and FrequencyCaps.
func queueSendSettings(b *pgx.Batch, workspaceID string, st *SendSettings) {
	b.Queue(globalControlSQL, workspaceID).QueryRow(func(row pgx.Row) (err error) {
		st.GlobalControl, err = scanGlobalControl(row, workspaceID)
		return err
	})
	b.Queue(advertisingPolicySQL, workspaceID).QueryRow(func(row pgx.Row) (err error) {
		st.Policy, err = scanAdvertisingPolicy(row, workspaceID)
		return err
	})
	b.Queue(frequencyCapsSQL, workspaceID).QueryRow(func(row pgx.Row) (err error) {
		if st.Caps, err = scanFrequencyCaps(row, workspaceID); errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	})
}

// queueCustomerReads queues the statements of GetProfile and ConsentFor.
func queueCustomerReads(b *pgx.Batch, workspaceID, customerID, channel, topic string, r *SendReads) {
	b.Queue(getProfileSQL, workspaceID, customerID).QueryRow(func(row pgx.Row) error {
		p, err := scanGotProfile(row, customerID)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		r.Profile = &p
		return err
	})
	b.Queue(consentForSQL, workspaceID, customerID, channel, topic).QueryRow(func(row pgx.Row) (err error) {
		r.Consent, _, err = scanConsentFor(row)
		return err
	})
}
