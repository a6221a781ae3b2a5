package broadcasts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
)

// Draft is a broadcast as its author writes it: to a segment, on a
// channel, with a stored template or inline content.
type Draft struct {
	ID, Name         string
	Segment, Channel string
	Template         string          // a stored message template's ID, or
	Content          json.RawMessage // inline content in the template format
	Topic            string
	QuietHours       *journey.QuietHours
	// Transactional: not advertising, so the advertising-mail policy's
	// opt-in rule and sender block do not apply.
	Transactional bool
	// ABTest sends variants to a share of the audience and the winner to
	// the rest; nil for none.
	ABTest *ABTest
}

// Create stores a draft broadcast of the workspace once its fields hold,
// checked in this order: the segment (given, and the workspace's), the
// channel, a template or content (not both), the template (the
// workspace's, on the channel), the quiet hours, the A/B test, the content. A fault is a
// store.Refusal naming the field (ErrMalformed, or ErrInvalid for a
// segment or template the workspace lacks); a taken id is store.ErrConflict.
func (s *Scheduler) Create(ctx context.Context, workspaceID string, d Draft) (store.Broadcast, error) {
	b := store.Broadcast{WorkspaceID: workspaceID, ID: d.ID, Name: d.Name, SegmentID: d.Segment, Channel: d.Channel,
		TemplateID: d.Template, Topic: d.Topic, Transactional: d.Transactional}
	if err := s.checkDraft(ctx, workspaceID, d); err != nil {
		return b, err
	}
	if d.Template == "" {
		content, err := store.TemplateContent(d.Channel, d.Content)
		if err != nil {
			return b, err
		}
		b.Content = content
	}
	if d.QuietHours != nil {
		b.QuietHours, _ = json.Marshal(d.QuietHours)
	}
	if d.ABTest != nil {
		b.ABTest, _ = json.Marshal(d.ABTest)
	}
	return s.Store.CreateBroadcast(ctx, b)
}

// checkDraft checks the draft's segment, channel, content source, template
// and quiet hours.
func (s *Scheduler) checkDraft(ctx context.Context, workspaceID string, d Draft) error {
	if d.Segment == "" {
		return malformed("segment", "is required: the ID of the segment to send to")
	}
	if _, err := s.Store.GetSegment(ctx, workspaceID, d.Segment); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return store.Refuse(store.ErrInvalid, "no segment "+d.Segment, jsonfields.Error{Field: "segment", Message: "no such segment"})
		}
		return err
	}
	switch d.Channel {
	case "email", "line", "push":
	default:
		return malformed("channel", "must be email, line or push")
	}
	if (d.Template == "") == (len(d.Content) == 0) {
		return malformed("template", "give either template (a stored message template's ID) or content, not both or neither")
	}
	if err := s.checkTemplate(ctx, workspaceID, d.Channel, "template", d.Template); err != nil {
		return err
	}
	if err := quietHoursFault(d.QuietHours); err != nil {
		return err
	}
	if err := checkABTest(d.Channel, d.ABTest); err != nil || d.ABTest == nil {
		return err
	}
	for i, v := range d.ABTest.Variants {
		if err := s.checkTemplate(ctx, workspaceID, d.Channel, fmt.Sprintf("abTest.variants[%d].template", i), v.Template); err != nil {
			return err
		}
	}
	return nil
}

// checkTemplate checks that id, when given, is a stored template of the
// workspace on the channel; a fault names field.
func (s *Scheduler) checkTemplate(ctx context.Context, workspaceID, channel, field, id string) error {
	if id == "" {
		return nil
	}
	t, err := s.Store.GetMessageTemplate(ctx, workspaceID, id, 0)
	if err == nil && t.Channel != channel {
		err = store.ErrNotFound // a template of another channel is none of this one
	}
	if errors.Is(err, store.ErrNotFound) {
		return store.Refuse(store.ErrInvalid, "no "+channel+" template "+id,
			jsonfields.Error{Field: field, Message: "no such template on channel " + channel})
	}
	return err
}

// quietHoursFault checks "HH:MM" times that differ and an IANA zone; a
// broadcast always holds (never skips) a message in quiet hours.
func quietHoursFault(q *journey.QuietHours) error {
	if q == nil {
		return nil
	}
	for _, f := range []struct{ field, v string }{{"quietHours.start", q.Start}, {"quietHours.end", q.End}} {
		if _, err := time.Parse("15:04", f.v); err != nil {
			return malformed(f.field, "must be a time of day such as 21:00")
		}
	}
	switch {
	case q.Start == q.End:
		return malformed("quietHours.end", "must differ from start")
	case !validZone(q.Timezone):
		return malformed("quietHours.timezone", "must be an IANA time zone such as Asia/Tokyo")
	case q.Action != "" && q.Action != journey.QuietWait:
		return malformed("quietHours.action", "must be wait (a broadcast holds messages until quiet hours end)")
	}
	return nil
}

func validZone(name string) bool {
	_, err := time.LoadLocation(name)
	return err == nil
}

// malformed refuses a request whose field is missing or wrong, as a 400
// names it.
func malformed(field, message string) error {
	return store.Refuse(store.ErrMalformed, field+": "+message, jsonfields.Error{Field: field, Message: message})
}
