package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/locale"
	"github.com/tabiji/tabiji/store"
)

// journeyStats answers GET /v1/journeys/{id}/stats?version=&from=&to=&tz=:
// the journey's statistics (store.JourneyStats). from and to are RFC 3339
// times or dates (midnight in the zone), to exclusive; tz is an IANA zone,
// the workspace's by default.
func (s *server) journeyStats(c *gin.Context) {
	ctx, ws := c.Request.Context(), workspace(c)
	q, ok := statsQuery(c)
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
func statsQuery(c *gin.Context) (store.StatsQuery, bool) {
	var q store.StatsQuery
	if v := c.Query("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			invalid(c, "version", "must be a version number, 1 or more")
			return q, false
		}
		q.Version = &n
	}
	p, ok := statsRange(c)
	q.TZ, q.From, q.To, q.FromDay, q.ToDay = p.tz, p.from, p.to, p.fromDay, p.toDay
	return q, ok
}

// statsPeriod is the tz, from and to parameters, their syntax checked: the
// store resolves the zone (the workspace's when tz is "") and the dates at
// its midnights, and refuses there what only the zone decides.
type statsPeriod struct {
	tz, fromDay, toDay string
	from, to           time.Time
}

// statsRange reads tz, from and to, shared by the stats and the KPIs,
// answering a 400 naming the parameter at fault: tz must be a zone, each
// end a date or an RFC 3339 time, to after from.
func statsRange(c *gin.Context) (statsPeriod, bool) {
	p := statsPeriod{tz: c.Query("tz")}
	var loc *time.Location
	if p.tz != "" {
		var err error
		if loc, err = time.LoadLocation(p.tz); err != nil || p.tz == "Local" {
			invalid(c, "tz", locale.TimezoneRule)
			return p, false
		}
	}
	var ok bool
	if p.from, p.fromDay, ok = statsTime(c, "from"); !ok {
		return p, false
	}
	if p.to, p.toDay, ok = statsTime(c, "to"); !ok {
		return p, false
	}
	if !p.ordered(loc) {
		invalid(c, "to", "must be after from")
		return p, false
	}
	return p, true
}

// ordered says whether to comes after from (or an end is missing), as far
// as the parameters tell without the workspace's zone: the store checks
// an instant against a date once it has the zone.
func (p statsPeriod) ordered(loc *time.Location) bool {
	if loc == nil {
		if (p.fromDay == "") != (p.toDay == "") {
			return true // an instant against a date (or nothing): the zone decides
		}
		loc = time.UTC // dates order alike at the midnights of every zone
	}
	from, to := p.from, p.to
	if p.fromDay != "" {
		from, _ = time.ParseInLocation(time.DateOnly, p.fromDay, loc)
	}
	if p.toDay != "" {
		to, _ = time.ParseInLocation(time.DateOnly, p.toDay, loc)
	}
	return from.IsZero() || to.IsZero() || from.Before(to)
}

// statsTime reads an RFC 3339 time, or a date (its midnight in the zone,
// the store's to resolve); "" is neither.
func statsTime(c *gin.Context, name string) (time.Time, string, bool) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, "", true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, "", true
	}
	if _, err := time.Parse(time.DateOnly, v); err == nil {
		return time.Time{}, v, true
	}
	invalid(c, name, store.DayRule)
	return time.Time{}, "", false
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
