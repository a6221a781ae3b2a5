package segments

import (
	"strings"
	"time"
)

const day = 24 * time.Hour

// eventQuery is one event condition's subquery under construction.
type eventQuery struct {
	from, zone string
	where      []string
}

// event compiles an event condition to p.id IN (a subquery of the
// customers it holds for), or to NOT p.id IN (a subquery of those it
// fails for) when it also holds for customers without any such event
// ("fewer than 3", "not performed"). Subqueries of IN are hashed once per
// query, so a segment costs a pass over the events concerned, never a
// lookup per profile.
func (c *compiler) event(e EventCondition) string {
	if !c.opt.NoRollups {
		if sql, ok := c.rollup(e); ok {
			return sql
		}
	}
	q := eventQuery{from: "events e", where: []string{"e.workspace_id = $1", "e.event = " + c.arg(e.Name)}}
	if e.needsZone() {
		q.from += " JOIN profiles ep ON ep.workspace_id = e.workspace_id AND ep.id = e.user_id"
		q.zone = c.zoneOf("ep")
	}
	for _, f := range e.Where {
		doc, key := c.whereDoc(f.Property)
		q.where = append(q.where, "COALESCE("+c.compare(doc, key, f.Op, f.Value, "p")+", false)")
	}
	ranked := (e.Count != nil && e.Count.TopPercent > 0) || (e.Sum != nil && e.Sum.TopPercent > 0) || (e.Avg != nil && e.Avg.TopPercent > 0)
	if c.only != "" && !ranked {
		q.where = append(q.where, "e.user_id = ANY("+c.only+"::text[])")
	}
	switch {
	case e.Count != nil:
		return c.measured(q, e.Window, "count(*)", *e.Count, true)
	case e.Sum != nil:
		return c.measured(q, e.Window, "COALESCE(sum("+numeric("e.properties", c.arg(e.Sum.Property))+"), 0)", *e.Sum, true)
	case e.Avg != nil:
		return c.measured(q, e.Window, "avg("+numeric("e.properties", c.arg(e.Avg.Property))+")", *e.Avg, false)
	case e.First != nil:
		return c.grouped(q, strings.Join(c.window("min(e.timestamp)", q.zone, *e.First), " AND "))
	case e.Last != nil:
		return c.grouped(q, strings.Join(c.window("max(e.timestamp)", q.zone, *e.Last), " AND "))
	case e.EachMonth != nil:
		return c.eachMonth(q, *e.EachMonth)
	}
	if e.Window != nil {
		q.where = append(q.where, c.window("e.timestamp", q.zone, *e.Window)...)
	}
	in := "p.id IN (SELECT e.user_id FROM " + q.from + " WHERE " + strings.Join(q.where, " AND ") + ")"
	if e.Performed != nil && !*e.Performed {
		return "(NOT " + in + ")"
	}
	return "(" + in + ")"
}

// ContextPrefix starts a where filter's property that reads the event's
// context rather than its properties: context.campaign.source,
// context.page.referrer, context.device.type.
const ContextPrefix = "context."

// whereDoc is the JSON document and key a where filter compares: a
// property, or a path into the event's context (its last part the key).
func (c *compiler) whereDoc(property string) (doc, key string) {
	path, ok := strings.CutPrefix(property, ContextPrefix)
	if !ok {
		return "e.properties", property
	}
	parts := strings.Split(path, ".")
	if len(parts) == 1 {
		return "e.context", parts[0]
	}
	return "(e.context #> " + c.arg(parts[:len(parts)-1]) + "::text[])", parts[len(parts)-1]
}

func (e EventCondition) needsZone() bool {
	calendar := func(w *Window) bool { return w != nil && w.CalendarMonths > 0 }
	return calendar(e.Window) || calendar(e.First) || calendar(e.Last)
}

// grouped is the condition that having holds over the customer's events.
func (c *compiler) grouped(q eventQuery, having string) string {
	group := "e.user_id"
	if q.zone != "" {
		group += ", ep.timezone"
	}
	return "(p.id IN (SELECT e.user_id FROM " + q.from + " WHERE " + strings.Join(q.where, " AND ") +
		" GROUP BY " + group + " HAVING " + having + "))"
}

