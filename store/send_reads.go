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

// ReadForSend reads a SendReads in one round trip: the statements of
// GlobalControl, AdvertisingPolicy, FrequencyCaps, GetProfile and
// ConsentFor in one batch, each read as that method reads it.
func (s *Store) ReadForSend(ctx context.Context, workspaceID, customerID, channel, topic string) (SendReads, error) {
	var r SendReads
	b := &pgx.Batch{}
	b.Queue(globalControlSQL, workspaceID).QueryRow(func(row pgx.Row) (err error) {
		r.GlobalControl, err = scanGlobalControl(row, workspaceID)
		return err
	})
	b.Queue(advertisingPolicySQL, workspaceID).QueryRow(func(row pgx.Row) (err error) {
		r.Policy, err = scanAdvertisingPolicy(row, workspaceID)
		return err
	})
	b.Queue(frequencyCapsSQL, workspaceID).QueryRow(func(row pgx.Row) (err error) {
		if r.Caps, err = scanFrequencyCaps(row, workspaceID); errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	})
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
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return SendReads{}, fmt.Errorf("store: unable to read for a send to %q: %w", customerID, err)
	}
	return r, nil
}
