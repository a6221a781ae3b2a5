package activities

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/tabiji/tabiji/advertising"
	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/frequency"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/store"
)

// BroadcastSpec is what a broadcast sends, to whom and under which rules,
// as the broadcast workflow carries it.
type BroadcastSpec struct {
	WorkspaceID string `json:"workspaceId"`
	BroadcastID string `json:"broadcastId"`
	SegmentID   string `json:"segmentId"`
	Channel     string `json:"channel"`
	// TemplateID at TemplateVersion (pinned when the broadcast was
	// scheduled), or inline Content in the message-template format.
	TemplateID      string          `json:"templateId,omitempty"`
	TemplateVersion int             `json:"templateVersion,omitempty"`
	Content         json.RawMessage `json:"content,omitempty"`
	Topic           string          `json:"topic,omitempty"` // the consent topic
	// Transactional marks a broadcast that is not advertising: the
	// advertising-mail policy (opt-in, sender block) does not apply. Its
	// template's own mark counts too.
	Transactional bool `json:"transactional,omitempty"`
	// QuietHours hold a customer's message until the window ends in their
	// own zone (the profile's, else QuietHours.Timezone, else UTC).
	QuietHours *journey.QuietHours `json:"quietHours,omitempty"`
	// AB is the broadcast's A/B test (nil for none); Winner its winning
	// variant once picked.
	AB     *BroadcastAB `json:"ab,omitempty"`
	Winner string       `json:"winner,omitempty"`
}

// BroadcastPageInput asks for the next customers of a broadcast after the
// customer ID After: segment members, or (DueBy set) the customers held
// for quiet hours until a time in (DueAfter, DueBy].
type BroadcastPageInput struct {
	Spec     BroadcastSpec `json:"spec"`
	After    string        `json:"after,omitempty"`
	Limit    int           `json:"limit"`
	DueAfter time.Time     `json:"dueAfter,omitzero"`
	DueBy    time.Time     `json:"dueBy,omitzero"`
}

// BroadcastPageResult is one page of customer IDs, in ID order; fewer
// than the limit means the last page.
type BroadcastPageResult struct {
	CustomerIDs []string `json:"customerIds"`
}

// BroadcastPage reads one page of a broadcast's audience.
func (a *Activities) BroadcastPage(ctx context.Context, in BroadcastPageInput) (BroadcastPageResult, error) {
	defer beatWhileRunning(ctx)()
	var ids []string
	var err error
	if in.DueBy.IsZero() {
		ids, err = a.store.SegmentMembers(ctx, in.Spec.WorkspaceID, in.Spec.SegmentID, in.After, in.Limit)
	} else {
		ids, err = a.store.DueDeferrals(ctx, in.Spec.WorkspaceID, in.Spec.BroadcastID, in.DueAfter, in.DueBy, in.After, in.Limit)
	}
	if err != nil {
		return BroadcastPageResult{}, fmt.Errorf("page broadcast %s: %w", in.Spec.BroadcastID, err)
	}
	return BroadcastPageResult{CustomerIDs: ids}, nil
}

// BroadcastStatusInput moves a broadcast to Status (Error for failed).
type BroadcastStatusInput struct {
	Spec   BroadcastSpec `json:"spec"`
	Status string        `json:"status"`
	Error  string        `json:"error,omitempty"`
}

// BroadcastStatusResult is the audience counted when sending began.
type BroadcastStatusResult struct {
	Audience int `json:"audience"`
}

// BroadcastStatus records the broadcast's status; moving to sending, it
// counts the segment's members as the broadcast's audience.
func (a *Activities) BroadcastStatus(ctx context.Context, in BroadcastStatusInput) (BroadcastStatusResult, error) {
	defer beatWhileRunning(ctx)()
	status, err := storeBroadcastStatus(in.Status)
	if err != nil {
		return BroadcastStatusResult{}, err
	}
	var res BroadcastStatusResult
	if status == store.BroadcastSending {
		n, err := a.store.CountSegment(ctx, in.Spec.WorkspaceID, in.Spec.SegmentID)
		if err != nil {
			return res, fmt.Errorf("count audience of broadcast %s: %w", in.Spec.BroadcastID, err)
		}
		res.Audience = int(n)
	}
	err = a.store.SetBroadcastStatus(ctx, in.Spec.WorkspaceID, in.Spec.BroadcastID, status, res.Audience, in.Error)
	if err != nil {
		return res, fmt.Errorf("broadcast %s: %w", in.Spec.BroadcastID, err)
	}
	return res, nil
}

