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
// the message's status stands.
func (r *Recorder) Record(ctx context.Context, rep Report) (Outcome, error) {
	if rep.At.IsZero() {
		rep.At = time.Now().UTC()
	}
	msg, err := r.message(ctx, rep)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Message: msg, CustomerID: cmp.Or(msg.CustomerID, rep.CustomerID)}
	if out.CustomerID == "" && rep.Address != "" {
		id, err := r.Store.CustomerByAddress(ctx, rep.WorkspaceID, cmp.Or(rep.Channel, msg.Channel), rep.Address)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return out, fmt.Errorf("engagement: find the customer by address: %w", err)
		}
		out.CustomerID = id
	}
	if out.CustomerID == "" {
		return out, nil
	}
	ev := event(rep, msg)
	if out.Stored, err = r.store(ctx, rep.WorkspaceID, out.CustomerID, ev); err != nil {
		return out, err
	}
	if msg.JourneyID != "" && msg.WorkflowID != "" && r.Temporal != nil {
		// The sending run hears it even when routing would not name it (a
		// run keyed by a cart); it drops the second copy routing may bring.
		if _, err := workflows.SignalEvent(ctx, r.Temporal, msg.WorkflowID, ev); err != nil {
			return out, fmt.Errorf("engagement: signal the sending run: %w", err)
		}
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

// store submits the event as a track call of the customer; it says whether
// the event was stored now.
func (r *Recorder) store(ctx context.Context, ws, customer string, ev journey.Event) (bool, error) {
	raw, err := json.Marshal(map[string]any{"userId": customer, "event": ev.Name, "messageId": ev.MessageID,
		"timestamp": ev.Timestamp, "properties": ev.Properties})
	if err != nil {
		return false, fmt.Errorf("engagement: encode %s: %w", ev.Name, err)
	}
	call, err := ingest.Decode(ingest.Track, raw, time.Now().UTC())
	if err != nil {
		r.Logger.Warn("engagement event not stored: not a valid call", "workspace", ws, "event", ev.Name, "error", err)
		return false, nil
	}
	res, err := r.Pipeline.Submit(ctx, ws, []ingest.Message{call})
	if err != nil {
		return false, fmt.Errorf("engagement: store %s: %w", ev.Name, err)
	}
	if res.RouteErr != nil || len(res.Rejected) > 0 || res.Quarantined > 0 {
		// Stored and left for the sweeper, or refused by a taxonomy that
		// redefines the name: either way not the provider's to retry.
		r.Logger.Warn("engagement event not routed or not let in", "workspace", ws, "event", ev.Name,
			"error", res.RouteErr, "rejected", res.Rejected, "quarantined", res.Quarantined)
	}
	return res.Stored > 0, nil
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
