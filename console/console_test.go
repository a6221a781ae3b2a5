package console

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/journeytemplates"
	"github.com/tabiji/tabiji/lineusage"
	"github.com/tabiji/tabiji/locale"
	"github.com/tabiji/tabiji/store"
)

func cartDefinition() journey.Definition {
	return journey.Definition{Entry: journey.Entry{Event: "cart_add"}, Nodes: []journey.Node{
		{ID: "wait", Kind: journey.KindWaitFor, Events: []journey.EventBranch{{Event: "purchase", Next: "bought"}}, OnTimeout: "ab"},
		{ID: "ab", Kind: journey.KindSplit, Variants: []journey.Variant{{Name: "a", Weight: 1, Next: "mail"}}, Control: &journey.Control{Weight: 1, Next: "bought"}},
		{ID: "mail", Kind: journey.KindSend, Next: "wait"}, // a loop back to the start
		{ID: "bought", Kind: journey.KindExit},
	}}
}

func TestLayout(t *testing.T) {
	nodes, edges := DefinitionGraph(cartDefinition())
	if len(edges) != 5 {
		t.Fatalf("edges = %+v, want 5", edges)
	}
	g := Layout(nodes, edges, "wait")
	y := map[string]float64{}
	for _, b := range g.Boxes {
		y[b.ID] = b.Y
		if b.X < 0 || b.X+b.W > g.Width || b.Y+b.H > g.Height {
			t.Errorf("%s lies outside the drawing", b.ID)
		}
	}
	// Layers by the longest path from the start, the loop back left out:
	// wait; ab; mail and bought (ab → bought is one step, wait → bought too).
	if !(y["wait"] < y["ab"] && y["ab"] < y["mail"] && y["mail"] == y["bought"]) {
		t.Errorf("layers %v", y)
	}
	for _, a := range g.Arrows {
		if !strings.HasPrefix(a.Path, "M ") || a.LX <= 0 || a.LY <= 0 {
			t.Errorf("arrow %s→%s: path %q label at %v,%v", a.From, a.To, a.Path, a.LX, a.LY)
		}
		if a.From == "mail" && a.To == "wait" && a.LX <= g.Boxes[0].X+g.Boxes[0].W {
			t.Errorf("the loop back is not drawn round the right: label x %v", a.LX)
		}
	}
}

