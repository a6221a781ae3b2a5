package cli

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/workflows"
)

// JourneysCmd is `tabiji journeys`: journeys of a running API, managed from
// files.
type JourneysCmd struct {
	Apply       JourneysApplyCmd       `cmd:"" help:"Create a journey from a YAML or JSON file, or save the file as its new version."`
	List        JourneysListCmd        `cmd:"" help:"List the workspace's journeys."`
	Show        JourneysShowCmd        `cmd:"" help:"Show a journey: status, versions and nodes."`
	Pause       JourneysPauseCmd       `cmd:"" help:"Pause a journey: nobody enters, runs hold before their next send."`
	Resume      JourneysResumeCmd      `cmd:"" help:"Resume a paused journey."`
	Archive     JourneysArchiveCmd     `cmd:"" help:"Archive a journey: nobody enters, its runs exit cleanly."`
	Simulate    JourneysSimulateCmd    `cmd:"" help:"Show the path a customer would take, and the messages, without sending or storing anything."`
	Stats       JourneysStatsCmd       `cmd:"" help:"Show a journey's statistics: entered, sent, opened, clicked, converted, revenue, per node, variant, channel and day."`
	Experiments JourneysExperimentsCmd `cmd:"" help:"Show a journey's experiments: each split, the holdout and the global control group, with uplifts, 95% intervals, p-values and the winner."`
}

// journeySummary is what the CLI shows of a journey.
type journeySummary struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Status        string          `json:"status"`
	Version       int             `json:"version"`
	ActiveVersion int             `json:"activeVersion"`
	Definition    json.RawMessage `json:"definition"`
	UpdatedAt     time.Time       `json:"updatedAt"`
}

// journeyFile is a journey as a file holds it: its ID, name and definition.
type journeyFile struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Definition json.RawMessage `json:"definition"`
}

// JourneysApplyCmd is `tabiji journeys apply -f journey.yaml`.
type JourneysApplyCmd struct {
	APIClientFlags
	File     string `name:"file" short:"f" required:"" type:"existingfile" help:"The journey: {id, name, definition} in YAML or JSON."`
	Activate bool   `name:"activate" help:"Also activate the version applied, so new entrants get it."`
}

// Run creates the journey, or saves a new version when it exists.
func (c *JourneysApplyCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	f, err := readJourneyFile(c.File)
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodPost, "/v1/journeys", f)
	verb := "Created"
	if isStatus(err, http.StatusConflict) {
		verb = "Updated"
		raw, err = api.call(rc.ctx, http.MethodPut, "/v1/journeys/"+url.PathEscape(f.ID),
			map[string]any{"name": f.Name, "definition": f.Definition})
	}
	if err != nil {
		return fmt.Errorf("apply %s: %w", c.File, err)
	}
	if c.Activate {
		if raw, err = api.call(rc.ctx, http.MethodPost, "/v1/journeys/"+url.PathEscape(f.ID)+"/activate", nil); err != nil {
			return fmt.Errorf("activate %s: %w", f.ID, err)
		}
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var j journeySummary
	if err := decodeAnswer(raw, &j); err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "%s journey %s: version %d, %s.\n", verb, j.ID, j.Version, j.Status)
	return nil
}

// readJourneyFile reads {id, name, definition} from YAML or JSON. Apply
// needs the ID: it is how a second apply finds the journey to update.
func readJourneyFile(path string) (journeyFile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return journeyFile{}, fmt.Errorf("read journey file: %w", err)
	}
	j, err := journey.ToJSON(raw)
	if err != nil {
		return journeyFile{}, fmt.Errorf("%s: %w", path, err)
	}
	var f journeyFile
	if err := json.Unmarshal(j, &f); err != nil {
		return journeyFile{}, fmt.Errorf("%s: a journey file is an object {id, name, definition}: %w", path, err)
	}
	switch {
	case f.ID == "":
		return f, fmt.Errorf("%s: id is required: the journey's stable ID, which apply uses to find it again", path)
	case len(f.Definition) == 0:
		return f, fmt.Errorf("%s: definition is required: the journey's entry and nodes", path)
	}
	if f.Name == "" {
		f.Name = f.ID
	}
	return f, nil
}

// JourneysListCmd is `tabiji journeys list`.
type JourneysListCmd struct {
	APIClientFlags
}

