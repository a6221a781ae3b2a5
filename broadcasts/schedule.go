// Package broadcasts schedules broadcasts (one message to a segment, sent
// by workflows.Broadcast): the checks a broadcast passes before it is sent
// (its status, the advertising-mail policy, the month's LINE quota), its
// send time in the workspace's zone, the template version it pins, its
// row and its workflow, as one call for the API.
package broadcasts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/lineusage"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// Scheduler schedules broadcasts.
type Scheduler struct {
	Store     *store.Store
	Temporal  client.Client
	TaskQueue string
	// Channels gives each workspace's LINE sender, whose quota a LINE
	// broadcast is checked against.
	Channels *settings.Resolver
}

// Request is what scheduling asks for.
type Request struct {
	// SendAt is an RFC 3339 time, or a local time with no offset
	// ("2026-12-08T10:00") read in the workspace's zone; now when empty
	// or past.
	SendAt string
	// AllowOverQuota schedules a LINE broadcast whose audience is past
	// what remains of the month's LINE quota.
	AllowOverQuota bool
}

// Scheduled is the broadcast scheduled, with the quota warning of a LINE
// broadcast sent past the month's allowance.
type Scheduled struct {
	Broadcast    store.Broadcast
	QuotaWarning string
}

// Schedule starts the broadcast's workflow, which sends at the request's
// send time, or moves the send time of one still waiting. SignalWithStart
// makes both one call: the reschedule signal starts the workflow or
// reaches it. The row is marked scheduled first: a workflow started first
// can mark it sending before the row is written, and a "now" broadcast
// would then be refused as begun meanwhile although it is this call that
// began it. If Temporal then fails, the row stays scheduled with no run,
// and scheduling again (allowed while scheduled) starts it. Refusals are
// store.Refusals.
func (s *Scheduler) Schedule(ctx context.Context, workspaceID, id string, req Request) (Scheduled, error) {
	b, err := s.Store.GetBroadcast(ctx, workspaceID, id)
	if errors.Is(err, store.ErrNotFound) {
		return Scheduled{}, store.Refuse(store.ErrNotFound, "no broadcast "+id)
	}
	if err != nil {
		return Scheduled{}, err
	}
	if b.Status != store.BroadcastDraft && b.Status != store.BroadcastScheduled {
		return Scheduled{}, store.Refuse(store.ErrConflict, "broadcast "+b.ID+" is "+b.Status+": only a draft or a scheduled broadcast can be scheduled")
	}
	if err := s.Store.CheckBroadcastAdvertising(ctx, b); err != nil {
		return Scheduled{}, err
	}
	sendAt, err := s.sendTime(ctx, workspaceID, req.SendAt)
	if err != nil {
		return Scheduled{}, err
	}
	var warning string
	if b.Channel == "line" {
		if warning, err = s.lineQuotaCheck(ctx, b, req.AllowOverQuota); err != nil {
			return Scheduled{}, err
		}
	}
	sched, err := s.spec(ctx, b, sendAt)
	if err != nil {
		return Scheduled{}, err
	}
	b, err = s.Store.ScheduleBroadcast(ctx, sched.WorkspaceID, sched.BroadcastID, sendAt)
	if errors.Is(err, store.ErrConflict) {
		return Scheduled{}, store.Refuse(store.ErrConflict, "broadcast "+sched.BroadcastID+" began sending meanwhile: its send time stays")
	}
	if err != nil {
		return Scheduled{}, err
	}
	if err := workflows.ScheduleBroadcast(ctx, s.Temporal, s.TaskQueue, sched); err != nil {
		return Scheduled{}, err
	}
	return Scheduled{Broadcast: b, QuotaWarning: warning}, nil
}

// sendAtLayouts are the local times a sendAt may be without an offset.
var sendAtLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"}

// sendTime reads a sendAt: an RFC 3339 time, or a local time in the
// workspace's zone; now when empty or past.
func (s *Scheduler) sendTime(ctx context.Context, workspaceID, raw string) (time.Time, error) {
	at, err := s.parseSendAt(ctx, workspaceID, raw)
	if err != nil {
		return at, err
	}
	if now := time.Now().UTC(); !at.After(now) {
		return now, nil
	}
	return at.UTC(), nil
}

