// Package journey holds the journey definition: the data a marketer writes
// and the generic journey workflow interprets. A definition is an entry event
// and a graph of nodes; it is validated here, before it is ever stored.
package journey

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Node kinds understood by the interpreter.
const (
	KindWait          = "wait"
	KindWaitUntil     = "wait_until"
	KindWaitFor       = "wait_for"
	KindBranch        = "branch"
	KindSplit         = "split"
	KindSend          = "send"
	KindUpdateProfile = "update_profile"
	KindWebhook       = "webhook"
	KindExit          = "exit"
)

// Kinds lists every node kind, in the order the documentation gives them.
var Kinds = []string{KindWait, KindWaitUntil, KindWaitFor, KindBranch, KindSplit, KindSend, KindUpdateProfile, KindWebhook, KindExit}

// Channels a send node may name. Until providers are configured every channel
// is delivered to the development outbox.
var Channels = []string{"email", "line", "push", "sms", "outbox"}

// Definition is one version of a journey: how customers enter, the graph of
// nodes they walk, and the rules that hold at every step.
type Definition struct {
	Entry Entry  `json:"entry"`
	Start string `json:"start,omitempty"` // first node; the first listed node when empty
	Nodes []Node `json:"nodes"`

	// Timezone is the IANA zone used when a customer's profile has none
	// (wait_until, quiet hours); UTC when empty.
	Timezone string `json:"timezone,omitempty"`
	// Variables are constants of the journey, seen by CEL as journey.<name>
	// and by Liquid as journey.variables.<name>.
	Variables    map[string]any `json:"variables,omitempty"`
	Reentry      *Reentry       `json:"reentry,omitempty"`
	ExitCriteria *ExitCriteria  `json:"exit_criteria,omitempty"`
	Goal         *Goal          `json:"goal,omitempty"`
	QuietHours   *QuietHours    `json:"quiet_hours,omitempty"`
	// Holdout keeps a share of entrants from every send of the journey, to
	// measure its incremental effect.
	Holdout *Holdout `json:"holdout,omitempty"`
	// LinkTracking adds UTM parameters to the links of the journey's
	// messages and can put email links through Tabiji's redirect too.
	LinkTracking *LinkTracking `json:"link_tracking,omitempty"`
	// LineBudget caps the journey's LINE messages a month: once spent,
	// its sends go on the next channel of their order (email, push).
	LineBudget *LineBudget `json:"line_budget,omitempty"`
}

// LineBudget is a journey's monthly LINE budget, counted in messages in
// LINE's month (Japan time), as LINE bills them.
type LineBudget struct {
	Monthly int `json:"monthly"`
}

// MaxLineBudget bounds LineBudget.Monthly.
const MaxLineBudget = 100_000_000

// LinkTracking is how the links of a journey's messages are tracked. Links
// in LINE, push and SMS messages always go through Tabiji's signed redirect
// (package clicks), which records <channel>_clicked.
type LinkTracking struct {
	// UTM parameters added to every tracked link that lacks them:
	// utm_source, utm_medium, utm_campaign, utm_term, utm_content.
	UTM map[string]string `json:"utm,omitempty"`
	// Email puts email links through the redirect too; off by default, as
	// SendGrid tracks email clicks itself (email_clicked either way).
	Email bool `json:"email,omitempty"`
}

// UTMParameters are the names LinkTracking.UTM takes.
var UTMParameters = []string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"}

// Entry says what brings a customer into the journey: an event, or an API
// call (POST /v1/journeys/{id}/enter) whose payload the run sees as the
// entry event's properties.
type Entry struct {
	Event string `json:"event,omitempty"`
	// Filter is a CEL condition over event and profile; an event for which
	// it is false enters nobody.
	Filter string `json:"filter,omitempty"`
	// CorrelationKey is a path into the entry event ("properties.cart_id"):
	// one customer has one run per distinct value (one run per cart).
	CorrelationKey string `json:"correlation_key,omitempty"`
	// API makes the journey entered by API call only, never by an event.
	API bool `json:"api,omitempty"`
	// Segment enters customers when they join the segment with this ID
	// (Tabiji emits segment_entered); Event and Filter are filled in from it.
	Segment string `json:"segment,omitempty"`
	// ExitOnLeave ends a segment-entered run when the customer leaves the
	// segment (on segment_exited).
	ExitOnLeave bool `json:"exit_on_leave,omitempty"`
	// Date enters customers when a date trait is reached (Tabiji emits
	// date_reached); Event and Filter are filled in from it.
	Date *DateTrigger `json:"date,omitempty"`
}

// APIEntryEvent is the name of the entry event of a run entered by API call.
const APIEntryEvent = "api_entry"

