package segments_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/segments"
	"github.com/tabiji/tabiji/taxonomy"
)

var shopTaxonomy = &taxonomy.Taxonomy{
	UnknownEvents: taxonomy.Reject,
	Events: []taxonomy.EventDef{
		{Name: "purchase", Strict: true, Properties: []taxonomy.PropertyDef{
			{Name: "total", Type: taxonomy.Number}, {Name: "sku", Type: taxonomy.String}}},
		{Name: "spam", Status: taxonomy.Blocked},
	},
	UserProperties: []taxonomy.PropertyDef{
		{Name: "plan", Type: taxonomy.String}, {Name: "ltv", Type: taxonomy.Number},
		{Name: "birthday", Type: taxonomy.Timestamp}, {Name: "interests", Type: taxonomy.Array},
	},
}

func parse(t *testing.T, src string) segments.Definition {
	t.Helper()
	d, err := segments.Parse([]byte(src))
	if err != nil {
		t.Fatalf("parse %s: %v", src, err)
	}
	return d
}

func fields(errs []segments.FieldError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Field
	}
	return out
}

func TestParseNamesEveryUnknownField(t *testing.T) {
	_, err := segments.Parse([]byte(`{"condition":{"and":[{"event":{"name":"purchase","countt":{}}},{"trait":{"nam":"plan"}}]}}`))
	var errs segments.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v, want segments.Errors", err)
	}
	if got, want := fields(errs), []string{"condition.and[0].event.countt", "condition.and[1].trait.nam"}; !slices.Equal(got, want) {
		t.Errorf("fields = %v, want %v", got, want)
	}
	if _, err := segments.Parse([]byte(`{"condition":{"event":{"name":"purchase","window":{"last_days":"ten"}}}}`)); err == nil ||
		!strings.Contains(err.Error(), "condition.event.window.last_days: must be a whole number") {
		t.Errorf("wrong type: %v", err)
	}
}