// BroadcastBatchInput is one batch of a broadcast's customers. Now is the
// workflow's time: quiet hours and frequency caps are judged at it.
type BroadcastBatchInput struct {
	Spec        BroadcastSpec `json:"spec"`
	WorkflowID  string        `json:"workflowId"`
	RunID       string        `json:"runId"`
	CustomerIDs []string      `json:"customerIds"`
	Now         time.Time     `json:"now"`
	// Stage of a broadcast with an A/B test: StageTest, StageRest, or ""
	// for the customers held for quiet hours (see BroadcastSpec.takes).
	Stage string `json:"stage,omitempty"`
}

// BroadcastBatchResult says what became of a batch. Messages an earlier
// attempt finished are counted by their status (and in Duplicates), so a
// retried batch reports the same totals.
type BroadcastBatchResult struct {
	Sent       int            `json:"sent"`
	Failed     int            `json:"failed"`
	Skipped    map[string]int `json:"skipped,omitempty"`
	Deferred   int            `json:"deferred"`
	Duplicates int            `json:"duplicates"`
	// DeferredUntil are the distinct ends of the quiet hours customers
	// were held for, earliest first.
	DeferredUntil []time.Time `json:"deferredUntil,omitempty"`
}

// recipient is one customer of a batch on its way through the checks.
type recipient struct {
	customerID, messageID, address string
	variant                        string // the A/B variant sent, "" without a test
	profile                        *store.Profile
	resend                         bool // an earlier attempt wrote the row ("pending" or "sending")
	// unanswered: the row is "sending", an earlier attempt's provider call
	// has no recorded answer (since: when it was claimed).
	unanswered bool
	since      time.Time
}

// BroadcastBatch delivers one batch through the same rules as Send, for
// many customers at once: the row of a message an earlier attempt wrote
// decides (finished: counted, not sent again; "pending": sent; "sending":
// reconciled as Send does, see sendBatch), then consent for the channel and topic, suppression,
// frequency caps, the address, quiet hours in the customer's zone (held
// back, not dropped), rendering, the rows written before the provider
// calls, and batched provider calls.
func (a *Activities) BroadcastBatch(ctx context.Context, in BroadcastBatchInput) (BroadcastBatchResult, error) {
	defer beatWhileRunning(ctx)()
	res, err := a.broadcastBatch(ctx, in)
	if err == nil { // a failed attempt is counted by the retry that finishes the batch
		a.countBatch(in.Spec.Channel, res)
	}
	return res, err
}

// countBatch adds a finished batch to the broadcast metrics.
func (a *Activities) countBatch(channel string, res BroadcastBatchResult) {
	m := a.opts.Metrics
	m.Broadcast(channel, MessageSent, res.Sent)
	m.Broadcast(channel, MessageFailed, res.Failed)
	m.Broadcast(channel, "deferred", res.Deferred)
	m.BroadcastDeferred(res.Deferred)
	for _, n := range res.Skipped {
		m.Broadcast(channel, MessageSkipped, n)
	}
}

func (a *Activities) broadcastBatch(ctx context.Context, in BroadcastBatchInput) (BroadcastBatchResult, error) {
	res := BroadcastBatchResult{Skipped: map[string]int{}}
	sp := in.Spec
	ws, prefix := sp.WorkspaceID, store.BroadcastMessagePrefix(sp.WorkspaceID, sp.BroadcastID)
	ids := make([]string, len(in.CustomerIDs))
	for i, c := range in.CustomerIDs {
		ids[i] = prefix + c
	}
	existing, err := a.store.MessagesByID(ctx, ws, ids)
	if err != nil {
		return res, fmt.Errorf("broadcast %s: %w", sp.BroadcastID, err)
	}
	var todo []*recipient
	for i, c := range in.CustomerIDs {
		m, found := existing[ids[i]]
		if !sp.takes(in.Stage, c, found) {
			continue // another stage's customer
		}
		if found && m.Status != MessagePending && m.Status != MessageSending {
			res.Duplicates++
			res.count(m.Status, m.Body)
			continue
		}
		todo = append(todo, &recipient{customerID: c, messageID: ids[i], resend: found, variant: sp.variantFor(in.Stage, c),
			unanswered: found && m.Status == MessageSending, since: m.UpdatedAt})
	}
	if len(todo) == 0 {
		return res, nil
	}
	c, err := a.broadcastContent(ctx, sp)
	if err != nil {
		return res, err
	}
	// A broadcast's own topic wins over its template's, as a send node's does.
	in.Spec.Topic = cmp.Or(sp.Topic, c.Topic())
	ad, err := a.adRulesFor(ctx, sp.WorkspaceID, sp.Transactional || c.Transactional())
	if err != nil {
		return res, fmt.Errorf("broadcast %s: %w", sp.BroadcastID, err)
	}
	skipped, deferred, err := a.screen(ctx, in, todo, ad)
	if err != nil {
		return res, fmt.Errorf("broadcast %s: %w", sp.BroadcastID, err)
	}
	if err := a.deferCustomers(ctx, sp, deferred, &res); err != nil {
		return res, err
	}
	deliverable := slices.DeleteFunc(todo, func(r *recipient) bool {
		_, s := skipped[r]
		_, d := deferred[r]
		return s || d
	})
	return a.sendVariants(ctx, in, c, ad, deliverable, skipped, res)
}

