package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
)

// experimentsResponse is GET /v1/journeys/{id}/experiments.
type experimentsResponse struct {
	JourneyID            string               `json:"journeyId"`
	Version              *int                 `json:"version,omitempty"`
	GlobalControlPercent float64              `json:"globalControlPercent"`
	Experiments          []console.Experiment `json:"experiments"`
}

// journeyExperiments answers every experiment of a journey: each split node's
// variants against its control group (or its first variant when it has
// none), the journey's holdout against the customers it messaged, and the
// workspace's global control group against the same. Query: version (all
// versions when absent) and mde, the relative lift worth detecting that
// sizes the sample (0.1 = 10% by default).
func (s *server) journeyExperiments(c *gin.Context) {
	var version *int
	if v := c.Query("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			invalid(c, "version", "must be a version number, 1 or more")
			return
		}
		version = &n
	}
	opts, ok := experimentOptions(c)
	if !ok {
		return
	}
	d, err := s.Store.JourneyExperimentData(c.Request.Context(), workspace(c), c.Param("id"), version)
	if s.answered(c, err, noJourney(c)) {
		return
	}
	out, err := experimentsOf(d, version, opts)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// experimentOptions reads mde, answering a 400 naming it when it is bad.
func experimentOptions(c *gin.Context) (experiment.Options, bool) {
	var opts experiment.Options
	if v := c.Query("mde"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 10 {
			invalid(c, "mde", "must be a relative lift above 0 and at most 10, as in 0.1 for 10%")
			return opts, false
		}
		opts.MDE = f
	}
	return opts, true
}

// experimentsOf computes a journey's experiments from its latest
// definition (which names the splits and their variants' order) and its
// runs' counts.
func experimentsOf(d store.JourneyExperimentData, version *int, opts experiment.Options) (experimentsResponse, error) {
	j := d.Journey
	out := experimentsResponse{JourneyID: j.ID, Version: version, Experiments: []console.Experiment{}}
	var def journey.Definition
	if err := json.Unmarshal(j.Definition, &def); err != nil {
		return out, fmt.Errorf("read definition of %s: %w", j.ID, err)
	}
	out.GlobalControlPercent = d.GlobalControl
	out.Experiments = buildExperiments(def, d.Counts, d.GlobalControl, opts)
	return out, nil
}

func buildExperiments(def journey.Definition, counts store.ExperimentCounts, gc float64, opts experiment.Options) []console.Experiment {
	out := []console.Experiment{}
	for _, n := range def.Nodes {
		if n.Kind != journey.KindSplit || len(n.Variants) == 0 {
			continue
		}
		got := counts.Variants[n.ID]
		arm := func(name string) experiment.Arm {
			return experiment.Arm{Name: name, Entered: got[name].Entered, Converted: got[name].Converted}
		}
		var control experiment.Arm
		var arms []experiment.Arm
		if n.Control != nil {
			control = arm(journey.ControlVariant)
		} else {
			control, n.Variants = arm(n.Variants[0].Name), n.Variants[1:]
		}
		for _, v := range n.Variants {
			arms = append(arms, arm(v.Name))
		}
		out = append(out, console.Experiment{Kind: "split", Node: n.ID, Title: "Split " + n.ID + ": variants against " + control.Name,
			Result: experiment.Analyze(control, arms, opts)})
	}
	messaged := experiment.Arm{Name: "messaged", Entered: counts.Messaged.Entered, Converted: counts.Messaged.Converted}
	if def.Holdout != nil || counts.Holdout.Entered > 0 {
		held := experiment.Arm{Name: "holdout", Entered: counts.Holdout.Entered, Converted: counts.Holdout.Converted}
		out = append(out, console.Experiment{Kind: "holdout", Title: "Journey holdout: messaged customers against the holdout",
			Result: experiment.Analyze(held, []experiment.Arm{messaged}, opts)})
	}
	if gc > 0 || counts.GlobalControl.Entered > 0 {
		ctl := experiment.Arm{Name: "global_control", Entered: counts.GlobalControl.Entered, Converted: counts.GlobalControl.Converted}
		out = append(out, console.Experiment{Kind: "global_control", Title: "Global control group: messaged customers against it",
			Result: experiment.Analyze(ctl, []experiment.Arm{messaged}, opts)})
	}
	return out
}
