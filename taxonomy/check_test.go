package taxonomy_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tabiji/tabiji/taxonomy"
)

// shop is a small sheet with one property of every type, format and enum.
func shop() *taxonomy.Taxonomy {
	t := &taxonomy.Taxonomy{
		UnknownEvents: taxonomy.Quarantine,
		InvalidTraits: taxonomy.Reject,
		Events: []taxonomy.EventDef{
			{Name: "purchase", OnInvalid: taxonomy.Reject, Properties: []taxonomy.PropertyDef{
				{Name: "total", Type: taxonomy.Number, Required: true},
				{Name: "items", Type: taxonomy.Integer},
				{Name: "sku", Type: taxonomy.String},
				{Name: "gift", Type: taxonomy.Boolean},
				{Name: "paid_at", Type: taxonomy.Timestamp},
				{Name: "address", Type: taxonomy.Object},
				{Name: "skus", Type: taxonomy.Array},
				{Name: "currency", Type: taxonomy.String, Format: taxonomy.Currency},
				{Name: "receipt_to", Type: taxonomy.String, Format: taxonomy.Email},
				{Name: "receipt_url", Type: taxonomy.String, Format: taxonomy.URL},
				{Name: "channel", Type: taxonomy.String, Enum: taxonomy.Enum{"web", "app"}},
				{Name: "tier", Type: taxonomy.Integer, Enum: taxonomy.Enum{"1", "2", "3"}},
				{Name: "rate", Type: taxonomy.Number, Enum: taxonomy.Enum{"0.5", "1.5"}},
			}},
			{Name: "cart_add", OnInvalid: taxonomy.Quarantine, Strict: true, Properties: []taxonomy.PropertyDef{
				{Name: "product", Type: taxonomy.String, Required: true},
			}},
			{Name: "app_open", OnInvalid: taxonomy.Allow, Properties: []taxonomy.PropertyDef{
				{Name: "version", Type: taxonomy.String, Required: true},
			}},
			{Name: "old_signup", Status: taxonomy.Deprecated, OnInvalid: taxonomy.Reject, Properties: []taxonomy.PropertyDef{
				{Name: "plan", Type: taxonomy.String, Required: true},
			}},
			{Name: "debug_ping", Status: taxonomy.Blocked},
		},
		UserProperties: []taxonomy.PropertyDef{
			{Name: "email", Type: taxonomy.String, Format: taxonomy.Email, PII: true},
			{Name: "lead_score", Type: taxonomy.Integer},
			{Name: "plan", Type: taxonomy.String, Enum: taxonomy.Enum{"free", "pro"}},
		},
	}
	if err := t.Validate(); err != nil {
		panic(err)
	}
	t.Compile()
	return t
}

