package console

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/tabiji/tabiji/csvcell"
	"github.com/tabiji/tabiji/locale"
	"github.com/tabiji/tabiji/store"
)

// HomePage is the home dashboard (and the monthly report): a period's
// numbers against the previous period's, per channel and per journey.
type HomePage struct {
	Frame
	Dashboard store.Dashboard
	// FromInput and ToInput are the period as the form shows it: its first
	// and last days (the query's To is the day after the last).
	FromInput, ToInput string
	// Query is the period's query string for the CSV link (to inclusive),
	// APIQuery for GET /v1/kpis/dashboard (to exclusive).
	Query, APIQuery string
	Month           string // the monthly report's month, 2026-11
	Metrics         []Metric
	// Channels and Journeys pair each row of the period with the previous period's.
	Channels []ChannelRow
	Journeys []JourneyRow
	Sent     BarChart // messages sent per channel
	Revenue  BarChart // revenue per journey
}

// Metric is one figure of the dashboard, written in the page's language.
type Metric struct {
	Key, ID           string // catalog key; the element's id
	Current, Previous string
	Change            string // "+12.5%", "-0.40pt", "–"
	Up                bool
}

// ChannelRow is one channel in the period and the previous one.
type ChannelRow struct {
	Cur, Prev store.ChannelStats
	Unsub     float64
}

// JourneyRow is one journey in the period and the previous one.
type JourneyRow struct{ Cur, Prev store.JourneyRevenue }

// NewHome lays out the dashboard d for the page in frame's language.
func NewHome(f Frame, d store.Dashboard) HomePage {
	p := HomePage{Frame: f, Dashboard: d}
	cur, prev := d.Current.Totals, d.Previous.Totals
	num := func(n int64) string { return locale.Number(f.Lang, float64(n), 0) }
	money := func(x float64) string { return locale.Money(f.Lang, f.Currency, x) }
	count := func(key, id string, c, pr int64) Metric {
		return Metric{Key: key, ID: id, Current: num(c), Previous: num(pr), Change: relChange(float64(c), float64(pr)), Up: c >= pr}
	}
	rate := func(key, id string, c, pr float64) Metric {
		return Metric{Key: key, ID: id, Current: pct(c), Previous: pct(pr), Change: fmt.Sprintf("%+.2fpt", (c-pr)*100), Up: c >= pr}
	}
	amount := func(key, id string, c, pr float64) Metric {
		return Metric{Key: key, ID: id, Current: money(c), Previous: money(pr), Change: relChange(c, pr), Up: c >= pr}
	}
	p.Metrics = []Metric{
		count("kpi.sent", "sent", cur.Sent, prev.Sent), count("kpi.delivered", "delivered", cur.Delivered, prev.Delivered),
		rate("kpi.open_rate", "open-rate", cur.OpenRate, prev.OpenRate), rate("kpi.click_rate", "click-rate", cur.ClickRate, prev.ClickRate),
		rate("kpi.cvr", "conversion-rate", cur.ConversionRate, prev.ConversionRate), amount("kpi.attributed", "revenue", cur.Revenue, prev.Revenue),
		rate("kpi.unsub_rate", "unsubscribe-rate", cur.UnsubscribeRate, prev.UnsubscribeRate),
		rate("kpi.repeat_rate", "repeat-rate", cur.RepeatPurchaseRate, prev.RepeatPurchaseRate), amount("kpi.ltv", "ltv", cur.LTV, prev.LTV),
	}
	p.Channels, p.Sent = channelRows(d, func(x float64) string { return num(int64(x)) })
	p.Journeys, p.Revenue = journeyRows(d, money)
	return p
}

func channelRows(d store.Dashboard, format func(float64) string) ([]ChannelRow, BarChart) {
	prev := map[string]store.ChannelStats{}
	for _, c := range d.Previous.Channels {
		prev[c.Channel] = c
	}
	var rows []ChannelRow
	var labels []string
	var cur, before []float64
	for _, c := range d.Current.Channels {
		rows = append(rows, ChannelRow{Cur: c, Prev: prev[c.Channel], Unsub: ratio(c.Unsubscribed, c.Sent)})
		labels, cur, before = append(labels, c.Channel), append(cur, float64(c.Sent)), append(before, float64(prev[c.Channel].Sent))
	}
	return rows, Bars(labels, cur, before, format)
}