// count adds one finished message to the result by its status.
func (r *BroadcastBatchResult) count(status, body string) {
	switch status {
	case MessageSkipped:
		r.Skipped[body]++
	case MessageFailed, "dropped", "blocked", "bounced":
		r.Failed++
	default:
		r.Sent++
	}
}

// screen applies the delivery rules to the batch's new recipients (those
// being sent again passed them already): it returns the skipped ones with
// their reason and the deferred ones with the end of their quiet hours.
func (a *Activities) screen(ctx context.Context, in BroadcastBatchInput, todo []*recipient, ad adRules) (map[*recipient]string, map[*recipient]time.Time, error) {
	sp := in.Spec
	customers := make([]string, len(todo))
	for i, r := range todo {
		customers[i] = r.customerID
	}
	profiles, err := a.store.ProfilesByID(ctx, sp.WorkspaceID, customers)
	if err != nil {
		return nil, nil, err
	}
	optedOut, err := a.store.OptedOut(ctx, sp.WorkspaceID, sp.Channel, sp.Topic, customers)
	if err != nil {
		return nil, nil, err
	}
	var addresses []string
	for _, r := range todo {
		if p, ok := profiles[r.customerID]; ok {
			r.profile = &p
			r.address = addressOn(p, sp.Channel)
			addresses = append(addresses, r.address)
		}
	}
	suppressed, err := a.store.SuppressedAddresses(ctx, sp.WorkspaceID, sp.Channel, addresses)
	if err != nil {
		return nil, nil, err
	}
	caps, err := frequency.Load(ctx, a.store, sp.WorkspaceID)
	if err != nil {
		return nil, nil, err
	}
	control, err := a.store.GlobalControl(ctx, sp.WorkspaceID)
	if err != nil {
		return nil, nil, fmt.Errorf("check the global control group: %w", err)
	}
	rules := batchRules{optedOut: optedOut, suppressed: suppressed, capped: len(caps[sp.Channel]) > 0, control: control}
	if rules.needOptIn = ad.policy.NeedsOptIn(sp.Channel, !ad.promotional); rules.needOptIn {
		if rules.optedIn, err = a.store.OptedIn(ctx, sp.WorkspaceID, sp.Channel, sp.Topic, customers); err != nil {
			return nil, nil, err
		}
		rules.noSender = !ad.policy.Sender.Complete()
	}
	skipped, deferred := map[*recipient]string{}, map[*recipient]time.Time{}
	for _, r := range todo {
		if r.resend {
			continue
		}
		activity.RecordHeartbeat(ctx) // the workflow's heartbeat timeout: see workflows.HeartbeatEvery
		reason, err := a.refuse(ctx, in, r, rules)
		if err != nil {
			return nil, nil, err
		}
		if reason != "" {
			skipped[r] = reason
		} else if until, quiet := quietEnd(sp.QuietHours, r.profile, in.Now); quiet {
			deferred[r] = until
		}
	}
	return skipped, deferred, nil
}

// batchRules are what a batch read once for all its customers.
type batchRules struct {
	optedOut   map[string]bool   // by customer
	suppressed map[string]string // reason by address
	capped     bool              // the channel has frequency caps
	control    float64           // the workspace's global control share
	// needOptIn: the advertising-mail policy asks a recorded opt-in of
	// this broadcast (optedIn, by customer) and a sender identity (noSender
	// when there is none).
	needOptIn bool
	optedIn   map[string]bool
	noSender  bool
}

