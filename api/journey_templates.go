package api

import (
	"cmp"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/approvals"
	"github.com/tabiji/tabiji/journeytemplates"
	"github.com/tabiji/tabiji/schemas"
)

type templateResponse struct {
	journeytemplates.Template
	// Definition is the journey as written, "${param}" marking where each
	// parameter goes; only the single-template answer carries it.
	Definition any `json:"definition,omitempty"`
}

type launchRequest struct {
	ID     string         `json:"id"`
	Name   string         `json:"name"`
	Params map[string]any `json:"params"`
	// Locale is the language of the journey's messages ("ja", "en"); the
	// workspace's when empty.
	Locale string `json:"locale"`
}

// listJourneyTemplates answers the template library: names, docs and
// parameters, in the language of ?locale= (the workspace's unless given).
func (s *server) listJourneyTemplates(c *gin.Context) {
	lang, ok := s.templateLanguage(c, c.Query("locale"), "locale")
	if !ok {
		return
	}
	ts := journeytemplates.List()
	out := make([]templateResponse, len(ts))
	for i, t := range ts {
		out[i] = templateResponse{Template: t.In(lang)}
	}
	c.JSON(http.StatusOK, gin.H{"templates": out})
}

func (s *server) getJourneyTemplate(c *gin.Context) {
	t, ok := s.template(c)
	if !ok {
		return
	}
	lang, ok := s.templateLanguage(c, c.Query("locale"), "locale")
	if !ok {
		return
	}
	c.JSON(http.StatusOK, templateResponse{Template: t.In(lang), Definition: t.Definition()})
}

// templateLanguage is the language asked for, checked (a 422 naming field
// when the library has no copy in it), or the workspace's.
func (s *server) templateLanguage(c *gin.Context, asked, field string) (string, bool) {
	if asked != "" {
		err := journeytemplates.CheckLanguage(asked, field)
		return asked, !s.answered(c, err)
	}
	set, err := s.Store.WorkspaceSettings(c.Request.Context(), workspace(c))
	return set.Locale, !s.answered(c, err)
}

// launchJourneyTemplate makes a journey from a template and activates it,
// held to the workspace's taxonomy as any saved journey is
// (approvals.Service.LaunchTemplate). Under approvals the activation is a
// request and the journey stays a draft.
func (s *server) launchJourneyTemplate(c *gin.Context) {
	t, ok := s.template(c)
	if !ok {
		return
	}
	var req launchRequest
	if c.Request.ContentLength != 0 && !decodeJSON(c, 64<<10, &req, true) {
		return
	}
	if req.Locale != "" && s.answered(c, journeytemplates.CheckLanguage(req.Locale, "locale")) {
		return
	}
	if req.ID == "" { // a Japanese name makes no slug: the English title's
		req.ID = cmp.Or(slug(req.Name), slug(t.Title))
	}
	// A blank name becomes the title in the journey's language, which the
	// launch knows: the English title stands in for the check here.
	req.Name = strings.TrimSpace(req.Name)
	if name := req.Name; !nameAndID(c, &name, &req.ID, t.Title) {
		return
	}
	done, err := s.approvals.LaunchTemplate(c.Request.Context(), workspace(c), approvals.TemplateLaunch{
		Template: t, ID: req.ID, Name: req.Name, Params: req.Params, Locale: req.Locale,
	}, approvalActor(c))
	if s.answered(c, err, conflict("a journey with id "+req.ID+" already exists: launch with another \"id\"", taken("id"))) {
		return
	}
	c.Header("Location", "/v1/journeys/"+req.ID)
	auditMade(c, "journeys", cmp.Or(done.Journey.ID, req.ID))
	auditNote(c, "template", t.Name)
	auditNote(c, "journey", map[string]string{"id": cmp.Or(done.Journey.ID, req.ID), "name": done.Journey.Name})
	if done.Request != nil {
		requested(c, *done.Request)
		return
	}
	resp := toJourneyResponse(done.Journey)
	resp.Warnings = done.Warnings
	c.JSON(http.StatusCreated, resp)
}

func (s *server) template(c *gin.Context) (journeytemplates.Template, bool) {
	t, err := journeytemplates.Get(c.Param("name"))
	if err != nil { // the one error Get has: journeytemplates.ErrUnknown
		names := make([]string, 0, 8)
		for _, t := range journeytemplates.List() {
			names = append(names, t.Name)
		}
		problem(c, http.StatusNotFound, "no journey template "+c.Param("name")+": the library has "+strings.Join(names, ", "))
		return t, false
	}
	return t, true
}

// journeySchema serves the JSON Schema of journey definitions, for editors
// and tools that check a journey file before it is saved.
func (s *server) journeySchema(c *gin.Context) {
	c.Data(http.StatusOK, "application/schema+json", schemas.JourneySchema)
}
