package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/channels/line"
	"github.com/tabiji/tabiji/store"
)

// Rich menus per segment (package richmenus keeps the rules and does the linking):
// GET /v1/line/rich-menus, PUT and DELETE /v1/line/rich-menus/{segment}.

type richMenuRuleResponse struct {
	Segment    string    `json:"segment"`
	RichMenuID string    `json:"richMenuId"`
	Linked     int       `json:"linked"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

func toRichMenuRule(r store.RichMenuRule) richMenuRuleResponse {
	return richMenuRuleResponse{Segment: r.SegmentID, RichMenuID: r.RichMenuID, Linked: r.Linked, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// listRichMenuRules answers every rule with how many users it has linked.
func (s *server) listRichMenuRules(c *gin.Context) {
	rules, err := s.Store.RichMenuRules(c.Request.Context(), workspace(c))
	if s.answered(c, err) {
		return
	}
	out := make([]richMenuRuleResponse, len(rules))
	for i, r := range rules {
		out[i] = toRichMenuRule(r)
	}
	c.JSON(http.StatusOK, gin.H{"richMenus": out})
}

// putRichMenuRule links a rich menu to the segment's members from now on
// (the sweeper links the current members within seconds, those who join
// later as they join, and unlinks those who leave).
func (s *server) putRichMenuRule(c *gin.Context) {
	var req struct {
		RichMenuID string `json:"richMenuId"`
	}
	if !decodeJSON(c, 4<<10, &req, true) {
		return
	}
	if !line.RichMenuIDPattern.MatchString(req.RichMenuID) {
		invalid(c, "richMenuId", "must be a LINE rich menu ID: richmenu- and 32 hex digits, as LINE's rich menu API returns it")
		return
	}
	seg := c.Param("segment")
	r, err := s.richMenus.Put(c.Request.Context(), workspace(c), seg, req.RichMenuID)
	if s.answered(c, err, notFound("no segment "+seg+" in this workspace: create it first (POST /v1/segments)")) {
		return
	}
	c.JSON(http.StatusOK, toRichMenuRule(r))
}

// deleteRichMenuRule stops the rule; the sweeper unlinks its menu from
// every user it linked it to.
func (s *server) deleteRichMenuRule(c *gin.Context) {
	seg := c.Param("segment")
	err := s.richMenus.Delete(c.Request.Context(), workspace(c), seg)
	if s.answered(c, err, notFound("segment "+seg+" has no rich menu")) {
		return
	}
	c.Status(http.StatusNoContent)
}
