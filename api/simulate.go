package api

import (
	"cmp"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/routing"
	"github.com/tabiji/tabiji/taxonomy"
	"github.com/tabiji/tabiji/workflows"
)

type simulateRequest struct {
	Version int             `json:"version"` // the latest when 0, drafts included
	UserID  string          `json:"userId"`
	Profile journey.Profile `json:"profile"`
	Entry   struct {
		Properties map[string]any `json:"properties"`
	} `json:"entry"`
	Events  []simulatedEvent `json:"events"`
	Start   time.Time        `json:"start"`   // entry time; now when empty
	Horizon journey.Duration `json:"horizon"` // simulated time at most; 400 days when empty
}

type simulatedEvent struct {
	After      journey.Duration `json:"after"`
	Event      string           `json:"event"`
	Properties map[string]any   `json:"properties"`
}

type simulateResponse struct {
	JourneyID string `json:"journeyId"`
	Version   int    `json:"version"`
	Entered   bool   `json:"entered"`
	Reason    string `json:"reason,omitempty"`
	*workflows.SimulationResult
}

// simulateJourney previews a journey for one customer: the path with times
// and the messages that would be sent, running the same workflow code in
// simulated time against stand-in activities. Nothing is stored or sent.
func (s *server) simulateJourney(c *gin.Context) {
	var req simulateRequest
	if !decodeJSON(c, 256<<10, &req, true) {
		return
	}
	at, err := s.Store.JourneyToPreview(c.Request.Context(), workspace(c), c.Param("id"), req.Version)
	if s.answered(c, err, noJourney(c)) {
		return
	}
	j, version, d := at.Journey, at.Version, at.Definition
	if s.answered(c, checkEntryProperties(at.EntryEvent, req.Entry.Properties)) {
		return
	}
	sim, ok := simulation(c, req, d)
	if !ok {
		return
	}
	sim.Input.WorkspaceID, sim.Input.JourneyID, sim.Input.Version = workspace(c), j.ID, version
	resp := simulateResponse{JourneyID: j.ID, Version: version}
	if entered, reason := entryPasses(d, sim); !entered {
		resp.Reason = reason
		c.JSON(http.StatusOK, resp)
		return
	}
	res, err := workflows.Simulate(sim)
	if err != nil {
		s.fail(c, err)
		return
	}
	resp.Entered, resp.SimulationResult = true, &res
	c.JSON(http.StatusOK, resp)
}

// simulation turns the request into a Simulation, answering 400 for bad
// events.
func simulation(c *gin.Context, req simulateRequest, d journey.Definition) (workflows.Simulation, bool) {
	start := req.Start
	if start.IsZero() {
		start = time.Now().UTC().Truncate(time.Second)
	}
	customer := cmp.Or(req.UserID, req.Profile.ID, "preview")
	req.Profile.ID = customer
	props := req.Entry.Properties
	if props == nil {
		props = d.Entry.TriggerProperties()
	}
	entry := journey.Event{MessageID: "sim_entry", Name: cmp.Or(d.Entry.Event, journey.APIEntryEvent), Properties: props, Timestamp: start}
	sim := workflows.Simulation{
		Input: workflows.JourneyInput{
			CustomerID: customer, Definition: d, Entry: entry,
			CorrelationKey: routing.CorrelationValue(d.Entry.CorrelationKey, entry),
		},
		Profile: req.Profile, Start: start, Horizon: time.Duration(req.Horizon),
	}
	for i, e := range req.Events {
		if e.Event == "" {
			invalid(c, fmt.Sprintf("events[%d].event", i), "is required")
			return sim, false
		}
		if e.After < 0 {
			invalid(c, fmt.Sprintf("events[%d].after", i), "must not be negative")
			return sim, false
		}
		at := start.Add(time.Duration(e.After))
		sim.Events = append(sim.Events, workflows.TimedEvent{After: e.After, Event: journey.Event{
			MessageID: fmt.Sprintf("sim_%d", i), Name: e.Event, Properties: e.Properties, Timestamp: at,
		}})
	}
	return sim, true
}

// entryPasses checks the entry filter against the simulated customer.
func entryPasses(d journey.Definition, sim workflows.Simulation) (bool, string) {
	if d.Entry.Filter == "" {
		return true, ""
	}
	f, err := journey.Compile(d.Entry.Filter)
	if err != nil {
		return false, "the entry filter does not compile: " + err.Error()
	}
	ok, err := f.Eval(journey.Scope{Profile: sim.Profile, Event: sim.Input.Entry, Entry: sim.Input.Entry, Variables: d.Variables, Now: sim.Start})
	if err != nil {
		return false, "the entry filter failed: " + err.Error()
	}
	if !ok {
		return false, "the entry filter is false for this customer and entry event"
	}
	return true, ""
}

// checkEntryProperties holds the preview's entry properties to the
// taxonomy's definition of the entry event: a property of the wrong type,
// format or value is a field error at entry.properties.<name>. A property
// left out is not (a preview may leave out what the filter does not read).
func checkEntryProperties(def taxonomy.EventDef, props map[string]any) error {
	if def.Name == "" || len(props) == 0 {
		return nil
	}
	sheet := taxonomy.Taxonomy{Events: []taxonomy.EventDef{def}}
	var errs jsonfields.Errors
	for _, v := range sheet.CheckEvent(def.Name, props).Violations {
		if v.Rule != taxonomy.RuleRequired && strings.HasPrefix(v.Field, "properties.") {
			errs.Add("entry."+v.Field, v.Message)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}