func TestValidate(t *testing.T) {
	others := map[string]segments.Definition{
		"a": {Condition: segments.Condition{Segment: "b"}},
		"b": {Condition: segments.Condition{Segment: "self"}},
		"c": {Condition: segments.Condition{Tag: "x"}},
	}
	env := segments.Env{Taxonomy: shopTaxonomy, Self: "self", Segments: func(id string) (segments.Definition, bool) {
		d, ok := others[id]
		return d, ok
	}}
	cases := []struct {
		name, src string
		want      []string // fields at fault, in order
	}{
		{"ValidTree", `{"timezone":"Asia/Tokyo","condition":{"and":[{"trait":{"name":"plan","op":"in","value":["gold","silver"]}},
			{"or":[{"tag":"vip"},{"segment":"c"}]},{"not":{"event":{"name":"purchase","where":[{"property":"total","op":"gte","value":10}],"count":{"op":"eq","value":1}}}},
			{"event":{"name":"purchase","sum":{"property":"total","top_percent":10}}},{"event":{"name":"purchase","each_month":{"months":6}}},
			{"trait":{"name":"birthday","op":"anniversary"}},{"trait":{"name":"interests","op":"contains","value":"tea"}}]}}`, nil},
		{"EmptyCondition", `{"condition":{}}`, []string{"definition.condition"}},
		{"TwoKinds", `{"condition":{"tag":"a","segment":"c"}}`, []string{"definition.condition"}},
		{"BadZone", `{"timezone":"Mars/Olympus","condition":{"tag":"a"}}`, []string{"definition.timezone"}},
		{"TraitTypeFromTaxonomy", `{"condition":{"trait":{"name":"ltv","op":"gt","value":"lots"}}}`, []string{"definition.condition.trait.value"}},
		{"OpNotForType", `{"condition":{"trait":{"name":"plan","op":"gt","value":"a"}}}`, []string{"definition.condition.trait.op"}},
		{"ExistsTakesNoValue", `{"condition":{"trait":{"name":"plan","op":"exists","value":1}}}`, []string{"definition.condition.trait.value"}},
		{"InNeedsAList", `{"condition":{"trait":{"name":"plan","op":"in","value":"gold"}}}`, []string{"definition.condition.trait.value"}},
		{"UnknownEventRejected", `{"condition":{"or":[{"event":{"name":"purchse"}}]}}`, []string{"definition.condition.or[0].event.name"}},
		{"BlockedEvent", `{"condition":{"event":{"name":"spam"}}}`, []string{"definition.condition.event.name"}},
		{"StrictEventUnknownProperty", `{"condition":{"event":{"name":"purchase","where":[{"property":"colour","op":"eq","value":"red"}]}}}`, []string{"definition.condition.event.where[0].property"}},
		{"PropertyType", `{"condition":{"event":{"name":"purchase","where":[{"property":"sku","op":"gte","value":3}]}}}`, []string{"definition.condition.event.where[0].op"}},
		{"SumOfText", `{"condition":{"event":{"name":"purchase","sum":{"property":"sku","op":"gt","value":3}}}}`, []string{"definition.condition.event.sum.property"}},
		{"TwoMeasures", `{"condition":{"event":{"name":"purchase","count":{"op":"eq","value":1},"first":{"last_days":3}}}}`, []string{"definition.condition.event"}},
		{"CountNeedsWholeNumber", `{"condition":{"event":{"name":"purchase","count":{"op":"eq","value":1.5}}}}`, []string{"definition.condition.event.count.value"}},
		{"TopPercentRange", `{"condition":{"event":{"name":"purchase","count":{"top_percent":120}}}}`, []string{"definition.condition.event.count.top_percent"}},
		{"EmptyWindow", `{"condition":{"event":{"name":"purchase","window":{}}}}`, []string{"definition.condition.event.window"}},
		{"BackwardsWindow", `{"condition":{"event":{"name":"purchase","window":{"after":"2026-02-01T00:00:00Z","before":"2026-01-01T00:00:00Z"}}}}`, []string{"definition.condition.event.window.before"}},
		{"WindowWithFirst", `{"condition":{"event":{"name":"purchase","window":{"last_days":3},"first":{"last_days":3}}}}`, []string{"definition.condition.event.window"}},
		{"EachMonthRange", `{"condition":{"event":{"name":"purchase","each_month":{"months":0}}}}`, []string{"definition.condition.event.each_month.months"}},
		{"PerformedFalseWithMeasure", `{"condition":{"event":{"name":"purchase","performed":false,"count":{"op":"gt","value":1}}}}`, []string{"definition.condition.event.performed"}},
		{"UnknownSegment", `{"condition":{"segment":"nope"}}`, []string{"definition.condition.segment"}},
		{"Itself", `{"condition":{"segment":"self"}}`, []string{"definition.condition.segment"}},
		{"Cycle", `{"condition":{"not":{"segment":"a"}}}`, []string{"definition.condition.not.segment"}},
		{"EmptyAnd", `{"condition":{"and":[]}}`, []string{"definition.condition.and"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := segments.Validate(parse(t, c.src), env)
			if got := fields(errs); !slices.Equal(got, c.want) {
				t.Errorf("fields = %v, want %v (%v)", got, c.want, errs)
			}
		})
	}
}

