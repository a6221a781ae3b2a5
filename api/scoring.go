package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/scoring"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/wscache"
)

// scoreHistoryLimit is how many awards GET /v1/profiles/{id}/score shows.
const scoreHistoryLimit = 50

// newScoringCache holds each workspace's compiled scoring rules (nil when
// it has none), so that ingestion checks them without a query.
func newScoringCache(st *store.Store, ttl time.Duration) *wscache.Cache[*scoring.Compiled] {
	return wscache.New(ttl, func(ctx context.Context, workspaceID string) (*scoring.Compiled, error) {
		r, err := loadScoringRules(ctx, st, workspaceID)
		if err != nil || (len(r.Events) == 0 && len(r.Traits) == 0) {
			return nil, err
		}
		return scoring.Compile(r)
	})
}

func loadScoringRules(ctx context.Context, st *store.Store, workspaceID string) (scoring.Rules, error) {
	return st.ScoringRuleSet(ctx, workspaceID)
}

// getScoring answers the workspace's lead-scoring rules (empty lists when none).
func (s *server) getScoring(c *gin.Context) {
	r, err := loadScoringRules(c.Request.Context(), s.Store, workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// putScoring replaces the workspace's lead-scoring rules; a bad rule is a
// 422 naming events[i].filter, traits[i].points, half_life and so on.
func (s *server) putScoring(c *gin.Context) {
	var r scoring.Rules
	if !decodeJSON(c, 256<<10, &r, true) {
		return
	}
	if errs := scoring.Validate(r); len(errs) > 0 {
		problem(c, http.StatusUnprocessableEntity, "the scoring rules are not valid: "+errs[0].Field+": "+errs[0].Message, errs...)
		return
	}
	if r.Events == nil {
		r.Events = []scoring.EventRule{}
	}
	if r.Traits == nil {
		r.Traits = []scoring.TraitRule{}
	}
	raw, err := json.Marshal(r)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Store.PutScoringRules(c.Request.Context(), workspace(c), raw); err != nil {
		s.fail(c, err)
		return
	}
	s.scoring.Invalidate(workspace(c))
	c.JSON(http.StatusOK, r)
}

// scoreResponse is GET /v1/profiles/{id}/score.
type scoreResponse struct {
	ID string `json:"id"`
	// Score is the score now: Stored decayed from AsOf by the half-life.
	Score    float64            `json:"score"`
	Stored   float64            `json:"stored"`
	AsOf     *time.Time         `json:"as_of,omitempty"`
	HalfLife string             `json:"half_life,omitempty"`
	History  []store.ScoreEntry `json:"history"`
}

// getProfileScore answers a customer's lead score, decayed to now, with
// its latest awards.
func (s *server) getProfileScore(c *gin.Context) {
	ps, err := s.Store.ProfileScore(c.Request.Context(), workspace(c), c.Param("id"), scoreHistoryLimit)
	if s.answered(c, err, noCustomer(c)) {
		return
	}
	p := ps.Profile
	out := scoreResponse{ID: p.ID, History: ps.History}
	if out.History == nil {
		out.History = []store.ScoreEntry{}
	}
	sc := scoring.Score{At: p.TraitUpdatedAt[scoring.Trait]}
	sc.Value, _ = p.Traits[scoring.Trait].(float64)
	halfLife := ps.HalfLife
	if halfLife > 0 {
		out.HalfLife = journey.Duration(halfLife).String()
	}
	out.Stored, out.Score = sc.Value, sc.ValueAt(time.Now(), halfLife)
	if !sc.At.IsZero() {
		out.AsOf = &sc.At
	}
	c.JSON(http.StatusOK, out)
}
