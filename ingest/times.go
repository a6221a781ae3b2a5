package ingest

import (
	"errors"
	"time"
)

// Timestamps must fall in these years: Postgres stores far wider, but a
// date outside them is a bug in the sender, not a customer's history.
const (
	minYear = 1900
	maxYear = 9999
)

// fillTimes sets Timestamp as Segment does: the sender's originalTimestamp
// (RudderStack's libraries and Segment's own stored records send it) or else
// its timestamp (what Segment's libraries send), moved by the skew between the sender's clock and ours
// when it says when it sent the call:
//
//	timestamp = receivedAt - (sentAt - originalTimestamp)
//
// Without sentAt the sender's timestamp stands; without either, receivedAt.
func (m *Message) fillTimes(w *wire) Errors {
	var errs Errors
	parse := func(field, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		t, err := parseTime(s)
		if err != nil {
			errs = append(errs, fieldErr(field, "must be an ISO 8601 date-time with a zone, from year %d to %d, such as 2026-11-23T10:00:00.000Z", minYear, maxYear)...)
		}
		return t
	}
	ts := parse("timestamp", w.Timestamp)
	orig := parse("originalTimestamp", w.OriginalTimestamp)
	m.SentAt = parse("sentAt", w.SentAt)
	if errs != nil {
		return errs
	}
	if !orig.IsZero() {
		ts = orig
	}
	m.OriginalTimestamp = ts
	m.Timestamp = m.ReceivedAt
	switch {
	case ts.IsZero():
	case m.SentAt.IsZero():
		m.Timestamp = ts
	default:
		// ts + (receivedAt - sentAt): each difference stays within Duration's ±292 years.
		corrected := ts.Add(m.ReceivedAt.Sub(m.SentAt))
		m.Timestamp = ts
		if inRange(corrected) {
			m.Timestamp = corrected
		}
	}
	m.Timestamp = m.Timestamp.UTC()
	return nil
}

// parseTime reads RFC 3339 (what every Segment library sends), and the
// ISO 8601 offset without a colon that some Java and Ruby formatters write.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		var err2 error
		if t, err2 = time.Parse("2006-01-02T15:04:05.999999999Z0700", s); err2 != nil {
			return time.Time{}, err
		}
	}
	if !inRange(t) {
		return time.Time{}, errors.New("out of range")
	}
	return t, nil
}

func inRange(t time.Time) bool {
	y := t.UTC().Year()
	return y >= minYear && y <= maxYear
}
