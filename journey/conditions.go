package journey

import (
	"fmt"

	"github.com/tabiji/tabiji/jsonfields"
)

// ConditionAt is one CEL condition of a definition and the field it sits at.
type ConditionAt struct {
	Field  string
	Source string
}

// Conditions lists every CEL condition of the definition with its field
// path: the entry filter, wait_for matches, branch cases, exit criteria and
// the goal's match.
func (d *Definition) Conditions() []ConditionAt {
	var out []ConditionAt
	add := func(field, src string) {
		if src != "" {
			out = append(out, ConditionAt{Field: field, Source: src})
		}
	}
	add("entry.filter", d.Entry.Filter)
	for i, n := range d.Nodes {
		for j, b := range n.Events {
			add(fmt.Sprintf("nodes[%d].events[%d].match", i, j), b.Match)
		}
		for j, c := range n.Cases {
			add(fmt.Sprintf("nodes[%d].cases[%d].condition", i, j), c.Condition)
		}
	}
	if x := d.ExitCriteria; x != nil {
		for j, e := range x.Events {
			add(fmt.Sprintf("exit_criteria.events[%d].match", j), e.Match)
		}
		add("exit_criteria.condition", x.Condition)
	}
	if d.Goal != nil {
		add("goal.match", d.Goal.Match)
	}
	return out
}

// CheckConditions is the save-time check of every condition of the
// definition (CheckCondition: length, syntax and types, estimated cost),
// each error with its field.
func (d *Definition) CheckConditions() jsonfields.Errors {
	var errs jsonfields.Errors
	checked := map[string]error{}
	for _, c := range d.Conditions() {
		err, done := checked[c.Source]
		if !done {
			err = CheckCondition(c.Source)
			checked[c.Source] = err
		}
		if err != nil {
			errs.Add(c.Field, err.Error())
		}
	}
	return errs
}

// CompileConditions compiles every condition of the definition once, keyed
// by its source text, for a run to evaluate as often as it needs. It does
// not refuse what CheckConditions would: a run goes on with the definition
// it was started with, and the cost limit holds at evaluation.
func (d *Definition) CompileConditions() (map[string]*Condition, error) {
	out := map[string]*Condition{}
	var errs jsonfields.Errors
	for _, c := range d.Conditions() {
		if _, done := out[c.Source]; done {
			continue
		}
		prg, err := Compile(c.Source)
		if err != nil {
			errs.Add(c.Field, "is not a valid CEL condition: "+err.Error())
			continue
		}
		out[c.Source] = prg
	}
	if len(errs) > 0 {
		return nil, Invalid(errs)
	}
	return out, nil
}

// EventRef is an event name a definition uses and the field it sits at.
type EventRef struct {
	Field string
	Event string
}

// EventRefs lists every event name the definition uses, with its field:
// the entry, wait_for branches, exit criteria and the goal.
func (d *Definition) EventRefs() []EventRef {
	var out []EventRef
	add := func(field, name string) {
		if name != "" {
			out = append(out, EventRef{Field: field, Event: name})
		}
	}
	add("entry.event", d.Entry.Event)
	for i, n := range d.Nodes {
		for j, b := range n.Events {
			add(fmt.Sprintf("nodes[%d].events[%d].event", i, j), b.Event)
		}
	}
	if x := d.ExitCriteria; x != nil {
		for j, e := range x.Events {
			add(fmt.Sprintf("exit_criteria.events[%d].event", j), e.Event)
		}
	}
	if d.Goal != nil {
		add("goal.event", d.Goal.Event)
	}
	return out
}
