package store

import (
	"context"
	"fmt"
)

// Lead hand-over events (scoring.HandedOverEvent, scoring.ContactedEvent),
// named here too: store does not import scoring.
const (
	leadHandedOver = "lead_handed_over"
	leadContacted  = "lead_contacted"
)

// LeadKPIs is what became of the leads handed to sales in a range.
type LeadKPIs struct {
	ConvertedEvent string  `json:"convertedEvent"`
	HandedOver     int64   `json:"handedOver"` // customers handed over (first lead_handed_over) in the range
	Contacted      int64   `json:"contacted"`  // … with lead_contacted at or after it
	Converted      int64   `json:"converted"`  // … with the converted event at or after it
	ContactRate    float64 `json:"contactRate"`
	ConversionRate float64 `json:"conversionRate"`
	// MedianMinutesToContact is the median time from hand-over to the first
	// lead_contacted, over the leads contacted; 0 when none were.
	MedianMinutesToContact float64 `json:"medianMinutesToContact"`
}

// LeadHandOver counts the customers first handed to sales in the range and,
// among them, those contacted (lead_contacted) and converted (the query's
// event; lead_converted when empty) at or after their hand-over, whenever
// that came.
func (s *Store) LeadHandOver(ctx context.Context, workspaceID string, q KPIQuery) (LeadKPIs, error) {
	q, err := q.resolved(ctx, s, workspaceID)
	if err != nil {
		return LeadKPIs{}, err
	}
	from, to := q.bounds()
	out := LeadKPIs{ConvertedEvent: q.PurchaseEvent}
	if out.ConvertedEvent == "" {
		out.ConvertedEvent = "lead_converted"
	}
	err = s.pool.QueryRow(ctx, `
		WITH handed AS (
			SELECT user_id, min(timestamp) AS at FROM events
			WHERE workspace_id = $1 AND event = $2 AND type = 'track'
			GROUP BY user_id),
		leads AS (
			SELECT h.user_id, h.at,
				(SELECT min(e.timestamp) FROM events e WHERE e.workspace_id = $1 AND e.user_id = h.user_id
					AND e.event = $3 AND e.type = 'track' AND e.timestamp >= h.at) AS contacted_at,
				EXISTS (SELECT 1 FROM events e WHERE e.workspace_id = $1 AND e.user_id = h.user_id
					AND e.event = $4 AND e.type = 'track' AND e.timestamp >= h.at) AS converted
			FROM handed h
			WHERE ($5::timestamptz IS NULL OR h.at >= $5) AND ($6::timestamptz IS NULL OR h.at < $6))
		SELECT count(*), count(contacted_at), count(*) FILTER (WHERE converted),
			COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM contacted_at - at) / 60), 0)::float8
		FROM leads`, workspaceID, leadHandedOver, leadContacted, out.ConvertedEvent, from, to).
		Scan(&out.HandedOver, &out.Contacted, &out.Converted, &out.MedianMinutesToContact)
	if err != nil {
		return LeadKPIs{}, fmt.Errorf("store: unable to count lead hand-overs: %w", err)
	}
	out.ContactRate = ratio(out.Contacted, out.HandedOver)
	out.ConversionRate = ratio(out.Converted, out.HandedOver)
	return out, nil
}
