package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/store"
)

// meBody is GET /v1/me: the session's person and their language (theirs,
// else the workspace's), the workspace they act in with their role there,
// their other workspaces, and the CSRF token the console sends with every
// change.
type meBody struct {
	ID         string        `json:"id"`
	Email      string        `json:"email"`
	Locale     string        `json:"locale"`
	Workspace  string        `json:"workspace"`
	Role       string        `json:"role"`
	Workspaces []meWorkspace `json:"workspaces"`
	CSRFToken  string        `json:"csrfToken"`
}

type meWorkspace struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// sessionOnly answers 403 for a request made with a key: only a console
// session has a person.
func sessionOnly(c *gin.Context) bool {
	if personID(c) == "" {
		problem(c, http.StatusForbidden, "a key is not a person: this endpoint answers console sessions")
		return false
	}
	return true
}

// getMe is GET /v1/me.
func (s *server) getMe(c *gin.Context) {
	if !sessionOnly(c) {
		return
	}
	me, err := s.people.Me(c.Request.Context(), personID(c))
	if s.answered(c, err, notFound("the person no longer exists")) {
		return
	}
	s.answerMe(c, me)
}

// answerMe answers the person as GET /v1/me shows them.
func (s *server) answerMe(c *gin.Context, me people.Me) {
	out := meBody{ID: me.Person.ID, Email: me.Person.Email, Locale: c.GetString(personLocaleKey), Workspace: workspace(c),
		Role: c.GetString(personRoleKey), Workspaces: make([]meWorkspace, len(me.Memberships)), CSRFToken: s.csrfToken(c)}
	for i, m := range me.Memberships {
		out.Workspaces[i] = meWorkspace{ID: m.WorkspaceID, Name: m.WorkspaceName, Role: m.Role}
	}
	c.JSON(http.StatusOK, out)
}

// patchMe is PATCH /v1/me: the person's console language.
func (s *server) patchMe(c *gin.Context) {
	var req struct {
		Locale string `json:"locale"`
	}
	if !sessionOnly(c) || !decodeJSON(c, 1<<10, &req, true) {
		return
	}
	if !people.ValidLocale(req.Locale) {
		invalid(c, "locale", "must be ja or en")
		return
	}
	me, err := s.people.SetLocale(c.Request.Context(), personID(c), req.Locale)
	if s.answered(c, err, notFound("the person no longer exists")) {
		return
	}
	c.Set(personLocaleKey, req.Locale)
	s.answerMe(c, me)
}

// putMeWorkspace is PUT /v1/me/workspace: the session acts in another of
// the person's workspaces from now on.
func (s *server) putMeWorkspace(c *gin.Context) {
	var req struct {
		Workspace string `json:"workspace"`
	}
	if !sessionOnly(c) || !decodeJSON(c, 1<<10, &req, true) {
		return
	}
	err := s.Store.SwitchSession(c.Request.Context(), s.sessionToken(c), req.Workspace)
	if s.answered(c, err, on(store.ErrNotFound, http.StatusUnprocessableEntity, "workspace: you are not a member of it",
		jsonfields.Error{Field: "workspace", Message: "is not one of your workspaces"})) {
		return
	}
	c.Status(http.StatusNoContent)
}
