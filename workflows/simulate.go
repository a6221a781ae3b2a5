package workflows

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/msgtemplates"
)

// Simulation is a preview of one customer's run: the same Journey workflow
// code, run in-process by the Temporal SDK's test environment with time
// skipping, against stand-in activities that store and send nothing.
type Simulation struct {
	Input   JourneyInput
	Profile journey.Profile
	Events  []TimedEvent
	Start   time.Time     // the entry time; now when zero
	Horizon time.Duration // how much time to simulate at most; 400 days when zero
}

// TimedEvent is an event the simulated customer does, After entry.
type TimedEvent struct {
	After journey.Duration `json:"after"`
	Event journey.Event    `json:"event"`
}

// SimulationResult is what the customer would go through.
type SimulationResult struct {
	Outcome  string             `json:"outcome"`        // the exit, a rule's outcome, or "running" at the horizon
	Steps    []Step             `json:"steps"`          // the path, with times
	Messages []SimulatedMessage `json:"messages"`       // what would be sent
	Webhooks []SimulatedWebhook `json:"webhooks"`       // what would be posted
	Changes  []SimulatedChange  `json:"profileChanges"` // what would change on the profile
	Variants map[string]string  `json:"variants,omitempty"`
	Goal     *Conversion        `json:"goal,omitempty"`
	Error    string             `json:"error,omitempty"` // the run failed
}

// SimulatedMessage is one message the run would send.
type SimulatedMessage struct {
	At      time.Time `json:"at"`
	Node    string    `json:"node"`
	Channel string    `json:"channel"`
	Subject string    `json:"subject,omitempty"`
	Body    string    `json:"body"`
}

// SimulatedWebhook is one POST the run would make.
type SimulatedWebhook struct {
	At   time.Time `json:"at"`
	URL  string    `json:"url"`
	Body any       `json:"body"`
}

// SimulatedChange is one update_profile the run would make.
type SimulatedChange struct {
	At     time.Time             `json:"at"`
	Change journey.ProfileUpdate `json:"change"`
}

// Simulate runs the journey for one customer in simulated time.
func Simulate(sim Simulation) (SimulationResult, error) {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := suite.NewTestWorkflowEnvironment()
	env.SetTestTimeout(30 * time.Second)
	if sim.Start.IsZero() {
		sim.Start = time.Now().UTC().Truncate(time.Second)
	}
	if sim.Horizon <= 0 {
		sim.Horizon = 400 * 24 * time.Hour
	}
	env.SetStartTime(sim.Start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: RunWorkflowID(sim.Input.WorkspaceID, sim.Input.JourneyID, sim.Input.CustomerID, sim.Input.CorrelationKey)})
	sa := newStandIns(env, sim.Profile)
	env.RegisterWorkflow(Journey)
	for name, fn := range map[string]any{"LoadProfile": sa.LoadProfile, "ChangeProfile": sa.ChangeProfile, "Send": sa.Send, "Webhook": sa.Webhook, "RecordRun": sa.RecordRun} {
		env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
	for _, e := range sim.Events {
		ev := e.Event
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(EventSignal, ev) }, time.Duration(e.After))
	}
	env.RegisterDelayedCallback(env.CancelWorkflow, sim.Horizon)
	in := sim.Input
	in.HistoryLimit = 1 << 30 // the test environment counts no history
	env.ExecuteWorkflow(Journey, in)
	return sa.result(env)
}

func (sa *standIns) result(env *testsuite.TestWorkflowEnvironment) (SimulationResult, error) {
	res := SimulationResult{Messages: sa.messages, Webhooks: sa.webhooks, Changes: sa.changes}
	v, err := env.QueryWorkflow(StateQuery)
	if err != nil {
		return res, fmt.Errorf("query simulated state: %w", err)
	}
	var st State
	if err := v.Get(&st); err != nil {
		return res, fmt.Errorf("read simulated state: %w", err)
	}
	res.Steps, res.Variants, res.Goal, res.Outcome = st.Steps, st.Variants, st.Goal, st.Outcome
	if st.Outcome == OutcomeCancelled {
		res.Outcome = "running"
	}
	if err := env.GetWorkflowError(); err != nil && st.Outcome != OutcomeCancelled {
		res.Error = err.Error()
	}
	return res, nil
}

