package cli

import (
	"fmt"
	"io"
	"net/url"
	"strconv"
	"text/tabwriter"

	"github.com/tabiji/tabiji/console"
)

// JourneysExperimentsCmd is `tabiji journeys experiments ID`.
type JourneysExperimentsCmd struct {
	APIClientFlags
	ID      string  `arg:"" help:"Journey ID."`
	Version int     `name:"version" help:"Count only runs of this version (default: all versions)."`
	MDE     float64 `name:"mde" help:"The relative lift worth detecting, which sizes the sample (default 0.1: 10%)."`
	JSON    bool    `name:"json" help:"Print the API's JSON answer (same as --output json)."`
}

// experimentsAnswer is GET /v1/journeys/{id}/experiments.
type experimentsAnswer struct {
	JourneyID            string               `json:"journeyId"`
	GlobalControlPercent float64              `json:"globalControlPercent"`
	Experiments          []console.Experiment `json:"experiments"`
}

// Run prints each experiment's arms, uplifts, p-values and verdict.
func (c *JourneysExperimentsCmd) Run(rc *runContext) error {
	var ans experimentsAnswer
	q := map[string]string{"version": versionParam(c.Version)}
	if c.MDE != 0 {
		q["mde"] = strconv.FormatFloat(c.MDE, 'f', -1, 64)
	}
	table, err := c.report(rc, "experiments of journey "+c.ID, "/v1/journeys/"+url.PathEscape(c.ID)+"/experiments", q, c.JSON, &ans)
	if !table || err != nil {
		return err
	}
	return printExperiments(rc.stdout, ans)
}

func printExperiments(w io.Writer, ans experimentsAnswer) error {
	fmt.Fprintf(w, "%s — global control group %g%%\n", ans.JourneyID, ans.GlobalControlPercent)
	if len(ans.Experiments) == 0 {
		fmt.Fprintln(w, "No experiments: the journey has no split and no holdout.")
		return nil
	}
	for _, e := range ans.Experiments {
		r := e.Result
		fmt.Fprintf(w, "\n%s\n", e.Title)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ARM\tENTERED\tCONVERTED\tRATE\tUPLIFT (95% CI)\tRELATIVE (95% CI)\tP\tHOLM P\tSIGNIFICANT")
		fmt.Fprintf(tw, "%s (baseline)\t%d\t%d\t%s\t\t\t\t\t\n", r.Control.Name, r.Control.Entered, r.Control.Converted, pct(r.Rate))
		for _, a := range r.Arms {
			rel := "–"
			if a.RelativeUplift != nil && a.RelativeUpliftInterval != nil {
				rel = fmt.Sprintf("%s (%s to %s)", pct(*a.RelativeUplift), pct(a.RelativeUpliftInterval.Low), pct(a.RelativeUpliftInterval.High))
			}
			uplift := pct(a.Uplift)
			if iv := a.UpliftInterval; iv != nil {
				uplift += fmt.Sprintf(" (%s to %s)", pct(iv.Low), pct(iv.High))
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%.4f\t%.4f\t%v\n", a.Name, a.Entered, a.Converted, pct(a.Rate),
				uplift, rel, a.PValue, a.AdjustedPValue, a.Significant)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		winner, sample := "none", "–"
		if r.Winner != "" {
			winner = r.Winner
		}
		if r.SampleNeeded != nil {
			sample = strconv.FormatInt(*r.SampleNeeded, 10)
		}
		fmt.Fprintf(w, "sample needed per arm %s; winner: %s — %s\n", sample, winner, r.Verdict)
	}
	return nil
}
