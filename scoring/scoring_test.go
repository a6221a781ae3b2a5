package scoring

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/journey"
)

const day = 24 * time.Hour

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestDecay(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	at := func(days float64) time.Time { return t0.Add(time.Duration(days * float64(day))) }
	const h = 14 * day

	t.Run("HalvesEveryHalfLifeAndAddsPointsOnTop", func(t *testing.T) {
		var s Score
		s, prev := s.Add(10, at(0), h)
		if prev != 0 || s.Value != 10 {
			t.Fatalf("first award: %v (previous %v), want 10 (previous 0)", s, prev)
		}
		s, prev = s.Add(10, at(14), h) // 10·½ + 10
		if !near(prev, 5) || !near(s.Value, 15) {
			t.Fatalf("day 14: %v (previous %v), want 15 (previous 5)", s.Value, prev)
		}
		s, prev = s.Add(20, at(28), h) // 15·½ + 20
		if !near(prev, 7.5) || !near(s.Value, 27.5) || !s.At.Equal(at(28)) {
			t.Fatalf("day 28: %+v (previous %v), want 27.5 as of day 28 (previous 7.5)", s, prev)
		}
		if got := s.ValueAt(at(42), h); !near(got, 13.75) {
			t.Errorf("read on day 42 = %v, want 13.75", got)
		}
		if got := s.ValueAt(at(35), h); !near(got, 27.5/math.Sqrt2) { // half a half-life: ·2^−½
			t.Errorf("read on day 35 = %v, want %v", got, 27.5/math.Sqrt2)
		}
		if got := s.ValueAt(at(20), h); got != 27.5 {
			t.Errorf("read before its time = %v, want the stored 27.5", got)
		}
	})

	t.Run("LatePointsLandWhereTheyWouldHaveInOrder", func(t *testing.T) {
		var s Score
		s, _ = s.Add(10, at(0), h)
		s, _ = s.Add(10, at(14), h)
		s, _ = s.Add(20, at(28), h)
		s, prev := s.Add(8, at(7), h) // earned on day 7, arrives after day 28
		want := 10*0.25 + 10*0.5 + 20 + 8*math.Exp2(-1.5)
		if !near(s.Value, want) || !s.At.Equal(at(28)) || !near(prev, 27.5) {
			t.Errorf("late award: %+v (previous %v), want %v as of day 28 (previous 27.5)", s, prev, want)
		}
		var inOrder Score
		for _, a := range []struct {
			p float64
			d float64
		}{{10, 0}, {8, 7}, {10, 14}, {20, 28}} {
			inOrder, _ = inOrder.Add(a.p, at(a.d), h)
		}
		if !near(inOrder.Value, s.Value) {
			t.Errorf("in order %v, late %v: the order of arrival changed the score", inOrder.Value, s.Value)
		}
	})

	t.Run("NoHalfLifeNeverDecays", func(t *testing.T) {
		s, _ := Score{}.Add(10, at(0), 0)
		s, _ = s.Add(5, at(400), 0)
		if s.Value != 15 || s.ValueAt(at(900), 0) != 15 {
			t.Errorf("without decay: %+v", s)
		}
	})
}

