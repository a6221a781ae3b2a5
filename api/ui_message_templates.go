package api

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/store"
)

// uiMessageTemplates lists the workspace's message templates, of one
// channel with ?channel= (an unknown channel lists them all).
func (s *server) uiMessageTemplates(c *gin.Context) {
	frame, err := s.frame(c, console.SectionMessages, "msgt.title")
	if err != nil {
		s.fail(c, err)
		return
	}
	channel := c.Query("channel")
	if !isChannel(channel) {
		channel = ""
	}
	list, err := s.Store.ListMessageTemplates(c.Request.Context(), workspace(c), channel)
	if err != nil {
		s.fail(c, err)
		return
	}
	page := console.MessageTemplatesPage{Frame: frame, Channel: channel, Channels: msgtemplates.Channels}
	for _, m := range list {
		page.Templates = append(page.Templates, console.MessageTemplateRow{ID: m.ID, Name: m.Name, Channel: m.Channel,
			Version: m.LatestVersion, UpdatedAt: m.UpdatedAt})
	}
	s.page(c, func(b *bytes.Buffer) error { return console.MessageTemplates(b, page) })
}

// uiMessageTemplate opens the editor of a template (/new for a new one):
// the page's script reads it through GET /v1/templates/{id}, so a
// template of another workspace is a 404 there.
func (s *server) uiMessageTemplate(c *gin.Context) {
	frame, err := s.frame(c, console.SectionMessages, "msgt.editor")
	if err != nil {
		s.fail(c, err)
		return
	}
	page := console.MessageTemplatePage{Frame: frame, ID: c.Param("id")}
	if page.ID != "" {
		_, err := s.Store.GetMessageTemplate(c.Request.Context(), workspace(c), page.ID, 0)
		if errors.Is(err, store.ErrNotFound) {
			uiNotFound(c, frame.Lang, console.T(frame.Lang, "msgt.editor")+" "+page.ID)
			return
		}
		if err != nil {
			s.fail(c, err)
			return
		}
	}
	if ch := c.Query("channel"); isChannel(ch) {
		page.Channel = ch
	}
	s.page(c, func(b *bytes.Buffer) error { return console.MessageTemplate(b, page) })
}

// page writes a rendered console page, uncached.
func (s *server) page(c *gin.Context, render func(*bytes.Buffer) error) {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}
