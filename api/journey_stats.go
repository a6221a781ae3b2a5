package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/store"
)

// journeyStats answers GET /v1/journeys/{id}/stats?version=&from=&to=&tz=:
// the journey's statistics (store.JourneyStats). from and to are RFC 3339
// times or dates (midnight in the zone), to exclusive; tz is an IANA zone,
// the workspace's by default.
func (s *server) journeyStats(c *gin.Context) {
	ctx, ws := c.Request.Context(), workspace(c)
	q, ok := s.statsQuery(c)
	if !ok {
		return
	}
	st, err := s.Store.JourneyStats(ctx, ws, c.Param("id"), q)
	if s.answered(c, err, notFound("no journey "+c.Param("id")+(versionText(q.Version)))) {
		return
	}
	c.JSON(http.StatusOK, st)
}

func versionText(v *int) string {
	if v == nil {
		return ""
	}
	return " with version " + strconv.Itoa(*v)
}

// statsQuery reads version, from, to and tz, answering a 400 naming the
// parameter at fault.
func (s *server) statsQuery(c *gin.Context) (store.StatsQuery, bool) {
	var q store.StatsQuery
	if v := c.Query("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			invalid(c, "version", "must be a version number, 1 or more")
			return q, false
		}
		q.Version = &n
	}
	var ok bool
	if q.TZ, q.From, q.To, ok = s.statsRange(c); !ok {
		return q, false
	}
	return q, true
}

// statsRange reads tz, from and to, shared by the stats and the KPIs:
// the zone (the parameter's, else the workspace's) and the instants,
// answering a 400 naming the parameter at fault.
func (s *server) statsRange(c *gin.Context) (tz string, from, to time.Time, ok bool) {
	loc, ok := s.statsZone(c)
	if !ok {
		return "", from, to, false
	}
	if from, ok = statsTime(c, "from", loc); !ok {
		return "", from, to, false
	}
	if to, ok = statsTime(c, "to", loc); !ok {
		return "", from, to, false
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		invalid(c, "to", "must be after from")
		return "", from, to, false
	}
	return loc.String(), from, to, true
}

// statsZone is the tz parameter's zone, else the workspace's.
func (s *server) statsZone(c *gin.Context) (*time.Location, bool) {
	name := c.Query("tz")
	if name == "" {
		tz, err := s.Store.WorkspaceTimezone(c.Request.Context(), workspace(c))
		if err != nil {
			s.fail(c, err)
			return nil, false
		}
		name = tz
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		invalid(c, "tz", "must be an IANA time zone such as Asia/Tokyo")
		return nil, false
	}
	return loc, true
}

// statsTime reads an RFC 3339 time or a date (midnight in loc); "" is zero.
func statsTime(c *gin.Context, name string, loc *time.Location) (time.Time, bool) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		return t, true
	}
	invalid(c, name, "must be a date (2026-11-23) or an RFC 3339 time (2026-11-23T09:00:00+09:00)")
	return time.Time{}, false
}

// workspaceTimezoneBody is GET and PUT /v1/workspace/timezone.
type workspaceTimezoneBody struct {
	Timezone string `json:"timezone"`
}

// getWorkspaceTimezone answers the workspace's time zone ("UTC" unless set).
func (s *server) getWorkspaceTimezone(c *gin.Context) {
	tz, err := s.Store.WorkspaceTimezone(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, workspaceTimezoneBody{Timezone: tz})
}

// putWorkspaceTimezone sets the zone whose midnights cut daily statistics.
func (s *server) putWorkspaceTimezone(c *gin.Context) {
	var b workspaceTimezoneBody
	if !decodeJSON(c, 4<<10, &b, true) {
		return
	}
	// Journeys that name no zone run in this one (the router's index).
	err := s.router.SetWorkspaceTimezone(c.Request.Context(), workspace(c), b.Timezone)
	if s.answered(c, err, badZone("timezone")) {
		return
	}
	c.JSON(http.StatusOK, b)
}
