package api

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/store"
)

// personBody is a member of the workspace as GET /v1/people lists them.
type personBody struct {
	ID        string     `json:"id"`
	Email     string     `json:"email"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	Locale    string     `json:"locale,omitempty"`
	Since     time.Time  `json:"since"`
	LastLogin *time.Time `json:"lastLoginAt"`
}

// invitationBody is a pending invitation; it never holds its link.
type invitationBody struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	Locale    string    `json:"locale,omitempty"`
	InvitedBy string    `json:"invitedBy"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func invitationOf(t store.PersonToken) invitationBody {
	return invitationBody{ID: t.ID, Email: t.Email, Role: t.Role, Locale: t.Locale, InvitedBy: t.CreatedBy,
		CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}
}

// listPeople is GET /v1/people: the workspace's members and its pending
// invitations.
func (s *server) listPeople(c *gin.Context) {
	d, err := s.people.Directory(c.Request.Context(), workspace(c))
	if s.answered(c, err) {
		return
	}
	out := struct {
		People      []personBody     `json:"people"`
		Invitations []invitationBody `json:"invitations"`
	}{People: make([]personBody, len(d.Members)), Invitations: make([]invitationBody, len(d.Invitations))}
	for i, m := range d.Members {
		out.People[i] = personBody{ID: m.PersonID, Email: m.Email, Name: m.Name, Role: m.Role, Locale: m.Locale, Since: m.Since, LastLogin: m.LastLogin}
	}
	for i, t := range d.Invitations {
		out.Invitations[i] = invitationOf(t)
	}
	c.JSON(http.StatusOK, out)
}

// createInvitation is POST /v1/people/invitations: the link is in the
// answer once (only its hash is kept), and emailed through the workspace's
// email channel (the outbox without a provider).
func (s *server) createInvitation(c *gin.Context) {
	var req struct {
		Email  string `json:"email"`
		Role   string `json:"role"`
		Locale string `json:"locale"`
	}
	if !decodeJSON(c, 4<<10, &req, true) {
		return
	}
	inv, err := s.people.Invite(c.Request.Context(), people.Invite{WorkspaceID: workspace(c), Email: req.Email, Role: req.Role,
		Locale: req.Locale, By: actorName(c), BaseURL: s.linkBase(c)})
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusCreated, gin.H{"invitation": invitationOf(inv.PersonToken), "inviteLink": inv.Link,
		"email": gin.H{"sentThrough": inv.Sent.Through, "error": inv.Sent.Error}})
}

// revokeInvitation is DELETE /v1/people/invitations/{id}.
func (s *server) revokeInvitation(c *gin.Context) {
	err := s.Store.RevokeInvitation(c.Request.Context(), workspace(c), c.Param("id"))
	if s.answered(c, err, notFound("no pending invitation "+c.Param("id")+" in this workspace")) {
		return
	}
	c.Status(http.StatusNoContent)
}

// putPersonRole is PUT /v1/people/{id}/role.
func (s *server) putPersonRole(c *gin.Context) {
	var req struct {
		Role string `json:"role"`
	}
	if !decodeJSON(c, 1<<10, &req, true) {
		return
	}
	role, err := people.ParseRole(req.Role)
	if err != nil {
		problem(c, http.StatusUnprocessableEntity, "role: "+err.Error(), jsonfields.Error{Field: "role", Message: err.Error()})
		return
	}
	err = s.Store.SetMemberRole(c.Request.Context(), workspace(c), c.Param("id"), string(role))
	if s.answered(c, err, notFound("no person "+c.Param("id")+" in this workspace"), lastOwner) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "role": role})
}

// removePerson is DELETE /v1/people/{id}: the membership goes and the
// person's sessions in the workspace end; the account stays.
func (s *server) removePerson(c *gin.Context) {
	err := s.Store.RemoveMember(c.Request.Context(), workspace(c), c.Param("id"))
	if s.answered(c, err, notFound("no person "+c.Param("id")+" in this workspace"), lastOwner) {
		return
	}
	c.Status(http.StatusNoContent)
}

// lastOwner answers a change that would leave the workspace without an owner.
var lastOwner = on(store.ErrLastOwner, http.StatusConflict,
	"the workspace's last owner can be neither removed nor given another role: make another person owner first")

// actorName names who makes the request in records people read: the
// session's address, else the key's id.
func actorName(c *gin.Context) string {
	if e := c.GetString(personEmailKey); e != "" {
		return e
	}
	return keyID(c)
}

// linkBase is the address emailed links start with: TABIJI_PUBLIC_URL,
// else the request's own host when it is a loopback address (a laptop, a
// test). Any other Host header is the requester's word, and a reset link
// built from it would carry its token to whatever host they name; then the
// link is a path only, and the docs say to set TABIJI_PUBLIC_URL.
func (s *server) linkBase(c *gin.Context) string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/")
	}
	host, _, err := net.SplitHostPort(c.Request.Host)
	if err != nil {
		host = c.Request.Host
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return "http://" + c.Request.Host
	}
	return ""
}
