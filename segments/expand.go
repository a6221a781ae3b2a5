package segments

import (
	"fmt"
	"strings"
)

// MaxExpandedConditions is the most conditions one segment may make with
// every segment it references expanded in place, as Compile expands them:
// a reference counts the conditions of the segment it names each time it
// is named, so a chain of segments that each name the next several times
// cannot grow the SQL exponentially.
const MaxExpandedConditions = 1000

// TooLargeError is a segment whose references expand past
// MaxExpandedConditions. Chain names the references being expanded when
// the count passed it, from the segment asked for down.
type TooLargeError struct {
	Chain []string
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("segments: %s expands to more than %d conditions with its references: %s",
		chainText(e.Chain), MaxExpandedConditions, tooLargeAdvice)
}

const tooLargeAdvice = "reference fewer segments, or the same segment fewer times"

// chainText is "segment a → b → c", or "the segment" for an empty chain.
func chainText(chain []string) string {
	if len(chain) == 0 {
		return "the segment"
	}
	return "segment " + strings.Join(chain, " → ")
}

// expansion counts conditions with references expanded, up to a budget.
type expansion struct {
	resolve  Resolver
	left     int // conditions still allowed
	chain    []string
	visiting map[string]bool
	over     []string // the chain when the budget ran out
}

// reference counts the conditions of segment id expanded in place and
// reports whether they fit in the budget. References that do not resolve
// or loop are left to Validate's and Compile's own errors.
func (x *expansion) reference(id string) bool {
	if x.visiting[id] || x.resolve == nil {
		return true
	}
	d, ok := x.resolve(id)
	if !ok {
		return true
	}
	x.visiting[id] = true
	x.chain = append(x.chain, id)
	defer func() {
		delete(x.visiting, id)
		x.chain = x.chain[:len(x.chain)-1]
	}()
	return x.condition(d.Condition)
}

func (x *expansion) condition(c Condition) bool {
	x.left--
	if x.left < 0 {
		x.over = append([]string(nil), x.chain...)
		return false
	}
	for _, list := range [][]Condition{c.And, c.Or} {
		for _, sub := range list {
			if !x.condition(sub) {
				return false
			}
		}
	}
	switch {
	case c.Not != nil:
		return x.condition(*c.Not)
	case c.Segment != "":
		return x.reference(c.Segment)
	}
	return true
}

// CheckReferrers refuses d as the new definition of segment self when a
// segment that references self, directly or through others, would then
// expand past MaxExpandedConditions: it returns a *TooLargeError whose
// chain starts at that segment, or nil. ids are the workspace's segments
// and resolve finds their stored definitions.
func CheckReferrers(self string, d Definition, ids []string, resolve Resolver) error {
	with := func(id string) (Definition, bool) {
		if id == self {
			return d, true
		}
		return resolve(id)
	}
	for _, id := range ids {
		ref, ok := resolve(id)
		if id == self || !ok || !reaches(ref, self, resolve, map[string]bool{id: true}) {
			continue
		}
		x := &expansion{resolve: with, left: MaxExpandedConditions, chain: []string{id}, visiting: map[string]bool{id: true}}
		if !x.condition(ref.Condition) {
			return &TooLargeError{Chain: x.over}
		}
	}
	return nil
}