// Run lists the journeys.
func (c *JourneysListCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/journeys", nil)
	if err != nil {
		return fmt.Errorf("list journeys: %w", err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var out struct{ Journeys []journeySummary }
	if err := decodeAnswer(raw, &out); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tVERSION\tACTIVE VERSION\tUPDATED")
	for _, j := range out.Journeys {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", j.ID, j.Name, j.Status, j.Version, orDash(j.ActiveVersion), j.UpdatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

func orDash(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

// JourneysShowCmd is `tabiji journeys show ID`.
type JourneysShowCmd struct {
	APIClientFlags
	ID string `arg:"" help:"Journey ID."`
}

// Run prints the journey and its nodes.
func (c *JourneysShowCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/journeys/"+url.PathEscape(c.ID), nil)
	if err != nil {
		return fmt.Errorf("show journey %s: %w", c.ID, err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var j journeySummary
	if err := decodeAnswer(raw, &j); err != nil {
		return err
	}
	var d journey.Definition
	if err := json.Unmarshal(j.Definition, &d); err != nil {
		return fmt.Errorf("decode the definition of %s: %w", c.ID, err)
	}
	entry := cmp.Or(d.Entry.TriggerSummary(), d.Entry.Event)
	if d.Entry.API {
		entry = "API call"
	}
	fmt.Fprintf(rc.stdout, "%s (%s)\nstatus %s, version %d, active version %s, updated %s\nentry: %s\n\n",
		j.ID, j.Name, j.Status, j.Version, orDash(j.ActiveVersion), j.UpdatedAt.Format(time.RFC3339), entry)
	tw := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tKIND\tLEADS TO")
	for _, n := range d.Nodes {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", n.ID, n.Kind, leadsTo(n))
	}
	return tw.Flush()
}

// leadsTo describes a node's outgoing edges.
func leadsTo(n journey.Node) string {
	var out []string
	add := func(label, next string) {
		if next != "" {
			out = append(out, label+next)
		}
	}
	add("", n.Next)
	for _, b := range n.Events {
		add(b.Event+" → ", b.Next)
	}
	add("timeout → ", n.OnTimeout)
	for _, c := range n.Cases {
		add(c.Condition+" → ", c.Next)
	}
	add("default → ", n.Default)
	for _, v := range n.Variants {
		add(v.Name+" → ", v.Next)
	}
	if n.Control != nil {
		add("control → ", n.Control.Next)
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, ", ")
}

// JourneyRef names the journey a command acts on.
type JourneyRef struct {
	APIClientFlags
	ID string `arg:"" help:"Journey ID."`
}

// JourneysPauseCmd is `tabiji journeys pause ID`.
type JourneysPauseCmd struct{ JourneyRef }

// Run pauses the journey.
func (c *JourneysPauseCmd) Run(rc *runContext) error { return c.post(rc, "pause") }

// JourneysResumeCmd is `tabiji journeys resume ID`.
type JourneysResumeCmd struct{ JourneyRef }

// Run resumes the journey.
func (c *JourneysResumeCmd) Run(rc *runContext) error { return c.post(rc, "resume") }

// JourneysArchiveCmd is `tabiji journeys archive ID`.
type JourneysArchiveCmd struct{ JourneyRef }

// Run archives the journey.
func (c *JourneysArchiveCmd) Run(rc *runContext) error { return c.post(rc, "archive") }

// post calls POST /v1/journeys/{id}/{action} and says the journey's status.
func (c *JourneyRef) post(rc *runContext, action string) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodPost, "/v1/journeys/"+url.PathEscape(c.ID)+"/"+action, nil)
	if err != nil {
		return fmt.Errorf("%s journey %s: %w", action, c.ID, err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var j journeySummary
	if err := decodeAnswer(raw, &j); err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "Journey %s is %s.\n", j.ID, j.Status)
	return nil
}

// JourneysSimulateCmd is `tabiji journeys simulate ID -f events.yaml`.
type JourneysSimulateCmd struct {
	JourneyRef
	File string `name:"file" short:"f" required:"" type:"existingfile" help:"The customer's profile and timed events, in YAML or JSON (the body of POST /v1/journeys/{id}/simulate)."`
}

// Run asks the API for the path the customer would take.
func (c *JourneysSimulateCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(c.File)
	if err != nil {
		return fmt.Errorf("read simulation file: %w", err)
	}
	body, err := journey.ToJSON(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", c.File, err)
	}
	out, err := api.call(rc.ctx, http.MethodPost, "/v1/journeys/"+url.PathEscape(c.ID)+"/simulate", json.RawMessage(body))
	if err != nil {
		return fmt.Errorf("simulate journey %s: %w", c.ID, err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, out)
	}
	return writeSimulation(rc.stdout, out)
}

// simulationAnswer is the answer of POST /v1/journeys/{id}/simulate.
type simulationAnswer struct {
	JourneyID string `json:"journeyId"`
	Version   int    `json:"version"`
	Entered   bool   `json:"entered"`
	Reason    string `json:"reason"`
	workflows.SimulationResult
}

// writeSimulation prints the path with times from entry, then what would
// be sent and posted.
func writeSimulation(w io.Writer, raw json.RawMessage) error {
	var a simulationAnswer
	if err := decodeAnswer(raw, &a); err != nil {
		return err
	}
	if !a.Entered {
		_, err := fmt.Fprintf(w, "%s v%d: the customer would not enter: %s\n", a.JourneyID, a.Version, a.Reason)
		return err
	}
	fmt.Fprintf(w, "%s v%d: outcome %s\n", a.JourneyID, a.Version, a.Outcome)
	if a.Error != "" {
		fmt.Fprintf(w, "the run failed: %s\n", a.Error)
	}
	var start time.Time
	if len(a.Steps) > 0 {
		start = a.Steps[0].EnteredAt
	}
	since := func(t time.Time) string { return "+" + t.Sub(start).String() }
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nAT\tNODE\tKIND\tOUTCOME")
	for _, st := range a.Steps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", since(st.EnteredAt), st.Node, st.Kind, st.Outcome)
	}
	if len(a.Messages) > 0 {
		fmt.Fprintln(tw, "\nAT\tNODE\tCHANNEL\tSUBJECT")
		for _, m := range a.Messages {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", since(m.At), m.Node, m.Channel, m.Subject)
		}
	}
	for _, h := range a.Webhooks {
		fmt.Fprintf(tw, "%s\twebhook\tPOST\t%s\n", since(h.At), h.URL)
	}
	if a.Goal != nil {
		fmt.Fprintf(tw, "%s\tgoal\t%s\t\n", since(a.Goal.At), a.Goal.Event)
	}
	return tw.Flush()
}
