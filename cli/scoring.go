package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"text/tabwriter"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/scoring"
)

// ScoringCmd is `tabiji scoring`: the workspace's lead-scoring rules and
// customers' scores, through the API.
type ScoringCmd struct {
	Show  ScoringShowCmd  `cmd:"" help:"Show the workspace's lead-scoring rules."`
	Apply ScoringApplyCmd `cmd:"" help:"Replace the workspace's lead-scoring rules with a YAML or JSON file (the body of PUT /v1/scoring)."`
	Score ScoringScoreCmd `cmd:"" help:"Show a customer's lead score now (decayed) and its latest awards."`
}

// ScoringShowCmd is `tabiji scoring show`.
type ScoringShowCmd struct {
	APIClientFlags
}

// Run prints the rules.
func (c *ScoringShowCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/scoring", nil)
	if err != nil {
		return fmt.Errorf("show scoring rules: %w", err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var r scoring.Rules
	if err := decodeAnswer(raw, &r); err != nil {
		return err
	}
	writeRules(rc, r)
	return nil
}

func writeRules(rc *runContext, r scoring.Rules) {
	decay := "none"
	if r.HalfLife != "" {
		decay = "half-life " + r.HalfLife
	}
	fmt.Fprintf(rc.stdout, "Decay: %s\n\n", decay)
	tw := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tPOINTS\tWHEN")
	for _, e := range r.Events {
		when := "event " + e.Event
		if e.Filter != "" {
			when += " where " + e.Filter
		}
		fmt.Fprintf(tw, "%s\t%g\t%s\n", e.ID, e.Points, when)
	}
	for _, t := range r.Traits {
		fmt.Fprintf(tw, "%s\t%g\tonce, when %s\n", t.ID, t.Points, t.Condition)
	}
	_ = tw.Flush()
}

// ScoringApplyCmd is `tabiji scoring apply -f rules.yaml`.
type ScoringApplyCmd struct {
	APIClientFlags
	File string `name:"file" short:"f" required:"" type:"existingfile" help:"The rules in YAML or JSON: half_life, events [{id, event, filter, points}], traits [{id, condition, points}]."`
}

// Run sends the rules; the API names each field at fault.
func (c *ScoringApplyCmd) Run(rc *runContext) error {
	data, err := os.ReadFile(c.File)
	if err != nil {
		return fmt.Errorf("read the rules: %w", err)
	}
	body, err := journey.ToJSON(data)
	if err != nil {
		return fmt.Errorf("%s: %w", c.File, err)
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodPut, "/v1/scoring", json.RawMessage(body))
	if err != nil {
		return fmt.Errorf("apply %s: %w", c.File, err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var r scoring.Rules
	if err := decodeAnswer(raw, &r); err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "Applied %d event rules and %d trait rules.\n", len(r.Events), len(r.Traits))
	return nil
}

// ScoringScoreCmd is `tabiji scoring score CUSTOMER`.
type ScoringScoreCmd struct {
	APIClientFlags
	Customer string `arg:"" help:"The customer's id (or a merged anonymous id)."`
}

// Run prints the score and its history.
func (c *ScoringScoreCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/profiles/"+url.PathEscape(c.Customer)+"/score", nil)
	if err != nil {
		return fmt.Errorf("score of %s: %w", c.Customer, err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var s struct {
		ID       string  `json:"id"`
		Score    float64 `json:"score"`
		Stored   float64 `json:"stored"`
		AsOf     string  `json:"as_of"`
		HalfLife string  `json:"half_life"`
		History  []struct {
			Source string  `json:"source"`
			Rule   string  `json:"rule"`
			Points float64 `json:"points"`
			After  float64 `json:"score_after"`
			At     string  `json:"at"`
		} `json:"history"`
	}
	if err := decodeAnswer(raw, &s); err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "%s: %.2f now (%.2f as of %s, half-life %s)\n\n", s.ID, s.Score, s.Stored, s.AsOf, cmpOrNone(s.HalfLife))
	tw := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tRULE\tPOINTS\tSCORE AFTER\tSOURCE")
	for _, h := range s.History {
		fmt.Fprintf(tw, "%s\t%s\t%g\t%.2f\t%s\n", h.At, h.Rule, h.Points, h.After, h.Source)
	}
	return tw.Flush()
}

func cmpOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
