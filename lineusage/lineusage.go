// Package lineusage reads a LINE channel's month: the message quota of its
// plan, what it has used (LINE's quota and consumption endpoints), and a
// forecast of the month's use at the pace so far; and it compares a LINE
// broadcast's audience with what remains before the broadcast is
// scheduled, since LINE bills every message past the plan's allowance.
package lineusage

import (
	"context"
	"fmt"
	"time"

	"github.com/tabiji/tabiji/channels/line"
)

// Tokyo is the zone of LINE's month: the quota resets at midnight on the
// first, Japan time.
var Tokyo = time.FixedZone("JST", 9*60*60)

// Usage is a LINE channel's month.
type Usage struct {
	Month    string `json:"month"`     // 2026-12, in Japan time
	Limited  bool   `json:"limited"`   // false: the plan has no monthly quota
	Limit    int64  `json:"limit"`     // messages a month when Limited
	Consumed int64  `json:"consumed"`  // messages sent this month
	Remain   int64  `json:"remaining"` // Limit - Consumed, not below 0, when Limited
	// Forecast is the month's use if the pace so far holds: consumed over
	// the part of the month gone, times the whole month.
	Forecast int64 `json:"forecast"`
	// OverBy is how far Forecast goes past Limit (0 within it).
	OverBy int64 `json:"forecastOverLimit"`
}

// Quota reads the quota and its consumption; *line.Sender is one.
type Quota interface {
	Quota(ctx context.Context) (line.Quota, error)
}

// Read reads the month's use at now.
func Read(ctx context.Context, q Quota, now time.Time) (Usage, error) {
	got, err := q.Quota(ctx)
	if err != nil {
		return Usage{}, fmt.Errorf("lineusage: read the quota: %w", err)
	}
	return Of(got, now), nil
}

// Of is the Usage of a quota read at now.
func Of(q line.Quota, now time.Time) Usage {
	now = now.In(Tokyo)
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, Tokyo)
	end := start.AddDate(0, 1, 0)
	gone := max(now.Sub(start), time.Hour) // an hour in, a forecast is still a guess; never divide by nothing
	u := Usage{Month: start.Format("2006-01"), Limited: q.Type == "limited", Limit: q.Limit, Consumed: q.Consumed,
		Forecast: int64(float64(q.Consumed) * float64(end.Sub(start)) / float64(gone))}
	if !u.Limited {
		u.Limit = 0
		return u
	}
	u.Remain = max(u.Limit-u.Consumed, 0)
	u.OverBy = max(u.Forecast-u.Limit, 0)
	return u
}

// Shortfall is a broadcast's audience past what remains of the month.
type Shortfall struct {
	Audience int64 // LINE users the broadcast reaches at most
	Usage    Usage
}

// Over is how many of the audience's messages LINE would bill.
func (s Shortfall) Over() int64 { return s.Audience - s.Usage.Remain }

func (s Shortfall) Error() string {
	return fmt.Sprintf("the broadcast reaches up to %d LINE users, but %d of this month's %d messages remain (%d sent in %s): "+
		"%d would be billed past the plan's allowance",
		s.Audience, s.Usage.Remain, s.Usage.Limit, s.Usage.Consumed, s.Usage.Month, s.Over())
}

// Check compares an audience with what remains: a *Shortfall when it
// does not fit, nil when it does or the plan has no quota.
func Check(u Usage, audience int64) *Shortfall {
	if !u.Limited || audience <= u.Remain {
		return nil
	}
	return &Shortfall{Audience: audience, Usage: u}
}
