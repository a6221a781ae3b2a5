package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/store"
)

// Message templates (msgtemplates): per-channel content in Liquid, versioned.

type templateRequest struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Channel string          `json:"channel"`
	Content json.RawMessage `json:"content"`
}

type messageTemplateResponse struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Channel       string          `json:"channel"`
	Version       int             `json:"version"`
	LatestVersion int             `json:"latestVersion"`
	Content       json.RawMessage `json:"content"`
	CreatedAt     time.Time       `json:"createdAt"`
	UpdatedAt     time.Time       `json:"updatedAt"`
}

func toMessageTemplateResponse(m store.MessageTemplate) messageTemplateResponse {
	return messageTemplateResponse{ID: m.ID, Name: m.Name, Channel: m.Channel, Version: m.Version, LatestVersion: m.LatestVersion,
		Content: m.Content, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
}

// createTemplate stores a message template as version 1.
func (s *server) createTemplate(c *gin.Context) {
	var req templateRequest
	if !decodeJSON(c, 1<<20, &req, true) {
		return
	}
	if !nameAndID(c, &req.Name, &req.ID, "") {
		return
	}
	content, ok := s.parseTemplateContent(c, req.Channel, req.Content)
	if !ok {
		return
	}
	m, err := s.Store.CreateMessageTemplate(c.Request.Context(), workspace(c), req.ID, req.Channel, req.Name, content)
	if s.answered(c, err, conflict("a template with id "+req.ID+" already exists", taken("id"))) {
		return
	}
	c.Header("Location", "/v1/templates/"+m.ID)
	c.JSON(http.StatusCreated, toMessageTemplateResponse(m))
}

// parseTemplateContent validates content for channel and returns it as
// stored; it answers 400 for a missing channel or content and 422 naming
// every field at fault.
func (s *server) parseTemplateContent(c *gin.Context, channel string, raw json.RawMessage) (json.RawMessage, bool) {
	content, err := store.TemplateContent(channel, raw)
	return content, !s.answered(c, err)
}

// listTemplates lists the workspace's templates with their latest content,
// of one channel with ?channel=.
func (s *server) listTemplates(c *gin.Context) {
	channel := c.Query("channel")
	if channel != "" && !isChannel(channel) {
		invalid(c, "channel", "must be one of "+strings.Join(msgtemplates.Channels, ", "))
		return
	}
	list, err := s.Store.ListMessageTemplates(c.Request.Context(), workspace(c), channel)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]messageTemplateResponse, len(list))
	for i, m := range list {
		out[i] = toMessageTemplateResponse(m)
	}
	c.JSON(http.StatusOK, gin.H{"templates": out})
}

func isChannel(ch string) bool {
	for _, known := range msgtemplates.Channels {
		if ch == known {
			return true
		}
	}
	return false
}

// getTemplate answers a template with its latest content, or with the
// content of ?version=N.
func (s *server) getTemplate(c *gin.Context) {
	m, ok := s.loadTemplate(c, c.Query("version"))
	if !ok {
		return
	}
	c.JSON(http.StatusOK, toMessageTemplateResponse(m))
}

// loadTemplate reads the template of the path at version ("" for the
// latest), answering 400 for a bad version and 404 for none.
func (s *server) loadTemplate(c *gin.Context, version string) (store.MessageTemplate, bool) {
	v := 0
	if version != "" {
		n, err := strconv.Atoi(version)
		if err != nil || n < 1 {
			invalid(c, "version", "must be a whole number from 1")
			return store.MessageTemplate{}, false
		}
		v = n
	}
	m, err := s.Store.GetMessageTemplate(c.Request.Context(), workspace(c), c.Param("id"), v)
	if s.answered(c, err, noTemplate(c)) {
		return store.MessageTemplate{}, false
	}
	return m, true
}

// noTemplate is the 404 of a path naming a template the workspace lacks.
func noTemplate(c *gin.Context) outcome {
	return notFound("no template " + c.Param("id") + " (or no such version of it) in this workspace")
}

// updateTemplate stores new content as the template's next version. The
// channel cannot change.
func (s *server) updateTemplate(c *gin.Context) {
	var req templateRequest
	if !decodeJSON(c, 1<<20, &req, true) {
		return
	}
	if req.ID != "" && req.ID != c.Param("id") {
		invalid(c, "id", "differs from the id in the path")
		return
	}
	m, err := s.Store.ReviseMessageTemplate(c.Request.Context(), workspace(c), c.Param("id"), req.Channel, strings.TrimSpace(req.Name), req.Content)
	if s.answered(c, err, noTemplate(c)) {
		return
	}
	c.JSON(http.StatusOK, toMessageTemplateResponse(m))
}

// templateVersions lists every version of a template, newest first.
func (s *server) templateVersions(c *gin.Context) {
	versions, err := s.Store.MessageTemplateVersions(c.Request.Context(), workspace(c), c.Param("id"))
	if s.answered(c, err, noTemplate(c)) {
		return
	}
	type versionResponse struct {
		Version   int             `json:"version"`
		Content   json.RawMessage `json:"content"`
		CreatedAt time.Time       `json:"createdAt"`
	}
	out := make([]versionResponse, len(versions))
	for i, v := range versions {
		out[i] = versionResponse{Version: v.Version, Content: v.Content, CreatedAt: v.CreatedAt}
	}
	c.JSON(http.StatusOK, gin.H{"versions": out})
}
