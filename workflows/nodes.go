package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/msgtemplates"
)

// exec carries out one node and returns the next node's ID, or "" at an exit.
func (r *journeyRun) exec(ctx workflow.Context, n journey.Node) (string, error) {
	switch n.Kind {
	case journey.KindWait:
		_, err := r.await(ctx, waitSpec{until: r.enteredAt.Add(time.Duration(n.Duration))})
		return n.Next, err
	case journey.KindWaitUntil:
		return n.Next, r.waitUntil(ctx, n)
	case journey.KindWaitFor:
		return r.waitFor(ctx, n)
	case journey.KindBranch:
		return r.branch(ctx, n)
	case journey.KindSplit:
		return r.split(ctx, n)
	case journey.KindSend:
		return n.Next, r.send(ctx, n)
	case journey.KindUpdateProfile:
		return n.Next, r.updateProfile(ctx, n)
	case journey.KindWebhook:
		return n.Next, r.webhook(ctx, n)
	case journey.KindExit:
		r.outcome("exit")
		return "", nil
	}
	return "", temporal.NewNonRetryableApplicationError("unknown node kind "+n.Kind, "DefinitionError", nil)
}

func (r *journeyRun) waitFor(ctx workflow.Context, n journey.Node) (string, error) {
	for _, b := range n.Events {
		r.state.WaitingFor = append(r.state.WaitingFor, b.Event)
	}
	var branch *journey.EventBranch
	match := func(ev journey.Event) (bool, error) {
		for i, b := range n.Events {
			if b.Event != ev.Name {
				continue
			}
			ok, err := r.holds(ctx, b.Match, ev)
			if err != nil {
				return false, err
			}
			if ok {
				branch = &n.Events[i]
				return true, nil
			}
		}
		return false, nil
	}
	_, err := r.await(ctx, waitSpec{until: r.enteredAt.Add(time.Duration(n.Timeout)), match: match})
	if err != nil {
		return "", err
	}
	if branch == nil {
		r.outcome("timeout")
		return n.OnTimeout, nil
	}
	r.outcome(branch.Event)
	return branch.Next, nil
}

// waitUntil waits for a time of day in the customer's zone, or for a time
// relative to a date trait.
func (r *journeyRun) waitUntil(ctx workflow.Context, n journey.Node) error {
	loc := r.zone("")
	now := workflow.Now(ctx)
	var until time.Time
	if n.Property == "" {
		until = nextTimeOfDay(now, loc, n.At, n.Weekdays)
	} else {
		t, err := dateTarget(now, loc, r.profile.Traits[n.Property], n)
		if err != nil {
			r.outcome("skipped: " + err.Error())
			return nil //nolint:nilerr // a date the profile lacks skips the wait, as the outcome records
		}
		until = t
	}
	if !until.After(now) {
		r.outcome("already past " + until.Format(time.RFC3339))
		return nil
	}
	_, err := r.await(ctx, waitSpec{until: until})
	return err
}

func (r *journeyRun) branch(ctx workflow.Context, n journey.Node) (string, error) {
	for i, c := range n.Cases {
		ok, err := r.holds(ctx, c.Condition, r.latestEvent())
		if err != nil {
			return "", err
		}
		if ok {
			name := c.Name
			if name == "" {
				name = fmt.Sprintf("case %d", i)
			}
			r.outcome(name)
			return c.Next, nil
		}
	}
	r.outcome("default")
	return n.Default, nil
}

func (r *journeyRun) split(ctx workflow.Context, n journey.Node) (string, error) {
	name, next := assignVariant(r.in.WorkspaceID, r.in.JourneyID, r.in.CustomerID, n)
	if r.state.Variants == nil {
		r.state.Variants = map[string]string{}
	}
	r.state.Variants[n.ID], r.state.Variant = name, name
	r.stats.variant(name)
	r.outcome("variant " + name)
	if err := workflow.UpsertTypedSearchAttributes(ctx, AttrVariant.ValueSet(name)); err != nil {
		return "", fmt.Errorf("record variant: %w", err)
	}
	return next, nil
}

func (r *journeyRun) updateProfile(ctx workflow.Context, n journey.Node) error {
	in := activities.ChangeProfileInput{
		WorkspaceID: r.in.WorkspaceID, CustomerID: r.in.CustomerID, Change: n.ProfileUpdate, At: workflow.Now(ctx),
	}
	var res activities.ProfileResult
	if err := r.showStep(ctx); err != nil {
		return err
	}
	if err := workflow.ExecuteActivity(r.activityCtx(ctx, time.Hour), acts.ChangeProfile, in).Get(ctx, &res); err != nil {
		if ctx.Err() != nil {
			return temporal.NewCanceledError()
		}
		workflow.GetLogger(ctx).Error("profile update failed", "node", n.ID, "error", err)
		r.outcome("failed: " + err.Error())
		return nil
	}
	r.profile = res.Profile
	r.outcome("updated")
	return nil
}

func (r *journeyRun) webhook(ctx workflow.Context, n journey.Node) error {
	if err := r.holdWhilePaused(ctx); err != nil {
		return err
	}
	p := r.profile
	in := activities.WebhookInput{
		WorkspaceID: r.in.WorkspaceID, URL: n.URL, Headers: n.Headers, Body: n.Body, IdempotencyKey: r.stepKey(ctx, n),
		CustomerID: r.in.CustomerID, JourneyID: r.in.JourneyID, Recipient: n.Recipient, Lead: n.Lead,
		RunID: workflow.GetInfo(ctx).WorkflowExecution.RunID, NodeID: n.ID,
		Bindings: msgtemplates.Bindings(r.in.CustomerID, &p, r.in.Entry, r.in.JourneyID, r.state.Version, r.def.Variables),
	}
	var res activities.WebhookResult
	if err := r.showStep(ctx); err != nil {
		return err
	}
	err := workflow.ExecuteActivity(r.activityCtx(ctx, 24*time.Hour), acts.Webhook, in).Get(ctx, &res)
	if err != nil {
		if ctx.Err() != nil {
			return temporal.NewCanceledError()
		}
		workflow.GetLogger(ctx).Error("webhook failed", "node", n.ID, "error", err)
		r.outcome("failed: " + err.Error())
		return nil
	}
	r.outcome(fmt.Sprintf("posted: %d", res.Status))
	return nil
}

// stepKey names one visit of a node in this run, the same on every retry
// and replay: the message ID of a send, the idempotency key of a webhook.
func (r *journeyRun) stepKey(ctx workflow.Context, n journey.Node) string {
	info := workflow.GetInfo(ctx)
	return fmt.Sprintf("%s/%s/%s/%d", info.WorkflowExecution.ID, info.FirstRunID, n.ID, r.visits[n.ID])
}

// activityCtx retries an activity with backoff for up to total: a provider
// down for a day fails the step, not the journey.
func (r *journeyRun) activityCtx(ctx workflow.Context, total time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: total,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute},
	})
}

// latestEvent is the event conditions see as event: the latest the run
// received, or the entry event.
func (r *journeyRun) latestEvent() journey.Event {
	if r.state.LastEvent != nil {
		return *r.state.LastEvent
	}
	return r.in.Entry
}
