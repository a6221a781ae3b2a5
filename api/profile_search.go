package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// profileSearchLimit bounds the customers a search answers.
const profileSearchLimit = 50

// profileMatch is one customer a search found: the ways of naming them.
type profileMatch struct {
	ID         string `json:"id"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
	LineUserID string `json:"lineUserId,omitempty"`
}

// searchProfiles finds customers by id (or an id merged into theirs),
// email address in any case, phone number in any form or LINE user id
// (store.FindProfiles, as the console's customer search): the console's
// preview looks its customer up this way.
func (s *server) searchProfiles(c *gin.Context) {
	q := strings.TrimSpace(c.Query("q"))
	switch {
	case q == "":
		invalid(c, "q", "is required: a customer id, email address, phone number or LINE user id")
		return
	case len(q) > 320:
		invalid(c, "q", "is longer than 320 bytes")
		return
	}
	found, err := s.Store.FindProfiles(c.Request.Context(), workspace(c), q, profileSearchLimit)
	if s.answered(c, err) {
		return
	}
	out := make([]profileMatch, len(found))
	for i, p := range found {
		out[i] = profileMatch{ID: p.ID, Email: p.Email, Phone: p.Phone, LineUserID: p.LineUserID}
	}
	c.JSON(http.StatusOK, gin.H{"profiles": out})
}