func props(t *testing.T, js string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCheckEventRules(t *testing.T) {
	tx := shop()
	cases := []struct {
		name, props string
		rule, field string // "" = no violation
	}{
		{"ValidNumber", `{"total": 4800.5}`, "", ""},
		{"NumberGivenAString", `{"total": "4800"}`, "type", "properties.total"},
		{"RequiredMissing", `{"sku": "tea"}`, "required", "properties.total"},
		{"RequiredNull", `{"total": null}`, "required", "properties.total"},
		{"OptionalNullIsFine", `{"total": 1, "sku": null}`, "", ""},
		{"Integer", `{"total": 1, "items": 3}`, "", ""},
		{"IntegerWrittenWithAPoint", `{"total": 1, "items": 3.0}`, "", ""},
		{"IntegerGivenAFraction", `{"total": 1, "items": 2.5}`, "type", "properties.items"},
		{"IntegerGivenAString", `{"total": 1, "items": "2"}`, "type", "properties.items"},
		{"String", `{"total": 1, "sku": "tea"}`, "", ""},
		{"StringGivenANumber", `{"total": 1, "sku": 12}`, "type", "properties.sku"},
		{"Boolean", `{"total": 1, "gift": false}`, "", ""},
		{"BooleanGivenAString", `{"total": 1, "gift": "true"}`, "type", "properties.gift"},
		{"TimestampDateTime", `{"total": 1, "paid_at": "2026-11-23T10:00:00+09:00"}`, "", ""},
		{"TimestampDate", `{"total": 1, "paid_at": "2026-11-23"}`, "", ""},
		{"TimestampWithoutZone", `{"total": 1, "paid_at": "2026-11-23 10:00"}`, "type", "properties.paid_at"},
		{"TimestampGivenANumber", `{"total": 1, "paid_at": 1700000000}`, "type", "properties.paid_at"},
		{"Object", `{"total": 1, "address": {"city": "Kyoto"}}`, "", ""},
		{"ObjectGivenAnArray", `{"total": 1, "address": ["Kyoto"]}`, "type", "properties.address"},
		{"Array", `{"total": 1, "skus": ["a", 2]}`, "", ""},
		{"ArrayGivenAnObject", `{"total": 1, "skus": {"a": 1}}`, "type", "properties.skus"},
		{"Currency", `{"total": 1, "currency": "JPY"}`, "", ""},
		{"CurrencyLowercase", `{"total": 1, "currency": "jpy"}`, "format", "properties.currency"},
		{"CurrencyUnknown", `{"total": 1, "currency": "YEN"}`, "format", "properties.currency"},
		{"Email", `{"total": 1, "receipt_to": "aiko@example.com"}`, "", ""},
		{"EmailWithAName", `{"total": 1, "receipt_to": "Aiko <aiko@example.com>"}`, "format", "properties.receipt_to"},
		{"EmailWithoutAt", `{"total": 1, "receipt_to": "aiko.example.com"}`, "format", "properties.receipt_to"},
		{"URL", `{"total": 1, "receipt_url": "https://shop.example/r/1"}`, "", ""},
		{"URLRelative", `{"total": 1, "receipt_url": "/r/1"}`, "format", "properties.receipt_url"},
		{"URLOtherScheme", `{"total": 1, "receipt_url": "javascript:alert(1)"}`, "format", "properties.receipt_url"},
		{"EnumString", `{"total": 1, "channel": "app"}`, "", ""},
		{"EnumStringOutside", `{"total": 1, "channel": "store"}`, "enum", "properties.channel"},
		{"EnumIsCaseSensitive", `{"total": 1, "channel": "Web"}`, "enum", "properties.channel"},
		{"EnumInteger", `{"total": 1, "tier": 2}`, "", ""},
		{"EnumIntegerOutside", `{"total": 1, "tier": 4}`, "enum", "properties.tier"},
		{"EnumNumber", `{"total": 1, "rate": 1.5}`, "", ""},
		{"EnumNumberOutside", `{"total": 1, "rate": 2}`, "enum", "properties.rate"},
		{"UnknownPropertyOfALaxEvent", `{"total": 1, "coupon": "X"}`, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := tx.CheckEvent("purchase", props(t, c.props))
			if c.rule == "" {
				if v.Action != taxonomy.ActionAllow || len(v.Violations) != 0 {
					t.Fatalf("verdict = %+v, want allow without violations", v)
				}
				return
			}
			if len(v.Violations) != 1 || v.Violations[0].Rule != c.rule || v.Violations[0].Field != c.field || v.Violations[0].Message == "" {
				t.Fatalf("violations = %+v, want one %s on %s", v.Violations, c.rule, c.field)
			}
			if v.Action != taxonomy.ActionReject {
				t.Errorf("action = %s, want the event's reject", v.Action)
			}
		})
	}
}

