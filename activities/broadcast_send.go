package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/line"
	"github.com/tabiji/tabiji/channels/outbox"
	"github.com/tabiji/tabiji/channels/sendgrid"
	"github.com/tabiji/tabiji/clicks"
	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/store"
)

// rendered is a recipient's message, ready for its provider. A batched
// email also has its skeleton (msgtemplates.RenderSkeleton): customers
// whose skeletons are equal share one Mail Send request, each
// personalization carrying its values as substitutions.
type rendered struct {
	r     *recipient
	m     channels.Message // the full render: what the customer receives
	unsub string
	skel  *msgtemplates.Skeleton // nil unless a batched email
}

// senderFor is the workspace's provider of channel, nil for the
// development outbox.
func (a *Activities) senderFor(ctx context.Context, workspaceID, channel string) (channels.Sender, error) {
	s, err := a.channelSender(ctx, workspaceID, channel)
	if _, isOutbox := s.(*outbox.Sender); err != nil || s == nil || isOutbox {
		return nil, err
	}
	return s, nil
}

// sendBatch renders the deliverable recipients, writes every row of the
// batch (skipped ones with their reason; the rest "pending", or "recorded"
// for the outbox) in one statement, then calls the provider in batches,
// each call's rows claimed "sending" just before it (deliverBatch).
//
// Rows an earlier attempt left "sending" (its call may have been taken,
// its answer is lost) are reconciled first, as Send's are: a provider that
// drops repeats (LINE, by retry key) is called again with the same keys;
// any other is not — within the channel's ConfirmWithin window the batch
// ends with a retryable AwaitingConfirmation error, after sending the
// rest, so the webhook can move the rows meanwhile; past it they are
// settled "unconfirmed".
func (a *Activities) sendBatch(ctx context.Context, in BroadcastBatchInput, c msgtemplates.Content, ad adRules, deliverable []*recipient, skipped map[*recipient]string, res BroadcastBatchResult) (BroadcastBatchResult, error) {
	sp := in.Spec
	var rows []store.Message
	for r, reason := range skipped {
		rows = append(rows, broadcastRow(in, r, "", reason, MessageSkipped))
		res.Skipped[reason]++
	}
	sender, err := a.senderFor(ctx, sp.WorkspaceID, sp.Channel)
	if err != nil {
		return res, err
	}
	var out []rendered
	var unsendable []*recipient // rows an earlier attempt wrote "sending" that can no longer be sent
	if len(deliverable) > 0 {
		for _, r := range deliverable {
			activity.RecordHeartbeat(ctx)
			one, err := a.renderFor(ctx, in, c, r, sender != nil, ad)
			if err != nil && ctx.Err() != nil {
				return res, fmt.Errorf("broadcast %s: render: %w", sp.BroadcastID, ctx.Err())
			}
			if err != nil {
				rows = append(rows, broadcastRow(in, r, "", "content: "+err.Error(), MessageFailed))
				res.Failed++
				if r.resend {
					unsendable = append(unsendable, r)
				}
				continue
			}
			subject, body := preview(one.m)
			if sender == nil {
				rows = append(rows, broadcastRow(in, r, subject, body, MessageRecorded))
				res.Sent++
				continue
			}
			rows = append(rows, broadcastRow(in, r, subject, body, MessagePending))
			out = append(out, one)
		}
	}
	if _, err := a.store.RecordBroadcastMessages(ctx, sp.BroadcastID, rows); err != nil {
		return res, fmt.Errorf("broadcast %s: %w", sp.BroadcastID, err)
	}
	for _, r := range unsendable { // their rows exist: move them from "sending" to failed
		if err := a.store.MarkMessages(ctx, sp.WorkspaceID, []string{r.messageID}, MessageFailed, "send_failed", "",
			json.RawMessage(`{"reason":"the message can no longer be rendered"}`)); err != nil {
			return res, err
		}
	}
	if len(out) == 0 {
		return res, nil
	}
	unanswered := slices.DeleteFunc(slices.Clone(out), func(one rendered) bool { return !one.r.unanswered })
	out = slices.DeleteFunc(out, func(one rendered) bool { return one.r.unanswered })
	waiting, err := a.reconcileBatch(ctx, in, sender, unanswered, &res)
	if err != nil {
		return res, err
	}
	if err := a.deliverBatch(ctx, in, sender, out, &res); err != nil {
		return res, err
	}
	return res, waiting
}