// Node is one step of a journey. Which fields apply depends on Kind.
type Node struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Next string `json:"next,omitempty"` // wait, wait_until, send, update_profile, webhook

	Duration Duration `json:"duration,omitempty"` // wait

	// wait_until: a time of day (At) on allowed Weekdays, or, with
	// Property, a time relative to a date trait.
	At       string   `json:"at,omitempty"`       // "09:00" in the customer's zone
	Weekdays []string `json:"weekdays,omitempty"` // "mon".."sun"; every day when empty
	Property string   `json:"property,omitempty"` // a date trait, as in "renewal_date"
	Offset   Duration `json:"offset,omitempty"`   // before (negative) or after the date: "-3d"
	Yearly   bool     `json:"yearly,omitempty"`   // the date's next anniversary (birthdays)

	Events    []EventBranch `json:"events,omitempty"`     // wait_for: the outcomes
	Timeout   Duration      `json:"timeout,omitempty"`    // wait_for
	OnTimeout string        `json:"on_timeout,omitempty"` // wait_for: next node when no event came

	Cases   []Case `json:"cases,omitempty"`   // branch: the first true case wins
	Default string `json:"default,omitempty"` // branch: next node when no case holds

	Variants []Variant `json:"variants,omitempty"` // split
	Control  *Control  `json:"control,omitempty"`  // split: the hold-out group

	Channel string `json:"channel,omitempty"` // send
	// Channels is an ordered fallback ("line", "email"): the message goes
	// on the first channel the customer has an address for. It takes the
	// place of Channel and FallbackChannel; Template is the content on the
	// first, FallbackTemplate (when given) on every later one.
	Channels        []string  `json:"channels,omitempty"`         // send
	Template        *Template `json:"template,omitempty"`         // send: the content on Channel (inline content serves the fallback too)
	FallbackChannel string    `json:"fallback_channel,omitempty"` // send: when the first has no address
	// FallbackTemplate is the content on FallbackChannel; required when
	// Template names a stored template, which holds one channel's content.
	FallbackTemplate *Template `json:"fallback_template,omitempty"` // send
	// Topic is the consent topic of the message ("promotions"): a customer
	// who opted out of it, or of the whole channel, is not sent it.
	Topic string `json:"topic,omitempty"` // send
	// Transactional marks a send (a receipt, a password reset) that frequency
	// caps do not hold back; consent and suppression still apply.
	Transactional bool `json:"transactional,omitempty"` // send

	ProfileUpdate // update_profile: set, unset, increment, add_tags, remove_tags

	URL     string            `json:"url,omitempty"`     // webhook
	Body    any               `json:"body,omitempty"`    // webhook: JSON whose strings are Liquid
	Headers map[string]string `json:"headers,omitempty"` // webhook
	// Recipient names the third party a webhook sends the customer's data
	// to ("Acme Analytics Inc."), as the records of third-party provision
	// say (APPI); the URL's host when empty.
	Recipient string `json:"recipient,omitempty"` // webhook

	// Lead hands the customer to sales: the step sees the customer's lead
	// context (profile, lead score and its history, recent events and
	// pages) as lead in Liquid, a webhook's JSON body gets it as its lead
	// field, and the run's first such step records lead_handed_over.
	Lead bool `json:"lead,omitempty"` // send, webhook
	// To sends an email to the shop's own address (a sales owner) instead
	// of the customer's: the customer's consent, caps and unsubscribe link
	// are not the owner's, and the owner's opens are not the customer's.
	// It is an address or Liquid that gives one at send time
	// ("{{ journey.variables.owner_email }}"); when it gives none, the
	// message is skipped, never sent to the customer.
	To string `json:"to,omitempty"` // send, on email only
}

// EventBranch is one outcome of a wait_for node: the event that ends the
// wait, an optional CEL condition it must meet, and the node that follows.
type EventBranch struct {
	Event string `json:"event"`
	Match string `json:"match,omitempty"`
	Next  string `json:"next"`
}

// Case is one arm of a branch node: a CEL condition and where it leads.
type Case struct {
	Name      string `json:"name,omitempty"`
	Condition string `json:"condition"`
	Next      string `json:"next"`
}

// Variant is one arm of a split node, taken by a stable share of customers
// proportional to its weight.
type Variant struct {
	Name   string `json:"name"`
	Weight int    `json:"weight"`
	Next   string `json:"next"`
}

// Control is a split's hold-out group: customers who get none of the
// variants, to measure uplift against.
type Control struct {
	Weight int    `json:"weight"`
	Next   string `json:"next"`
}

// ControlVariant is the variant name a run assigned to the control group has.
const ControlVariant = "control"

