package api

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/profiles"
	"github.com/tabiji/tabiji/store"
)

// uiTimelineLimit bounds each source of a customer's timeline (events,
// messages): the page shows the newest.
const uiTimelineLimit = 200

// uiCustomer renders one customer's timeline: their events, the messages
// sent to them with their statuses, and the steps of their journey runs,
// newest first, with links into the Temporal Web UI.
func (s *server) uiCustomer(c *gin.Context) {
	id := c.Param("id")
	frame, err := s.frame(c, console.SectionCustomers, "")
	if err != nil {
		s.fail(c, err)
		return
	}
	frame.TitleText = id
	page := console.CustomerPage{Frame: frame, ID: id}
	h, err := s.profiles.Timeline(c.Request.Context(), workspace(c), id, uiTimelineLimit, maxStateQueries)
	if err != nil {
		s.fail(c, err)
		return
	}
	if p := h.Profile; p != nil {
		page.ID, page.Email = p.ID, p.Email
		page.Profile = &console.CustomerProfile{Traits: p.Traits, Tags: p.Tags, Email: p.Email, Phone: p.Phone,
			LineUserID: p.LineUserID, PushTokens: len(p.PushTokens), Timezone: p.Timezone, Locale: p.Locale}
	}
	page.Timeline = append(eventEntries(h.Events), messageEntries(h.Messages)...)
	if h.RunsErr != nil {
		s.Logger.Warn("report: runs of customer", "customer", page.ID, "error", h.RunsErr)
		page.TemporalErr = h.RunsErr.Error()
	}
	addRuns(&page, h.Runs)
	if h.Profile == nil && len(page.Timeline) == 0 && len(page.Runs) == 0 {
		uiNotFound(c, frame.Lang, console.T(frame.Lang, "customer.title")+" "+id)
		return
	}
	sort.SliceStable(page.Timeline, func(i, j int) bool { return page.Timeline[i].At.After(page.Timeline[j].At) })
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.Customer(buf, page) })
}

// addRuns adds the customer's runs and their steps. Temporal being out of
// reach is said on the page rather than failing it (TemporalErr): the
// events and messages come from Postgres.
func addRuns(page *console.CustomerPage, runs profiles.CustomerRuns) {
	page.RunsWebURL = runs.WebURL
	for _, r := range runs.Runs {
		page.Runs = append(page.Runs, console.Run{JourneyID: r.JourneyID, WorkflowID: r.WorkflowID, Status: r.Status,
			Step: r.Step, Outcome: r.Outcome, StartedAt: r.StartedAt, WebURL: r.WebURL})
		if r.State == nil {
			continue
		}
		for _, st := range r.State.Steps {
			page.Timeline = append(page.Timeline, console.Entry{At: st.EnteredAt, Kind: "step",
				Title: fmt.Sprintf("%s → %s (%s)", r.JourneyID, st.Node, st.Kind), Detail: st.Outcome, Link: r.WebURL})
		}
	}
}

func eventEntries(events []store.Event) []console.Entry {
	out := make([]console.Entry, 0, len(events))
	for _, e := range events {
		title := e.Type
		if e.Name != "" {
			title += " " + e.Name
		}
		detail := ""
		if len(e.Properties) > 0 && string(e.Properties) != "{}" {
			detail = string(e.Properties)
		}
		out = append(out, console.Entry{At: e.Timestamp, Kind: "event", Title: title, Detail: detail})
	}
	return out
}

func messageEntries(msgs []store.LoggedMessage) []console.Entry {
	out := make([]console.Entry, 0, len(msgs))
	for _, m := range msgs {
		detail := m.Subject
		if m.Status == "skipped" {
			detail = m.Body // the reason
		}
		out = append(out, console.Entry{At: m.CreatedAt, Kind: "message", Channel: m.Channel,
			Title: m.JourneyID + "/" + m.NodeID, Detail: detail, Status: m.Status})
	}
	return out
}
