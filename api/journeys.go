package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

var journeyIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

type createJourneyRequest struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Definition json.RawMessage `json:"definition"`
}

type journeyResponse struct {
	ID            string             `json:"id"`
	Name          string             `json:"name"`
	Status        string             `json:"status"`
	Version       int                `json:"version"`
	ActiveVersion int                `json:"activeVersion,omitempty"`
	Definition    json.RawMessage    `json:"definition"`
	CreatedAt     time.Time          `json:"createdAt"`
	UpdatedAt     time.Time          `json:"updatedAt"`
	Warnings      []jsonfields.Error `json:"warnings,omitempty"`
}

func toJourneyResponse(j store.Journey) journeyResponse {
	return journeyResponse{
		ID: j.ID, Name: j.Name, Status: string(j.Status), Version: j.LatestVersion, ActiveVersion: j.ActiveVersion,
		Definition: j.Definition, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt,
	}
}

// createJourney stores a new journey as a draft, version 1.
func (s *server) createJourney(c *gin.Context) {
	var req createJourneyRequest
	if !yamlToJSON(c, 1<<20) || !decodeJSON(c, 1<<20, &req, true) {
		return
	}
	if !nameAndID(c, &req.Name, &req.ID, "") {
		return
	}
	if len(req.Definition) == 0 || string(req.Definition) == "null" {
		invalid(c, "definition", "is required: the journey's entry and nodes")
		return
	}
	def, ok := parseDefinition(c, req.Definition)
	if !ok {
		return
	}
	j, warnings, err := s.router.CreateJourney(c.Request.Context(), workspace(c), req.ID, req.Name, def)
	if s.answered(c, err, conflict("a journey with id "+req.ID+" already exists", taken("id"))) {
		return
	}
	c.Header("Location", "/v1/journeys/"+j.ID)
	resp := toJourneyResponse(j)
	resp.Warnings = warnings
	c.JSON(http.StatusCreated, resp)
}

// parseDefinition validates a definition and answers 422 with every error
// and its path when it is invalid. What it names in the workspace (stored
// templates, segment, taxonomy, secrets) is checked by the call that saves
// it (routing.Router.CheckJourney).
func parseDefinition(c *gin.Context, raw json.RawMessage) (journey.Definition, bool) {
	def, err := journey.Parse(raw)
	var verr journey.ValidationError
	if errors.As(err, &verr) {
		errs := make([]jsonfields.Error, len(verr))
		for i, fe := range verr {
			errs[i] = jsonfields.Error{Field: "definition." + fe.Field, Message: fe.Message}
		}
		problem(c, http.StatusUnprocessableEntity, err.Error(), errs...)
		return def, false
	}
	return def, true
}

// listJourneys lists the workspace's journeys, each with its latest version.
func (s *server) listJourneys(c *gin.Context) {
	journeys, err := s.Store.ListJourneys(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]journeyResponse, len(journeys))
	for i, j := range journeys {
		out[i] = toJourneyResponse(j)
	}
	c.JSON(http.StatusOK, gin.H{"journeys": out})
}

func (s *server) getJourney(c *gin.Context) {
	j, err := s.Store.GetJourney(c.Request.Context(), workspace(c), c.Param("id"))
	if s.answered(c, err, noJourney(c)) {
		return
	}
	c.JSON(http.StatusOK, toJourneyResponse(j))
}

// activateJourney makes the latest version the one new entrants get
// (routing.Router.ActivateJourney, which checks its entry segment and the
// advertising-mail policy again).
func (s *server) activateJourney(c *gin.Context) {
	done, err := s.approvals.ActivateJourney(c.Request.Context(), workspace(c), c.Param("id"), approvalActor(c))
	if s.answered(c, err, noJourney(c)) {
		return
	}
	if done.Request != nil {
		requested(c, *done.Request)
		return
	}
	c.JSON(http.StatusOK, toJourneyResponse(done.Journey))
}