// parseSendAt reads a sendAt; zero when empty.
func (s *Scheduler) parseSendAt(ctx context.Context, workspaceID, raw string) (time.Time, error) {
	if raw == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return t, nil
	}
	tz, err := s.Store.WorkspaceTimezone(ctx, workspaceID)
	if err != nil {
		return time.Time{}, err
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.Time{}, fmt.Errorf("broadcasts: load the workspace's zone %q: %w", tz, err)
	}
	for _, layout := range sendAtLayouts {
		if t, err := time.ParseInLocation(layout, raw, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, store.Refuse(store.ErrInvalid, "sendAt: must be an RFC 3339 time or a local time such as 2026-12-08T10:00",
		jsonfields.Error{Field: "sendAt", Message: "must be an RFC 3339 time (2026-12-08T10:00:00+09:00) or a local time in the workspace's zone (2026-12-08T10:00)"})
}

// lineQuotaCheck compares a LINE broadcast's audience with what remains
// of the month before it is scheduled. Over the quota it refuses (naming
// allowOverQuota and the numbers) unless allow is set, and then returns
// the warning to show. A workspace without LINE credentials sends to the
// outbox: nothing to check.
func (s *Scheduler) lineQuotaCheck(ctx context.Context, b store.Broadcast, allow bool) (string, error) {
	sender, err := s.Channels.LINE(ctx, b.WorkspaceID)
	if errors.Is(err, settings.ErrNotConfigured) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	audience, err := s.Store.CountSegmentLINEUsers(ctx, b.WorkspaceID, b.SegmentID)
	if errors.Is(err, store.ErrNotFound) {
		return "", store.Refuse(store.ErrInvalid, "the broadcast's segment "+b.SegmentID+" is gone", jsonfields.Error{Field: "segment", Message: "no such segment"})
	}
	if err != nil {
		return "", err
	}
	u, err := lineusage.Read(ctx, sender, time.Now())
	if err != nil {
		if allow {
			return "LINE's quota could not be read (" + err.Error() + "); scheduled as allowOverQuota asked", nil
		}
		return "", store.Refuse(store.ErrUnavailable, "LINE's quota could not be read, so the broadcast's "+strconv.FormatInt(audience, 10)+
			" LINE users cannot be checked against it: try again, or schedule with allowOverQuota true: "+err.Error())
	}
	short := lineusage.Check(u, audience)
	switch {
	case short == nil:
		return "", nil
	case allow:
		return short.Error(), nil
	}
	return "", store.Refuse(store.ErrInvalid, short.Error(), jsonfields.Error{Field: "allowOverQuota",
		Message: "must be true to send past the month's LINE quota: " + strconv.FormatInt(short.Over(), 10) +
			" messages would be billed (audience " + strconv.FormatInt(audience, 10) + ", remaining " + strconv.FormatInt(u.Remain, 10) + ")"})
}

// spec is what the workflow sends, the template's version pinned now so
// that editing the template does not change a broadcast under way.
func (s *Scheduler) spec(ctx context.Context, b store.Broadcast, sendAt time.Time) (workflows.BroadcastSchedule, error) {
	spec := workflows.BroadcastSchedule{WorkspaceID: b.WorkspaceID, BroadcastID: b.ID, SegmentID: b.SegmentID, Channel: b.Channel,
		TemplateID: b.TemplateID, Content: b.Content, Topic: b.Topic, SendAt: sendAt, Transactional: b.Transactional}
	test, err := ReadABTest(b)
	if err != nil {
		return spec, err
	}
	if spec.AB, err = test.spec(); err != nil {
		return spec, err
	}
	if len(b.QuietHours) > 0 {
		spec.QuietHours = &journey.QuietHours{}
		if err := json.Unmarshal(b.QuietHours, spec.QuietHours); err != nil {
			return spec, fmt.Errorf("broadcasts: read the quiet hours of %s: %w", b.ID, err)
		}
		if spec.QuietHours.Timezone == "" {
			// Quiet hours with no zone keep the workspace's, for customers
			// whose profile names none.
			tz, err := s.Store.WorkspaceTimezone(ctx, b.WorkspaceID)
			if err != nil {
				return spec, err
			}
			spec.QuietHours.Timezone = tz
		}
	}
	if b.TemplateID != "" {
		t, err := s.Store.GetMessageTemplate(ctx, b.WorkspaceID, b.TemplateID, 0)
		if err != nil {
			return spec, fmt.Errorf("broadcasts: pin the version of template %s: %w", b.TemplateID, err)
		}
		spec.TemplateVersion = t.Version
	}
	return spec, s.pinVariantTemplates(ctx, b.WorkspaceID, test, spec.AB)
}

// pinVariantTemplates gives each variant that names a stored template the
// content of its latest version, now, so that editing the template does
// not change a broadcast under way.
func (s *Scheduler) pinVariantTemplates(ctx context.Context, workspaceID string, test *ABTest, ab *activities.BroadcastAB) error {
	if test == nil || ab == nil {
		return nil
	}
	for i, v := range test.Variants {
		if v.Template == "" {
			continue
		}
		t, err := s.Store.GetMessageTemplate(ctx, workspaceID, v.Template, 0)
		if errors.Is(err, store.ErrNotFound) {
			return store.Refuse(store.ErrInvalid, "variant "+v.Name+"'s template "+v.Template+" is gone",
				jsonfields.Error{Field: fmt.Sprintf("abTest.variants[%d].template", i), Message: "no such template"})
		}
		if err != nil {
			return fmt.Errorf("broadcasts: pin the template of variant %s: %w", v.Name, err)
		}
		ab.Variants[i].Content = t.Content
	}
	return nil
}