// measured compares an aggregate of the customer's events with m. When
// zeroCounts, customers without any event have the aggregate 0.
func (c *compiler) measured(q eventQuery, w *Window, agg string, m Measure, zeroCounts bool) string {
	if w != nil {
		q.where = append(q.where, c.window("e.timestamp", q.zone, *w)...)
	}
	if m.TopPercent > 0 {
		return c.topPercent("SELECT e.user_id, "+agg+" AS v FROM "+q.from+" WHERE "+strings.Join(q.where, " AND ")+
			" GROUP BY e.user_id", m.TopPercent)
	}
	value := 0.0
	if m.Value != nil {
		value = *m.Value
	}
	cmp := agg + " " + sqlOps[m.Op] + " " + c.arg(value) + "::numeric"
	if zeroCounts && holds(0, m.Op, value) {
		return "(NOT " + c.grouped(q, "NOT ("+cmp+")") + ")"
	}
	return c.grouped(q, cmp)
}

func holds(x float64, op Op, v float64) bool {
	switch op {
	case Eq:
		return x == v
	case Ne:
		return x != v
	case Gt:
		return x > v
	case Gte:
		return x >= v
	case Lt:
		return x < v
	case Lte:
		return x <= v
	}
	return false
}

// window is the SQL of w over the time expression t, in the customer's zone.
func (c *compiler) window(t, zone string, w Window) []string {
	var out []string
	if w.LastDays > 0 {
		out = append(out, t+" >= "+c.arg(c.opt.Now.Add(-time.Duration(w.LastDays)*day).UTC()))
	}
	if w.OlderThanDays > 0 {
		out = append(out, t+" < "+c.arg(c.opt.Now.Add(-time.Duration(w.OlderThanDays)*day).UTC()))
	}
	if w.After != nil {
		out = append(out, t+" >= "+c.arg(w.After.UTC()))
	}
	if w.Before != nil {
		out = append(out, t+" < "+c.arg(w.Before.UTC()))
	}
	if w.CalendarMonths > 0 {
		// The bound in UTC lets an index find the rows; the exact one is local.
		out = append(out, t+" >= "+c.arg(c.opt.Now.AddDate(0, -w.CalendarMonths, -2).UTC()),
			"("+t+" AT TIME ZONE "+zone+") >= "+c.monthStart(zone, w.CalendarMonths-1))
	}
	return out
}

// monthStart is the local start of the calendar month back months before
// the current one, in zone.
func (c *compiler) monthStart(zone string, back int) string {
	return "(date_trunc('month', " + c.now() + "::timestamptz AT TIME ZONE " + zone + ") - make_interval(months => " + c.arg(back) + "::int))"
}

// eachMonth holds when the customer has an event in each month of the
// span, in their zone. Joining every event to its profile for the zone
// would cost a pass over all profiles, so it runs in steps: per customer
// and UTC month, the first and last event (a zone moves an event into the
// month before or after, never further, and keeps the order of times, so
// the local months of a UTC month's events are those of its first and
// last); the customers with at least half as many UTC months as asked (two
// local months can share a UTC month, three cannot); then, for those few,
// the local months exactly.
func (c *compiler) eachMonth(q eventQuery, m EachMonth) string {
	q.where = append(q.where, "e.timestamp >= "+c.arg(c.opt.Now.AddDate(0, -m.Months-1, -2).UTC()))
	zone := c.zoneOf("ep")
	local := "(t.at AT TIME ZONE " + zone + ")"
	lo, hi := m.Months, 0
	if m.IncludeCurrent {
		lo, hi = m.Months-1, -1
	}
	return "(p.id IN (WITH m AS MATERIALIZED (SELECT e.user_id, min(e.timestamp) AS first_at, max(e.timestamp) AS last_at FROM " +
		q.from + " WHERE " + strings.Join(q.where, " AND ") + " GROUP BY e.user_id, date_trunc('month', e.timestamp AT TIME ZONE 'UTC')), " +
		"c AS (SELECT m.user_id FROM m GROUP BY m.user_id HAVING count(*) >= " + c.arg((m.Months+1)/2) + "::int) " +
		"SELECT m.user_id FROM m JOIN c ON c.user_id = m.user_id JOIN profiles ep ON ep.workspace_id = $1 AND ep.id = m.user_id " +
		"CROSS JOIN LATERAL (VALUES (m.first_at), (m.last_at)) AS t(at) " +
		"WHERE " + local + " >= " + c.monthStart(zone, lo) + " AND " + local + " < " + c.monthStart(zone, hi) +
		" GROUP BY m.user_id, ep.timezone HAVING count(DISTINCT date_trunc('month', " + local + ")) = " + c.arg(m.Months) + "::int))"
}
