package store

import (
	"context"
	"time"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/locale"
)

// A statistics or KPI read (StatsQuery, KPIQuery) names its period as the
// client wrote it: each end an instant (From, To) or a date (FromDay,
// ToDay: its midnight in the read's zone), and the zone (TZ; "": the
// workspace's). The read resolves it before it counts, so a client's dates
// fall at the midnights of the workspace's zone without the API reading
// the zone first.

// resolvePeriod resolves a period: the zone tz names (the workspace's when
// tz is ""), then the date ends at its midnights. It refuses
// (ErrMalformed) a zone Go cannot load on tz, a day that is not a date on
// from or to, and a period whose end is not after its start on to.
func (s *Store) resolvePeriod(ctx context.Context, workspaceID, tz, fromDay, toDay string, from, to time.Time) (string, time.Time, time.Time, error) {
	if tz == "" {
		var err error
		if tz, err = s.WorkspaceTimezone(ctx, workspaceID); err != nil {
			return "", from, to, err
		}
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		return "", from, to, malformed("tz", locale.TimezoneRule)
	}
	if from, err = atMidnight(fromDay, "from", from, loc); err != nil {
		return "", from, to, err
	}
	if to, err = atMidnight(toDay, "to", to, loc); err != nil {
		return "", from, to, err
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return "", from, to, malformed("to", "must be after from")
	}
	return loc.String(), from, to, nil
}

// DayRule is what a period's date end must be, and a time end may be.
const DayRule = "must be a date (2026-11-23) or an RFC 3339 time (2026-11-23T09:00:00+09:00)"

// atMidnight is day's midnight in loc, or at when day is "".
func atMidnight(day, field string, at time.Time, loc *time.Location) (time.Time, error) {
	if day == "" {
		return at, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		return at, malformed(field, DayRule)
	}
	return t, nil
}

// malformed is a Refusal (ErrMalformed) naming one parameter.
func malformed(field, rule string) error {
	return Refuse(ErrMalformed, field+": "+rule, jsonfields.Error{Field: field, Message: rule})
}

// resolved is q with its period resolved (resolvePeriod).
func (q StatsQuery) resolved(ctx context.Context, s *Store, workspaceID string) (StatsQuery, error) {
	var err error
	q.TZ, q.From, q.To, err = s.resolvePeriod(ctx, workspaceID, q.TZ, q.FromDay, q.ToDay, q.From, q.To)
	q.FromDay, q.ToDay = "", ""
	return q, err
}

// resolved is q with its period resolved (resolvePeriod).
func (q KPIQuery) resolved(ctx context.Context, s *Store, workspaceID string) (KPIQuery, error) {
	var err error
	q.TZ, q.From, q.To, err = s.resolvePeriod(ctx, workspaceID, q.TZ, q.FromDay, q.ToDay, q.From, q.To)
	q.FromDay, q.ToDay = "", ""
	return q, err
}

// ReadKPI resolves q's period for the workspace and reads one KPI in it
// with read (s.ChannelKPIs, s.LTVCohorts, …), answering the value and the
// zone it was read in: each of the API's KPI endpoints is this one call.
func ReadKPI[T any](ctx context.Context, s *Store, workspaceID string, q KPIQuery,
	read func(context.Context, string, KPIQuery) (T, error)) (T, string, error) {
	q, err := q.resolved(ctx, s, workspaceID)
	if err != nil {
		var none T
		return none, "", err
	}
	v, err := read(ctx, workspaceID, q)
	return v, q.TZ, err
}
