package workflows

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/journey"
)

// EnterJourney brings a customer into a journey with SignalWithStart: it
// starts the run when the customer has none, and otherwise hands the event to
// the run already going, so a duplicate entry event can never start two runs.
func EnterJourney(ctx context.Context, c client.Client, taskQueue string, in JourneyInput) (client.WorkflowRun, error) {
	id := JourneyWorkflowID(in.WorkspaceID, in.JourneyID, in.CustomerID)
	opts := client.StartWorkflowOptions{
		ID:        id,
		TaskQueue: taskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			AttrWorkspace.ValueSet(in.WorkspaceID),
			AttrJourney.ValueSet(in.JourneyID),
			AttrCustomer.ValueSet(in.CustomerID),
			AttrVersion.ValueSet(int64(in.Version)),
			AttrStep.ValueSet("entry"),
		),
	}
	run, err := c.SignalWithStartWorkflow(ctx, id, EventSignal, in.Entry, opts, Journey, in)
	if err != nil {
		return nil, fmt.Errorf("enter journey %s for %s: %w", in.JourneyID, in.CustomerID, err)
	}
	return run, nil
}

// SignalEvent hands an event to a customer's run of a journey, if there is
// one. It reports false when the customer has no running run.
func SignalEvent(ctx context.Context, c client.Client, workspaceID, journeyID, customerID string, ev journey.Event) (bool, error) {
	id := JourneyWorkflowID(workspaceID, journeyID, customerID)
	err := c.SignalWorkflow(ctx, id, "", EventSignal, ev)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("signal %s to %s: %w", ev.Name, id, err)
	}
	return true, nil
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