// standIns answer the journey's activities in a simulation: the profile
// given, changes applied in memory, messages rendered but not sent.
type standIns struct {
	env      *testsuite.TestWorkflowEnvironment
	mu       sync.Mutex
	profile  journey.Profile
	messages []SimulatedMessage
	webhooks []SimulatedWebhook
	changes  []SimulatedChange
}

func newStandIns(env *testsuite.TestWorkflowEnvironment, p journey.Profile) *standIns {
	return &standIns{env: env, profile: p,
		messages: []SimulatedMessage{}, webhooks: []SimulatedWebhook{}, changes: []SimulatedChange{}}
}

func (sa *standIns) LoadProfile(context.Context, activities.ProfileInput) (activities.ProfileResult, error) {
	sa.mu.Lock()
	defer sa.mu.Unlock()
	return activities.ProfileResult{Profile: sa.profile, Found: true}, nil
}

// RecordRun keeps no statistics: a simulated run is not a run. Without
// it the SDK would call the nil *activities.Activities that names the
// local activity (see acts), which panics and is retried.
func (sa *standIns) RecordRun(context.Context, activities.RecordRunInput) (activities.RecordRunResult, error) {
	return activities.RecordRunResult{}, nil
}

func (sa *standIns) ChangeProfile(_ context.Context, in activities.ChangeProfileInput) (activities.ProfileResult, error) {
	sa.mu.Lock()
	defer sa.mu.Unlock()
	sa.profile = applyChange(sa.profile, in.Change)
	sa.changes = append(sa.changes, SimulatedChange{At: sa.env.Now(), Change: in.Change})
	return activities.ProfileResult{Profile: sa.profile, Found: true}, nil
}

func (sa *standIns) Send(ctx context.Context, in activities.SendInput) (activities.SendResult, error) {
	if in.Template.Name != "" {
		return activities.SendResult{}, fmt.Errorf("template %q of %s: a simulation renders inline content only", in.Template.Name, in.NodeID)
	}
	if in.Profile == nil { // the run left reading it to Send, as the real one does
		sa.mu.Lock()
		p := sa.profile
		sa.mu.Unlock()
		in.Profile = &p
	}
	subject, body, err := msgtemplates.RenderMessage(ctx, in.NodeID, in.Channel, in.Template, in.TemplateData(""))
	if err != nil {
		return activities.SendResult{}, err
	}
	sa.mu.Lock()
	defer sa.mu.Unlock()
	sa.messages = append(sa.messages, SimulatedMessage{At: sa.env.Now(), Node: in.NodeID, Channel: in.Channel, Subject: subject, Body: body})
	return activities.SendResult{MessageID: in.MessageID, Status: "simulated"}, nil
}

func (sa *standIns) Webhook(ctx context.Context, in activities.WebhookInput) (activities.WebhookResult, error) {
	body, err := msgtemplates.RenderJSON(ctx, in.Body, in.Bindings)
	if err != nil {
		return activities.WebhookResult{}, err
	}
	sa.mu.Lock()
	defer sa.mu.Unlock()
	sa.webhooks = append(sa.webhooks, SimulatedWebhook{At: sa.env.Now(), URL: in.URL, Body: body})
	return activities.WebhookResult{Status: 200}, nil
}

// applyChange does to a profile in memory what store.ChangeProfile does in
// Postgres, for the preview.
func applyChange(p journey.Profile, c journey.ProfileUpdate) journey.Profile {
	traits := maps.Clone(p.Traits)
	if traits == nil {
		traits = map[string]any{}
	}
	maps.Copy(traits, c.Set)
	for _, k := range c.Unset {
		delete(traits, k)
	}
	for k, by := range c.Increment {
		n, _ := traits[k].(float64)
		traits[k] = n + by
	}
	tags := slices.Clone(p.Tags)
	for _, t := range c.AddTags {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	tags = slices.DeleteFunc(tags, func(t string) bool { return slices.Contains(c.RemoveTags, t) })
	p.Traits, p.Tags = traits, tags
	return p
}
