package segments

import "strings"

// rollup compiles an event condition over event_rollups (migration 00015:
// per customer and event, the count, first and last time, and the sum and
// number of each numeric property over all time), reporting false when
// the condition needs the events themselves: property filters, a measure
// over a window, a window bounded on both sides, each_month.
func (c *compiler) rollup(e EventCondition) (string, bool) {
	if len(e.Where) > 0 || e.EachMonth != nil || (e.Window != nil && (e.Count != nil || e.Sum != nil || e.Avg != nil)) {
		return "", false
	}
	var performedOn string // the rollup column a plain "performed in window" is decided on
	if e.Window != nil && e.measures() == nil {
		performedOn = e.Window.decidingEnd()
		if performedOn == "" {
			return "", false
		}
	}
	q := eventQuery{from: "event_rollups e", where: []string{"e.workspace_id = $1", "e.event = " + c.arg(e.Name)}}
	if e.needsZone() {
		q.from += " JOIN profiles ep ON ep.workspace_id = e.workspace_id AND ep.id = e.user_id"
		q.zone = c.zoneOf("ep")
	}
	ranked := (e.Count != nil && e.Count.TopPercent > 0) || (e.Sum != nil && e.Sum.TopPercent > 0) || (e.Avg != nil && e.Avg.TopPercent > 0)
	if c.only != "" && !ranked {
		q.where = append(q.where, "e.user_id = ANY("+c.only+"::text[])")
	}
	switch {
	case e.Count != nil:
		return c.rolledMeasure(q, "e.count", *e.Count, true), true
	case e.Sum != nil:
		return c.rolledMeasure(q, "COALESCE((e.sums->>"+c.arg(e.Sum.Property)+")::numeric, 0)", *e.Sum, true), true
	case e.Avg != nil:
		p := c.arg(e.Avg.Property)
		return c.rolledMeasure(q, "((e.sums->>"+p+")::numeric / NULLIF((e.nums->>"+p+")::numeric, 0))", *e.Avg, false), true
	case e.First != nil:
		return rolled(q, c.window("e.first_at", q.zone, *e.First)...), true
	case e.Last != nil:
		return rolled(q, c.window("e.last_at", q.zone, *e.Last)...), true
	}
	var in string
	if performedOn != "" {
		in = rolled(q, c.window(performedOn, q.zone, *e.Window)...)
	} else {
		in = rolled(q)
	}
	if e.Performed != nil && !*e.Performed {
		return "(NOT " + in + ")", true
	}
	return in, true
}

// decidingEnd is the rollup column that tells whether any event fell in a
// window bounded on one side: the last time for a lower bound, the first
// for an upper one; "" for a window bounded on both sides.
func (w *Window) decidingEnd() string {
	lower := w.LastDays > 0 || w.After != nil || w.CalendarMonths > 0
	upper := w.OlderThanDays > 0 || w.Before != nil
	switch {
	case lower && !upper:
		return "e.last_at"
	case upper && !lower:
		return "e.first_at"
	}
	return ""
}

// rolled is p.id IN the customers whose rollup row passes conds.
func rolled(q eventQuery, conds ...string) string {
	return "(p.id IN (SELECT e.user_id FROM " + q.from + " WHERE " + strings.Join(append(q.where, conds...), " AND ") + "))"
}

// rolledMeasure compares a rollup column with m, as measured does over events.
func (c *compiler) rolledMeasure(q eventQuery, agg string, m Measure, zeroCounts bool) string {
	if m.TopPercent > 0 {
		return c.topPercent("SELECT e.user_id, "+agg+" AS v FROM "+q.from+" WHERE "+strings.Join(q.where, " AND "), m.TopPercent)
	}
	value := 0.0
	if m.Value != nil {
		value = *m.Value
	}
	cmp := agg + " " + sqlOps[m.Op] + " " + c.arg(value) + "::numeric"
	if zeroCounts && holds(0, m.Op, value) {
		return "(NOT " + rolled(q, "NOT ("+cmp+")") + ")"
	}
	return rolled(q, cmp)
}
