// Package frequency holds frequency caps: how many messages a customer may
// be sent per channel, across all journeys, over rolling windows counted in
// the customer's time zone.
package frequency

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
)

const day = 24 * time.Hour

// Rule allows at most Max messages per Window. A window of whole days is
// that many of the customer's calendar days, today included (a "1d" cap
// resets at the customer's midnight); any other window ("12h") is the
// rolling span ending now.
type Rule struct {
	Max    int              `json:"max"`
	Window journey.Duration `json:"window"`
}

// Caps are the rules by channel ("email", "line", "push").
type Caps map[string][]Rule

// Validate lists what is wrong with caps, field by field (channel.i.max).
func Validate(c Caps) jsonfields.Errors {
	var errs jsonfields.Errors
	for ch, rules := range c {
		if !slices.Contains(journey.Channels, ch) || ch == "outbox" {
			errs.Add(ch, "is not a channel: email, line, push or sms")
			continue
		}
		for i, r := range rules {
			f := fmt.Sprintf("%s[%d]", ch, i)
			if r.Max < 1 {
				errs.Add(f+".max", "must be at least 1")
			}
			if w := time.Duration(r.Window); w < time.Hour || w > 90*day {
				errs.Add(f+".window", "must be from 1h to 90d")
			}
		}
	}
	slices.SortFunc(errs, func(a, b jsonfields.Error) int { return strings.Compare(a.Field, b.Field) })
	return errs
}

// WindowStart is when a window ending at now begins for a customer in loc:
// local midnight days−1 days before today for a whole number of days, else
// now minus the window.
func WindowStart(now time.Time, window time.Duration, loc *time.Location) time.Time {
	if window%day != 0 {
		return now.Add(-window)
	}
	local := now.In(loc)
	return time.Date(local.Year(), local.Month(), local.Day()-int(window/day)+1, 0, 0, 0, 0, loc)
}

// Load returns a workspace's caps: none when it has stored none.
func Load(ctx context.Context, st *store.Store, ws string) (Caps, error) {
	raw, err := st.FrequencyCaps(ctx, ws)
	if errors.Is(err, store.ErrNotFound) {
		return Caps{}, nil
	}
	if err != nil {
		return nil, err
	}
	return Parse(ws, raw)
}

// Parse reads workspace ws's caps as stored (nil: none).
func Parse(ws string, raw []byte) (Caps, error) {
	if raw == nil {
		return Caps{}, nil
	}
	var c Caps
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("frequency: unable to read the caps of %q: %w", ws, err)
	}
	return c, nil
}

// Check says whether one more message on channel keeps the customer within
// the workspace's caps at now, counting in timezone (an IANA name; the
// workspace's zone when empty, UTC when unknown). When not, reason names the rule that is full. A
// transactional send does not call Check.
func Check(ctx context.Context, st *store.Store, ws, customer, channel, timezone string, now time.Time) (ok bool, reason string, err error) {
	caps, err := Load(ctx, st, ws)
	if err != nil {
		return false, "", err
	}
	return caps.Check(ctx, st, ws, customer, channel, timezone, now)
}

// Check is the package's Check with the workspace's caps already loaded.
func (caps Caps) Check(ctx context.Context, st *store.Store, ws, customer, channel, timezone string, now time.Time) (ok bool, reason string, err error) {
	if len(caps[channel]) == 0 {
		return true, "", nil
	}
	if timezone == "" {
		if timezone, err = st.WorkspaceTimezone(ctx, ws); err != nil {
			return false, "", fmt.Errorf("frequency: check %s caps: %w", channel, err)
		}
	}
	loc, lerr := time.LoadLocation(timezone)
	if lerr != nil {
		loc = time.UTC
	}
	for _, r := range caps[channel] {
		n, err := st.CountSentSince(ctx, ws, customer, channel, WindowStart(now, time.Duration(r.Window), loc))
		if err != nil {
			return false, "", fmt.Errorf("frequency: check %s cap: %w", channel, err)
		}
		if n >= r.Max {
			return false, fmt.Sprintf("frequency cap: %d %s per %s reached", r.Max, channel, r.Window), nil
		}
	}
	return true, "", nil
}
