package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
)

// EnterJourney brings a customer into a journey with SignalWithStart: it
// starts the run when the customer has none, and otherwise hands the event to
// the run already going, so a duplicate entry event can never start two runs.
// The journey's re-entry rule maps to Temporal's workflow ID reuse policy
// (once: reject duplicate; after_exit and cooldown: allow duplicate, with the
// cool-down checked against the previous run's close time). It returns a nil
// run, and no error, when the rule keeps the customer out.
func EnterJourney(ctx context.Context, c client.Client, taskQueue string, in JourneyInput) (client.WorkflowRun, error) {
	id := RunWorkflowID(in.WorkspaceID, in.JourneyID, in.CustomerID, in.CorrelationKey)
	policy := enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
	if r := in.Definition.Reentry; r != nil {
		switch r.Mode {
		case journey.ReentryOnce:
			policy = enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
		case journey.ReentryCooldown:
			cooling, err := coolingDown(ctx, c, id, time.Duration(r.Cooldown))
			if err != nil || cooling {
				return nil, err
			}
		}
	}
	opts := client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                taskQueue,
		WorkflowIDReusePolicy:    policy,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			AttrWorkspace.ValueSet(in.WorkspaceID),
			AttrJourney.ValueSet(in.JourneyID),
			AttrCustomer.ValueSet(in.CustomerID),
			AttrVersion.ValueSet(int64(in.Version)),
			// The node the run starts at: a lean run that waits there first
			// has nothing to upsert (showStep).
			AttrStep.ValueSet(in.Definition.StartNode()),
		),
	}
	if in.Shape == 0 {
		in.Shape = int(leanVersion) // the run's shape travels in its input: no version marker
	}
	run, err := c.SignalWithStartWorkflow(ctx, id, EventSignal, in.Entry, opts, Journey, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil, nil // entered once already, and the journey lets nobody in twice
	}
	if err != nil {
		return nil, fmt.Errorf("enter journey %s for %s: %w", in.JourneyID, in.CustomerID, err)
	}
	return run, nil
}

// coolingDown reports whether the latest run with this ID ended less than
// cooldown ago. A running run is not cooling down: the entry event goes to it.
func coolingDown(ctx context.Context, c client.Client, id string, cooldown time.Duration) (bool, error) {
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("describe %s: %w", id, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	if info.GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING || info.GetCloseTime() == nil {
		return false, nil
	}
	return time.Since(info.GetCloseTime().AsTime()) < cooldown, nil
}

// SignalEvent hands an event to a run of a journey, if there is one. It
// reports false when no such run is going.
func SignalEvent(ctx context.Context, c client.Client, workflowID string, ev journey.Event) (bool, error) {
	err := c.SignalWorkflow(ctx, workflowID, "", EventSignal, ev)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("signal %s to %s: %w", ev.Name, workflowID, err)
	}
	return true, nil
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// BroadcastSchedule is what the API pins when it schedules a broadcast: its
// audience and rules, its content (the template's version fixed now, so that
// editing the template does not change a broadcast under way), and when it
// sends.
type BroadcastSchedule struct {
	WorkspaceID, BroadcastID  string
	SegmentID, Channel, Topic string
	// TemplateID at TemplateVersion, or inline Content.
	TemplateID      string
	TemplateVersion int
	Content         json.RawMessage
	QuietHours      *journey.QuietHours
	SendAt          time.Time
	// Transactional: the broadcast is not advertising.
	Transactional bool
	// AB is the broadcast's A/B test, nil for none.
	AB *activities.BroadcastAB
}

// ScheduleBroadcast starts the broadcast's workflow, which sends at
// s.SendAt, or moves the send time of one still waiting: SignalWithStart
// makes both one call, the reschedule signal starting the workflow or
// reaching it.
func ScheduleBroadcast(ctx context.Context, c client.Client, taskQueue string, s BroadcastSchedule) error {
	id := BroadcastWorkflowID(s.WorkspaceID, s.BroadcastID)
	spec := activities.BroadcastSpec{WorkspaceID: s.WorkspaceID, BroadcastID: s.BroadcastID, SegmentID: s.SegmentID,
		Channel: s.Channel, TemplateID: s.TemplateID, TemplateVersion: s.TemplateVersion, Content: s.Content,
		Topic: s.Topic, QuietHours: s.QuietHours, Transactional: s.Transactional, AB: s.AB}
	_, err := c.SignalWithStartWorkflow(ctx, id, BroadcastControlSignal,
		BroadcastControl{Action: BroadcastReschedule, SendAt: s.SendAt},
		client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue, WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE},
		Broadcast, BroadcastInput{Spec: spec, SendAt: s.SendAt})
	if err != nil {
		return fmt.Errorf("start broadcast %s: %w", s.BroadcastID, err)
	}
	return nil
}
