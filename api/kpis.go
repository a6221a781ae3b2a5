package api

import (
	"context"
	"net/http"
	"regexp"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/store"
)

// eventNamePattern is what a purchase event name may be: printable, short.
var eventNamePattern = regexp.MustCompile(`^[^\x00-\x1f]{1,200}$`)

// kpiQuery reads from, to, tz and event, answering a 400 naming the
// parameter at fault.
func kpiQuery(c *gin.Context) (store.KPIQuery, bool) {
	var q store.KPIQuery
	p, ok := statsRange(c)
	if !ok {
		return q, false
	}
	q.TZ, q.From, q.To, q.FromDay, q.ToDay = p.tz, p.from, p.to, p.fromDay, p.toDay
	if q.PurchaseEvent = c.Query("event"); q.PurchaseEvent != "" && !eventNamePattern.MatchString(q.PurchaseEvent) {
		invalid(c, "event", "must be an event name of 1 to 200 printable characters")
		return q, false
	}
	return q, true
}

// answerKPI answers one KPI of the workspace under key, with the zone it
// was read in (store.ReadKPI).
func answerKPI[T any](s *server, c *gin.Context, key string, read func(context.Context, string, store.KPIQuery) (T, error)) {
	q, ok := kpiQuery(c)
	if !ok {
		return
	}
	v, tz, err := store.ReadKPI(c.Request.Context(), s.Store, workspace(c), q, read)
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, gin.H{key: v, "timezone": tz})
}

// kpiChannels answers GET /v1/kpis/channels: email vs LINE vs push.
func (s *server) kpiChannels(c *gin.Context) {
	answerKPI(s, c, "channels", s.Store.ChannelKPIs)
}

// kpiRepeatPurchase answers GET /v1/kpis/repeat-purchase.
func (s *server) kpiRepeatPurchase(c *gin.Context) {
	answerKPI(s, c, "repeatPurchase", s.Store.RepeatPurchaseRate)
}

// kpiLTV answers GET /v1/kpis/ltv: LTV by first-purchase month.
func (s *server) kpiLTV(c *gin.Context) {
	answerKPI(s, c, "cohorts", s.Store.LTVCohorts)
}

// kpiJourneyRevenue answers GET /v1/kpis/journey-revenue.
func (s *server) kpiJourneyRevenue(c *gin.Context) {
	answerKPI(s, c, "journeys", s.Store.RevenueByJourney)
}

// kpiLeads answers GET /v1/kpis/leads: leads handed to sales, contacted
// and converted (event names the conversion, lead_converted by default).
func (s *server) kpiLeads(c *gin.Context) {
	answerKPI(s, c, "leads", s.Store.LeadHandOver)
}

// kpiDashboard answers GET /v1/kpis/dashboard?from=&to=: the period's
// numbers and the previous period's (store.Dashboard); both ends needed.
func (s *server) kpiDashboard(c *gin.Context) {
	q, ok := kpiQuery(c)
	if !ok {
		return
	}
	for _, end := range []struct {
		name  string
		given bool
	}{{"from", !q.From.IsZero() || q.FromDay != ""}, {"to", !q.To.IsZero() || q.ToDay != ""}} {
		if !end.given {
			invalid(c, end.name, "is required: a date (2026-11-01) or an RFC 3339 time")
			return
		}
	}
	d, err := s.Store.Dashboard(c.Request.Context(), workspace(c), q, time.Time{})
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, d)
}
