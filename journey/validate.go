package journey

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/tabiji/tabiji/jsonfields"
)

// ValidationError lists everything wrong with a definition, each at a JSON
// path such as "nodes[2].next". The errors of this package wrap it with
// "invalid journey definition: " (see Invalid); errors.As finds it.
type ValidationError = jsonfields.Errors

// Invalid is errs as the error of an invalid definition, nil when errs is
// empty.
func Invalid(errs jsonfields.Errors) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid journey definition: %w", errs)
}

var (
	nodeIDPattern    = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_-]{0,63}$`)
	eventNamePattern = regexp.MustCompile(`^[^\s].{0,199}$`)
)

// Parse reads a definition from JSON and validates it. Unknown fields are
// errors, so a misspelt field never silently changes a journey.
func Parse(raw []byte) (Definition, error) {
	var d Definition
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		if found := jsonfields.Check(raw, reflect.TypeFor[Definition]()); len(found) > 0 {
			return Definition{}, Invalid(found)
		}
		return Definition{}, Invalid(jsonfields.Errors{decodeError(err)})
	}
	d.expandTriggers()
	if err := d.Validate(); err != nil {
		return Definition{}, err
	}
	return d, nil
}

func decodeError(err error) jsonfields.Error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return jsonfields.Error{Field: typeErr.Field, Message: fmt.Sprintf("must be a %s", typeErr.Type)}
	case errors.As(err, &syntaxErr):
		return jsonfields.Error{Field: "definition", Message: fmt.Sprintf("malformed JSON at byte %d: %v", syntaxErr.Offset, err)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return jsonfields.Error{Field: strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), Message: "unknown field"}
	default:
		return jsonfields.Error{Field: "definition", Message: err.Error()}
	}
}

// Validate checks that the definition can run: every node reachable from
// the start, every reference resolving, every kind complete, no cycle that
// never waits.
func (d *Definition) Validate() error {
	var errs jsonfields.Errors
	add := func(field, format string, args ...any) {
		errs.Add(field, fmt.Sprintf(format, args...))
	}
	d.validateEntry(add)
	d.validateTriggers(add)
	if len(d.Nodes) == 0 {
		add("nodes", "needs at least one node")
		return Invalid(errs)
	}
	index := d.indexNodes(add)
	ref := func(field, id string) {
		if id == "" {
			add(field, "is required")
		} else if _, ok := index[id]; !ok {
			add(field, "names node %q, which does not exist", id)
		}
	}
	for i, n := range d.Nodes {
		d.validateNode(fmt.Sprintf("nodes[%d]", i), n, add, ref)
	}
	if d.Start != "" {
		ref("start", d.Start)
	}
	d.validateRules(add)
	errs = append(errs, d.CheckConditions()...)
	if len(errs) > 0 {
		return Invalid(errs)
	}
	d.validateGraph(index, add)
	if len(errs) > 0 {
		return Invalid(errs)
	}
	return nil
}

// indexNodes maps node IDs to their positions, reporting bad and
// duplicate IDs.
func (d *Definition) indexNodes(add addFunc) map[string]int {
	index := map[string]int{}
	for i, n := range d.Nodes {
		path := fmt.Sprintf("nodes[%d]", i)
		if !nodeIDPattern.MatchString(n.ID) {
			add(path+".id", "must start with a letter and hold only letters, digits, _ and - (at most 64)")
		} else if j, dup := index[n.ID]; dup {
			add(path+".id", "duplicates the ID of nodes[%d]", j)
		} else {
			index[n.ID] = i
		}
	}
	return index
}

// validateGraph reports nodes no run can reach, and cycles through which a
// run would spin without ever waiting.
func (d *Definition) validateGraph(index map[string]int, add func(string, string, ...any)) {
	reached := map[string]bool{}
	stack := []string{d.StartNode()}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if reached[id] {
			continue
		}
		reached[id] = true
		n := d.Nodes[index[id]]
		stack = append(stack, n.successors()...)
	}
	for i, n := range d.Nodes {
		if !reached[n.ID] {
			add(fmt.Sprintf("nodes[%d]", i), "node %q cannot be reached from the start", n.ID)
		}
	}
	d.findLoopWithoutWait(index, add)
}

// findLoopWithoutWait reports a cycle made only of nodes that never wait:
// a run on it would loop forever.
func (d *Definition) findLoopWithoutWait(index map[string]int, add addFunc) {
	state := map[string]int{} // 1 = on the path, 2 = done
	var visit func(id string) bool
	visit = func(id string) bool {
		n := d.Nodes[index[id]]
		if n.Kind == KindWait || n.Kind == KindWaitFor || n.Kind == KindWaitUntil {
			return false
		}
		switch state[id] {
		case 1:
			return true
		case 2:
			return false
		}
		state[id] = 1
		for _, next := range n.successors() {
			if visit(next) {
				return true
			}
		}
		state[id] = 2
		return false
	}
	for i, n := range d.Nodes {
		if state[n.ID] == 0 && visit(n.ID) {
			add(fmt.Sprintf("nodes[%d]", i), "node %q is on a loop that never waits", n.ID)
			return
		}
	}
}
