package segments

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/tabiji/tabiji/taxonomy"
)

// maxContextDepth is how deep a where filter may read into a context.
const maxContextDepth = 4

// contextPath is a path into an event's context, after "context.".
var contextPath = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,3}$`)

func (v *validator) event(path string, e EventCondition) {
	if !checkName(v, path+".name", e.Name) {
		return
	}
	def, defined := v.events[e.Name]
	v.eventName(path+".name", e.Name, def, defined)
	props := map[string]taxonomy.Type{}
	for _, p := range def.Properties {
		props[p.Name] = p.Type
	}
	for i, f := range e.Where {
		fp := fmt.Sprintf("%s.where[%d]", path, i)
		if !checkName(v, fp+".property", f.Property) {
			continue
		}
		if ctxPath, isCtx := strings.CutPrefix(f.Property, ContextPrefix); isCtx {
			if !contextPath.MatchString(ctxPath) {
				v.add(fp+".property", "context paths are one to %d names of letters, digits and _ joined by dots, such as context.campaign.source", maxContextDepth)
				continue
			}
			v.comparison(fp, f.Op, f.Value, "", false, false)
			continue
		}
		typ, known := props[f.Property]
		if defined && def.Strict && !known {
			v.add(fp+".property", "event %q has no property %q in the taxonomy", e.Name, f.Property)
			continue
		}
		v.comparison(fp, f.Op, f.Value, typ, known, false)
	}
	measures := e.measures()
	if len(measures) > 1 {
		v.add(path, "has %v: use one of count, sum, avg, first, last, each_month", measures)
		return
	}
	if e.Performed != nil && !*e.Performed && len(measures) > 0 {
		v.add(path+".performed", "false means a count of 0: leave it out with %s", measures[0])
	}
	if e.Window != nil {
		v.window(path+".window", *e.Window)
		if len(measures) == 1 && (measures[0] == "first" || measures[0] == "last" || measures[0] == "each_month") {
			v.add(path+".window", "does not apply with %s, which has its own window", measures[0])
		}
	}
	v.measures(path, e, props, defined && def.Strict)
}

// eventName refuses events that are never stored: blocked ones, and unknown
// ones where the taxonomy rejects or quarantines unknown events.
func (v *validator) eventName(path, name string, def taxonomy.EventDef, defined bool) {
	t := v.env.Taxonomy
	switch {
	case t == nil:
	case defined && def.Status == taxonomy.Blocked:
		v.add(path, "event %q is blocked in the taxonomy: it is never stored", name)
	case !defined && len(t.Events) > 0 && t.UnknownEvents != "" && t.UnknownEvents != taxonomy.Allow:
		v.add(path, "event %q is not in the taxonomy, which %ss unknown events", name, t.UnknownEvents)
	}
}

// measures names the measures of e that are set.
func (e EventCondition) measures() []string {
	var out []string
	for _, m := range []struct {
		name string
		set  bool
	}{{"count", e.Count != nil}, {"sum", e.Sum != nil}, {"avg", e.Avg != nil}, {"first", e.First != nil},
		{"last", e.Last != nil}, {"each_month", e.EachMonth != nil}} {
		if m.set {
			out = append(out, m.name)
		}
	}
	return out
}

func (v *validator) measures(path string, e EventCondition, props map[string]taxonomy.Type, strict bool) {
	switch {
	case e.Count != nil:
		if e.Count.Property != "" {
			v.add(path+".count.property", "does not apply to count")
		}
		v.measure(path+".count", *e.Count, true)
	case e.Sum != nil:
		v.numericProperty(path+".sum.property", e.Name, e.Sum.Property, props, strict)
		v.measure(path+".sum", *e.Sum, false)
	case e.Avg != nil:
		v.numericProperty(path+".avg.property", e.Name, e.Avg.Property, props, strict)
		v.measure(path+".avg", *e.Avg, false)
	case e.First != nil:
		v.window(path+".first", *e.First)
	case e.Last != nil:
		v.window(path+".last", *e.Last)
	case e.EachMonth != nil:
		if e.EachMonth.Months < 1 || e.EachMonth.Months > maxMonths {
			v.add(path+".each_month.months", "must be from 1 to %d", maxMonths)
		}
	}
}

func (v *validator) numericProperty(path, event, name string, props map[string]taxonomy.Type, strict bool) {
	if !checkName(v, path, name) {
		return
	}
	typ, known := props[name]
	switch {
	case known && typ != taxonomy.Number && typ != taxonomy.Integer:
		v.add(path, "property %q of %q is a %s: sum and avg need a number", name, event, typ)
	case !known && strict:
		v.add(path, "event %q has no property %q in the taxonomy", event, name)
	}
}

var measureOps = []Op{Eq, Ne, Gt, Gte, Lt, Lte}

func (v *validator) measure(path string, m Measure, count bool) {
	if m.TopPercent != 0 {
		if m.Op != "" || m.Value != nil {
			v.add(path+".top_percent", "takes no op or value: it ranks customers")
		}
		if m.TopPercent < 0 || m.TopPercent > 100 {
			v.add(path+".top_percent", "must be more than 0 and at most 100")
		}
		return
	}
	if !slices.Contains(measureOps, m.Op) {
		v.add(path+".op", "must be one of %v (or give top_percent instead)", measureOps)
	}
	switch {
	case m.Value == nil:
		v.add(path+".value", "is required: the number to compare with")
	case count && (*m.Value < 0 || *m.Value != math.Trunc(*m.Value)):
		v.add(path+".value", "must be a whole number of events, 0 or more")
	}
}

func (v *validator) window(path string, w Window) {
	if w == (Window{}) {
		v.add(path, "needs one of last_days, older_than_days, after, before, calendar_months")
		return
	}
	for _, f := range []struct {
		name  string
		n, hi int
	}{{"last_days", w.LastDays, maxDays}, {"older_than_days", w.OlderThanDays, maxDays}, {"calendar_months", w.CalendarMonths, maxMonths}} {
		if f.n < 0 || f.n > f.hi {
			v.add(path+"."+f.name, "must be from 1 to %d", f.hi)
		}
	}
	if w.After != nil && w.Before != nil && !w.After.Before(*w.Before) {
		v.add(path+".before", "must be later than after")
	}
	if w.LastDays > 0 && w.OlderThanDays > 0 && w.OlderThanDays >= w.LastDays {
		v.add(path+".older_than_days", "must be fewer than last_days, or the window is empty")
	}
}
