// Package richmenus keeps LINE rich menus in step with segments: each rule
// (a segment and a rich menu ID) links its menu to the LINE users of the
// segment's members and unlinks it when they leave. The segment is tracked
// as the segments journeys enter on are (its members kept by ingestion and
// its hourly sweep), and a Syncer compares the tracked members with the
// links it recorded, making the difference with LINE's bulk link and
// unlink, rate-limited, and recording what LINE accepted: running it again
// changes nothing, and a failed call is made again on the next run.
package richmenus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"golang.org/x/time/rate"

	"github.com/tabiji/tabiji/channels/line"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/store"
)

// DefaultRate is how many bulk link or unlink requests a second the
// sweeper makes for all workspaces together: well under LINE's limit for
// these endpoints, so that sends on the same channel keep their share.
const DefaultRate rate.Limit = 5

// pagesPerRun bounds the bulk requests of one workspace in one run, each
// way, so that one large segment does not hold up the others.
const pagesPerRun = 10

// Syncer makes LINE's rich menu links match the rules.
type Syncer struct {
	Store *store.Store
	// LINE is the workspace's LINE sender (settings.Resolver.LINE); a
	// workspace without LINE credentials is skipped.
	LINE func(ctx context.Context, workspaceID string) (*line.Sender, error)
	// Limit paces the bulk requests of every workspace together; nil does
	// not pace them.
	Limit  *rate.Limiter
	Logger *slog.Logger
}

// Result is what one workspace's run did.
type Result struct {
	Linked, Unlinked, Relinked int
}

// SyncAll runs Sync for every workspace with a rule or a link to undo.
func (s *Syncer) SyncAll(ctx context.Context) error {
	wss, err := s.Store.RichMenuWorkspaces(ctx)
	if err != nil {
		return fmt.Errorf("richmenus: list workspaces: %w", err)
	}
	var errs []error
	for _, ws := range wss {
		if _, err := s.Sync(ctx, ws); err != nil {
			errs = append(errs, fmt.Errorf("workspace %s: %w", ws, err))
		}
	}
	return errors.Join(errs...)
}

// Sync undoes the links whose customer left (or whose rule is gone), then
// makes the links due, a page of at most line.BulkLimit users at a time.
func (s *Syncer) Sync(ctx context.Context, workspaceID string) (Result, error) {
	var res Result
	sender, err := s.LINE(ctx, workspaceID)
	if errors.Is(err, settings.ErrNotConfigured) {
		return res, nil // nothing can be linked: the links stay due until LINE is set up
	}
	if err != nil {
		return res, fmt.Errorf("richmenus: LINE of %s: %w", workspaceID, err)
	}
	for range pagesPerRun {
		due, err := s.Store.RichMenuUnlinksDue(ctx, workspaceID, line.BulkLimit)
		if err != nil || len(due) == 0 {
			if err != nil {
				return res, err
			}
			break
		}
		if err := s.unlink(ctx, sender, workspaceID, due, &res); err != nil {
			return res, err
		}
	}
	for range pagesPerRun {
		due, err := s.Store.RichMenuLinksDue(ctx, workspaceID, line.BulkLimit)
		if err != nil || len(due) == 0 {
			return res, err
		}
		if err := s.link(ctx, sender, workspaceID, due, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// link makes one page of links, one bulk request per menu, recording each
// group once LINE accepted it.
func (s *Syncer) link(ctx context.Context, sender *line.Sender, ws string, due []store.RichMenuLink, res *Result) error {
	byMenu := map[string][]store.RichMenuLink{}
	var menus []string
	for _, l := range due {
		if byMenu[l.RichMenuID] == nil {
			menus = append(menus, l.RichMenuID)
		}
		byMenu[l.RichMenuID] = append(byMenu[l.RichMenuID], l)
	}
	for _, menu := range menus {
		group := byMenu[menu]
		if err := s.wait(ctx); err != nil {
			return err
		}
		if err := sender.LinkRichMenu(ctx, menu, users(group)); err != nil {
			return fmt.Errorf("richmenus: link %s in %s: %w", menu, ws, err)
		}
		if err := s.Store.RecordRichMenuLinks(ctx, ws, group); err != nil {
			return err
		}
		res.Linked += len(group)
	}
	return nil
}

// unlink undoes one page: users with a menu from another rule keep a menu
// (their other links are forgotten, so the next page links it again);
// the others are unlinked in one bulk request.
func (s *Syncer) unlink(ctx context.Context, sender *line.Sender, ws string, due []store.RichMenuLink, res *Result) error {
	var bare []store.RichMenuLink
	for _, l := range due {
		if l.Others {
			res.Relinked++
		} else {
			bare = append(bare, l)
		}
	}
	if len(bare) > 0 {
		if err := s.wait(ctx); err != nil {
			return err
		}
		if err := sender.UnlinkRichMenu(ctx, users(bare)); err != nil {
			return fmt.Errorf("richmenus: unlink in %s: %w", ws, err)
		}
		res.Unlinked += len(bare)
	}
	return s.Store.ForgetRichMenuLinks(ctx, ws, due)
}

func (s *Syncer) wait(ctx context.Context) error {
	if s.Limit == nil {
		return nil
	}
	if err := s.Limit.Wait(ctx); err != nil {
		return fmt.Errorf("richmenus: wait for the rate limit: %w", err)
	}
	return nil
}

func users(links []store.RichMenuLink) []string {
	out := make([]string, len(links))
	for i, l := range links {
		out[i] = l.LineUserID
	}
	return out
}
