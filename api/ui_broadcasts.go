package api

import (
	"bytes"
	"errors"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/broadcasts"
	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/store"
)

// uiBroadcasts lists the workspace's broadcasts with their progress
// (broadcasts.Scheduler.List), fifty a page.
func (s *server) uiBroadcasts(c *gin.Context) {
	frame, err := s.frame(c, console.SectionBroadcasts, "broadcasts.title")
	if err != nil {
		s.fail(c, err)
		return
	}
	after := c.Query("after")
	list, next, err := s.broadcasts.List(c.Request.Context(), workspace(c), 50, after)
	if errors.Is(err, store.ErrInvalidCursor) {
		uiNotFound(c, frame.Lang, console.T(frame.Lang, "broadcasts.title")+" "+after)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	page := console.BroadcastsPage{Frame: frame, Next: next}
	for _, st := range list {
		b := st.Broadcast
		page.Broadcasts = append(page.Broadcasts, console.BroadcastRow{ID: b.ID, Name: b.Name, Channel: b.Channel, Segment: b.SegmentID,
			Status: b.Status, SendAt: b.SendAt, Audience: max(b.Audience, st.Progress.Processed), Done: st.Progress.Processed - st.Progress.Sending,
			ABTest: len(b.ABTest) > 0})
	}
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.Broadcasts(buf, page) })
}

// uiBroadcastNew renders the new-broadcast form with the workspace's
// segments and stored message templates; its script calls the API.
func (s *server) uiBroadcastNew(c *gin.Context) {
	frame, err := s.frame(c, console.SectionBroadcasts, "broadcasts.new")
	if err != nil {
		s.fail(c, err)
		return
	}
	ch, err := s.Store.BroadcastChoices(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	page := console.BroadcastNewPage{Frame: frame, Timezone: ch.Timezone, Variants: []string{"A", "B"}}
	for _, sg := range ch.Segments {
		page.Segments = append(page.Segments, console.Choice{Value: sg.ID, Label: sg.Name + " (" + sg.ID + ")"})
	}
	for _, t := range ch.Templates {
		page.Templates = append(page.Templates, console.Choice{Value: t.ID, Label: t.Name + " (" + t.ID + ")", Group: t.Channel})
	}
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.BroadcastNew(buf, page) })
}

// uiBroadcast renders one broadcast (broadcasts.Scheduler.Get); its
// script follows the progress through the API.
func (s *server) uiBroadcast(c *gin.Context) {
	frame, err := s.frame(c, console.SectionBroadcasts, "")
	if err != nil {
		s.fail(c, err)
		return
	}
	st, err := s.broadcasts.Get(c.Request.Context(), workspace(c), c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		uiNotFound(c, frame.Lang, c.Param("id"))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	frame.TitleText = st.Broadcast.ID
	page := broadcastPage(frame, st)
	if st.Approval != nil {
		row := approvalRow(frame, *st.Approval)
		page.Approval = &row
	}
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.Broadcast(buf, page) })
}

// broadcastPage is a broadcast's status as its page shows it.
func broadcastPage(frame console.Frame, st broadcasts.Status) console.BroadcastPage {
	b, p := st.Broadcast, st.Progress
	skipped := 0
	for _, n := range p.Skipped {
		skipped += n
	}
	done := p.Sent + p.Failed + skipped
	page := console.BroadcastPage{Frame: frame, ID: b.ID, Name: b.Name, Channel: b.Channel, Segment: b.SegmentID, Status: b.Status,
		Error: b.Error, SendAt: b.SendAt, Audience: max(b.Audience, done), Done: done, Sent: p.Sent, Failed: p.Failed, Skipped: skipped,
		Deferred: p.Deferred, Remaining: max(0, b.Audience-p.Processed), Ended: b.FinishedAt != nil}
	if b.FinishedAt != nil {
		page.Remaining = 0
	}
	if test, _ := broadcasts.ReadABTest(b); test != nil {
		page.Percent, page.Metric, page.Wait = test.Percent, test.Metric, test.Wait
	}
	if st.AB != nil {
		for _, v := range st.AB.Variants {
			page.AB = append(page.AB, console.VariantRow{Name: v.Name, Subject: v.Subject, Sent: v.Sent, Opened: v.Opened, Clicked: v.Clicked})
		}
		page.Winner = st.AB.Winner
		if d := st.AB.Decision; d != nil {
			page.Rule = d.Rule
		}
	}
	return page
}
