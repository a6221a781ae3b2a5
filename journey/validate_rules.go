package journey

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/tabiji/tabiji/msgtemplates/liquid"
)

func (d *Definition) validateEntry(add addFunc) {
	e := d.Entry
	switch {
	case e.API && e.Event != "":
		add("entry.event", "an API entry has no event: remove event or api")
	case e.API:
		if e.Filter != "" {
			add("entry.filter", "applies to event entries only")
		}
	case !eventNamePattern.MatchString(e.Event):
		add("entry.event", "is required: the event that brings a customer in, such as \"cart_add\" (or \"api\": true)")
	}
	if e.CorrelationKey != "" && !propertyPattern.MatchString(e.CorrelationKey) {
		add("entry.correlation_key", "must be a path into the entry event, such as \"properties.cart_id\"")
	}
}

func (d *Definition) validateRules(add addFunc) {
	validateZone("timezone", d.Timezone, add)
	for k := range d.Variables {
		if !propertyPattern.MatchString(k) || strings.Contains(k, ".") {
			add("variables."+k, "must be a name of letters, digits and _")
		}
	}
	if d.Reentry != nil {
		validateReentry(*d.Reentry, add)
	}
	if x := d.ExitCriteria; x != nil {
		if len(x.Events) == 0 && strings.TrimSpace(x.Condition) == "" {
			add("exit_criteria", "needs events, a condition, or both")
		}
		for j, e := range x.Events {
			if !eventNamePattern.MatchString(e.Event) {
				add(fmt.Sprintf("exit_criteria.events[%d].event", j), "is required")
			}
		}
	}
	if g := d.Goal; g != nil {
		if !eventNamePattern.MatchString(g.Event) {
			add("goal.event", "is required: the conversion event, such as \"purchase\"")
		}
		if g.Window < 0 {
			add("goal.window", "must be positive, as in \"72h\"")
		}
	}
	if d.QuietHours != nil {
		validateQuietHours(*d.QuietHours, add)
	}
	if h := d.Holdout; h != nil && (h.Percent <= 0 || h.Percent >= 100) {
		add("holdout.percent", "must be above 0 and below 100, as in 10")
	}
	if lt := d.LinkTracking; lt != nil {
		validateUTM(lt.UTM, add)
	}
	if b := d.LineBudget; b != nil && (b.Monthly < 1 || b.Monthly > MaxLineBudget) {
		add("line_budget.monthly", "must be a number of LINE messages a month from 1 to %d, as in 1000", MaxLineBudget)
	}
}

// maxUTMValue bounds a UTM value: it goes into every tracked link, and
// LINE refuses a link longer than 1,000 characters.
const maxUTMValue = 100

func validateUTM(utm map[string]string, add addFunc) {
	for _, k := range slices.Sorted(maps.Keys(utm)) {
		v, field := utm[k], "link_tracking.utm."+k
		switch {
		case !slices.Contains(UTMParameters, k):
			add(field, "is not a UTM parameter: use %s", strings.Join(UTMParameters, ", "))
		case strings.TrimSpace(v) == "":
			add(field, "must not be empty")
		case len(v) > maxUTMValue:
			add(field, "must be at most %d bytes", maxUTMValue)
		case strings.IndexFunc(v, unicode.IsControl) >= 0:
			add(field, "must not hold control characters")
		}
	}
}

func validateReentry(r Reentry, add addFunc) {
	modes := []string{ReentryOnce, ReentryAfterExit, ReentryCooldown}
	if !slices.Contains(modes, r.Mode) {
		add("reentry.mode", "must be one of %s", strings.Join(modes, ", "))
	}
	if r.Mode == ReentryCooldown && r.Cooldown <= 0 {
		add("reentry.cooldown", "is required with mode cooldown and must be positive, as in \"7d\"")
	}
	if r.Mode != ReentryCooldown && r.Cooldown != 0 {
		add("reentry.cooldown", "applies to mode cooldown only")
	}
}

func validateQuietHours(q QuietHours, add addFunc) {
	validateClockField("quiet_hours.start", q.Start, add)
	validateClockField("quiet_hours.end", q.End, add)
	if q.Start != "" && q.Start == q.End {
		add("quiet_hours.end", "must differ from start")
	}
	validateZone("quiet_hours.timezone", q.Timezone, add)
	if q.Action != "" && q.Action != QuietWait && q.Action != QuietSkip {
		add("quiet_hours.action", "must be wait or skip")
	}
}

func validateTemplate(path string, t *Template, add addFunc) {
	switch {
	case t == nil:
		add(path, "is required: {\"subject\", \"body\"} in Liquid, or {\"name\"} of a stored template")
		return
	case t.Name != "" && (t.Body != "" || t.Subject != ""):
		add(path+".name", "a template is either named or inline, not both")
		return
	case t.Name != "":
		// A stored template: whether it exists, and is of the node's
		// channel, is checked against the workspace when the journey is saved.
		return
	case strings.TrimSpace(t.Body) == "":
		add(path+".body", "is required")
		return
	}
	if err := liquid.Default().Check(t.Subject); err != nil {
		add(path+".subject", "is not valid Liquid: %v", err)
	}
	if err := liquid.Default().Check(t.Body); err != nil {
		add(path+".body", "is not valid Liquid: %v", err)
	}
}

// validateLiquidJSON checks that every string in a JSON value is valid Liquid.
func validateLiquidJSON(path string, v any, add addFunc) {
	var walk func(string, any)
	walk = func(p string, v any) {
		switch v := v.(type) {
		case string:
			if err := liquid.Default().Check(v); err != nil {
				add(p, "is not valid Liquid: %v", err)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s[%d]", p, i), x)
			}
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(p+"."+k, v[k])
			}
		}
	}
	walk(path, v)
}