func TestCheckEventPolicies(t *testing.T) {
	tx := shop()
	one := func(v taxonomy.Verdict, field, rule string) bool {
		return len(v.Violations) == 1 && v.Violations[0].Field == field && v.Violations[0].Rule == rule
	}
	t.Run("UnknownEventsFollowTheWorkspacePolicy", func(t *testing.T) {
		for _, p := range taxonomy.Policies {
			tx := shop()
			tx.UnknownEvents = p
			tx.Compile()
			v := tx.CheckEvent("purchse", nil)
			if v.Action != taxonomy.Action(p) || !one(v, "event", "unknown") {
				t.Errorf("%s: verdict = %+v", p, v)
			}
		}
	})
	t.Run("TabijisOwnEventsPassATaxonomyThatRejectsUnknownEvents", func(t *testing.T) {
		tx := shop()
		tx.UnknownEvents = taxonomy.Reject
		tx.Compile()
		for name, props := range map[string]map[string]any{
			"segment_entered":    {"segment": "dormant_21d"},
			"segment_exited":     {"segment": "dormant_21d"},
			"date_reached":       {"trigger": "birthday@09:00/yearly", "property": "birthday", "date": "2026-11-23"},
			"lead_score_changed": {"score": 55.5, "previous": 5, "rules": []any{"demo"}},
		} {
			if v := tx.CheckEvent(name, props); v.Action != taxonomy.ActionAllow || len(v.Violations) > 0 {
				t.Errorf("%s: verdict = %+v", name, v)
			}
		}
		if v := tx.CheckEvent("segment_entered", nil); !one(v, "properties.segment", "required") {
			t.Errorf("segment_entered without its segment: verdict = %+v", v)
		}
	})
	t.Run("InvalidEventsFollowTheirOwnPolicy", func(t *testing.T) {
		want := map[string]taxonomy.Action{"purchase": "reject", "cart_add": "quarantine", "app_open": "allow"}
		for name, action := range want {
			v := tx.CheckEvent(name, map[string]any{})
			if v.Action != action || len(v.Violations) != 1 || v.Violations[0].Rule != "required" {
				t.Errorf("%s: verdict = %+v, want %s for a missing required property", name, v, action)
			}
		}
	})
	t.Run("AnUnsetEventPolicyQuarantines", func(t *testing.T) {
		tx := &taxonomy.Taxonomy{Events: []taxonomy.EventDef{{Name: "e", Properties: []taxonomy.PropertyDef{{Name: "n", Type: "number"}}}}}
		if v := tx.CheckEvent("e", map[string]any{"n": "x"}); v.Action != taxonomy.ActionQuarantine {
			t.Errorf("verdict = %+v", v)
		}
	})
	t.Run("BlockedEventsAreDropped", func(t *testing.T) {
		v := tx.CheckEvent("debug_ping", map[string]any{"anything": 1})
		if v.Action != taxonomy.ActionDrop || !one(v, "event", "blocked") {
			t.Errorf("verdict = %+v", v)
		}
	})
	t.Run("DeprecatedEventsAreKeptAndFlagged", func(t *testing.T) {
		v := tx.CheckEvent("old_signup", map[string]any{"plan": "pro"})
		if v.Action != taxonomy.ActionAllow || !one(v, "event", "deprecated") {
			t.Errorf("valid deprecated: verdict = %+v", v)
		}
		v = tx.CheckEvent("old_signup", map[string]any{})
		if v.Action != taxonomy.ActionReject || len(v.Violations) != 2 {
			t.Errorf("invalid deprecated: verdict = %+v", v)
		}
	})
	t.Run("StrictEventsRefuseUndefinedProperties", func(t *testing.T) {
		v := tx.CheckEvent("cart_add", map[string]any{"product": "tea", "colour": "red"})
		if v.Action != taxonomy.ActionQuarantine || !one(v, "properties.colour", "unknown") {
			t.Errorf("verdict = %+v", v)
		}
	})
	t.Run("AWorkspaceWithoutASheetAllowsEverythingUnflagged", func(t *testing.T) {
		var empty taxonomy.Taxonomy
		if v := empty.CheckEvent("anything", map[string]any{"x": 1}); v.Action != taxonomy.ActionAllow || len(v.Violations) != 0 {
			t.Errorf("verdict = %+v", v)
		}
		flagged := taxonomy.Taxonomy{UnknownEvents: taxonomy.Allow, Events: []taxonomy.EventDef{{Name: "known"}}}
		if v := flagged.CheckEvent("anything", nil); v.Action != taxonomy.ActionAllow || !one(v, "event", "unknown") {
			t.Errorf("allow with a sheet: verdict = %+v, want allowed and flagged", v)
		}
	})
}

