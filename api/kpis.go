package api

import (
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
func (s *server) kpiQuery(c *gin.Context) (store.KPIQuery, bool) {
	var q store.KPIQuery
	var ok bool
	if q.TZ, q.From, q.To, ok = s.statsRange(c); !ok {
		return q, false
	}
	if q.PurchaseEvent = c.Query("event"); q.PurchaseEvent != "" && !eventNamePattern.MatchString(q.PurchaseEvent) {
		invalid(c, "event", "must be an event name of 1 to 200 printable characters")
		return q, false
	}
	return q, true
}

// answerKPI answers a KPI read for the workspace, with the zone used.
func (s *server) answerKPI(c *gin.Context, key string, read func(store.KPIQuery) (any, error)) {
	q, ok := s.kpiQuery(c)
	if !ok {
		return
	}
	v, err := read(q)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{key: v, "timezone": q.TZ})
}

// kpiChannels answers GET /v1/kpis/channels: email vs LINE vs push.
func (s *server) kpiChannels(c *gin.Context) {
	s.answerKPI(c, "channels", func(q store.KPIQuery) (any, error) {
		return s.Store.ChannelKPIs(c.Request.Context(), workspace(c), q)
	})
}

// kpiRepeatPurchase answers GET /v1/kpis/repeat-purchase.
func (s *server) kpiRepeatPurchase(c *gin.Context) {
	s.answerKPI(c, "repeatPurchase", func(q store.KPIQuery) (any, error) {
		return s.Store.RepeatPurchaseRate(c.Request.Context(), workspace(c), q)
	})
}

// kpiLTV answers GET /v1/kpis/ltv: LTV by first-purchase month.
func (s *server) kpiLTV(c *gin.Context) {
	s.answerKPI(c, "cohorts", func(q store.KPIQuery) (any, error) {
		return s.Store.LTVCohorts(c.Request.Context(), workspace(c), q)
	})
}

// kpiJourneyRevenue answers GET /v1/kpis/journey-revenue.
func (s *server) kpiJourneyRevenue(c *gin.Context) {
	s.answerKPI(c, "journeys", func(q store.KPIQuery) (any, error) {
		return s.Store.RevenueByJourney(c.Request.Context(), workspace(c), q)
	})
}

// kpiLeads answers GET /v1/kpis/leads: leads handed to sales, contacted
// and converted (event names the conversion, lead_converted by default).
func (s *server) kpiLeads(c *gin.Context) {
	s.answerKPI(c, "leads", func(q store.KPIQuery) (any, error) {
		return s.Store.LeadHandOver(c.Request.Context(), workspace(c), q)
	})
}

// kpiDashboard answers GET /v1/kpis/dashboard?from=&to=: the period's
// numbers and the previous period's (store.Dashboard); both ends needed.
func (s *server) kpiDashboard(c *gin.Context) {
	q, ok := s.kpiQuery(c)
	if !ok {
		return
	}
	for _, end := range []struct {
		name string
		at   time.Time
	}{{"from", q.From}, {"to", q.To}} {
		if end.at.IsZero() {
			invalid(c, end.name, "is required: a date (2026-11-01) or an RFC 3339 time")
			return
		}
	}
	d, err := s.Store.Dashboard(c.Request.Context(), workspace(c), q, time.Time{})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}
