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
	KindWait    = "wait"
	KindWaitFor = "wait_for"
	KindSend    = "send"
	KindExit    = "exit"
)

// Channels a send node may name. Until providers are configured every channel
// is delivered to the development outbox.
var Channels = []string{"email", "line", "push", "outbox"}

// Definition is one version of a journey.
type Definition struct {
	Entry Entry  `json:"entry"`
	Start string `json:"start,omitempty"` // first node; the first listed node when empty
	Nodes []Node `json:"nodes"`
}

// Entry says which event brings a customer into the journey.
type Entry struct {
	Event string `json:"event"`
}

// Node is one step of a journey. Which fields apply depends on Kind.
type Node struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Next string `json:"next,omitempty"` // wait, send

	Duration Duration `json:"duration,omitempty"` // wait

	Events    []EventBranch `json:"events,omitempty"`     // wait_for: the outcomes
	Timeout   Duration      `json:"timeout,omitempty"`    // wait_for
	OnTimeout string        `json:"on_timeout,omitempty"` // wait_for: next node when no event came

	Channel  string    `json:"channel,omitempty"`  // send
	Template *Template `json:"template,omitempty"` // send
}

// EventBranch is one outcome of a wait_for node: the event that ends the wait
// and the node that follows it.
type EventBranch struct {
	Event string `json:"event"`
	Next  string `json:"next"`
}

// Template is the content of a send node, in Liquid, rendered with the
// customer, the entry event, the journey and the message.
type Template struct {
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body"`
}

// Duration is a time.Duration written as text: Go's units ("90s", "30m",
// "1h30m") plus whole days ("5d", "2d12h").
type Duration time.Duration

// ParseDuration reads "30m", "20s", "5d" or "2d12h".
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
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
// then those its wait_for nodes wait for. The API signals only runs of
// journeys whose list holds the event.
func (d *Definition) Events() []string {
	names := []string{d.Entry.Event}
	seen := map[string]bool{d.Entry.Event: true}
	for _, n := range d.Nodes {
		for _, b := range n.Events {
			if !seen[b.Event] {
				seen[b.Event] = true
				names = append(names, b.Event)
			}
		}
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
	Timestamp  time.Time      `json:"timestamp"`
}
