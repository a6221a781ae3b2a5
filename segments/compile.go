package segments

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Options are what compiling a definition needs besides the definition.
type Options struct {
	Workspace string
	// Timezone is the zone of definitions that name none (the
	// workspace's); UTC when empty.
	Timezone string
	// Now is the time windows count back from; the zero time means time.Now().
	Now time.Time
	// Segments finds the segments the definition references.
	Segments Resolver
	// Only, when not nil, tells the compiler that the query is asked about
	// these profiles only, so event subqueries can skip everyone else.
	// It is then bind parameter $2, for the caller's query to use too.
	Only []string
	// NoRollups reads every event condition from the events table, never
	// from event_rollups: the two must agree, which tests check.
	NoRollups bool
}

// Query is a compiled segment: Where is a boolean SQL expression over the
// profile row p (of table profiles) that holds for the segment's members,
// with Args as its bind parameters. $1 is the workspace: the caller's
// query must keep p in it, as in
//
//	SELECT p.id FROM profiles p WHERE p.workspace_id = $1 AND (<Where>)
//
// and may add parameters from $len(Args)+1 on. Every value of the
// definition is a bind parameter; none is spliced into the SQL.
type Query struct {
	Where string
	Args  []any
}

// Next is the number of the next free bind parameter.
func (q Query) Next() int { return len(q.Args) + 1 }

// Compile turns a definition into SQL. It fails on a reference to a
// segment that does not resolve or that loops back: Validate refuses both
// when a segment is saved, but the segments referenced may change since.
func Compile(d Definition, opt Options) (Query, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	c := &compiler{opt: opt, args: []any{opt.Workspace}, visiting: map[string]bool{}, left: MaxExpandedConditions}
	if opt.Only != nil {
		c.only = c.arg(opt.Only)
	}
	where, err := c.definition(d)
	if err != nil {
		return Query{}, err
	}
	return Query{Where: where, Args: c.args}, nil
}

type compiler struct {
	opt      Options
	args     []any
	nowArg   string // placeholder of now, once used
	only     string // placeholder of Options.Only, or ""
	tz       string // the current definition's default zone
	tzArg    string // its placeholder, once used
	visiting map[string]bool
	chain    []string // the references being expanded, outermost first
	left     int      // conditions still allowed (MaxExpandedConditions)
}

// now is the placeholder of Options.Now. Parameters are added when first
// used: Postgres cannot type one the query never mentions.
func (c *compiler) now() string {
	if c.nowArg == "" {
		c.nowArg = c.arg(c.opt.Now.UTC())
	}
	return c.nowArg
}

// zone is the placeholder of the current definition's default zone.
func (c *compiler) zone() string {
	if c.tzArg == "" {
		c.tzArg = c.arg(c.tz)
	}
	return c.tzArg
}

// arg adds a bind parameter and returns its placeholder.
func (c *compiler) arg(v any) string {
	c.args = append(c.args, v)
	return "$" + strconv.Itoa(len(c.args))
}

func (c *compiler) definition(d Definition) (string, error) {
	savedTz, savedArg := c.tz, c.tzArg
	c.tz, c.tzArg = cmp.Or(d.Timezone, c.opt.Timezone, "UTC"), ""
	defer func() { c.tz, c.tzArg = savedTz, savedArg }()
	return c.condition(d.Condition)
}

func (c *compiler) condition(x Condition) (string, error) {
	if c.left--; c.left < 0 {
		return "", &TooLargeError{Chain: append([]string(nil), c.chain...)}
	}
	switch {
	case x.And != nil:
		return c.join(x.And, " AND ")
	case x.Or != nil:
		return c.join(x.Or, " OR ")
	case x.Not != nil:
		inner, err := c.condition(*x.Not)
		return "NOT " + inner, err
	case x.Trait != nil:
		t := x.Trait
		return "COALESCE(" + c.compare("p.traits", t.Name, t.Op, t.Value, "p") + ", false)", nil
	case x.Tag != "":
		return "(p.tags @> ARRAY[" + c.arg(x.Tag) + "::text])", nil
	case x.Segment != "":
		return c.segment(x.Segment)
	case x.Event != nil:
		return c.event(*x.Event), nil
	}
	return "", fmt.Errorf("segments: empty condition")
}

func (c *compiler) join(list []Condition, sep string) (string, error) {
	if len(list) == 0 {
		return "", fmt.Errorf("segments: empty list of conditions")
	}
	parts := make([]string, len(list))
	for i, x := range list {
		s, err := c.condition(x)
		if err != nil {
			return "", err
		}
		parts[i] = s
	}
	return "(" + strings.Join(parts, sep) + ")", nil
}