// reconcileBatch settles rows an earlier attempt left "sending" (see
// sendBatch). It returns a retryable AwaitingConfirmation error when some
// are still within the channel's confirmation window.
func (a *Activities) reconcileBatch(ctx context.Context, in BroadcastBatchInput, sender channels.Sender, unanswered []rendered, res *BroadcastBatchResult) (waiting, err error) {
	if len(unanswered) == 0 {
		return nil, nil
	}
	if channels.Deduplicates(sender) {
		activity.GetLogger(ctx).Info("resending under the same retry keys", "broadcast", in.Spec.BroadcastID, "messages", len(unanswered))
		return nil, a.deliverBatch(ctx, in, sender, unanswered, res)
	}
	var settle []string
	var left time.Duration
	for _, one := range unanswered {
		if l := a.opts.ConfirmWithin[in.Spec.Channel] - time.Since(one.r.since); l > 0 {
			left = max(left, l)
			continue
		}
		settle = append(settle, one.m.ID)
	}
	detail, _ := json.Marshal(map[string]string{"reason": "the provider call of an earlier attempt has no answer and no webhook confirmed it; not sent again"})
	if err := a.store.MarkMessages(ctx, in.Spec.WorkspaceID, settle, MessageUnconfirmed, "unconfirmed", "", detail); err != nil {
		return nil, fmt.Errorf("broadcast %s: %w", in.Spec.BroadcastID, err)
	}
	res.Sent += len(settle) // as Duplicates count them on a later attempt
	if left == 0 {
		return nil, nil
	}
	return AwaitingConfirmation(ctx,
		fmt.Sprintf("broadcast %s: %d messages of an earlier attempt's call to the %s provider have no answer; waiting for its webhook to confirm them (%s left)",
			in.Spec.BroadcastID, len(unanswered)-len(settle), in.Spec.Channel, left.Round(time.Second)),
		a.opts.ConfirmWithin[in.Spec.Channel], left), nil
}

// claim moves the rows of one provider call from "pending" to "sending"
// and returns those it moved (all of them for rows being reconciled,
// which are "sending" already).
func (a *Activities) claim(ctx context.Context, in BroadcastBatchInput, rs []rendered) ([]rendered, error) {
	if len(rs) == 0 || rs[0].r.unanswered {
		return rs, nil
	}
	claimed, err := a.store.ClaimMessages(ctx, in.Spec.WorkspaceID, ids(rs))
	if err != nil {
		return nil, fmt.Errorf("broadcast %s: %w", in.Spec.BroadcastID, err)
	}
	return slices.DeleteFunc(rs, func(one rendered) bool { return !slices.Contains(claimed, one.m.ID) }), nil
}

// renderFor renders the content for one recipient. A batched email is also
// rendered as a skeleton, so that personalised emails share requests.
func (a *Activities) renderFor(ctx context.Context, in BroadcastBatchInput, c msgtemplates.Content, r *recipient, provider bool, ad adRules) (rendered, error) {
	sp := in.Spec
	if r.profile == nil {
		return rendered{}, errors.New("the customer's profile is gone")
	}
	unsub := a.unsubscribeURL(SendInput{WorkspaceID: sp.WorkspaceID, CustomerID: r.customerID, Channel: sp.Channel, Topic: sp.Topic, MessageID: r.messageID})
	p := store.ToJourneyProfile(*r.profile)
	d := msgtemplates.Data{CustomerID: r.customerID, Profile: &p, MessageID: r.messageID, UnsubscribeURL: unsub,
		ConfirmURL: a.confirmURL(sp.WorkspaceID, r.customerID, sp.Channel, sp.Topic, r.messageID)}
	var skel *msgtemplates.Skeleton
	var m channels.Message
	var err error
	if provider && c.Email != nil {
		var sk msgtemplates.Skeleton
		sk, err = msgtemplates.RenderSkeleton(ctx, c, d)
		m, skel = sk.Message, &sk
	} else {
		m, err = msgtemplates.Render(ctx, c, d)
	}
	if err != nil {
		return rendered{}, err
	}
	m.ID, m.To, m.WorkspaceID, m.WorkflowID, m.NodeID, m.Topic = r.messageID, r.address, sp.WorkspaceID, in.WorkflowID, "broadcast", sp.Topic
	if m.Email != nil {
		m.Email.UnsubscribeURL = unsub
	}
	ad.addBlock(&m)
	if skel != nil && ad.blocks(m.Channel) { // the shared request carries the skeleton's parts
		skel.HTML, skel.Text = ad.policy.Sender.AddTo(skel.HTML, skel.Text, ad.policy.Locale)
	}
	// LINE and push links through the click redirect, each customer's own
	// (so a LINE message with a link is pushed per customer, not
	// multicast); email links stay SendGrid's to track.
	m = a.opts.Clicks.Message(m, clicks.Tracking{})
	return rendered{r: r, m: m, unsub: unsub, skel: skel}, nil
}

