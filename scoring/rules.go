package scoring

import (
	"fmt"
	"time"

	"github.com/tabiji/tabiji/journey"
)

// Compiled is a workspace's rules ready to evaluate: events by name, CEL
// compiled once.
type Compiled struct {
	HalfLife time.Duration // 0: no decay
	events   map[string][]compiledEvent
	traits   []compiledTrait
}

type compiledEvent struct {
	rule   EventRule
	filter *journey.Condition // nil: every event of the name
}

type compiledTrait struct {
	rule      TraitRule
	condition *journey.Condition
}

// Award is points a rule gives.
type Award struct {
	RuleID string
	Points float64
}

// Compile readies valid rules; rules that do not validate are an error.
func Compile(r Rules) (*Compiled, error) {
	if errs := Validate(r); len(errs) > 0 {
		return nil, fmt.Errorf("scoring: invalid rules: %s: %s", errs[0].Field, errs[0].Message)
	}
	c := &Compiled{events: map[string][]compiledEvent{}}
	if r.HalfLife != "" {
		d, _ := journey.ParseDuration(r.HalfLife) // validated above
		c.HalfLife = time.Duration(d)
	}
	for _, e := range r.Events {
		ce := compiledEvent{rule: e}
		if e.Filter != "" {
			f, err := journey.Compile(e.Filter)
			if err != nil {
				return nil, fmt.Errorf("scoring: compile rule %s: %w", e.ID, err)
			}
			ce.filter = f
		}
		c.events[e.Event] = append(c.events[e.Event], ce)
	}
	for _, t := range r.Traits {
		cond, err := journey.Compile(t.Condition)
		if err != nil {
			return nil, fmt.Errorf("scoring: compile rule %s: %w", t.ID, err)
		}
		c.traits = append(c.traits, compiledTrait{rule: t, condition: cond})
	}
	return c, nil
}

// Scores reports whether some event rule names the event.
func (c *Compiled) Scores(event string) bool { return c != nil && len(c.events[event]) > 0 }

// HasTraitRules reports whether identify calls need the profile checked.
func (c *Compiled) HasTraitRules() bool { return c != nil && len(c.traits) > 0 }

// EventAwards are the points the event earns, one per rule it passes. A
// filter that fails at run time (a property the event lacks) is false.
func (c *Compiled) EventAwards(e journey.Event) []Award { return c.EventAwardsWithin(e, nil) }

// EventAwardsWithin is EventAwards with the filters' costs taken from b: a
// filter that cannot start because b is spent is false.
func (c *Compiled) EventAwardsWithin(e journey.Event, b *journey.Budget) []Award {
	if c == nil || e.Name == ChangedEvent {
		return nil
	}
	var out []Award
	for _, r := range c.events[e.Name] {
		if r.filter != nil && !holds(r.filter, journey.Scope{Event: e, Now: e.Timestamp}, b) {
			continue
		}
		out = append(out, Award{RuleID: r.rule.ID, Points: r.rule.Points})
	}
	return out
}

// TraitAwards are the trait rules the profile matches now; the store gives
// each at most once per profile.
func (c *Compiled) TraitAwards(p journey.Profile, now time.Time) []Award {
	return c.TraitAwardsWithin(p, now, nil)
}

// TraitAwardsWithin is TraitAwards with the conditions' costs taken from b.
func (c *Compiled) TraitAwardsWithin(p journey.Profile, now time.Time, b *journey.Budget) []Award {
	if c == nil {
		return nil
	}
	var out []Award
	for _, r := range c.traits {
		if holds(r.condition, journey.Scope{Profile: p, Now: now}, b) {
			out = append(out, Award{RuleID: r.rule.ID, Points: r.rule.Points})
		}
	}
	return out
}

// holds evaluates a condition within b; failing, or not started because b
// is spent, it is false.
func holds(c *journey.Condition, s journey.Scope, b *journey.Budget) bool {
	if !b.Left() {
		return false
	}
	ok, cost, err := c.EvalCost(s)
	b.Spend(cost)
	return err == nil && ok
}
