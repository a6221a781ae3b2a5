package journeytemplates

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tabiji/tabiji/journey"
)

// required gives a value to each parameter a template has no default for.
func required(t Template) map[string]any {
	params := map[string]any{}
	for _, p := range t.Params {
		if p.Required {
			params[p.Name] = "https://example.com/" + p.Name
		}
	}
	return params
}

func TestLibrary(t *testing.T) {
	t.Run("HoldsTheEightTemplatesTheIssueNamesAndTheLINEGreeting", func(t *testing.T) {
		var names []string
		for _, tpl := range List() {
			names = append(names, tpl.Name)
		}
		want := []string{"birthday", "cart-abandonment", "cross-sell", "dormant-reengagement", "double-opt-in", "lead-score", "line-greeting", "post-purchase", "vip-early-access", "welcome"}
		if !slices.Equal(names, want) {
			t.Errorf("templates = %v, want %v", names, want)
		}
	})
	t.Run("EveryTemplateRendersAndValidatesWithItsDefaults", func(t *testing.T) {
		for _, tpl := range List() {
			d, err := Render(tpl.Name, required(tpl))
			if err != nil {
				t.Errorf("%s: %v", tpl.Name, err)
				continue
			}
			if err := d.Validate(); err != nil {
				t.Errorf("%s: rendered definition does not validate: %v", tpl.Name, err)
			}
		}
	})
	t.Run("EveryTemplateIsDocumented", func(t *testing.T) {
		for _, tpl := range List() {
			if tpl.Title == "" || len(tpl.Doc.Purpose) < 40 || len(tpl.Doc.KPI) < 20 {
				t.Errorf("%s: doc too thin: %+v", tpl.Name, tpl.Doc)
			}
			for _, p := range tpl.Params {
				if p.Description == "" {
					t.Errorf("%s: parameter %s has no description", tpl.Name, p.Name)
				}
			}
		}
	})
	t.Run("SegmentAndDateTemplatesUseTheirTriggers", func(t *testing.T) {
		for name, want := range map[string]string{"dormant-reengagement": "dormant_21d", "vip-early-access": "vip_6m", "birthday": ""} {
			d, err := Render(name, required(mustGet(t, name)))
			if err != nil {
				t.Fatal(err)
			}
			tpl := mustGet(t, name)
			switch {
			case want != "" && (d.Entry.Segment != want || d.Entry.Event != journey.SegmentEnteredEvent):
				t.Errorf("%s: entry = %+v, want segment %s", name, d.Entry, want)
			case want == "" && (d.Entry.Date == nil || d.Entry.Date.Key() != "birthday@09:00/yearly"):
				t.Errorf("%s: entry = %+v, want the birthday date trigger", name, d.Entry)
			case !strings.Contains(tpl.Doc.Trigger, "Temporal Schedule"):
				t.Errorf("%s: the trigger doc does not say what sweeps it: %q", name, tpl.Doc.Trigger)
			}
		}
	})
	t.Run("TemplatesFedByScoresSayWhatTriggersThem", func(t *testing.T) {
		for name, source := range map[string]string{"lead-score": "PUT /v1/scoring"} {
			tpl, err := Get(name)
			if err != nil || !strings.Contains(tpl.Doc.Trigger, source) {
				t.Errorf("%s: trigger = %q, %v", name, tpl.Doc.Trigger, err)
			}
		}
	})
	t.Run("UnknownNameIsErrUnknown", func(t *testing.T) {
		if _, err := Render("nope", nil); !errors.Is(err, ErrUnknown) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestRenderSubstitutesTypedValues(t *testing.T) {
	d, err := Render("cart-abandonment", map[string]any{"delay": "2s", "coupon": "TEA10", "cart_event": "basket_add"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Nodes[0].Timeout != journey.Duration(2*time.Second) {
		t.Errorf("timeout = %v, want 2s", d.Nodes[0].Timeout)
	}
	if d.Entry.Event != "basket_add" || d.Variables["coupon"] != "TEA10" {
		t.Errorf("entry = %+v, variables = %v", d.Entry, d.Variables)
	}
	if d.Goal == nil || d.Goal.Window != journey.Duration(72*time.Hour) {
		t.Errorf("the default goal window was not filled in: %+v", d.Goal)
	}
	lead, err := Render("lead-score", map[string]any{"threshold": 55, "sales_webhook_url": "https://crm.test/hook"})
	if err != nil {
		t.Fatal(err)
	}
	if lead.Variables["threshold"] != float64(55) || lead.Nodes[0].URL != "https://crm.test/hook" {
		t.Errorf("variables = %v, url = %q", lead.Variables, lead.Nodes[0].URL)
	}
}

func TestRenderNamesTheParameterAtFault(t *testing.T) {
	cases := []struct {
		name     string
		template string
		params   map[string]any
		field    string
		message  string
	}{
		{"Unknown", "cart-abandonment", map[string]any{"delai": "2s"}, "params.delai", "unknown parameter"},
		{"DurationNotAString", "cart-abandonment", map[string]any{"delay": 30}, "params.delay", "duration"},
		{"DurationUnreadable", "cart-abandonment", map[string]any{"delay": "soon"}, "params.delay", "duration"},
		{"DurationNotPositive", "cart-abandonment", map[string]any{"delay": "0s"}, "params.delay", "positive"},
		{"EventBlank", "cart-abandonment", map[string]any{"purchase_event": " "}, "params.purchase_event", "event name"},
		{"StringNotAString", "cart-abandonment", map[string]any{"coupon": true}, "params.coupon", "string"},
		{"NumberAsString", "lead-score", map[string]any{"threshold": "80", "sales_webhook_url": "https://crm.test"}, "params.threshold", "number"},
		{"URLNotAbsolute", "lead-score", map[string]any{"sales_webhook_url": "crm/hook"}, "params.sales_webhook_url", "URL"},
		{"URLWrongScheme", "lead-score", map[string]any{"sales_webhook_url": "ftp://crm.test/x"}, "params.sales_webhook_url", "URL"},
		{"RequiredMissing", "lead-score", nil, "params.sales_webhook_url", "is required"},
		{"ChannelsUnknown", "welcome", map[string]any{"channels": []any{"line", "fax"}}, "params.channels", `"fax"`},
		{"ChannelsTwice", "welcome", map[string]any{"channels": "line, line"}, "params.channels", "twice"},
		{"ChannelsEmpty", "welcome", map[string]any{"channels": []any{}}, "params.channels", "at least one"},
		{"ChannelsNotAList", "welcome", map[string]any{"channels": 3}, "params.channels", "list of channels"},
		{"ChannelsOfNumbers", "welcome", map[string]any{"channels": []any{1}}, "params.channels", "channel names"},
		{"ValueThatBreaksTheDefinition", "birthday", map[string]any{"send_at": "9am"}, "definition.entry.date.at", "HH:MM"},
		{"ZoneThatDoesNotExist", "birthday", map[string]any{"timezone": "Mars/Olympus"}, "definition.timezone", "IANA"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Render(tc.template, tc.params)
			var verr journey.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			if verr[0].Field != tc.field || !strings.Contains(verr[0].Message, tc.message) {
				t.Errorf("= %+v, want %s: …%s…", verr, tc.field, tc.message)
			}
		})
	}
}

func TestLoadRefusesBrokenTemplateFiles(t *testing.T) {
	head := "title: T\ndoc: {purpose: p, kpi: k}\n"
	cases := map[string]string{
		"PlaceholderInsideText": head + "params: [{name: d, type: duration, default: 1m, description: x}]\n" +
			"definition: {entry: {event: \"${d}\"}, nodes: [{id: a, kind: wait, duration: \"wait ${d}\", next: a}]}",
		"UnusedParameter": head + "params: [{name: d, type: duration, default: 1m, description: x}]\n" +
			"definition: {entry: {event: e}}",
		"UndeclaredPlaceholder": head + "definition: {entry: {event: \"${e}\"}}",
		"DefaultOfTheWrongType": head + "params: [{name: d, type: duration, default: 7, description: x}]\n" +
			"definition: {entry: {event: \"${d}\"}}",
		"UnknownType": head + "params: [{name: d, type: date, default: x, description: x}]\n" +
			"definition: {entry: {event: \"${d}\"}}",
		"NoKPI": "title: T\ndoc: {purpose: p}\ndefinition: {entry: {event: e}}",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := load(fstest.MapFS{"library/broken.yaml": {Data: []byte(body)}})
			if err == nil {
				t.Errorf("loaded:\n%s", body)
			}
		})
	}
}

func TestEntryFiltersLetInOnlyTheirCustomers(t *testing.T) {
	cases := []struct {
		template string
		params   map[string]any
		props    map[string]any
		enters   bool
	}{
		{"dormant-reengagement", nil, map[string]any{"segment": "dormant_21d"}, true},
		{"dormant-reengagement", nil, map[string]any{"segment": "vip_6m"}, false},
		{"birthday", nil, map[string]any{"trigger": "birthday@09:00/yearly"}, true},
		{"birthday", map[string]any{"send_at": "10:00"}, map[string]any{"trigger": "birthday@09:00/yearly"}, false},
		{"vip-early-access", nil, map[string]any{"segment": "vip_6m"}, true},
		{"vip-early-access", nil, map[string]any{"segment": "dormant_21d"}, false},
		{"lead-score", map[string]any{"threshold": 70}, map[string]any{"score": 70}, true},
		{"lead-score", map[string]any{"threshold": 70}, map[string]any{"score": 69.5}, false},
		{"lead-score", nil, map[string]any{}, false},
		{"lead-score", map[string]any{"threshold": 70}, map[string]any{"score": 75, "previous": 60}, true},
		{"lead-score", map[string]any{"threshold": 70}, map[string]any{"score": 90, "previous": 75}, false},
		{"lead-score", map[string]any{"threshold": 70}, map[string]any{"score": 70, "previous": 69.99}, true},
		{"cross-sell", nil, map[string]any{"category": "coffee makers"}, true},
		{"cross-sell", map[string]any{"from_category": "tea"}, map[string]any{"category": "coffee makers"}, false},
		{"cross-sell", nil, map[string]any{"total": 12}, false},
	}
	for _, tc := range cases {
		tpl, _ := Get(tc.template)
		params := required(tpl)
		for k, v := range tc.params {
			params[k] = v
		}
		d, err := tpl.Render(params)
		if err != nil {
			t.Fatal(err)
		}
		c, err := journey.Compile(d.Entry.Filter)
		if err != nil {
			t.Fatalf("%s: %v", tc.template, err)
		}
		ok, _ := c.Eval(journey.Scope{Event: journey.Event{Name: d.Entry.Event, Properties: tc.props}, Variables: d.Variables, Now: time.Now()})
		if ok != tc.enters {
			t.Errorf("%s %v with %v: enters = %v, want %v", tc.template, tc.params, tc.props, ok, tc.enters)
		}
	}
}

func mustGet(t *testing.T, name string) Template {
	t.Helper()
	tpl, err := Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// TestEveryTemplateRunsOnLINEFirst: each template takes a channels
// parameter, and with [line, email] (as a list or as text) every send
// node of it tries LINE, then email.
func TestEveryTemplateRunsOnLINEFirst(t *testing.T) {
	for _, given := range []any{[]any{"line", "email"}, "line, email"} {
		for _, tpl := range List() {
			params := required(tpl)
			params["channels"] = given
			d, err := Render(tpl.Name, params)
			if err != nil {
				t.Errorf("%s with channels %v: %v", tpl.Name, given, err)
				continue
			}
			sends := 0
			for _, n := range d.Nodes {
				if n.Kind != journey.KindSend || n.To != "" { // a sales owner's alert goes on email alone
					continue
				}
				sends++
				if got := n.ChannelOrder(); !slices.Equal(got, []string{"line", "email"}) {
					t.Errorf("%s: node %s tries %v, want [line email]", tpl.Name, n.ID, got)
				}
			}
			if sends == 0 {
				t.Errorf("%s sends nothing", tpl.Name)
			}
		}
	}
}
