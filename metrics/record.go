package metrics

import "time"

// Verdicts of the ingestion pipeline, the values of
// tabiji_events_ingested_total's verdict label.
const (
	VerdictStored      = "stored"
	VerdictDuplicate   = "duplicate"
	VerdictRejected    = "rejected"
	VerdictQuarantined = "quarantined"
	VerdictDropped     = "dropped"
)

// Ingested counts n calls of one verdict.
func (m *Metrics) Ingested(verdict string, n int) {
	if m == nil || n <= 0 {
		return
	}
	m.ingested.WithLabelValues(verdict).Add(float64(n))
}

// Routed observes the time from an event's storage to the end of its
// routing.
func (m *Metrics) Routed(storedAt time.Time) {
	if m == nil || storedAt.IsZero() {
		return
	}
	m.routingLag.Observe(time.Since(storedAt).Seconds())
}

// OutcomeRetry is the send outcome, besides the message statuses, of an
// attempt that ended in an error Temporal retries.
const OutcomeRetry = "retry"

// Sent counts one finished send attempt on channel.
func (m *Metrics) Sent(channel, outcome string) {
	if m == nil {
		return
	}
	m.sends.WithLabelValues(channel, outcome).Inc()
}

// Provider error classes, the values of tabiji_provider_errors_total's
// class label.
const (
	ErrorPermanent   = "permanent"
	ErrorRateLimited = "rate_limited"
	ErrorTransient   = "transient"
)

// ProviderCall observes one provider call on channel and, when it failed,
// counts its class ("" when it succeeded).
func (m *Metrics) ProviderCall(channel string, took time.Duration, class string) {
	if m == nil {
		return
	}
	m.providerSeconds.WithLabelValues(channel).Observe(took.Seconds())
	if class != "" {
		m.providerErrors.WithLabelValues(channel, class).Inc()
	}
}

// QueueWait observes how long a send waited on its channel's task queue.
func (m *Metrics) QueueWait(channel string, waited time.Duration) {
	if m == nil || waited < 0 {
		return
	}
	m.queueWait.WithLabelValues(channel).Observe(waited.Seconds())
}

// Broadcast counts n recipients of a broadcast batch with one outcome.
func (m *Metrics) Broadcast(channel, outcome string, n int) {
	if m == nil || n <= 0 {
		return
	}
	m.broadcast.WithLabelValues(channel, outcome).Add(float64(n))
}

// BroadcastDeferred counts n broadcast recipients held for quiet hours.
func (m *Metrics) BroadcastDeferred(n int) {
	if m == nil || n <= 0 {
		return
	}
	m.broadcastQuiet.Add(float64(n))
}
