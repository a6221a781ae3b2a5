package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"strings"
	"time"

	"github.com/tabiji/tabiji/msgtemplates/liquid"

	"github.com/tabiji/tabiji/msgtemplates"

	"github.com/tabiji/tabiji/scoring"
	"github.com/tabiji/tabiji/store"
)

// What a lead context holds at most: enough for a salesperson to read
// before a call, small enough for a webhook or an email.
const (
	leadHistory = 20  // score changes
	leadEvents  = 10  // tracked events
	leadPages   = 10  // page and screen views
	leadScan    = 200 // latest events read to find them
)

// LeadContext is what sales gets with a lead (a send or webhook node with
// lead: true; Liquid sees it as lead, a webhook body as its lead field): the profile, the lead score and how it got there, and what
// the customer did last.
type LeadContext struct {
	Profile      LeadProfile        `json:"profile"`
	Score        float64            `json:"score"`
	ScoreHistory []store.ScoreEntry `json:"score_history"`
	RecentEvents []LeadEvent        `json:"recent_events"`
	RecentPages  []LeadEvent        `json:"recent_pages"`
}

// LeadProfile is the customer as sales sees them.
type LeadProfile struct {
	ID        string         `json:"id"`
	Email     string         `json:"email,omitempty"`
	Phone     string         `json:"phone,omitempty"`
	Traits    map[string]any `json:"traits"`
	Tags      []string       `json:"tags"`
	Timezone  string         `json:"timezone,omitempty"`
	Locale    string         `json:"locale,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
}

// LeadEvent is one thing the customer did: a tracked event, or a page (or
// app screen) they viewed, with its URL and title when the page call gave
// them.
type LeadEvent struct {
	Type       string         `json:"type"` // track, page or screen
	Name       string         `json:"name,omitempty"`
	URL        string         `json:"url,omitempty"`
	Title      string         `json:"title,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
	At         time.Time      `json:"at"`
}