func journeyRows(d store.Dashboard, format func(float64) string) ([]JourneyRow, BarChart) {
	prev := map[string]store.JourneyRevenue{}
	for _, j := range d.Previous.Journeys {
		prev[j.JourneyID] = j
	}
	var rows []JourneyRow
	var labels []string
	var cur, before []float64
	for _, j := range d.Current.Journeys {
		rows = append(rows, JourneyRow{Cur: j, Prev: prev[j.JourneyID]})
		labels, cur, before = append(labels, j.JourneyID), append(cur, j.Revenue), append(before, prev[j.JourneyID].Revenue)
	}
	return rows, Bars(labels, cur, before, format)
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// relChange writes the change from pr to c in percent, "–" from nothing.
func relChange(c, pr float64) string {
	if pr == 0 {
		return "–"
	}
	return fmt.Sprintf("%+.1f%%", (c-pr)/pr*100)
}

// Home renders the home dashboard.
func Home(w io.Writer, p HomePage) error { return render(w, "home.html", p) }

// MonthlyReport renders the print-ready monthly report.
func MonthlyReport(w io.Writer, p HomePage) error { return render(w, "month.html", p) }

// HomeCSV writes the dashboard as CSV: one row per figure (the totals,
// each channel's, each journey's) with the period's and the previous
// period's values, headers in the page's language.
func HomeCSV(w io.Writer, p HomePage) error {
	l := p.Lang
	cw := csvcell.NewWriter(w)
	d := p.Dashboard
	rows := [][]string{{T(l, "csv.section"), T(l, "csv.item"), T(l, "csv.metric"),
		T(l, "csv.current", d.Current.From.Format(time.DateOnly)), T(l, "csv.previous", d.Previous.From.Format(time.DateOnly))}}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	c, pr := d.Current.Totals, d.Previous.Totals
	total := T(l, "csv.total")
	for _, m := range []struct {
		key       string
		cur, prev string
	}{
		{"kpi.sent", i(c.Sent), i(pr.Sent)}, {"kpi.delivered", i(c.Delivered), i(pr.Delivered)},
		{"kpi.open_rate", f(c.OpenRate), f(pr.OpenRate)}, {"kpi.click_rate", f(c.ClickRate), f(pr.ClickRate)},
		{"kpi.cvr", f(c.ConversionRate), f(pr.ConversionRate)}, {"kpi.attributed", f(c.Revenue), f(pr.Revenue)},
		{"kpi.unsub_rate", f(c.UnsubscribeRate), f(pr.UnsubscribeRate)}, {"kpi.repeat_rate", f(c.RepeatPurchaseRate), f(pr.RepeatPurchaseRate)},
		{"kpi.ltv", f(c.LTV), f(pr.LTV)},
	} {
		rows = append(rows, []string{total, "", T(l, m.key), m.cur, m.prev})
	}
	for _, r := range p.Channels {
		rows = append(rows, []string{T(l, "home.channels"), r.Cur.Channel, T(l, "kpi.sent"), i(r.Cur.Sent), i(r.Prev.Sent)},
			[]string{T(l, "home.channels"), r.Cur.Channel, T(l, "kpi.open_rate"), f(r.Cur.OpenRate), f(r.Prev.OpenRate)},
			[]string{T(l, "home.channels"), r.Cur.Channel, T(l, "kpi.click_rate"), f(r.Cur.CTR), f(r.Prev.CTR)})
	}
	for _, r := range p.Journeys {
		rows = append(rows, []string{T(l, "home.journeys"), r.Cur.JourneyID, T(l, "kpi.entered"), i(r.Cur.Entered), i(r.Prev.Entered)},
			[]string{T(l, "home.journeys"), r.Cur.JourneyID, T(l, "kpi.cvr"), f(r.Cur.CVR), f(r.Prev.CVR)},
			[]string{T(l, "home.journeys"), r.Cur.JourneyID, T(l, "kpi.attributed"), f(r.Cur.Revenue), f(r.Prev.Revenue)})
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("console: write the dashboard as CSV: %w", err)
	}
	return nil
}

// LastDay is the period's last day (To is the day after).
func (p HomePage) LastDay() time.Time {
	return p.Dashboard.Current.To.In(p.zone()).AddDate(0, 0, -1)
}

// PrevLastDay is the previous period's last day.
func (p HomePage) PrevLastDay() time.Time {
	return p.Dashboard.Previous.To.In(p.zone()).AddDate(0, 0, -1)
}

func (p HomePage) zone() *time.Location {
	if p.Zone == nil {
		return time.UTC
	}
	return p.Zone
}

// FirstDay is the period's first day, in the workspace's zone.
func (p HomePage) FirstDay() time.Time { return p.Dashboard.Current.From.In(p.zone()) }

// PrevFirstDay is the previous period's first day.
func (p HomePage) PrevFirstDay() time.Time { return p.Dashboard.Previous.From.In(p.zone()) }
