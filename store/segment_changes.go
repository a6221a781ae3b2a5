package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tabiji/tabiji/journey"
)

// SegmentChanges compares, for the given customers, the segment's members
// now with its tracked members: who entered and who left. Ingestion calls
// it on a customer's own events; sweeps call it page by page.
func (s *Store) SegmentChanges(ctx context.Context, workspaceID, segmentID string, ids []string) (entered, exited []string, err error) {
	now, err := s.SegmentContains(ctx, workspaceID, segmentID, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("segment %s members: %w", segmentID, err)
	}
	before, err := s.TrackedMembers(ctx, workspaceID, segmentID, ids)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		switch {
		case now[id] && !before[id]:
			entered = append(entered, id)
		case !now[id] && before[id]:
			exited = append(exited, id)
		}
	}
	return entered, exited, nil
}

// SegmentEvents builds the events for who entered and who left a segment.
func SegmentEvents(workspaceID, segmentID string, entered, exited []string, at time.Time) []Event {
	var events []Event
	for _, id := range entered {
		events = append(events, SegmentEvent(workspaceID, segmentID, id, true, at))
	}
	for _, id := range exited {
		events = append(events, SegmentEvent(workspaceID, segmentID, id, false, at))
	}
	return events
}

// SegmentEvent is the segment_entered (or segment_exited) event of a
// customer, under the messageId seg:<segment>:<customer>:in:<date> (or
// out): one entry and one exit per customer per segment per UTC day.
func SegmentEvent(workspaceID, segmentID, customerID string, entered bool, at time.Time) Event {
	name, dir := journey.SegmentEnteredEvent, "in"
	if !entered {
		name, dir = journey.SegmentExitedEvent, "out"
	}
	props, _ := json.Marshal(map[string]string{"segment": segmentID}) // a string always encodes
	return Event{
		WorkspaceID: workspaceID, MessageID: "seg:" + segmentID + ":" + customerID + ":" + dir + ":" + at.UTC().Format(time.DateOnly),
		Type: "track", UserID: customerID, Name: name, Properties: props, Timestamp: at.UTC(),
	}
}
