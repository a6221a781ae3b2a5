package taxonomy

import (
	"errors"
	"strings"
	"testing"
)

func TestNamingConvention(t *testing.T) {
	snake := &Taxonomy{Naming: Naming{Events: SnakeCase, Properties: SnakeCase, ObjectAction: true}}
	snake.Compile()
	t.Run("NamesThatFollowItPass", func(t *testing.T) {
		if v := snake.CheckEvent("product_viewed", map[string]any{"product_id": "p1", "price_jpy": 4800}); v.Action != ActionAllow || len(v.Violations) != 0 {
			t.Errorf("verdict = %+v", v)
		}
	})
	t.Run("ABadEventNameIsRejectedWithASuggestion", func(t *testing.T) {
		v := snake.CheckEvent("Product Viewed", nil)
		if v.Action != ActionReject || len(v.Violations) != 1 || v.Violations[0].Field != "event" || v.Violations[0].Rule != RuleNaming ||
			!strings.Contains(v.Violations[0].Message, `"product_viewed"`) {
			t.Errorf("verdict = %+v", v)
		}
	})
	t.Run("OneWordIsNoObjectAction", func(t *testing.T) {
		v := snake.CheckEvent("purchase", nil)
		if v.Action != ActionReject || len(v.Violations) != 1 || !strings.Contains(v.Violations[0].Message, "object and an action") {
			t.Errorf("verdict = %+v", v)
		}
	})
	t.Run("EachBadPropertyIsNamed", func(t *testing.T) {
		v := snake.CheckEvent("order_completed", map[string]any{"orderId": "o1", "total": 1, "Coupon-Code": "x"})
		var fields []string
		for _, x := range v.Violations {
			fields = append(fields, x.Field)
		}
		if v.Action != ActionReject || strings.Join(fields, ",") != "properties.Coupon-Code,properties.orderId" {
			t.Errorf("verdict = %+v", v)
		}
	})
	t.Run("TabijisOwnEventsAreExempt", func(t *testing.T) {
		camel := &Taxonomy{Naming: Naming{Events: CamelCase, Properties: CamelCase}}
		for _, name := range []string{"email_opened", "signed_up"} {
			if v := camel.CheckEvent(name, map[string]any{"message_id": "m"}); v.Action != ActionAllow {
				t.Errorf("%s: verdict = %+v", name, v)
			}
		}
	})
	t.Run("ItsPolicyIsTheWorkspacesChoice", func(t *testing.T) {
		q := &Taxonomy{Naming: Naming{Events: PascalCase, OnViolation: Quarantine}}
		if v := q.CheckEvent("order_completed", nil); v.Action != ActionQuarantine {
			t.Errorf("verdict = %+v", v)
		}
		if v := q.CheckEvent("OrderCompleted", nil); v.Action != ActionAllow {
			t.Errorf("verdict = %+v", v)
		}
	})
	t.Run("EveryCaseReadsItsOwnForm", func(t *testing.T) {
		for c, name := range map[Case]string{SnakeCase: "cart_item_added", CamelCase: "cartItemAdded", PascalCase: "CartItemAdded",
			KebabCase: "cart-item-added", TitleCase: "Cart Item Added"} {
			for other, otherName := range map[Case]string{SnakeCase: "cart_item_added", CamelCase: "cartItemAdded", PascalCase: "CartItemAdded",
				KebabCase: "cart-item-added", TitleCase: "Cart Item Added"} {
				problem := Naming{Events: c}.eventNameProblem(otherName)
				if (problem == "") != (c == other) {
					t.Errorf("%s on %q: problem %q", c, otherName, problem)
				}
			}
			if got := inCase("cart item added", c); got != name {
				t.Errorf("inCase(%s) = %q, want %q", c, got, name)
			}
		}
	})
}

func TestNamingConventionValidation(t *testing.T) {
	bad := &Taxonomy{
		Naming: Naming{Events: "SCREAMING", Properties: SnakeCase, OnViolation: "shout"},
		Events: []EventDef{{Name: "orderCompleted", Properties: []PropertyDef{{Name: "Total", Type: Number}}}},
	}
	var errs ValidationError
	if !errors.As(bad.Validate(), &errs) {
		t.Fatal("an unknown case was accepted")
	}
	fields := map[string]bool{}
	for _, e := range errs {
		fields[e.Field] = true
	}
	if !fields["naming.events"] || !fields["naming.onViolation"] {
		t.Errorf("errors = %v", errs)
	}
	sheet := &Taxonomy{Naming: Naming{Events: SnakeCase, Properties: SnakeCase},
		Events: []EventDef{{Name: "email_opened"}, {Name: "orderCompleted", Properties: []PropertyDef{{Name: "Total", Type: Number}}}}}
	errs = nil
	if !errors.As(sheet.Validate(), &errs) || len(errs) != 2 || errs[0].Field != "events[1].name" || errs[1].Field != "events[1].properties[0].name" {
		t.Errorf("errors = %v", errs)
	}
	if round, err := ParseCSV(mustCSV(t, sheet.Clone())); err == nil || round != nil && round.Naming != sheet.Naming {
		t.Errorf("CSV round trip of an invalid sheet: %v, %v", round, err)
	}
	good := &Taxonomy{Naming: Naming{Events: SnakeCase, ObjectAction: true}, Events: []EventDef{{Name: "order_completed"}}}
	round, err := ParseCSV(mustCSV(t, good))
	if err != nil || round.Naming != (Naming{Events: SnakeCase, ObjectAction: true, OnViolation: Reject}) {
		t.Errorf("CSV round trip = %+v, %v", round, err)
	}
}

func mustCSV(t *testing.T, s *Taxonomy) []byte {
	t.Helper()
	b, err := s.ExportCSV()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
