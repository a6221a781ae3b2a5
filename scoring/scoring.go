// Package scoring is lead scoring: a workspace's rules (an event that
// passes a CEL filter earns points; a profile that matches a CEL condition
// earns points once), their validation, and the score's decay by half-life.
// It knows nothing of HTTP or SQL.
package scoring

import (
	"fmt"
	"math"
	"regexp"
	"time"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
)

// ChangedEvent is the event Tabiji tracks when a profile's score changes,
// with properties.score, properties.previous and properties.rules; the
// lead-score journey template enters on it.
const ChangedEvent = "lead_score_changed"

// Events of a lead's hand-over to sales, which the lead KPIs count: Tabiji
// records HandedOverEvent when a journey's first lead step (a send or
// webhook node with lead: true) runs; the CRM or the salesperson tracks
// ContactedEvent, which ends the response timer of the lead-score template.
const (
	HandedOverEvent = "lead_handed_over"
	ContactedEvent  = "lead_contacted"
)

// Trait is the profile trait that holds the score, as of the trait's
// update time (the profile's trait_updated_at).
const Trait = "lead_score"

// Limits on rules, so that one workspace's rules stay cheap to evaluate.
const (
	MaxRules     = 200
	MaxPoints    = 1e6
	MinHalfLife  = time.Hour
	maxSourceLen = 500
)

// Rules are a workspace's scoring rules.
type Rules struct {
	// HalfLife is how long a score takes to halve ("14d"); empty: no decay.
	HalfLife string      `json:"half_life,omitempty"`
	Events   []EventRule `json:"events"`
	Traits   []TraitRule `json:"traits"`
}

// EventRule gives points for every event of a name that passes Filter.
type EventRule struct {
	ID     string  `json:"id"`
	Event  string  `json:"event"`
	Filter string  `json:"filter,omitempty"` // CEL over event.*; empty: every such event
	Points float64 `json:"points"`
}

// TraitRule gives points once per profile, the first time the profile's
// traits, tags or addresses match Condition (checked after each identify).
type TraitRule struct {
	ID        string  `json:"id"`
	Condition string  `json:"condition"` // CEL over profile.*
	Points    float64 `json:"points"`
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Validate lists everything wrong with r; nil when it can be saved.
func Validate(r Rules) jsonfields.Errors {
	var errs jsonfields.Errors
	add := func(field, format string, args ...any) {
		errs.Add(field, fmt.Sprintf(format, args...))
	}
	if r.HalfLife != "" {
		if d, err := journey.ParseDuration(r.HalfLife); err != nil {
			add("half_life", "%v", err)
		} else if time.Duration(d) < MinHalfLife {
			add("half_life", "must be at least 1h (or left out for no decay)")
		}
	}
	if n := len(r.Events) + len(r.Traits); n > MaxRules {
		add("events", "%d rules in all: at most %d", n, MaxRules)
	}
	ids := map[string]string{}
	checkID := func(path, id string) {
		switch {
		case !idPattern.MatchString(id):
			add(path+".id", "must be 1 to 64 lowercase letters, digits, _ or -, starting with a letter or digit")
		case ids[id] != "":
			add(path+".id", "%q is already the id of %s", id, ids[id])
		default:
			ids[id] = path
		}
	}
	for i, e := range r.Events {
		path := fmt.Sprintf("events[%d]", i)
		checkID(path, e.ID)
		switch e.Event {
		case "":
			add(path+".event", "is required: the event name that earns the points")
		case ChangedEvent:
			add(path+".event", "%s is tracked by scoring itself: a rule on it would score its own changes", ChangedEvent)
		}
		if e.Filter != "" {
			if err := journey.CheckCondition(e.Filter); err != nil {
				add(path+".filter", "%v", err)
			}
		}
		checkPoints(add, path, e.Points)
	}
	for i, t := range r.Traits {
		path := fmt.Sprintf("traits[%d]", i)
		checkID(path, t.ID)
		if t.Condition == "" {
			add(path+".condition", "is required: a CEL condition over profile, such as profile.traits.plan == \"pro\"")
		} else if err := journey.CheckCondition(t.Condition); err != nil {
			add(path+".condition", "%v", err)
		}
		checkPoints(add, path, t.Points)
	}
	return errs
}

func checkPoints(add func(string, string, ...any), path string, p float64) {
	if p == 0 || math.IsNaN(p) || math.Abs(p) > MaxPoints {
		add(path+".points", "must be a non-zero number from -%g to %g", MaxPoints, MaxPoints)
	}
}