func TestCheckTraits(t *testing.T) {
	tx := shop()
	v := tx.CheckTraits(map[string]any{"email": "aiko@example.com", "lead_score": 40, "plan": "pro", "nickname": 7, "phone": nil})
	if v.Action != taxonomy.ActionAllow || len(v.Violations) != 0 {
		t.Errorf("valid traits: %+v", v)
	}
	v = tx.CheckTraits(map[string]any{"email": "not-an-address", "lead_score": 4.5, "plan": "gold"})
	want := []taxonomy.Violation{
		{Field: "traits.email", Rule: "format"}, {Field: "traits.lead_score", Rule: "type"}, {Field: "traits.plan", Rule: "enum"},
	}
	if v.Action != taxonomy.ActionReject || len(v.Violations) != len(want) {
		t.Fatalf("invalid traits: %+v", v)
	}
	for i, w := range want {
		if v.Violations[i].Field != w.Field || v.Violations[i].Rule != w.Rule {
			t.Errorf("violation %d = %+v, want %+v", i, v.Violations[i], w)
		}
	}
}

// TestVerdictIgnoresOrderAndWhiteSpace decodes the same event written in
// different orders and layouts: the verdicts must be identical, violations
// and all.
func TestVerdictIgnoresOrderAndWhiteSpace(t *testing.T) {
	tx := shop()
	bodies := []string{
		`{"total":"x","items":2.5,"channel":"store","currency":"yen","gift":"no"}`,
		"{\n  \"gift\" : \"no\",\n\t\"currency\":\"yen\",\r\n \"channel\": \"store\", \"items\": 2.5, \"total\": \"x\"\n}",
		`{ "channel":"store" , "total":"x" , "gift":"no" , "items":2.5 , "currency":"yen" }`,
	}
	var first taxonomy.Verdict
	for i, b := range bodies {
		for range 20 { // map iteration order varies from call to call
			v := tx.CheckEvent("purchase", props(t, b))
			if i == 0 && first.Action == "" {
				first = v
			}
			if !reflect.DeepEqual(v, first) {
				t.Fatalf("body %d: verdict = %+v, want %+v", i, v, first)
			}
		}
	}
	if len(first.Violations) != 5 {
		t.Fatalf("violations = %+v, want 5", first.Violations)
	}
	for i := 1; i < len(first.Violations); i++ {
		if first.Violations[i-1].Field > first.Violations[i].Field {
			t.Errorf("violations not sorted by field: %+v", first.Violations)
		}
	}
}

func TestUncompiledChecksAgree(t *testing.T) {
	compiled := shop()
	plain := shop().Clone() // Clone drops the compiled index
	for _, name := range []string{"purchase", "cart_add", "debug_ping", "nope"} {
		p := map[string]any{"total": "x", "product": 1, "extra": true}
		if a, b := compiled.CheckEvent(name, p), plain.CheckEvent(name, p); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: compiled %+v, uncompiled %+v", name, a, b)
		}
	}
}

func BenchmarkCheckEvent(b *testing.B) {
	tx := shop()
	p := map[string]any{
		"total": 4800.0, "items": 3.0, "sku": "tea-set", "gift": false, "paid_at": "2026-11-23T10:00:00Z",
		"address": map[string]any{"city": "Kyoto"}, "skus": []any{"a"}, "currency": "JPY",
		"receipt_to": "aiko@example.com", "channel": "web",
	}
	b.ReportAllocs()
	for b.Loop() {
		if v := tx.CheckEvent("purchase", p); len(v.Violations) != 0 {
			b.Fatal(v)
		}
	}
}