// refuse is why r may not be sent the broadcast, "" when it may: Send's
// reasons, in Send's order (a broadcast is marketing: the global control
// group holds it back).
func (a *Activities) refuse(ctx context.Context, in BroadcastBatchInput, r *recipient, rules batchRules) (string, error) {
	ch := in.Spec.Channel
	switch {
	case experiment.InGlobalControl(rules.control, in.Spec.WorkspaceID, r.customerID):
		return ReasonGlobalControl, nil
	case r.profile == nil:
		return "no profile", nil
	case rules.optedOut[r.customerID]:
		return "opted out of " + ch + topicSuffix(in.Spec.Topic), nil
	case r.address != "" && rules.suppressed[r.address] != "":
		return "address suppressed: " + rules.suppressed[r.address], nil
	case rules.needOptIn && !rules.optedIn[r.customerID]:
		return advertising.ReasonNoOptIn, nil
	case rules.needOptIn && rules.noSender:
		return ReasonNoSender, nil
	}
	if rules.capped {
		ok, reason, err := frequency.Check(ctx, a.store, in.Spec.WorkspaceID, r.customerID, ch, r.profile.Timezone, in.Now)
		if err != nil || !ok {
			return reason, err
		}
	}
	if r.address == "" {
		s, err := a.senderFor(ctx, in.Spec.WorkspaceID, ch)
		if err != nil {
			return "", err
		}
		if s != nil {
			return "no " + ch + " address", nil
		}
	}
	return "", nil
}

func topicSuffix(topic string) string {
	if topic == "" {
		return ""
	}
	return " (" + topic + ")"
}

// quietEnd reports whether now falls in the quiet hours in the customer's
// zone, and when they end.
func quietEnd(q *journey.QuietHours, p *store.Profile, now time.Time) (time.Time, bool) {
	if q == nil {
		return time.Time{}, false
	}
	loc, err := time.LoadLocation(cmp.Or(p.Timezone, q.Timezone, "UTC"))
	if err != nil {
		loc = time.UTC
	}
	return journey.QuietUntil(now, loc, q.Start, q.End)
}

// addressOn is the profile's address on the channel, as Send reads it.
func addressOn(p store.Profile, channel string) string {
	switch channel {
	case "email":
		return p.Email
	case "line":
		return p.LineUserID
	case "push":
		if len(p.PushTokens) > 0 {
			return p.PushTokens[len(p.PushTokens)-1]
		}
	}
	return ""
}

// deferCustomers holds the deferred customers until their quiet hours end.
func (a *Activities) deferCustomers(ctx context.Context, sp BroadcastSpec, deferred map[*recipient]time.Time, res *BroadcastBatchResult) error {
	until := make(map[string]time.Time, len(deferred))
	for r, t := range deferred {
		until[r.customerID] = t
		if !slices.ContainsFunc(res.DeferredUntil, t.Equal) {
			res.DeferredUntil = append(res.DeferredUntil, t)
		}
	}
	slices.SortFunc(res.DeferredUntil, time.Time.Compare)
	res.Deferred = len(deferred)
	if err := a.store.DeferBroadcast(ctx, sp.WorkspaceID, sp.BroadcastID, until); err != nil {
		return fmt.Errorf("broadcast %s: %w", sp.BroadcastID, err)
	}
	return nil
}

// broadcastContent is the broadcast's content: its stored template at the
// pinned version, or its inline content.
func (a *Activities) broadcastContent(ctx context.Context, sp BroadcastSpec) (msgtemplates.Content, error) {
	raw := sp.Content
	if sp.TemplateID != "" {
		t, err := a.store.GetMessageTemplate(ctx, sp.WorkspaceID, sp.TemplateID, sp.TemplateVersion)
		if errors.Is(err, store.ErrNotFound) {
			return msgtemplates.Content{}, contentError(ctx, fmt.Errorf("template %q version %d: no such stored template", sp.TemplateID, sp.TemplateVersion))
		}
		if err != nil {
			return msgtemplates.Content{}, fmt.Errorf("read template %q: %w", sp.TemplateID, err)
		}
		raw = t.Content
	}
	c, err := msgtemplates.Parse(sp.Channel, raw)
	if err != nil {
		return msgtemplates.Content{}, contentError(ctx, fmt.Errorf("content of broadcast %s: %w", sp.BroadcastID, err))
	}
	return c, nil
}
