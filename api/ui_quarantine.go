package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/store"
)

// quarantinePageSize is how many quarantined calls one page of the list shows.
const quarantinePageSize = 50

// uiQuarantine is GET /ui/data/quarantine: the workspace's quarantined
// calls, newest first, paged by the list API's cursor (?after=).
func (s *server) uiQuarantine(c *gin.Context) {
	frame, err := s.frame(c, console.SectionQuarantine, "quarantine.title")
	if err != nil {
		s.fail(c, err)
		return
	}
	after := c.Query("after")
	list, next, err := s.Store.ListQuarantined(c.Request.Context(), workspace(c),
		store.QuarantineFilter{Limit: quarantinePageSize, After: after, Newest: true})
	if errors.Is(err, store.ErrInvalidCursor) {
		uiNotFound(c, frame.Lang, console.T(frame.Lang, "quarantine.title")+" "+after)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	page := console.QuarantinePage{Frame: frame}
	for _, q := range list {
		page.Rows = append(page.Rows, toQuarantineRow(q))
	}
	if next != "" {
		page.NextURL = "/ui/data/quarantine?after=" + url.QueryEscape(next)
	}
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.Quarantine(buf, page) })
}

// uiQuarantined is GET /ui/data/quarantine/{id}: one quarantined call with
// its reasons and, for a role that may see customers' profiles, its
// payload; the page's script fixes, replays or drops it through the API.
func (s *server) uiQuarantined(c *gin.Context) {
	frame, err := s.frame(c, console.SectionQuarantine, "")
	if err != nil {
		s.fail(c, err)
		return
	}
	frame.TitleText = c.Param("id")
	q, err := s.Store.GetQuarantined(c.Request.Context(), workspace(c), c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		uiNotFound(c, frame.Lang, c.Param("id"))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	page := console.QuarantinedPage{Frame: frame, Row: toQuarantineRow(q), ShowPayload: seesProfiles(frame.Role)}
	if page.ShowPayload {
		payload, err := json.MarshalIndent(q.Event.ToJSON(), "", "  ")
		if err != nil {
			s.fail(c, fmt.Errorf("console: quarantined payload: %w", err))
			return
		}
		page.Payload = string(payload)
	}
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.Quarantined(buf, page) })
}

// seesProfiles says whether a console role may read customers' profiles
// (the permission table's GET /v1/profiles/:id); "" is a session opened
// with an admin key, which may do everything.
func seesProfiles(role string) bool {
	return role == "" || slices.Contains(permissions["GET /v1/profiles/:id"], people.Role(role))
}

func toQuarantineRow(q store.QuarantinedEvent) console.QuarantineRow {
	row := console.QuarantineRow{MessageID: q.MessageID, Type: q.Event.Type, Event: q.Event.Name, UserID: q.Event.UserID,
		AnonymousID: q.Event.AnonymousID, Status: q.Status, ReceivedAt: q.ReceivedAt}
	for _, v := range q.Violations {
		row.Reasons = append(row.Reasons, console.Reason{Field: v.Field, Rule: v.Rule, Message: v.Message})
	}
	return row
}
