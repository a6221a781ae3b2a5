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
	"github.com/tabiji/tabiji/store"
)

var journeyIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

type createJourneyRequest struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Definition json.RawMessage `json:"definition"`
}

type journeyResponse struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Status        string          `json:"status"`
	Version       int             `json:"version"`
	ActiveVersion int             `json:"activeVersion,omitempty"`
	Definition    json.RawMessage `json:"definition"`
	CreatedAt     time.Time       `json:"createdAt"`
	UpdatedAt     time.Time       `json:"updatedAt"`
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
	if !decodeJSON(c, 1<<20, &req, true) {
		return
	}
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" {
		invalid(c, "name", "is required")
		return
	}
	if req.ID == "" {
		req.ID = slug(req.Name)
	}
	if !journeyIDPattern.MatchString(req.ID) {
		invalid(c, "id", "must be 1-64 lowercase letters, digits, _ or -, starting with a letter or digit")
		return
	}
	if len(req.Definition) == 0 || string(req.Definition) == "null" {
		invalid(c, "definition", "is required: the journey's entry and nodes")
		return
	}
	def, err := journey.Parse(req.Definition)
	var verr journey.ValidationError
	if errors.As(err, &verr) {
		errs := make([]FieldError, len(verr))
		for i, fe := range verr {
			errs[i] = FieldError{Field: "definition." + fe.Field, Message: fe.Message}
		}
		problem(c, http.StatusUnprocessableEntity, verr.Error(), errs...)
		return
	}
	canonical, err := json.Marshal(def)
	if err != nil {
		s.fail(c, err)
		return
	}
	j, err := s.Store.CreateJourney(c.Request.Context(), workspace(c), req.ID, req.Name, canonical)
	if errors.Is(err, store.ErrConflict) {
		problem(c, http.StatusConflict, "a journey with id "+req.ID+" already exists", FieldError{Field: "id", Message: "is taken"})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/v1/journeys/"+j.ID)
	c.JSON(http.StatusCreated, toJourneyResponse(j))
}

func (s *server) getJourney(c *gin.Context) {
	j, err := s.Store.GetJourney(c.Request.Context(), workspace(c), c.Param("id"))
	if s.journeyError(c, err) {
		return
	}
	c.JSON(http.StatusOK, toJourneyResponse(j))
}

// activateJourney makes the latest version the one new entrants get.
func (s *server) activateJourney(c *gin.Context) {
	j, err := s.Store.ActivateJourney(c.Request.Context(), workspace(c), c.Param("id"))
	if s.journeyError(c, err) {
		return
	}
	s.journeys.invalidate(workspace(c))
	c.JSON(http.StatusOK, toJourneyResponse(j))
}

func (s *server) journeyError(c *gin.Context, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, store.ErrNotFound):
		problem(c, http.StatusNotFound, "no journey "+c.Param("id")+" in this workspace")
	default:
		s.fail(c, err)
	}
	return true
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// slug makes an ID from a name: "Cart abandonment" → "cart_abandonment".
func slug(name string) string {
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(name), "_"), "_")
	if len(s) > 64 {
		s = strings.TrimRight(s[:64], "_")
	}
	return s
}
