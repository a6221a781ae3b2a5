package cli

import (
	"fmt"
	"io"
	"net/url"
	"strconv"
	"text/tabwriter"

	"github.com/tabiji/tabiji/store"
)

// JourneysStatsCmd is `tabiji journeys stats ID`.
type JourneysStatsCmd struct {
	APIClientFlags
	ID      string `arg:"" help:"Journey ID."`
	Version int    `name:"version" help:"Count only runs of this version (default: all versions)."`
	From    string `name:"from" help:"Count from this date (2026-11-01, midnight in the workspace's zone) or RFC 3339 time."`
	To      string `name:"to" help:"Count up to this date or time, excluded."`
	TZ      string `name:"tz" help:"Cut days in this IANA zone (default: the workspace's)."`
	JSON    bool   `name:"json" help:"Print the API's JSON answer (same as --output json)."`
}

// Run prints the journey's totals, nodes, variants, channels, exits and days.
func (c *JourneysStatsCmd) Run(rc *runContext) error {
	var st store.JourneyStats
	q := map[string]string{"version": versionParam(c.Version), "from": c.From, "to": c.To, "tz": c.TZ}
	table, err := c.report(rc, "stats of journey "+c.ID, "/v1/journeys/"+url.PathEscape(c.ID)+"/stats", q, c.JSON, &st)
	if !table || err != nil {
		return err
	}
	return printJourneyStats(rc.stdout, st)
}

// versionParam is a --version flag as a query value, "" (all versions) for 0.
func versionParam(v int) string {
	if v <= 0 {
		return ""
	}
	return strconv.Itoa(v)
}

func printJourneyStats(w io.Writer, st store.JourneyStats) error {
	t := st.Totals
	fmt.Fprintf(w, "%s — days in %s\n", st.JourneyID, st.Timezone)
	fmt.Fprintf(w, "entered %d (holdout %d), in progress %d, exited %d\n", t.Entered, t.Holdout, t.InProgress, t.Exited)
	fmt.Fprintf(w, "sent %d, delivered %d, opened %d (%s), clicked %d (CTR %s), bounced %d, unsubscribed %d\n",
		t.Sent, t.Delivered, t.Opened, pct(t.OpenRate), t.Clicked, pct(t.CTR), t.Bounced, t.Unsubscribed)
	fmt.Fprintf(w, "converted %d (CVR %s), conversions %d, revenue %.2f\n\n", t.Converted, pct(t.CVR), t.Conversions, t.Revenue)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tKIND\tENTERED\tSENT\tOPENED\tCLICKED\tTHEN")
	for _, n := range st.Nodes {
		then := ""
		for i, e := range n.Edges {
			if i > 0 {
				then += ", "
			}
			then += fmt.Sprintf("%s %d", e.To, e.Count)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\n", n.ID, n.Kind, n.Entered, n.Sent, n.Opened, n.Clicked, then)
	}
	if len(st.Variants) > 0 {
		fmt.Fprintln(tw, "\nSPLIT\tVARIANT\tENTERED\tCONVERTED\tCVR\tCONVERSIONS\tREVENUE")
		for _, v := range st.Variants {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%d\t%.2f\n", v.Node, v.Variant, v.Entered, v.Converted, pct(v.CVR), v.Conversions, v.Revenue)
		}
	}
	if len(st.Channels) > 0 {
		fmt.Fprintln(tw, "\nCHANNEL\tSENT\tDELIVERED\tOPEN RATE\tCTR\tCONVERTED\tCVR")
		for _, ch := range st.Channels {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%d\t%s\n", ch.Channel, ch.Sent, ch.Delivered, pct(ch.OpenRate), pct(ch.CTR), ch.Converted, pct(ch.CVR))
		}
	}
	if len(st.Exited) > 0 {
		fmt.Fprintln(tw, "\nEXITED AT\tRUNS")
		for _, e := range st.Exited {
			fmt.Fprintf(tw, "%s\t%d\n", e.Reason, e.Count)
		}
	}
	if len(st.EntryErrors) > 0 {
		fmt.Fprintln(tw, "\nENTRY FILTER FAILED\tEVENTS")
		for _, e := range st.EntryErrors {
			fmt.Fprintf(tw, "%s\t%d\n", e.Reason, e.Count)
		}
	}
	if len(st.Daily) > 0 {
		fmt.Fprintln(tw, "\nDAY\tENTERED\tSENT\tOPENED\tCLICKED\tCONVERTED\tREVENUE")
		for _, d := range st.Daily {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.2f\n", d.Day, d.Entered, d.Sent, d.Opened, d.Clicked, d.Converted, d.Revenue)
		}
	}
	return tw.Flush()
}

func pct(r float64) string { return fmt.Sprintf("%.1f%%", 100*r) }
