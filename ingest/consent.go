package ingest

import (
	"context"
	"fmt"

	"github.com/tabiji/tabiji/consent"
	"github.com/tabiji/tabiji/store"
)

// consentRecords are the consent records a call makes by the
// identify/track convention (package consent): a track "Consent Recorded"
// or an identify with a consent trait. A fault is a field error of the
// call, so the decoder refuses it with a 400 naming the field.
func (m *Message) consentRecords() ([]consent.Record, Errors) {
	switch m.Type {
	case Track:
		return consent.FromTrack(m.Event, m.Properties, m.Context, m.Timestamp, m.ReceivedAt)
	case Identify:
		return consent.FromTraits(m.Traits, m.Context, m.Timestamp, m.ReceivedAt)
	}
	return nil, nil
}

// recordConsent keeps the consent that the newly stored calls carry, under
// the customer each was stored for, before the calls are routed: a journey
// the same call enters sees the customer's opt-in. A duplicate call
// records nothing again.
func (p *Pipeline) recordConsent(ctx context.Context, workspaceID string, in []accepted, out []store.Inserted) error {
	var cs []store.Consent
	for i, a := range in {
		if !out[i].Inserted {
			continue
		}
		records, _ := a.msg.consentRecords() // checked when the call was decoded
		for _, r := range records {
			cs = append(cs, store.Consent{WorkspaceID: workspaceID, CustomerID: out[i].Event.UserID, Channel: r.Channel,
				Topic: r.Topic, Status: r.Status, Source: r.Source, UpdatedAt: r.At, Evidence: r.Evidence.EvidenceJSON()})
		}
	}
	if len(cs) == 0 {
		return nil
	}
	if err := p.Store.SetConsents(ctx, cs); err != nil {
		return fmt.Errorf("record consent: %w", err)
	}
	return nil
}
