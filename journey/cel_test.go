package journey

import (
	"strings"
	"testing"
	"time"
)

func TestConditions(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s := Scope{
		Profile: Profile{ID: "u1", Traits: map[string]any{"ltv": 250.0, "plan": "gold"}, Tags: []string{"vip"}},
		Event: Event{Name: "purchase", Properties: map[string]any{"total": 80.0, "cart_id": "c9"}, Timestamp: now,
			Context: map[string]any{"campaign": map[string]any{"source": "newsletter"}, "page": map[string]any{"referrer": "https://www.google.co.jp/"}}},
		Entry:     Event{Name: "cart_add", Properties: map[string]any{"cart_id": "c9"}},
		Variables: map[string]any{"threshold": 100},
		Now:       now,
	}
	for src, want := range map[string]bool{
		`profile.traits.ltv >= journey.threshold`:                  true,
		`"vip" in profile.tags && profile.traits.plan == "gold"`:   true,
		`event.properties.cart_id == entry.properties.cart_id`:     true,
		`event.properties.total > 100`:                             false,
		`event.timestamp <= now && event.name.startsWith("purch")`: true,
		`has(profile.traits.birthday)`:                             false,
		`event.context.campaign.source == "newsletter"`:            true,
		`event.context.page.referrer.contains("google")`:           true,
		`has(entry.context.campaign)`:                              false,
	} {
		c, err := Compile(src)
		if err != nil {
			t.Fatalf("Compile(%s): %v", src, err)
		}
		got, err := c.Eval(s)
		if err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", src, got, err, want)
		}
	}
	c, _ := Compile(`profile.traits.missing > 1`)
	if _, err := c.Eval(s); err == nil {
		t.Error("a missing trait evaluated without error")
	}
}

func TestCompileRejects(t *testing.T) {
	for src, want := range map[string]string{
		`profile.tgas`:       "undefined field 'tgas'",
		`customer.id == "x"`: "undeclared reference to 'customer'",
		`profile.id + 1`:     "no matching overload",
		`"a"`:                "not a bool",
		`event.name ==`:      "Syntax error",
	} {
		_, err := Compile(src)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Compile(%s) = %v; want an error with %q", src, err, want)
		}
	}
}