// leadContext reads the customer's lead context as JSON values (maps,
// slices, strings, numbers), as Liquid and a JSON body take them; nil
// when the profile is gone (erased).
func (a *Activities) leadContext(ctx context.Context, workspaceID, customerID string) (map[string]any, error) {
	p, err := a.store.GetProfile(ctx, workspaceID, customerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lead context: %w", err)
	}
	lc := LeadContext{Profile: LeadProfile{ID: p.ID, Email: p.Email, Phone: p.Phone, Traits: p.Traits, Tags: p.Tags,
		Timezone: p.Timezone, Locale: p.Locale, CreatedAt: p.CreatedAt}}
	lc.Score, _ = p.Traits[scoring.Trait].(float64)
	if lc.ScoreHistory, err = a.store.ScoreHistory(ctx, workspaceID, p.ID, leadHistory); err != nil {
		return nil, fmt.Errorf("lead context: %w", err)
	}
	events, _, err := a.store.CustomerEvents(ctx, workspaceID, p.ID, store.TimelineFilter{Limit: leadScan})
	if err != nil {
		return nil, fmt.Errorf("lead context: %w", err)
	}
	lc.RecentEvents, lc.RecentPages = recentBehaviour(events)
	raw, err := json.Marshal(lc)
	if err != nil {
		return nil, fmt.Errorf("lead context: encode: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("lead context: decode: %w", err)
	}
	return out, nil
}

// recentBehaviour splits the latest events (newest first) into tracked
// events and page or screen views, at most leadEvents and leadPages of each.
func recentBehaviour(events []store.Event) (tracked, pages []LeadEvent) {
	tracked, pages = []LeadEvent{}, []LeadEvent{}
	for _, e := range events {
		var props map[string]any
		_ = json.Unmarshal(e.Properties, &props)
		le := LeadEvent{Type: e.Type, Name: e.Name, Properties: props, At: e.Timestamp}
		switch {
		case (e.Type == "page" || e.Type == "screen") && len(pages) < leadPages:
			le.URL, _ = props["url"].(string)
			le.Title, _ = props["title"].(string)
			pages = append(pages, le)
		case (e.Type == "track" || e.Type == "") && len(tracked) < leadEvents:
			le.Type = "track"
			tracked = append(tracked, le)
		}
	}
	return tracked, pages
}

// leadStep is a lead step of a run: whose lead, for which journey and
// node, and what carries it ("webhook", or the email's owner address).
type leadStep struct {
	WorkspaceID, CustomerID, JourneyID, RunID, NodeID, Via string
}

// handedOver records lead_handed_over for the customer, once per run (its
// message id names the run, so a retried or second lead step of the same
// run adds nothing). It is stored unrouted, as Tabiji's other events: the
// sweeper routes it to any journey that uses it.
func (a *Activities) handedOver(ctx context.Context, s leadStep, score any) error {
	if s.RunID == "" {
		return nil
	}
	props, err := json.Marshal(map[string]any{"journey_id": s.JourneyID, "node_id": s.NodeID, "via": s.Via, "score": score})
	if err != nil {
		return fmt.Errorf("lead handed over: encode: %w", err)
	}
	_, err = a.emit(ctx, []store.Event{{WorkspaceID: s.WorkspaceID, MessageID: "lead:" + s.RunID, Type: "track",
		UserID: s.CustomerID, Name: scoring.HandedOverEvent, Properties: props, Timestamp: time.Now().UTC()}})
	return err
}

// leadFor reads the lead context of a lead step and records the hand-over.
// A store failure is an error to retry.
func (a *Activities) leadFor(ctx context.Context, s leadStep) (map[string]any, error) {
	lc, err := a.leadContext(ctx, s.WorkspaceID, s.CustomerID)
	if err != nil {
		return nil, err
	}
	if err := a.handedOver(ctx, s, lc["score"]); err != nil {
		return nil, err
	}
	return lc, nil
}

// renderData is what a send's template is rendered with: the run's data
// (templateData), and the lead context on a lead step.
func (a *Activities) renderData(ctx context.Context, in SendInput, unsub string) (msgtemplates.Data, error) {
	d := a.templateData(in, unsub)
	if !in.Lead {
		return d, nil
	}
	via := in.To
	if via == "" {
		via = in.Channel
	}
	lc, err := a.leadFor(ctx, leadStep{in.WorkspaceID, in.CustomerID, in.JourneyID, in.RunID, in.NodeID, via})
	if err != nil {
		return d, errRetry{err}
	}
	d.Lead = lc
	return d, nil
}

// withLead returns a webhook's bindings with the lead context as lead.
func withLead(bindings map[string]any, lc map[string]any) map[string]any {
	b := maps.Clone(bindings)
	b["lead"] = lc
	return b
}

// leadBody puts lc into the rendered body as its lead field: an object
// body keeps its own lead field if it has one; any other body is wrapped
// as {"body": …, "lead": …}.
func leadBody(body any, lc map[string]any) any {
	switch v := body.(type) {
	case map[string]any:
		if _, ok := v["lead"]; !ok {
			v = maps.Clone(v)
			v["lead"] = lc
		}
		return v
	case nil:
		return map[string]any{"lead": lc}
	default:
		return map[string]any{"body": v, "lead": lc}
	}
}

// ownerAddress is the address a send's To gives: To itself, or its Liquid
// rendered with the run's data. A badAddress when it gives no single
// address: such a message is skipped, never sent to the customer.
func ownerAddress(ctx context.Context, in SendInput) (string, error) {
	to := in.To
	if strings.Contains(to, "{{") {
		var err error
		if to, err = liquid.Default().Render(ctx, in.To, in.TemplateData("").Bindings()); err != nil {
			return "", badAddress{"email", fmt.Errorf("to: %w", err)}
		}
		to = strings.TrimSpace(to)
	}
	if a, err := mail.ParseAddress(to); err != nil || a.Address != to {
		return "", badAddress{"email", fmt.Errorf("to gives no email address (%q)", to)}
	}
	return to, nil
}