func (c *compiler) segment(id string) (string, error) {
	if c.visiting[id] {
		return "", fmt.Errorf("segments: segment %q includes itself through its references", id)
	}
	if c.opt.Segments == nil {
		return "", fmt.Errorf("segments: no segment %q", id)
	}
	ref, ok := c.opt.Segments(id)
	if !ok {
		return "", fmt.Errorf("segments: no segment %q", id)
	}
	c.visiting[id] = true
	c.chain = append(c.chain, id)
	defer func() {
		delete(c.visiting, id)
		c.chain = c.chain[:len(c.chain)-1]
	}()
	where, err := c.definition(ref)
	return "(" + where + ")", err
}

// zoneOf is the time zone of the profile row alias: its own when Postgres
// knows it (table time_zones, migration 00015), else the definition's.
func (c *compiler) zoneOf(alias string) string {
	return fmt.Sprintf("(CASE WHEN %[1]s.timezone IN (SELECT name FROM time_zones) THEN %[1]s.timezone ELSE %[2]s::text END)", alias, c.zone())
}

// compare is the SQL of one comparison of the property key of the jsonb
// document doc; NULL where the property is missing or of another type.
// An anniversary is today in the zone of the profile row profile.
func (c *compiler) compare(doc, key string, op Op, value any, profile string) string {
	k := c.arg(key)
	field := doc + "->" + k
	typ := inferType(op, value)
	switch op {
	case Exists:
		return "(jsonb_typeof(" + field + ") <> 'null')"
	case Anniversary:
		return c.anniversary(doc+"->>"+k, c.zoneOf(profile))
	case Contains:
		return c.contains(doc, k, value)
	case In:
		list, _ := value.([]any)
		if typ == "number" {
			nums := make([]float64, 0, len(list))
			for _, x := range list {
				f, _ := x.(float64)
				nums = append(nums, f)
			}
			return "(" + numeric(doc, k) + " = ANY(" + c.arg(nums) + "::numeric[]))"
		}
		strs := make([]string, 0, len(list))
		for _, x := range list {
			s, _ := x.(string)
			strs = append(strs, s)
		}
		return "(" + text(doc, k) + " = ANY(" + c.arg(strs) + "::text[]))"
	}
	sqlOp := sqlOps[op]
	switch typ {
	case "number":
		return "(" + numeric(doc, k) + " " + sqlOp + " " + c.arg(value) + "::numeric)"
	case "boolean":
		return "(CASE WHEN jsonb_typeof(" + field + ") = 'boolean' THEN (" + doc + "->>" + k + ")::boolean END " + sqlOp + " " + c.arg(value) + "::boolean)"
	case "timestamp":
		s, _ := value.(string)
		t, _ := parseTime(s)
		return "(tabiji_timestamptz(" + doc + "->>" + k + ") " + sqlOp + " " + c.arg(t) + "::timestamptz)"
	}
	return "(" + text(doc, k) + " " + sqlOp + " " + c.arg(value) + "::text)"
}

var sqlOps = map[Op]string{Eq: "=", Ne: "<>", Gt: ">", Gte: ">=", Lt: "<", Lte: "<="}

func numeric(doc, k string) string {
	return "(CASE WHEN jsonb_typeof(" + doc + "->" + k + ") = 'number' THEN (" + doc + "->>" + k + ")::numeric END)"
}

func text(doc, k string) string {
	return "(CASE WHEN jsonb_typeof(" + doc + "->" + k + ") = 'string' THEN " + doc + "->>" + k + " END)"
}

// contains looks for value in an array property, or for a substring in a
// string property.
func (c *compiler) contains(doc, k string, value any) string {
	elem, _ := json.Marshal([]any{value})
	arr := "(" + doc + "->" + k + ") @> " + c.arg(string(elem)) + "::jsonb"
	if s, ok := value.(string); ok {
		return "(CASE jsonb_typeof(" + doc + "->" + k + ") WHEN 'array' THEN " + arr +
			" WHEN 'string' THEN strpos(" + doc + "->>" + k + ", " + c.arg(s) + "::text) > 0 END)"
	}
	return "(jsonb_typeof(" + doc + "->" + k + ") = 'array' AND " + arr + ")"
}

// anniversary holds when the date's month and day (as written: a birthday
// has no zone) are today's in zone; a 29 February one is kept on
// 28 February outside leap years.
func (c *compiler) anniversary(val, zone string) string {
	local := "(" + c.now() + "::timestamptz AT TIME ZONE " + zone + ")"
	md := "substr(" + val + ", 6, 5)"
	today := "to_char(" + local + ", 'MM-DD')"
	notLeap := "extract(day from date_trunc('year', " + local + ") + interval '2 months' - interval '1 day') = 28"
	return "(" + val + " ~ '^\\d{4}-\\d{2}-\\d{2}' AND (" + md + " = " + today +
		" OR (" + md + " = '02-29' AND " + today + " = '02-28' AND " + notLeap + ")))"
}