func broadcastRow(in BroadcastBatchInput, r *recipient, subject, body, status string) store.Message {
	return store.Message{ID: r.messageID, WorkspaceID: in.Spec.WorkspaceID, CustomerID: r.customerID,
		WorkflowID: in.WorkflowID, RunID: in.RunID, Channel: in.Spec.Channel, Subject: subject, Body: body, Status: status,
		Variant: r.variant}
}

// deliverBatch calls the provider: SendGrid one request per 1,000
// recipients of the same email skeleton, LINE one multicast per 500 recipients of
// the same messages, anything else (push, and LINE messages that differ
// per customer) one call per message.
func (a *Activities) deliverBatch(ctx context.Context, in BroadcastBatchInput, sender channels.Sender, out []rendered, res *BroadcastBatchResult) error {
	switch s := sender.(type) {
	case *sendgrid.Sender:
		for _, group := range groupBy(out, emailKey) {
			for chunk := range slices.Chunk(group, sendgrid.BatchLimit) {
				if err := a.sendEmails(ctx, in, s, chunk, res); err != nil {
					return err
				}
			}
		}
		return nil
	case *line.Sender:
		// Chunked here, not by Multicast, so that each chunk's retry key
		// depends only on its own messages: the chunk an attempt left
		// "sending" is sent again alone under the same key.
		for _, group := range groupBy(out, lineKey) {
			for chunk := range slices.Chunk(group, line.MulticastLimit) {
				if len(chunk) == 1 {
					if err := a.sendOne(ctx, in, s, chunk[0], res); err != nil {
						return err
					}
					continue
				}
				if err := a.multicast(ctx, in, s, chunk, res); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, one := range out {
		if err := a.sendOne(ctx, in, sender, one, res); err != nil {
			return err
		}
	}
	return nil
}

func (a *Activities) sendEmails(ctx context.Context, in BroadcastBatchInput, s *sendgrid.Sender, chunk []rendered, res *BroadcastBatchResult) error {
	chunk, err := a.claim(ctx, in, chunk)
	if err != nil || len(chunk) == 0 {
		return err
	}
	base := chunk[0].m
	email := *base.Email
	email.UnsubscribeURL = "" // each personalization carries its own
	email.HTML, email.Text = chunk[0].skel.HTML, chunk[0].skel.Text
	base.Email = &email
	ps := make([]sendgrid.Personalization, len(chunk))
	for i, one := range chunk {
		ps[i] = sendgrid.Personalization{MessageID: one.m.ID, To: one.m.To, Subject: one.m.Email.Subject, UnsubscribeURL: one.unsub,
			Substitutions: one.skel.Values}
	}
	r, err := s.SendBatch(ctx, base, ps)
	activity.RecordHeartbeat(ctx)
	return a.settle(ctx, in, ids(chunk), r, err, res)
}

func (a *Activities) multicast(ctx context.Context, in BroadcastBatchInput, s *line.Sender, group []rendered, res *BroadcastBatchResult) error {
	group, err := a.claim(ctx, in, group)
	if err != nil || len(group) == 0 {
		return err
	}
	to, msgIDs := make([]string, len(group)), ids(group)
	for i, one := range group {
		to[i] = one.m.To
	}
	// The same recipients with the same messages give the same retry keys,
	// so a retried batch resends nothing LINE accepted.
	sum := sha256.Sum256([]byte(strings.Join(msgIDs, "\n") + "\n" + lineKey(group[0])))
	results, err := s.Multicast(ctx, to, group[0].m.LINE, in.Spec.BroadcastID+"/"+hex.EncodeToString(sum[:12]))
	activity.RecordHeartbeat(ctx)
	for i, r := range results {
		chunk := msgIDs[i*line.MulticastLimit : min(len(msgIDs), (i+1)*line.MulticastLimit)]
		if err := a.settle(ctx, in, chunk, r, nil, res); err != nil {
			return err
		}
	}
	if err != nil {
		rest := msgIDs[min(len(msgIDs), len(results)*line.MulticastLimit):]
		return a.settle(ctx, in, rest, channels.Result{}, err, res)
	}
	return nil
}

func (a *Activities) sendOne(ctx context.Context, in BroadcastBatchInput, s channels.Sender, one rendered, res *BroadcastBatchResult) error {
	if claimed, err := a.claim(ctx, in, []rendered{one}); err != nil || len(claimed) == 0 {
		return err
	}
	activity.RecordHeartbeat(ctx)
	r, err := s.Send(ctx, one.m)
	if r.RemoveAddress {
		if serr := a.store.Suppress(ctx, store.Suppression{WorkspaceID: in.Spec.WorkspaceID, Channel: in.Spec.Channel,
			Address: one.m.To, Reason: store.SuppressInvalid}); serr != nil {
			return fmt.Errorf("broadcast %s: %w", in.Spec.BroadcastID, serr)
		}
	}
	return a.settle(ctx, in, []string{one.m.ID}, r, err, res)
}

// settle records a provider's answer for the messages of one call: sent,
// or failed for good; any other error is returned for Temporal to retry
// the batch (after the provider's Retry-After when it gave one): messages
// the provider answered without taking go back to "pending" to be sent
// again; any other (no answer) stay "sending" to be reconciled.
func (a *Activities) settle(ctx context.Context, in BroadcastBatchInput, msgIDs []string, r channels.Result, sendErr error, res *BroadcastBatchResult) error {
	ws := in.Spec.WorkspaceID
	switch {
	case sendErr == nil:
		if err := a.store.MarkMessages(ctx, ws, msgIDs, MessageSent, "send", r.ProviderID, nil); err != nil {
			return err
		}
		res.Sent += len(msgIDs)
		return nil
	case channels.IsPermanent(sendErr):
		detail, _ := json.Marshal(map[string]string{"reason": sendErr.Error()})
		if err := a.store.MarkMessages(ctx, ws, msgIDs, MessageFailed, "send_failed", "", detail); err != nil {
			return err
		}
		res.Failed += len(msgIDs)
		return nil
	}
	if channels.NotAccepted(sendErr) { // the provider answered without taking them: the next attempt calls again
		if err := a.store.ReleaseMessages(ctx, ws, msgIDs); err != nil {
			// Only the store's error is wrapped: the provider's class must not decide the retry.
			return fmt.Errorf("broadcast %s: %w (after %v)", in.Spec.BroadcastID, err, sendErr) //nolint:errorlint // see above
		}
	}
	if d, ok := channels.RetryAfter(sendErr); ok {
		return temporal.NewApplicationErrorWithOptions(sendErr.Error(), "RateLimitError",
			temporal.ApplicationErrorOptions{NextRetryDelay: d, Cause: sendErr})
	}
	return fmt.Errorf("broadcast %s: %w", in.Spec.BroadcastID, sendErr)
}

func ids(rs []rendered) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.m.ID
	}
	return out
}

// groupBy splits messages by key, keeping first-seen order.
func groupBy(out []rendered, key func(rendered) string) [][]rendered {
	index := map[string]int{}
	var groups [][]rendered
	for _, one := range out {
		k := key(one)
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], one)
	}
	return groups
}

// emailKey is what must be equal for emails to share one Mail Send
// request: the skeleton, and whether it is one (a full render that falls
// back is grouped only with others that have no substitutions); the
// subject may differ: each personalization has its own.
func emailKey(r rendered) string {
	e := r.m.Email
	b, _ := json.Marshal([]any{e.From, e.FromName, e.ReplyTo, r.skel.HTML, r.skel.Text, r.skel.Values == nil, e.Sandbox, r.m.Categories})
	return string(b)
}

// lineKey is the LINE messages as sent: equal keys can share a multicast.
func lineKey(r rendered) string {
	b, _ := json.Marshal(r.m.LINE)
	return string(b)
}
