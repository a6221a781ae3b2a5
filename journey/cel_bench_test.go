package journey

import (
	"testing"
	"time"
)

// BenchmarkConditionEval compares a typical filter evaluated with the
// cost limit and guards (the program every caller gets) against the same
// program without them.
func BenchmarkConditionEval(b *testing.B) {
	src := `event.properties.total >= 20.0 && "vip" in profile.tags && event.properties.items.exists(i, i.sku == "A1")`
	s := Scope{
		Profile: Profile{ID: "u", Tags: []string{"vip"}},
		Event: Event{Name: "purchase", Properties: map[string]any{"total": 30.0, "items": []any{
			map[string]any{"sku": "B2"}, map[string]any{"sku": "C3"}, map[string]any{"sku": "A1"}}}},
		Now: time.Now(),
	}
	limited, err := Compile(src)
	if err != nil {
		b.Fatal(err)
	}
	env, ast, err := compileAST(src)
	if err != nil {
		b.Fatal(err)
	}
	prg, err := env.Program(ast)
	if err != nil {
		b.Fatal(err)
	}
	plain := &Condition{Source: src, prg: prg}
	for name, c := range map[string]*Condition{"Limited": limited, "Unlimited": plain} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if ok, err := c.Eval(s); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
}
