package engagement

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// Deps is what a Recorder needs: the API's own pipeline, so engagement
// events take the same path as tracked ones.
type Deps struct {
	Store    *store.Store
	Pipeline *ingest.Pipeline
	Temporal client.Client // nil: no run is signalled (tests of the store side)
	Logger   *slog.Logger
}

// Recorder records engagement reports (Record).
type Recorder struct{ Deps }

// New returns a Recorder over d.
func New(d Deps) *Recorder {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Recorder{Deps: d}
}

// Report is one thing reported about a sent message or its customer.
type Report struct {
	WorkspaceID string
	// Source and EventID identify the report: "sendgrid" and sg_event_id,
	// "line" and webhookEventId, "click" and the click's own ID. Together
	// they are the stored event's messageId, so a report made twice (a
	// provider's retry) is stored, scored and signalled once.
	Source, EventID string
	Name            string // one of Names
	// MessageID is Tabiji's message the report is about, "" when it names
	// none; Status is the status the message moves to ("" leaves it).
	MessageID, Status string
	ProviderEvent     string          // the provider's name for it ("open")
	ProviderMessageID string          // the provider's ID of the message, kept on it
	Detail            json.RawMessage // what the provider said, for the message's history
	// CustomerID is the customer when no message names one (a LINE
	// follow); else Address, the customer's address on the channel (an
	// email address, a LINE user ID, a push token) finds the profile.
	CustomerID, Address string
	Channel             string // email, line, push or sms; the message's when empty
	At                  time.Time
	Properties          map[string]any // added to channel, message_id, journey_id, node_id and provider_event
}

// Outcome is what Record did.
type Outcome struct {
	Message    store.LoggedMessage // the message, empty when the report names none of the workspace
	CustomerID string              // "" when nobody could be named: no event was stored
	Stored     bool                // the customer's event was stored now (not before, not refused)
}

// Record moves the message's status (its history keeps the report), stores
// the event of the customer through the ingestion pipeline and signals the
// run that sent the message (other journeys hear it through routing, as
// any event). Each step is idempotent, so a caller that failed half-way may
// call it again with the same report. An event the pipeline cannot take
// (too large, or refused by a taxonomy that redefines the name) is logged:
// the message's status stands. A message that went to the shop's own
// address (store.Message.Recipient) only moves: nobody gets the event.
func (r *Recorder) Record(ctx context.Context, rep Report) (Outcome, error) {
	outs, err := r.RecordAll(ctx, []Report{rep})
	return outs[0], err
}

// RecordAll records reports of one workspace as Record does, in order,
// storing their customers' events in one call of the pipeline (one
// transaction, as a batch of track calls) rather than one each: a
// provider's delivery of many events pays one commit for their events.
// Stored is set on every outcome whose event went in when all of them
// were new (the pipeline counts what it stored; it does not name it).
func (r *Recorder) RecordAll(ctx context.Context, reps []Report) ([]Outcome, error) {
	outs := make([]Outcome, len(reps))
	evs := make([]journey.Event, len(reps))
	var calls []ingest.Message
	var submitted []int
	for i, rep := range reps {
		if rep.At.IsZero() {
			rep.At = time.Now().UTC()
		}
		out, err := r.resolve(ctx, rep)
		outs[i] = out
		if err != nil || out.CustomerID == "" {
			if err != nil {
				return outs, err
			}
			continue
		}
		evs[i] = event(rep, out.Message)
		if call, ok := r.call(rep.WorkspaceID, out.CustomerID, evs[i]); ok {
			calls, submitted = append(calls, call), append(submitted, i)
		}
	}
	if len(calls) > 0 {
		stored, err := r.submit(ctx, reps[0].WorkspaceID, calls)
		if err != nil {
			return outs, err
		}
		for _, i := range submitted {
			outs[i].Stored = stored == len(calls)
		}
	}
	for i, out := range outs {
		if msg := out.Message; msg.JourneyID != "" && msg.WorkflowID != "" && r.Temporal != nil && evs[i].Name != "" {
			// The sending run hears it even when routing would not name it (a
			// run keyed by a cart); it drops the second copy routing may bring.
			if _, err := workflows.SignalEvent(ctx, r.Temporal, msg.WorkflowID, evs[i]); err != nil {
				return outs, fmt.Errorf("engagement: signal the sending run: %w", err)
			}
		}
	}
	return outs, nil
}

// resolve records the report on its message and finds its customer.
func (r *Recorder) resolve(ctx context.Context, rep Report) (Outcome, error) {
	msg, err := r.message(ctx, rep)
	if err != nil {
		return Outcome{}, err
	}
	if msg.Recipient != "" {
		// A message to the shop's own address (a sales owner's lead alert):
		// its opens and clicks are the owner's, not the customer's.
		return Outcome{Message: msg}, nil
	}
	out := Outcome{Message: msg, CustomerID: cmp.Or(msg.CustomerID, rep.CustomerID)}
	if out.CustomerID == "" && rep.Address != "" {
		id, err := r.Store.CustomerByAddress(ctx, rep.WorkspaceID, cmp.Or(rep.Channel, msg.Channel), rep.Address)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return out, fmt.Errorf("engagement: find the customer by address: %w", err)
		}
		out.CustomerID = id
	}
	return out, nil
}

