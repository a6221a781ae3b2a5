package api

import (
	"encoding/json"
	"errors"
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
	content, ok := parseTemplateContent(c, req.Channel, req.Content)
	if !ok {
		return
	}
	m, err := s.Store.CreateMessageTemplate(c.Request.Context(), workspace(c), req.ID, req.Channel, req.Name, content)
	if errors.Is(err, store.ErrConflict) {
		problem(c, http.StatusConflict, "a template with id "+req.ID+" already exists", FieldError{Field: "id", Message: "is taken"})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/v1/templates/"+m.ID)
	c.JSON(http.StatusCreated, toMessageTemplateResponse(m))
}

// parseTemplateContent validates content for channel and returns it as
// stored; it answers 400 for a missing channel or content and 422 naming
// every field at fault.
func parseTemplateContent(c *gin.Context, channel string, raw json.RawMessage) (json.RawMessage, bool) {
	if channel == "" {
		invalid(c, "channel", "is required: one of "+strings.Join(msgtemplates.Channels, ", "))
		return nil, false
	}
	if len(raw) == 0 || string(raw) == "null" {
		invalid(c, "content", "is required: the message in Liquid")
		return nil, false
	}
	content, err := msgtemplates.Parse(channel, raw)
	if err != nil {
		templateProblem(c, err)
		return nil, false
	}
	canonical, err := json.Marshal(content)
	if err != nil {
		templateProblem(c, err)
		return nil, false
	}
	return canonical, true
}

// templateProblem answers a template's validation or rendering errors.
func templateProblem(c *gin.Context, err error) {
	var errs msgtemplates.Errors
	if !errors.As(err, &errs) {
		invalid(c, "content", err.Error())
		return
	}
	out := make([]FieldError, len(errs))
	for i, fe := range errs {
		out[i] = FieldError{Field: fe.Field, Message: fe.Message}
	}
	problem(c, http.StatusUnprocessableEntity, errs.Error(), out...)
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
	if s.templateError(c, err) {
		return store.MessageTemplate{}, false
	}
	return m, true
}

func (s *server) templateError(c *gin.Context, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, store.ErrNotFound):
		problem(c, http.StatusNotFound, "no template "+c.Param("id")+" (or no such version of it) in this workspace")
	default:
		s.fail(c, err)
	}
	return true
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
	current, err := s.Store.GetMessageTemplate(c.Request.Context(), workspace(c), c.Param("id"), 0)
	if s.templateError(c, err) {
		return
	}
	if req.Channel != "" && req.Channel != current.Channel {
		invalid(c, "channel", "cannot change: this is a "+current.Channel+" template (make a new one)")
		return
	}
	content, ok := parseTemplateContent(c, current.Channel, req.Content)
	if !ok {
		return
	}
	m, err := s.Store.NewMessageTemplateVersion(c.Request.Context(), workspace(c), current.ID, strings.TrimSpace(req.Name), content)
	if s.templateError(c, err) {
		return
	}
	c.JSON(http.StatusOK, toMessageTemplateResponse(m))
}

// templateVersions lists every version of a template, newest first.
func (s *server) templateVersions(c *gin.Context) {
	versions, err := s.Store.MessageTemplateVersions(c.Request.Context(), workspace(c), c.Param("id"))
	if s.templateError(c, err) {
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