// noJourney is the 404 of a path naming a journey the workspace lacks.
func noJourney(c *gin.Context) outcome {
	return notFound("no journey " + c.Param("id") + " in this workspace")
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// nameAndID trims a resource's name (fallback when it is blank; a blank
// name is an error without one), makes its ID from the name when none was
// given, and checks the ID, answering a problem and returning false when
// either is wrong. Journeys, journey launches and message templates share it.
func nameAndID(c *gin.Context, name, id *string, fallback string) bool {
	if *name = strings.TrimSpace(*name); *name == "" {
		*name = fallback
	}
	if *name == "" {
		invalid(c, "name", "is required")
		return false
	}
	if *id == "" {
		*id = slug(*name)
	}
	if !journeyIDPattern.MatchString(*id) {
		invalid(c, "id", "must be 1-64 lowercase letters, digits, _ or -, starting with a letter or digit")
		return false
	}
	return true
}

// slug makes an ID from a name: "Cart abandonment" → "cart_abandonment".
func slug(name string) string {
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(name), "_"), "_")
	if len(s) > 64 {
		s = strings.TrimRight(s[:64], "_")
	}
	return s
}

type updateJourneyRequest struct {
	Name       string          `json:"name"`
	Definition json.RawMessage `json:"definition"`
}

// updateJourney stores a new version. Runs keep the version they entered
// with; an active journey enters new customers on the new one.
func (s *server) updateJourney(c *gin.Context) {
	var req updateJourneyRequest
	if !yamlToJSON(c, 1<<20) || !decodeJSON(c, 1<<20, &req, true) {
		return
	}
	if len(req.Definition) == 0 || string(req.Definition) == "null" {
		invalid(c, "definition", "is required: the journey's entry and nodes")
		return
	}
	def, ok := parseDefinition(c, req.Definition)
	if !ok {
		return
	}
	j, warnings, err := s.router.UpdateJourney(c.Request.Context(), workspace(c), c.Param("id"), strings.TrimSpace(req.Name), def)
	if s.answered(c, err, conflict("journey "+c.Param("id")+" is archived: create a new journey instead"), noJourney(c)) {
		return
	}
	resp := toJourneyResponse(j)
	resp.Warnings = warnings
	c.JSON(http.StatusOK, resp)
}

type lifecycleResponse struct {
	journeyResponse
	Signalled int `json:"signalled"` // running runs told about the change
}

// pauseJourney stops entries; running runs hold before their next send.
func (s *server) pauseJourney(c *gin.Context) {
	s.moveJourney(c, store.JourneyPaused, workflows.PauseSignal)
}

// resumeJourney enters customers again and lets held runs send.
func (s *server) resumeJourney(c *gin.Context) {
	s.moveJourney(c, store.JourneyActive, workflows.ResumeSignal)
}

// archiveJourney stops entries for good and ends every running run cleanly.
func (s *server) archiveJourney(c *gin.Context) {
	s.moveJourney(c, store.JourneyArchived, workflows.ArchiveSignal)
}

func (s *server) moveJourney(c *gin.Context, to store.JourneyStatus, signal string) {
	j, n, err := s.router.MoveJourney(c.Request.Context(), workspace(c), c.Param("id"), to, signal)
	if s.answered(c, err, noJourney(c)) {
		return
	}
	c.JSON(http.StatusOK, lifecycleResponse{toJourneyResponse(j), n})
}

type migrateRequest struct {
	Version int `json:"version"` // the version to move to; the active one when 0
}

// migrateJourney moves running runs on older versions to a newer one, at
// the nodes with the same ID: a signal carries the new definition to each
// run, found through visibility; a run whose node the new version lacks
// stays where it is and says so in its state.
func (s *server) migrateJourney(c *gin.Context) {
	var req migrateRequest
	if c.Request.ContentLength != 0 && !decodeJSON(c, 1<<10, &req, true) {
		return
	}
	m, err := s.router.MigrateRuns(c.Request.Context(), workspace(c), c.Param("id"), req.Version)
	if s.answered(c, err, noJourney(c)) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"journeyId": m.JourneyID, "version": m.Version, "signalled": m.Signalled})
}

type versionResponse struct {
	Version    int             `json:"version"`
	Active     bool            `json:"active"`
	Definition json.RawMessage `json:"definition"`
	CreatedAt  time.Time       `json:"createdAt"`
}

// journeyVersions lists every version, newest first.
func (s *server) journeyVersions(c *gin.Context) {
	j, versions, err := s.Store.JourneyWithVersions(c.Request.Context(), workspace(c), c.Param("id"))
	if s.answered(c, err, noJourney(c)) {
		return
	}
	out := make([]versionResponse, len(versions))
	for i, v := range versions {
		out[i] = versionResponse{Version: v.Version, Active: v.Version == j.ActiveVersion, Definition: v.Definition, CreatedAt: v.CreatedAt}
	}
	c.JSON(http.StatusOK, gin.H{"journeyId": j.ID, "versions": out})
}
