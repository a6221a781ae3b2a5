package cli

import (
	"fmt"
	"io"
	"maps"
	"text/tabwriter"

	"github.com/tabiji/tabiji/store"
)

// KPIsCmd is `tabiji kpis`: the business KPIs of the workspace.
type KPIsCmd struct {
	Channels       KPIChannelsCmd       `cmd:"" help:"Compare channels (email, LINE, push): sent, open rate, CTR, conversions."`
	RepeatPurchase KPIRepeatPurchaseCmd `cmd:"" help:"Share of buyers who bought at least twice in the range."`
	LTV            KPILTVCmd            `cmd:"" name:"ltv" help:"Revenue per customer, by the month of their first purchase."`
	JourneyRevenue KPIJourneyRevenueCmd `cmd:"" help:"Revenue attributed to each journey (goal events within their windows)."`
}

// kpiFlags are the range and zone every KPI command takes.
type kpiFlags struct {
	APIClientFlags
	From string `name:"from" help:"From this date (2026-11-01, midnight in the zone) or RFC 3339 time."`
	To   string `name:"to" help:"Up to this date or time, excluded."`
	TZ   string `name:"tz" help:"IANA zone of dates and months (default: the workspace's)."`
	JSON bool   `name:"json" help:"Print the API's JSON answer (same as --output json)."`
}

// fetch calls GET /v1/kpis/name and prints the JSON, or decodes it into out
// and returns true for the caller to print a table.
func (f kpiFlags) fetch(rc *runContext, name string, extra map[string]string, out any) (bool, error) {
	q := map[string]string{"from": f.From, "to": f.To, "tz": f.TZ}
	maps.Copy(q, extra)
	return f.report(rc, "kpis "+name, "/v1/kpis/"+name, q, f.JSON, out)
}

// KPIChannelsCmd is `tabiji kpis channels`.
type KPIChannelsCmd struct{ kpiFlags }

// Run prints one line per channel.
func (c *KPIChannelsCmd) Run(rc *runContext) error {
	var out struct{ Channels []store.ChannelStats }
	if table, err := c.fetch(rc, "channels", nil, &out); !table || err != nil {
		return err
	}
	tw := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANNEL\tSENT\tDELIVERED\tOPENED\tOPEN RATE\tCLICKED\tCTR\tCONVERTED\tCVR")
	for _, ch := range out.Channels {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%d\t%s\t%d\t%s\n", ch.Channel, ch.Sent, ch.Delivered, ch.Opened, pct(ch.OpenRate),
			ch.Clicked, pct(ch.CTR), ch.Converted, pct(ch.CVR))
	}
	return tw.Flush()
}

// KPIRepeatPurchaseCmd is `tabiji kpis repeat-purchase`.
type KPIRepeatPurchaseCmd struct {
	kpiFlags
	Event string `name:"event" default:"purchase" help:"The purchase event's name."`
}

// Run prints buyers, repeat buyers and the rate.
func (c *KPIRepeatPurchaseCmd) Run(rc *runContext) error {
	var out struct{ RepeatPurchase store.RepeatPurchase }
	if table, err := c.fetch(rc, "repeat-purchase", map[string]string{"event": c.Event}, &out); !table || err != nil {
		return err
	}
	r := out.RepeatPurchase
	fmt.Fprintf(rc.stdout, "%d buyers (%s), %d bought twice or more: repeat-purchase rate %s, %d orders\n",
		r.Buyers, r.Event, r.Repeaters, pct(r.Rate), r.Orders)
	return nil
}

// KPILTVCmd is `tabiji kpis ltv`.
type KPILTVCmd struct {
	kpiFlags
	Event string `name:"event" default:"purchase" help:"The purchase event's name."`
}

// Run prints one line per first-purchase month.
func (c *KPILTVCmd) Run(rc *runContext) error {
	var out struct {
		Cohorts  []store.Cohort
		Timezone string
	}
	if table, err := c.fetch(rc, "ltv", map[string]string{"event": c.Event}, &out); !table || err != nil {
		return err
	}
	return printCohorts(rc.stdout, out.Cohorts, out.Timezone)
}

func printCohorts(w io.Writer, cohorts []store.Cohort, tz string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "FIRST PURCHASE (%s)\tCUSTOMERS\tORDERS\tREVENUE\tLTV\n", tz)
	for _, co := range cohorts {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.2f\n", co.Month, co.Customers, co.Orders, co.Revenue, co.LTV)
	}
	return tw.Flush()
}

// KPIJourneyRevenueCmd is `tabiji kpis journey-revenue`.
type KPIJourneyRevenueCmd struct{ kpiFlags }

// Run prints one line per journey, most revenue first.
func (c *KPIJourneyRevenueCmd) Run(rc *runContext) error {
	var out struct{ Journeys []store.JourneyRevenue }
	if table, err := c.fetch(rc, "journey-revenue", nil, &out); !table || err != nil {
		return err
	}
	tw := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOURNEY\tNAME\tENTERED\tCONVERTED\tCVR\tCONVERSIONS\tREVENUE")
	for _, j := range out.Journeys {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%d\t%.2f\n", j.JourneyID, j.Name, j.Entered, j.Converted, pct(j.CVR), j.Conversions, j.Revenue)
	}
	return tw.Flush()
}