func TestValidate(t *testing.T) {
	fields := func(r Rules) string {
		var out []string
		for _, e := range Validate(r) {
			out = append(out, e.Field)
		}
		return strings.Join(out, " ")
	}
	good := Rules{HalfLife: "14d",
		Events: []EventRule{{ID: "pricing", Event: "page_viewed", Filter: `event.properties.path == "/pricing"`, Points: 10}},
		Traits: []TraitRule{{ID: "cto", Condition: `profile.traits.title == "CTO"`, Points: 20}}}
	if f := fields(good); f != "" {
		t.Fatalf("good rules refused at %s", f)
	}
	cases := map[string]struct {
		rules Rules
		want  string
	}{
		"BadHalfLife":      {Rules{HalfLife: "two weeks"}, "half_life"},
		"TooShortHalfLife": {Rules{HalfLife: "30m"}, "half_life"},
		"EventRuleWithoutEventOrPoints": {Rules{Events: []EventRule{{ID: "x"}}},
			"events[0].event events[0].points"},
		"FilterNotCEL":  {Rules{Events: []EventRule{{ID: "x", Event: "e", Filter: "event.properties.total >", Points: 1}}}, "events[0].filter"},
		"FilterNotBool": {Rules{Events: []EventRule{{ID: "x", Event: "e", Filter: "event.name", Points: 1}}}, "events[0].filter"},
		"ScoresItsOwn":  {Rules{Events: []EventRule{{ID: "x", Event: ChangedEvent, Points: 1}}}, "events[0].event"},
		"DuplicateID":   {Rules{Events: []EventRule{{ID: "x", Event: "e", Points: 1}}, Traits: []TraitRule{{ID: "x", Condition: "true", Points: 1}}}, "traits[0].id"},
		"BadID":         {Rules{Events: []EventRule{{ID: "Has Space", Event: "e", Points: 1}}}, "events[0].id"},
		"NoCondition":   {Rules{Traits: []TraitRule{{ID: "t", Points: 1}}}, "traits[0].condition"},
		"BadCondition":  {Rules{Traits: []TraitRule{{ID: "t", Condition: "profile.trait.x", Points: 1}}}, "traits[0].condition"},
		"HugePoints":    {Rules{Traits: []TraitRule{{ID: "t", Condition: "true", Points: 2e6}}}, "traits[0].points"},
		"NaNPoints":     {Rules{Traits: []TraitRule{{ID: "t", Condition: "true", Points: math.NaN()}}}, "traits[0].points"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if got := fields(c.rules); got != c.want {
				t.Errorf("fields at fault = %q, want %q", got, c.want)
			}
		})
	}
}

func TestAwards(t *testing.T) {
	c, err := Compile(Rules{
		Events: []EventRule{
			{ID: "pricing", Event: "page_viewed", Filter: `event.properties.path == "/pricing"`, Points: 10},
			{ID: "any_page", Event: "page_viewed", Points: 1},
			{ID: "unsubscribed", Event: "unsubscribe", Points: -30},
		},
		Traits: []TraitRule{{ID: "cto", Condition: `has(profile.traits.title) && profile.traits.title == "CTO"`, Points: 20}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ev := func(name string, props map[string]any) journey.Event {
		return journey.Event{MessageID: "m", Name: name, Properties: props, Timestamp: time.Now()}
	}
	rules := func(as []Award) string {
		var out []string
		for _, a := range as {
			out = append(out, a.RuleID)
		}
		return strings.Join(out, " ")
	}
	if got := rules(c.EventAwards(ev("page_viewed", map[string]any{"path": "/pricing"}))); got != "pricing any_page" {
		t.Errorf("pricing page earns %q", got)
	}
	if got := rules(c.EventAwards(ev("page_viewed", map[string]any{}))); got != "any_page" {
		t.Errorf("a page without path earns %q: a filter that cannot be evaluated is false", got)
	}
	if got := c.EventAwards(ev("unsubscribe", nil)); len(got) != 1 || got[0].Points != -30 {
		t.Errorf("unsubscribe earns %+v", got)
	}
	if !c.Scores("unsubscribe") || c.Scores("purchase") || !c.HasTraitRules() {
		t.Error("Scores or HasTraitRules is wrong")
	}
	if got := rules(c.TraitAwards(journey.Profile{Traits: map[string]any{"title": "CTO"}}, time.Now())); got != "cto" {
		t.Errorf("a CTO earns %q", got)
	}
	if got := c.TraitAwards(journey.Profile{}, time.Now()); len(got) != 0 {
		t.Errorf("a profile without title earns %+v", got)
	}
	// A spent budget (an ingestion call's) evaluates no more conditions;
	// rules without one still award.
	spent := journey.NewBudget(0)
	if got := rules(c.EventAwardsWithin(ev("page_viewed", map[string]any{"path": "/pricing"}), spent)); got != "any_page" {
		t.Errorf("with the budget spent, the pricing page earns %q", got)
	}
	if got := c.TraitAwardsWithin(journey.Profile{Traits: map[string]any{"title": "CTO"}}, time.Now(), spent); len(got) != 0 {
		t.Errorf("with the budget spent, a CTO earns %+v", got)
	}
	some := journey.NewBudget(1000)
	if got := rules(c.EventAwardsWithin(ev("page_viewed", map[string]any{"path": "/pricing"}), some)); got != "pricing any_page" || !some.Left() {
		t.Errorf("within the budget, the pricing page earns %q", got)
	}
}
