package api

import (
	"bytes"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/store"
)

// homeDays is the home page's period when none is asked: the last 30 days.
const homeDays = 30

// statsTimeIn reads from or to as statsTime does, a date at its midnight
// in loc (the frame's zone, which the page already has).
func statsTimeIn(c *gin.Context, name string, loc *time.Location) (time.Time, bool) {
	t, day, ok := statsTime(c, name)
	if ok && day != "" {
		t, _ = time.ParseInLocation(time.DateOnly, day, loc)
	}
	return t, ok
}

// homePeriod reads the home page's period: from and to are dates, to the
// last day shown (inclusive), in the workspace's zone; by default the last
// 30 days to today. It answers a 400 naming the parameter at fault.
func homePeriod(c *gin.Context, zone *time.Location) (from, to time.Time, ok bool) {
	if from, ok = statsTimeIn(c, "from", zone); !ok {
		return from, to, false
	}
	if to, ok = statsTimeIn(c, "to", zone); !ok {
		return from, to, false
	}
	if to.IsZero() {
		now := time.Now().In(zone)
		to = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, zone)
	}
	to = to.AddDate(0, 0, 1)
	if from.IsZero() {
		from = to.AddDate(0, 0, -homeDays)
	}
	if !from.Before(to) {
		invalid(c, "to", "must be on or after from")
		return from, to, false
	}
	return from, to, true
}

// monthPeriod reads month (2026-11; the last whole month by default): the
// month's first day and the next month's, and the previous month's first.
func monthPeriod(c *gin.Context, zone *time.Location) (month string, from, to, prev time.Time, ok bool) {
	month = c.Query("month")
	if month == "" {
		now := time.Now().In(zone)
		month = time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, zone).Format("2006-01")
	}
	from, err := time.ParseInLocation("2006-01", month, zone)
	if err != nil {
		invalid(c, "month", "must be a month such as 2026-11")
		return month, from, to, prev, false
	}
	return month, from, from.AddDate(0, 1, 0), from.AddDate(0, -1, 0), true
}

// homePage reads the dashboard for the period and lays it out.
func (s *server) homePage(c *gin.Context, frame console.Frame, from, to, prev time.Time) (console.HomePage, bool) {
	q := store.KPIQuery{From: from, To: to, TZ: frame.Zone.String(), PurchaseEvent: c.Query("event")}
	d, err := s.Store.Dashboard(c.Request.Context(), workspace(c), q, prev)
	if err != nil {
		s.fail(c, err)
		return console.HomePage{}, false
	}
	page := console.NewHome(frame, d)
	page.FromInput, page.ToInput = from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly)
	page.Query = url.Values{"from": {page.FromInput}, "to": {page.ToInput}}.Encode()
	page.APIQuery = url.Values{"from": {page.FromInput}, "to": {to.Format(time.DateOnly)}, "tz": {frame.Zone.String()}}.Encode()
	page.Month = from.Format("2006-01")
	return page, true
}

// uiHome renders the home dashboard: the period's numbers against the
// previous period's, per channel and per journey (store.Dashboard).
func (s *server) uiHome(c *gin.Context) {
	frame, err := s.frame(c, console.SectionHome, "home.title")
	if err != nil {
		s.fail(c, err)
		return
	}
	from, to, ok := homePeriod(c, frame.Zone)
	if !ok {
		return
	}
	page, ok := s.homePage(c, frame, from, to, time.Time{})
	if !ok {
		return
	}
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.Home(buf, page) })
}

// uiHomeCSV answers the home dashboard's numbers as a CSV file.
func (s *server) uiHomeCSV(c *gin.Context) {
	frame, err := s.frame(c, console.SectionHome, "home.title")
	if err != nil {
		s.fail(c, err)
		return
	}
	from, to, ok := homePeriod(c, frame.Zone)
	if !ok {
		return
	}
	page, ok := s.homePage(c, frame, from, to, time.Time{})
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := console.HomeCSV(&buf, page); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="tabiji-`+page.FromInput+`-`+page.ToInput+`.csv"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// uiMonthlyReport renders a month's report, against the month before, for
// printing on A4.
func (s *server) uiMonthlyReport(c *gin.Context) {
	frame, err := s.frame(c, console.SectionHome, "")
	if err != nil {
		s.fail(c, err)
		return
	}
	month, from, to, prev, ok := monthPeriod(c, frame.Zone)
	if !ok {
		return
	}
	frame.TitleText = console.T(frame.Lang, "report.title", month)
	page, ok := s.homePage(c, frame, from, to, prev)
	if !ok {
		return
	}
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.MonthlyReport(buf, page) })
}