// message records the report on its message and returns the message, empty
// when the report names none of the workspace's.
func (r *Recorder) message(ctx context.Context, rep Report) (store.LoggedMessage, error) {
	if rep.MessageID == "" {
		return store.LoggedMessage{}, nil
	}
	if rep.Status == "" {
		msg, _, err := r.Store.LoggedMessageByID(ctx, rep.WorkspaceID, rep.MessageID)
		if errors.Is(err, store.ErrNotFound) {
			return store.LoggedMessage{}, nil
		}
		return msg, err
	}
	msg, _, err := r.Store.RecordMessageEvent(ctx, store.MessageEvent{WorkspaceID: rep.WorkspaceID,
		EventID: rep.Source + ":" + rep.EventID, MessageID: rep.MessageID, Status: rep.Status,
		ProviderEvent: cmp.Or(rep.ProviderEvent, rep.Name), At: rep.At, Detail: rep.Detail, ProviderID: rep.ProviderMessageID})
	if errors.Is(err, store.ErrNotFound) {
		return store.LoggedMessage{}, nil
	}
	if err != nil {
		return store.LoggedMessage{}, fmt.Errorf("engagement: record on the message: %w", err)
	}
	return msg, nil
}

// event is the report as the journey event the customer's event becomes.
func event(rep Report, msg store.LoggedMessage) journey.Event {
	props := map[string]any{"channel": cmp.Or(rep.Channel, msg.Channel)}
	for k, v := range map[string]string{"message_id": msg.ID, "journey_id": msg.JourneyID, "node_id": msg.NodeID,
		"provider_event": rep.ProviderEvent} {
		if v != "" {
			props[k] = v
		}
	}
	if id, ok := workflows.BroadcastOf(rep.WorkspaceID, msg.WorkflowID); ok && msg.JourneyID == "" {
		// A broadcast's reader: a follow-up journey can enter on it.
		props["broadcast_id"], props["node_id"] = id, "broadcast"
	}
	maps.Copy(props, rep.Properties)
	return journey.Event{MessageID: reportID(rep), Name: rep.Name, Properties: props, Timestamp: rep.At}
}

// maxReportID is the longest messageId ingestion takes.
const maxReportID = 200

// reportID is the stored event's messageId: Source:EventID, or the hash of
// EventID when that is too long for a messageId (a message ID holding a
// long customer ID).
func reportID(rep Report) string {
	id := rep.Source + ":" + rep.EventID
	if len(id) <= maxReportID {
		return id
	}
	sum := sha256.Sum256([]byte(rep.EventID))
	return rep.Source + ":" + hex.EncodeToString(sum[:])
}

// call is the event as a track call of the customer; ok is false (and it
// is logged) when it is not a valid one (a reply's text too long for an
// event, say).
func (r *Recorder) call(ws, customer string, ev journey.Event) (ingest.Message, bool) {
	raw, err := json.Marshal(map[string]any{"userId": customer, "event": ev.Name, "messageId": ev.MessageID,
		"timestamp": ev.Timestamp, "properties": ev.Properties})
	if err == nil {
		var call ingest.Message
		if call, err = ingest.Decode(ingest.Track, raw, time.Now().UTC()); err == nil {
			return call, true
		}
	}
	r.Logger.Warn("engagement event not stored: not a valid call", "workspace", ws, "event", ev.Name, "error", err)
	return ingest.Message{}, false
}

// submit stores the calls through the pipeline; it returns how many were
// stored now.
func (r *Recorder) submit(ctx context.Context, ws string, calls []ingest.Message) (int, error) {
	res, err := r.Pipeline.Submit(ctx, ws, calls)
	if err != nil {
		return 0, fmt.Errorf("engagement: store %d events: %w", len(calls), err)
	}
	if res.RouteErr != nil || len(res.Rejected) > 0 || res.Quarantined > 0 {
		// Stored and left for the sweeper, or refused by a taxonomy that
		// redefines the name: either way not the provider's to retry.
		r.Logger.Warn("engagement events not routed or not let in", "workspace", ws,
			"error", res.RouteErr, "rejected", res.Rejected, "quarantined", res.Quarantined)
	}
	return res.Stored, nil
}

// Click records a click on a tracked link (package clicks) as
// <channel>_clicked with its url: each click is one event, under an ID of
// its own; the message, when the link names one of the workspace's, moves
// to clicked.
func (r *Recorder) Click(ctx context.Context, workspaceID, customerID, messageID, channel, url string) (Outcome, error) {
	name := Clicked(channel)
	if name == "" {
		return Outcome{}, fmt.Errorf("engagement: no click event on channel %q", channel)
	}
	return r.Record(ctx, Report{WorkspaceID: workspaceID, Source: "click", EventID: rand.Text(), Name: name,
		MessageID: messageID, Status: "clicked", ProviderEvent: "click", CustomerID: customerID, Channel: channel,
		Properties: map[string]any{"url": url}})
}