func TestJourneyPageShowsTheNumbers(t *testing.T) {
	nodes, edges := DefinitionGraph(cartDefinition())
	nodes[0].Entered, edges[0].Count = 1234, 56
	res := experiment.Analyze(experiment.Arm{Name: "control", Entered: 400, Converted: 40},
		[]experiment.Arm{{Name: "a", Entered: 410, Converted: 61}}, experiment.Options{})
	var buf bytes.Buffer
	err := Journey(&buf, JourneyPage{ID: "cart", Version: 2, Entered: 1234, Converted: 101, CVR: 101.0 / 1234,
		Graph: Layout(nodes, edges, "wait"), Funnel: []FunnelStep{{"kpi.entered", 1234}, {"kpi.sent", 800}, {"kpi.converted", 101}},
		Daily:       []Day{{Day: "2026-11-22", Entered: 1000, Sent: 700, Converted: 90}, {Day: "2026-11-23", Entered: 234}},
		Experiments: []Experiment{{Title: "Split ab", Kind: "split", Node: "ab", Result: res}}})
	if err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{
		`data-node="wait" data-entered="1234"`, `data-from="wait" data-to="bought" data-count="56"`, `purchase: 56`,
		`id="kpi-cvr">8.18%<`, `data-step="kpi.sent" data-count="800"`, `"day":"2026-11-22","entered":1000`,
		`data-arm="a"`, `class="n entered">410<`, `class="sample">`, res.Test,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

func TestPagesWriteInTheWorkspacesLanguageZoneAndCurrency(t *testing.T) {
	var buf bytes.Buffer
	err := Journey(&buf, JourneyPage{Frame: Frame{Lang: "ja", Currency: "JPY"}, ID: "cart", Entered: 12345, Revenue: 4800,
		Daily: []Day{{Day: "2026-12-07", Entered: 1500, Revenue: 129800}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="kpi-entered">12,345<`, `id="kpi-revenue">¥4,800<`, `<td class="n">1,500</td>`, `<td class="n">¥129,800</td>`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("the journey page lacks %s", want)
		}
	}
	buf.Reset()
	if err := Journey(&buf, JourneyPage{Frame: Frame{Currency: "USD"}, ID: "cart", Revenue: 48}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `id="kpi-revenue">$48.00<`) {
		t.Errorf("in US dollars the revenue is not written as $48.00")
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	at := time.Date(2026, 12, 7, 0, 30, 0, 0, time.UTC)
	buf.Reset()
	err = Customer(&buf, CustomerPage{Frame: Frame{Lang: "ja", Zone: tokyo}, ID: "u1", Timeline: []Entry{{At: at, Kind: "event", Title: "purchase"}}})
	if err != nil || !strings.Contains(buf.String(), "2026年12月7日(月) 09:30:00 JST") {
		t.Errorf("the customer page writes %v in the workspace's zone and language: %v", at, err)
	}
}

func TestLINEPage(t *testing.T) {
	var b bytes.Buffer
	u := lineusage.Usage{Month: "2026-12", Limited: true, Limit: 5000, Consumed: 4200, Forecast: 12345, OverBy: 7345}
	if err := LINE(&b, LINEPage{Frame: Frame{Lang: "ja"}, Usage: &u}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`data-consumed="4200"`, `id="line-consumed">4,200<`, `id="line-forecast">12,345<`, `id="line-over"`, "7,345 通超える"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the page lacks %s:\n%s", want, b.String())
		}
	}
	b.Reset()
	u = lineusage.Usage{Month: "2026-12", Consumed: 10, Forecast: 30}
	if err := LINE(&b, LINEPage{Usage: &u}); err != nil || !strings.Contains(b.String(), "no monthly allowance") || strings.Contains(b.String(), `id="line-over"`) {
		t.Errorf("an unlimited plan's page = %v\n%s", err, b.String())
	}
	b.Reset()
	if err := LINE(&b, LINEPage{Problem: "LINE is not set up <here>"}); err != nil || !strings.Contains(b.String(), "LINE is not set up &lt;here&gt;") ||
		strings.Contains(b.String(), `id="line-usage"`) {
		t.Errorf("the problem page = %v\n%s", err, b.String())
	}
}

// missingKey is how T writes a key missing from the catalog.
var missingKey = regexp.MustCompile(`\[[a-z_]+(\.[a-z_]+)+\]`)

func TestEveryPageRendersInBothLanguagesWithEveryKeyFound(t *testing.T) {
	nodes, edges := DefinitionGraph(cartDefinition())
	res := experiment.Analyze(experiment.Arm{Name: "control", Entered: 400, Converted: 40},
		[]experiment.Arm{{Name: "a", Entered: 410, Converted: 61}}, experiment.Options{})
	u := lineusage.Usage{Month: "2026-12", Limited: true, Limit: 5000, Consumed: 4200, Forecast: 12345, OverBy: 7345}
	at := time.Date(2026, 12, 7, 0, 30, 0, 0, time.UTC)
	for _, lang := range locale.Languages {
		for _, role := range []string{"", RoleOwner, RoleMarketer, RoleAnalyst, RoleDeveloper} {
			f := Frame{Lang: lang, Title: "journeys.title", Role: role, Email: "a@example.com", Currency: "JPY", Zone: time.UTC, CSRF: "tok"}
			pages := map[string]func(*bytes.Buffer) error{
				"login": func(b *bytes.Buffer) error { return Login(b, LoginPage{Frame: f, Error: "x"}) },
				"journeys": func(b *bytes.Buffer) error {
					return Journeys(b, JourneysPage{Frame: f, Journeys: []store.JourneyOverview{{ID: "cart", Status: "active", Version: 2}}})
				},
				"journey": func(b *bytes.Buffer) error {
					return Journey(b, JourneyPage{Frame: f, ID: "cart", Status: "paused", Graph: Layout(nodes, edges, "wait"),
						Funnel:      []FunnelStep{{"kpi.entered", 1}, {"kpi.sent", 1}, {"kpi.delivered", 1}, {"kpi.opened", 1}, {"kpi.clicked", 1}, {"kpi.converted", 1}},
						Experiments: []Experiment{{Kind: "split", Node: "ab", Result: res}, {Kind: "holdout", Result: res}, {Kind: "global_control", Result: res}}})
				},
				"customer": func(b *bytes.Buffer) error {
					return Customer(b, CustomerPage{Frame: f, ID: "u1", TemporalErr: "down", Runs: []Run{{JourneyID: "cart"}},
						Profile:  &CustomerProfile{Traits: map[string]any{"plan": "gold"}, Tags: []string{"vip"}},
						Timeline: []Entry{{At: at, Kind: "event"}, {At: at, Kind: "message"}, {At: at, Kind: "step"}}})
				},
				"customers": func(b *bytes.Buffer) error {
					return Customers(b, CustomersPage{Frame: f, Query: "u", Found: []CustomerMatch{{ID: "u1"}}})
				},
				"settings": func(b *bytes.Buffer) error { return Settings(b, SettingsPage{Frame: f, WorkspaceLang: "ja"}) },
				"home":     func(b *bytes.Buffer) error { return Home(b, NewHome(f, sampleDashboard())) },
				"gallery": func(b *bytes.Buffer) error {
					return Gallery(b, GalleryPage{Frame: f, Templates: journeytemplates.List()})
				},
				"template": func(b *bytes.Buffer) error { return everyTemplate(b, f) },
				"month":    func(b *bytes.Buffer) error { return MonthlyReport(b, NewHome(f, sampleDashboard())) },
				"line":     func(b *bytes.Buffer) error { return LINE(b, LINEPage{Frame: f, Usage: &u}) },
			}
			for name, render := range pages {
				var b bytes.Buffer
				if err := render(&b); err != nil {
					t.Fatalf("%s in %s: %v", name, lang, err)
				}
				if m := missingKey.FindString(b.String()); m != "" {
					t.Errorf("%s in %s (role %q) shows %s: a key missing from the catalog", name, lang, role, m)
				}
				if !strings.Contains(b.String(), `<html lang="`+lang+`">`) {
					t.Errorf("%s is not marked as %s", name, lang)
				}
			}
		}
	}
}

func sampleDashboard() store.Dashboard {
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	cur := store.DashboardPeriod{From: from, To: from.AddDate(0, 1, 0),
		Totals: store.DashboardTotals{MessageCounts: store.MessageCounts{Sent: 12000, Delivered: 11800, Opened: 3000}, Revenue: 4800000,
			OpenRate: 0.25, ClickRate: 0.05, ConversionRate: 0.031, RepeatPurchaseRate: 0.4, LTV: 12000},
		Channels: []store.ChannelStats{{Channel: "email", MessageCounts: store.MessageCounts{Sent: 9000, Unsubscribed: 90}}, {Channel: "line", MessageCounts: store.MessageCounts{Sent: 3000}}},
		Journeys: []store.JourneyRevenue{{JourneyID: "=cart", Name: "Cart", Entered: 500, Revenue: 4800000}}}
	prev := store.DashboardPeriod{From: from.AddDate(0, -1, 0), To: from,
		Totals:   store.DashboardTotals{MessageCounts: store.MessageCounts{Sent: 10000}, Revenue: 4000000, OpenRate: 0.2},
		Channels: []store.ChannelStats{{Channel: "email", MessageCounts: store.MessageCounts{Sent: 10000}}}}
	return store.Dashboard{Timezone: "UTC", Current: cur, Previous: prev}
}

func TestHomeShowsThePeriodAgainstThePreviousOne(t *testing.T) {
	p := NewHome(Frame{Lang: "ja", Currency: "JPY", Zone: time.UTC}, sampleDashboard())
	var b bytes.Buffer
	if err := Home(&b, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="m-sent"`, ">12,000<", "前期間： 10,000", "&#43;20.0%", ">開封率<", "25.00%", "&#43;5.00pt", "¥4,800,000",
		`data-label="email" data-current="9000" data-previous="10000"`, `data-label="line" data-current="3000" data-previous="0"`,
		`<tr data-channel="email">`, `<td class="n">1.00%</td>`, "2026年11月1日(日)〜2026年11月30日(月)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the home page lacks %s", want)
		}
	}
	b.Reset()
	if err := HomeCSV(&b, p); err != nil {
		t.Fatal(err)
	}
	csv := b.String()
	for _, want := range []string{"区分,項目,指標,2026-11-01 からの期間,2026-10-01 からの前期間\n", "全体,,配信数,12000,10000\n",
		"チャネル別,email,配信数,9000,10000\n", "ジャーニー別,'=cart,貢献売上,4800000,0\n"} {
		if !strings.Contains(csv, want) {
			t.Errorf("the CSV lacks %q:\n%s", want, csv)
		}
	}
}

// everyTemplate renders every template's launch form.
func everyTemplate(b *bytes.Buffer, f Frame) error {
	for _, t := range journeytemplates.List() {
		if err := TemplateForm(b, NewTemplatePage(f, t.In(f.Lang), []string{"purchase"})); err != nil {
			return err
		}
	}
	return nil
}

func TestTemplateFormsHaveTypedFields(t *testing.T) {
	tpl, err := journeytemplates.Get("cart-abandonment")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, role := range []string{RoleMarketer, RoleAnalyst} {
		b.Reset()
		if err := TemplateForm(&b, NewTemplatePage(Frame{Lang: "ja", Role: role}, tpl.In("ja"), []string{"cart_add", "purchase"})); err != nil {
			t.Fatal(err)
		}
		for _, p := range tpl.Params {
			if !strings.Contains(b.String(), `name="params.`+p.Name+`"`) || !strings.Contains(b.String(), `id="err-params.`+p.Name+`"`) {
				t.Errorf("no field or error place for %s", p.Name)
			}
		}
		if got := strings.Contains(b.String(), `id="launch"`); got != (role == RoleMarketer) {
			t.Errorf("a %s sees the launch button: %v", role, got)
		}
	}
	if !strings.Contains(b.String(), `<option value="cart_add">`) || !strings.Contains(b.String(), `list="events"`) {
		t.Errorf("event fields are not fed by the taxonomy:\n%s", b.String())
	}
}