func TestTimeDependent(t *testing.T) {
	cases := map[string]bool{
		`{"condition":{"trait":{"name":"plan","op":"eq","value":"gold"}}}`:                                         false,
		`{"condition":{"event":{"name":"purchase","count":{"op":"eq","value":1}}}}`:                                false,
		`{"condition":{"event":{"name":"purchase","window":{"before":"2026-01-01T00:00:00Z"}}}}`:                   false,
		`{"condition":{"not":{"event":{"name":"purchase","window":{"last_days":90}}}}}`:                            true,
		`{"condition":{"event":{"name":"purchase","each_month":{"months":6}}}}`:                                    true,
		`{"condition":{"event":{"name":"purchase","first":{"calendar_months":1}}}}`:                                true,
		`{"condition":{"or":[{"tag":"a"},{"trait":{"name":"birthday","op":"anniversary"}}]}}`:                      true,
		`{"condition":{"segment":"dormant"}}`:                                                                      true,
		`{"condition":{"event":{"name":"purchase","last":{"after":"2026-01-01T00:00:00Z"}}}}`:                      false,
		`{"condition":{"event":{"name":"purchase","sum":{"property":"total","top_percent":10}}}}`:                  false,
		`{"condition":{"event":{"name":"purchase","window":{"older_than_days":3},"count":{"op":"gt","value":2}}}}`: true,
	}
	dormant := parse(t, `{"condition":{"event":{"name":"purchase","performed":false,"window":{"last_days":21}}}}`)
	resolve := func(id string) (segments.Definition, bool) { return dormant, id == "dormant" }
	for src, want := range cases {
		if got := segments.TimeDependentWith(parse(t, src), resolve); got != want {
			t.Errorf("TimeDependent(%s) = %v, want %v", src, got, want)
		}
	}
	if segments.TimeDependent(parse(t, `{"condition":{"segment":"dormant"}}`)) {
		t.Error("TimeDependent follows references without a resolver")
	}
}

func TestCompileBindsEveryValue(t *testing.T) {
	d := parse(t, `{"condition":{"and":[{"trait":{"name":"x'; DROP TABLE profiles; --","op":"eq","value":"'); DELETE FROM events; --"}},
		{"event":{"name":"a'b","where":[{"property":"p\"q","op":"contains","value":"%_"}]}}]}}`)
	q, err := segments.Compile(d, segments.Options{Workspace: "ws"})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"DROP", "DELETE", "a'b", `p"q`, "%_"} {
		if strings.Contains(q.Where, bad) {
			t.Errorf("value %q spliced into the SQL: %s", bad, q.Where)
		}
	}
	if q.Args[0] != "ws" || q.Next() != len(q.Args)+1 {
		t.Errorf("args = %v", q.Args)
	}
}

func TestCompileReadsRollupsWhereTheyAreExact(t *testing.T) {
	cases := map[string]bool{
		`{"condition":{"event":{"name":"purchase","count":{"op":"eq","value":1}}}}`:                                             true,
		`{"condition":{"event":{"name":"purchase","sum":{"property":"total","top_percent":10}}}}`:                               true,
		`{"condition":{"event":{"name":"purchase","last":{"older_than_days":90}}}}`:                                             true,
		`{"condition":{"event":{"name":"purchase","first":{"calendar_months":1}}}}`:                                             true,
		`{"condition":{"event":{"name":"purchase","performed":false,"window":{"last_days":90}}}}`:                               true,
		`{"condition":{"event":{"name":"purchase","window":{"before":"2026-01-01T00:00:00Z"}}}}`:                                true,
		`{"condition":{"event":{"name":"purchase","window":{"after":"2025-01-01T00:00:00Z","before":"2026-01-01T00:00:00Z"}}}}`: false,
		`{"condition":{"event":{"name":"purchase","count":{"op":"gt","value":1},"window":{"last_days":30}}}}`:                   false,
		`{"condition":{"event":{"name":"purchase","where":[{"property":"total","op":"gt","value":1}]}}}`:                        false,
		`{"condition":{"event":{"name":"purchase","each_month":{"months":6}}}}`:                                                 false,
	}
	for src, rollup := range cases {
		q, err := segments.Compile(parse(t, src), segments.Options{Workspace: "w"})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(q.Where, "event_rollups"); got != rollup || got == strings.Contains(q.Where, "FROM events") {
			t.Errorf("%s: reads rollups = %v, want %v: %s", src, got, rollup, q.Where)
		}
		raw, err := segments.Compile(parse(t, src), segments.Options{Workspace: "w", NoRollups: true})
		if err != nil || strings.Contains(raw.Where, "event_rollups") {
			t.Errorf("%s with NoRollups: %v %s", src, err, raw.Where)
		}
	}
}
