package journey

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// bigEvent is the largest kind of event one ingestion call can carry: a
// 30,000-character string and a list of 15,000 numbers.
func bigEvent() Scope {
	items := make([]any, 15000)
	for i := range items {
		items[i] = float64(i)
	}
	return Scope{Event: Event{Name: "big", Properties: map[string]any{"s": strings.Repeat("a", 30000), "items": items}}, Now: time.Now()}
}

// doubling builds, from an event string, a string twice as long at each of
// n nested levels. The properties are dyn, so cel-go's estimate and its
// tracker see `a + a` as one operation each: the estimate passes it.
func doubling(n int) string {
	src, prev := "", "event.properties.s"
	closing := ""
	for i := range n {
		v := string(rune('a' + i))
		src += "[" + prev + " + " + prev + "].exists(" + v + ", "
		prev, closing = v, closing+")"
	}
	return src + prev + ` == ""` + closing
}

func TestCheckCondition(t *testing.T) {
	t.Run("AcceptsEverydayConditions", func(t *testing.T) {
		for _, src := range []string{
			`event.properties.total >= 20.0`,
			`"vip" in profile.tags && profile.traits.plan == "gold"`,
			`event.properties.items.exists(i, i.sku == "A1" && i.qty > 2)`,
			`has(profile.traits.email) && profile.traits.email.endsWith("@example.com")`,
			`event.properties.email.matches("^[a-z0-9._%+-]+@example\\.com$")`,
			doubling(6),
		} {
			if err := CheckCondition(src); err != nil {
				t.Errorf("CheckCondition(%.60s) = %v; want nil", src, err)
			}
		}
	})
	t.Run("RefusesWhatIsTooLongOrTooCostly", func(t *testing.T) {
		ten := "[0,1,2,3,4,5,6,7,8,9]"
		for src, want := range map[string]string{
			`event.name == "` + strings.Repeat("x", MaxConditionBytes) + `"`:             "at most 4096",
			`event.properties.items.exists(a, event.properties.items.exists(b, a == b))`: "too costly",
			`event.properties.items.exists(i, i.name.contains("gift"))`:                  "too costly",
			`event.properties.s.matches(event.properties.pattern)`:                       "too costly",
			ten + `.exists(a, ` + ten + `.exists(b, ` + ten + `.exists(c, ` + ten + `.exists(d, ` + ten + `.exists(e, ` + ten + `.exists(f, ` + ten + `.exists(g, g < 0)))))))`: "too costly",
			`"%s".format([event.name]) == "x"`:            "format()",
			`event.name.matches("[a-z]{1000}[0-9]{500}")`: "regex of 1502 instructions",
			`matches(event.name, "(")`:                    "missing closing )",
			`event.name ==`:                               "not a valid CEL condition",
		} {
			if err := CheckCondition(src); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("CheckCondition(%.60s) = %v; want an error with %q", src, err, want)
			}
		}
	})
}

// TestEvalStopsAtTheCostLimit evaluates conditions that would run for
// seconds or fill memory without the limit (each was measured so before
// it): every one stops with ErrCostLimit, well within Temporal's
// one-second deadlock detector.
func TestEvalStopsAtTheCostLimit(t *testing.T) {
	ten := "[0,1,2,3,4,5,6,7,8,9]"
	list := "[" + ten + "]"
	prev, listDoubling, closing := "v", list+".exists(v, ", ")"
	for i := 1; i < 24; i++ {
		v := "v" + strings.Repeat("x", i)
		listDoubling += "[" + prev + " + " + prev + "].exists(" + v + ", "
		prev, closing = v, closing+")"
	}
	listDoubling += "0 in " + prev + closing
	for name, src := range map[string]string{
		"StringDoubling": doubling(6), // passes CheckCondition: see TestCheckCondition
		"ListDoubling":   listDoubling,
		"NestedLoops":    `event.properties.items.exists(a, event.properties.items.exists(b, a == b + 0.5))`,
		"LiteralLoops":   ten + `.exists(a, ` + ten + `.exists(b, ` + ten + `.exists(c, ` + ten + `.exists(d, ` + ten + `.exists(e, ` + ten + `.exists(f, ` + ten + `.exists(g, g < 0)))))))`,
		"MapOfConcats":   `event.properties.items.map(x, event.properties.s + event.properties.s).size() == 0`,
	} {
		t.Run(name, func(t *testing.T) {
			c, err := Compile(src)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = c.Eval(bigEvent())
			if !errors.Is(err, ErrCostLimit) {
				t.Fatalf("Eval = %v; want ErrCostLimit", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("stopping took %v", d)
			}
		})
	}
}

// TestGuardedCalls checks the calls whose own work the tracker would count
// too late: they refuse oversized work before running, and still work.
func TestGuardedCalls(t *testing.T) {
	s := bigEvent()
	s.Event.Properties["csv"] = "a,b,c"
	for src, want := range map[string]string{
		`event.properties.s.replace("", "` + strings.Repeat("b", 100) + `") == ""`:                     "replace: the result would be longer",
		`event.properties.items.map(x, event.properties.s).join(",") == ""`:                            "stopped",
		`[event.properties.s, event.properties.s].join(event.properties.s + event.properties.s) == ""`: "",
		`"ab".matches("` + strings.Repeat("[a-z]", 1200) + `")`:                                        "instructions",
		`"%s".format([event.properties.s]) == ""`:                                                      "format() is not available",
	} {
		c, err := Compile(src)
		if err != nil {
			t.Fatalf("Compile(%.60s): %v", src, err)
		}
		_, err = c.Eval(s)
		if want == "" {
			if err != nil {
				t.Errorf("Eval(%.60s) = %v; want no error", src, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Eval(%.60s) = %v; want an error with %q", src, err, want)
		}
	}
	for _, src := range []string{
		`event.properties.csv.split(",").join("-") == "a-b-c"`,
		`["x", "y"].join() == "xy"`,
		`event.properties.csv.replace(",", ";") == "a;b;c" && "aaa".replace("a", "b", 2) == "bba"`,
		`event.properties.csv.matches("^a,b") && matches("abc", "c$") && !"abc".matches("^b")`,
	} {
		c, err := Compile(src)
		if err != nil {
			t.Fatalf("Compile(%s): %v", src, err)
		}
		if ok, err := c.Eval(s); !ok || err != nil {
			t.Errorf("Eval(%s) = %v, %v; want true", src, ok, err)
		}
	}
}

func TestEvalContextStopsWhenTheContextEnds(t *testing.T) {
	c, err := Compile(`event.properties.items.exists(i, i < 0)`)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := c.EvalContext(ctx, bigEvent()); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("EvalContext = %v; want ErrInterrupted", err)
	}
	if ok, _, err := c.EvalContext(context.Background(), bigEvent()); ok || err != nil {
		t.Fatalf("EvalContext = %v, %v; want false", ok, err)
	}
}

func TestBudget(t *testing.T) {
	var unlimited *Budget
	unlimited.Spend(CostLimit)
	if !unlimited.Left() {
		t.Error("a nil budget ran out")
	}
	b := NewBudget(10)
	b.Spend(9)
	if !b.Left() {
		t.Error("a budget with 1 left ran out")
	}
	b.Spend(1)
	if b.Left() {
		t.Error("a spent budget has some left")
	}
}
