package api

import (
	"bytes"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/people"
)

// uiPeople is GET /ui/settings/people, the owner's People page: members
// and pending invitations from the people engine; its script changes them
// through /v1/people.
func (s *server) uiPeople(c *gin.Context) {
	frame, err := s.frame(c, console.SectionSettings, "people.title")
	if err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.people.Directory(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	page := console.PeoplePage{Frame: frame, Roles: make([]string, len(people.Roles))}
	for i, r := range people.Roles {
		page.Roles[i] = string(r)
	}
	for _, m := range d.Members {
		row := console.PersonRow{ID: m.PersonID, Name: m.Name, Email: m.Email, Role: m.Role}
		if m.LastLogin != nil {
			row.LastLogin = frame.When(*m.LastLogin)
		}
		page.Members = append(page.Members, row)
	}
	for _, t := range d.Invitations {
		page.Invitations = append(page.Invitations, console.InvitationRow{ID: t.ID, Email: t.Email, Role: t.Role, Expires: frame.When(t.ExpiresAt)})
	}
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.People(buf, page) })
}