// ProfileUpdate is what an update_profile node does to the customer's profile.
type ProfileUpdate struct {
	Set        map[string]any     `json:"set,omitempty"`
	Unset      []string           `json:"unset,omitempty"`
	Increment  map[string]float64 `json:"increment,omitempty"`
	AddTags    []string           `json:"add_tags,omitempty"`
	RemoveTags []string           `json:"remove_tags,omitempty"`
}

// Template is the content of a send node: either inline Liquid (Subject and
// Body), rendered with the customer, the entry event, the journey and the
// message, or the Name of a stored template.
type Template struct {
	Name    string `json:"name,omitempty"`
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body,omitempty"`
}

// ChannelOrder is the channels a send node tries, in order: Channels, or
// Channel then FallbackChannel.
func (n Node) ChannelOrder() []string {
	if len(n.Channels) > 0 {
		return n.Channels
	}
	if n.FallbackChannel != "" {
		return []string{n.Channel, n.FallbackChannel}
	}
	if n.Channel != "" {
		return []string{n.Channel}
	}
	return nil
}

// TemplateFor is the content a send node sends on channel: the fallback
// template when the message goes out on a channel after the first and the
// node has one, else the node's template.
func (n Node) TemplateFor(channel string) Template {
	if order := n.ChannelOrder(); len(order) > 0 && channel != order[0] && n.FallbackTemplate != nil {
		return *n.FallbackTemplate
	}
	if n.Template == nil {
		return Template{}
	}
	return *n.Template
}

// Duration is a time.Duration written as text: Go's units ("90s", "30m",
// "1h30m") plus whole days ("5d", "2d12h").
type Duration time.Duration

// ParseDuration reads "30m", "20s", "5d" or "2d12h"; a leading "-" makes it
// negative ("-3d": three days before), which only offsets accept.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "-"); ok && rest != "" && rest[0] != '-' {
		d, err := ParseDuration(rest)
		return -d, err
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid duration %q: days must be a whole number, as in \"5d\"", s)
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
		if s == "" {
			return Duration(days), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: use units s, m, h or d, as in \"30m\" or \"5d\"", s)
	}
	return Duration(days + d), nil
}

// String writes the duration back in the form ParseDuration reads.
func (d Duration) String() string {
	if d < 0 {
		return "-" + (-d).String()
	}
	td := time.Duration(d)
	if days := td / (24 * time.Hour); days > 0 && td%(24*time.Hour) == 0 {
		return strconv.Itoa(int(days)) + "d"
	}
	return td.String()
}

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads the duration from text.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"30m\" or \"5d\"")
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Node returns the node with the given ID.
func (d *Definition) Node(id string) (Node, bool) {
	for _, n := range d.Nodes {
		if n.ID == id {
			return n, true
		}
	}
	return Node{}, false
}

// StartNode is the ID of the node a run begins at.
func (d *Definition) StartNode() string {
	if d.Start != "" || len(d.Nodes) == 0 {
		return d.Start
	}
	return d.Nodes[0].ID
}

// Events lists every event name the journey reacts to: its entry event first,
// then those its wait_for nodes wait for, its exit criteria and its goal.
// The API signals only runs of journeys whose list holds the event.
func (d *Definition) Events() []string {
	var names []string
	seen := map[string]bool{"": true}
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	add(d.Entry.Event)
	for _, n := range d.Nodes {
		for _, b := range n.Events {
			add(b.Event)
		}
	}
	if d.ExitCriteria != nil {
		for _, e := range d.ExitCriteria.Events {
			add(e.Event)
		}
	}
	if d.Goal != nil {
		add(d.Goal.Event)
	}
	return names
}

// successors lists the nodes a node can lead to.
func (n Node) successors() []string {
	switch n.Kind {
	case KindWaitFor:
		next := []string{n.OnTimeout}
		for _, b := range n.Events {
			next = append(next, b.Next)
		}
		return next
	case KindBranch:
		next := []string{n.Default}
		for _, c := range n.Cases {
			next = append(next, c.Next)
		}
		return next
	case KindSplit:
		var next []string
		for _, v := range n.Variants {
			next = append(next, v.Next)
		}
		if n.Control != nil {
			next = append(next, n.Control.Next)
		}
		return next
	case KindExit:
		return nil
	default:
		return []string{n.Next}
	}
}

// Event is a customer event as a journey sees it: what brought the customer
// in, or what a waiting run was told about.
type Event struct {
	MessageID  string         `json:"messageId"`
	Name       string         `json:"event"`
	Properties map[string]any `json:"properties,omitempty"`
	// Context is the part of the call's context that says where the visitor
	// came from (webcapture.JourneyContext): campaign, page, referrer,
	// device, os, userAgent, locale; CEL reads it as event.context.
	Context   map[string]any `json:"context,omitempty"`
	Timestamp time.Time      `json:"timestamp"`
}
