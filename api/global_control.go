package api

import (
	"math"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/jsonfields"
)

// globalControlBody is GET and PUT /v1/global-control: the share of the
// workspace's customers that no journey sends marketing messages to.
type globalControlBody struct {
	Percent *float64 `json:"percent"`
}

// getGlobalControl answers the workspace's global control share (0: none).
func (s *server) getGlobalControl(c *gin.Context) {
	p, err := s.Store.GlobalControl(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, globalControlBody{Percent: &p})
}

// putGlobalControl sets the share; anything but a number from 0 to below
// 100, to the hundredth, is a 422 naming percent.
func (s *server) putGlobalControl(c *gin.Context) {
	var b globalControlBody
	if !decodeJSON(c, 1<<10, &b, true) {
		return
	}
	switch {
	case b.Percent == nil:
		invalid(c, "percent", "is required: the share of customers to hold out of every journey, 0 for none")
		return
	case *b.Percent < 0 || *b.Percent >= 100 || math.Round(*b.Percent*100) != *b.Percent*100:
		problem(c, http.StatusUnprocessableEntity, "the global control group is not valid",
			jsonfields.Error{Field: "percent", Message: "must be at least 0 and below 100, to the hundredth, as in 5 or 2.5"})
		return
	}
	if err := s.Store.PutGlobalControl(c.Request.Context(), workspace(c), *b.Percent); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, b)
}
