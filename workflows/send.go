package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
)

// send delivers a message: after any pause is lifted, outside quiet hours
// (waiting for their end or skipping, as the journey says), on the first
// channel the customer has an address for.
func (r *journeyRun) send(ctx workflow.Context, n journey.Node) error {
	if err := r.holdWhilePaused(ctx); err != nil {
		return err
	}
	if n.To == "" { // the customer's quiet hours are not a sales owner's
		if skip, err := r.quietHours(ctx); skip || err != nil {
			return err
		}
		if err := r.holdWhilePaused(ctx); err != nil { // paused during quiet hours
			return err
		}
	}
	info := workflow.GetInfo(ctx)
	p := r.profile
	channel := "email" // validation holds a send with to to email alone
	if n.To == "" {
		var err error
		if channel, err = r.sendChannel(ctx, n); channel == "" || err != nil {
			return err
		}
	}
	in := activities.SendInput{
		MessageID:   r.stepKey(ctx, n),
		WorkspaceID: r.in.WorkspaceID, JourneyID: r.in.JourneyID, Version: r.state.Version,
		CustomerID: r.in.CustomerID, WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID,
		NodeID: n.ID, Channel: channel, Template: n.TemplateFor(channel), Topic: n.Topic,
		Entry: r.in.Entry, Profile: &p, Variables: r.def.Variables, Transactional: n.Transactional,
		Holdout: r.state.Holdout, LinkTracking: r.def.LinkTracking, To: n.To, Lead: n.Lead,
	}
	if r.lean && !r.profileRead {
		in.Profile = nil // the run did not read it for this step: Send reads it
	}
	if err := r.showStep(ctx); err != nil {
		return err
	}
	var res activities.SendResult
	sctx := workflow.WithTaskQueue(r.activityCtx(ctx, 24*time.Hour), sendQueue(info.TaskQueueName, in.Channel))
	if err := workflow.ExecuteActivity(sctx, acts.Send, in).Get(ctx, &res); err != nil {
		if ctx.Err() != nil {
			return temporal.NewCanceledError()
		}
		workflow.GetLogger(ctx).Error("send failed", "node", n.ID, "error", err)
		r.outcome("failed: " + err.Error())
		return nil
	}
	r.outcome(sendOutcome(res))
	return nil
}

// sendOutcome is what the step records of a send: "sent <message ID>" when
// the provider took it (or the development outbox kept it), "skipped:
// <reason>" when consent, a suppression, a cap or a missing address held it
// back (as "skipped: quiet hours"), "failed: <message ID>" for a message an
// earlier run of the step saw refused, "unconfirmed <message ID>" when an
// attempt's call was left unanswered and nothing confirmed it (it is not
// sent again).
func sendOutcome(res activities.SendResult) string {
	switch res.Status {
	case activities.MessageSkipped:
		return "skipped: " + res.Reason
	case activities.MessageFailed:
		return "failed: " + res.MessageID
	case activities.MessageUnconfirmed:
		return "unconfirmed " + res.MessageID
	}
	return "sent " + res.MessageID
}

// quietHours holds a send that falls inside the journey's quiet hours until
// they end, or reports that it is to be skipped.
func (r *journeyRun) quietHours(ctx workflow.Context) (skip bool, err error) {
	q := r.def.QuietHours
	if q == nil {
		return false, nil
	}
	end, inside := quietUntil(workflow.Now(ctx), r.zone(q.Timezone), q.Start, q.End)
	if !inside {
		return false, nil
	}
	if q.Action == journey.QuietSkip {
		r.metrics(ctx).WithTags(map[string]string{"action": "skip"}).Counter(MetricQuietHours).Inc(1)
		r.outcome("skipped: quiet hours")
		return true, nil
	}
	r.metrics(ctx).WithTags(map[string]string{"action": "wait"}).Counter(MetricQuietHours).Inc(1)
	_, err = r.await(ctx, waitSpec{until: end})
	return false, err
}

// holdWhilePaused blocks while the journey is paused, still taking in
// events (exit criteria and goals keep applying).
func (r *journeyRun) holdWhilePaused(ctx workflow.Context) error {
	if !r.state.Paused {
		return nil
	}
	_, err := r.await(ctx, waitSpec{ready: func() bool { return !r.state.Paused }})
	return err
}

// chooseChannel is the channel to send on: the first of the node's
// channels the customer has an address for. A customer with an address on
// none keeps the first: Send records the message in the development
// outbox when the channel has no provider, and skips it as "no <channel>
// address" when it has one.
// sendChannel is the channel a send goes on: the first of the node's
// order the customer has an address for, past LINE when the journey's
// monthly LINE budget is spent; "" (the step recorded as skipped) when
// only LINE was left. Journeys without a budget make no activity call, so
// their histories are as before.
func (r *journeyRun) sendChannel(ctx workflow.Context, n journey.Node) (string, error) {
	order := n.ChannelOrder()
	channel := chooseChannel(r.profile, order)
	if channel != "line" || r.def.LineBudget == nil {
		return channel, nil
	}
	var res activities.LineBudgetResult
	in := activities.LineBudgetInput{WorkspaceID: r.in.WorkspaceID, JourneyID: r.in.JourneyID, Monthly: r.def.LineBudget.Monthly}
	if err := r.showStep(ctx); err != nil {
		return "", err
	}
	if err := workflow.ExecuteActivity(r.activityCtx(ctx, time.Hour), acts.LineBudget, in).Get(ctx, &res); err != nil {
		if ctx.Err() != nil {
			return "", temporal.NewCanceledError()
		}
		r.outcome("failed: the journey's LINE budget could not be read: " + err.Error())
		return "", nil
	}
	if !res.Spent {
		return channel, nil
	}
	rest := slices.DeleteFunc(slices.Clone(order), func(ch string) bool { return ch == "line" })
	if len(rest) == 0 {
		r.outcome("skipped: the journey's monthly LINE budget is spent")
		return "", nil
	}
	return chooseChannel(r.profile, rest), nil
}

func chooseChannel(p journey.Profile, order []string) string {
	for _, ch := range order {
		if hasAddress(p, ch) {
			return ch
		}
	}
	return order[0]
}

func hasAddress(p journey.Profile, channel string) bool {
	switch channel {
	case "email":
		return p.Email != ""
	case "line":
		return p.LineUserID != ""
	case "push":
		return len(p.PushTokens) > 0
	case "sms":
		return p.Phone != ""
	}
	return true // the outbox needs no address
}
