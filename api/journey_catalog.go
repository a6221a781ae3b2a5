package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// checkCatalog checks the events a definition uses against the workspace's
// taxonomy, once it defines any event. An event the taxonomy blocks, or an
// unknown one where the workspace rejects or quarantines unknown events,
// could never reach the journey as sent: that is an error (422). An unknown
// event where unknown events are allowed, or a deprecated one, is a warning,
// returned beside the saved journey. Stored template names are checked
// first (checkTemplateNames).
func (s *server) checkCatalog(c *gin.Context, d journey.Definition) ([]jsonfields.Error, bool) {
	if !s.checkTemplateNames(c, d) || !s.checkSegment(c, d) {
		return nil, false
	}
	t, err := s.taxonomies.Get(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	if t == nil || len(t.Events) == 0 {
		return nil, true
	}
	defs := map[string]taxonomy.EventDef{}
	for _, e := range append(slices.Clip(taxonomy.Builtin), t.Events...) {
		defs[e.Name] = e
	}
	unknownIsError := t.UnknownEvents == taxonomy.Reject || t.UnknownEvents == taxonomy.Quarantine
	var errs, warnings []jsonfields.Error
	for _, ref := range d.EventRefs() {
		field := "definition." + ref.Field
		e, known := defs[ref.Event]
		switch {
		case !known && unknownIsError:
			errs = append(errs, jsonfields.Error{Field: field, Message: "event " + ref.Event + " is not in the taxonomy, which " + string(t.UnknownEvents) + "s unknown events"})
		case !known:
			warnings = append(warnings, jsonfields.Error{Field: field, Message: "event " + ref.Event + " is not in the taxonomy"})
		case e.Status == taxonomy.Blocked:
			errs = append(errs, jsonfields.Error{Field: field, Message: "event " + ref.Event + " is blocked by the taxonomy: it never arrives"})
		case e.Status == taxonomy.Deprecated:
			warnings = append(warnings, jsonfields.Error{Field: field, Message: "event " + ref.Event + " is deprecated in the taxonomy"})
		}
	}
	if len(errs) > 0 {
		problem(c, http.StatusUnprocessableEntity, "the journey uses events its workspace's taxonomy does not let through", errs...)
		return nil, false
	}
	return warnings, true
}

// checkTemplateNames checks every stored template a send names: its
// template must exist in the workspace on the node's channel, its
// fallback_template on the fallback channel (a stored template holds one
// channel's content; journey validation already asks for fallback content
// when the template is named). A wrong name is a 422 naming
// definition.nodes[i].template.name (or fallback_template.name), at save
// time rather than as a failed send on the day.
func (s *server) checkTemplateNames(c *gin.Context, d journey.Definition) bool {
	var errs []jsonfields.Error
	for i, n := range d.Nodes {
		if n.Kind != journey.KindSend {
			continue
		}
		order := append(slices.Clone(n.ChannelOrder()), "")
		for _, use := range []struct {
			field, channel string
			t              *journey.Template
		}{{"template", order[0], n.Template}, {"fallback_template", order[1], n.FallbackTemplate}} {
			if use.t == nil || use.t.Name == "" {
				continue
			}
			field := fmt.Sprintf("definition.nodes[%d].%s.name", i, use.field)
			t, err := s.Store.GetMessageTemplate(c.Request.Context(), workspace(c), use.t.Name, 0)
			switch {
			case errors.Is(err, store.ErrNotFound):
				errs = append(errs, jsonfields.Error{Field: field, Message: "names no stored message template: " + use.t.Name})
			case err != nil:
				s.fail(c, err)
				return false
			case t.Channel != use.channel:
				errs = append(errs, jsonfields.Error{Field: field, Message: fmt.Sprintf("names a %s template, but it is sent on %s", t.Channel, use.channel)})
			}
		}
	}
	if len(errs) > 0 {
		problem(c, http.StatusUnprocessableEntity, "the journey names message templates it cannot send", errs...)
		return false
	}
	return true
}

// checkSegment checks that the segment a journey enters on exists: a
// 422 naming definition.entry.segment at save time, rather than a sweep
// that fails every hour.
func (s *server) checkSegment(c *gin.Context, d journey.Definition) bool {
	return !s.answered(c, s.Store.CheckEntrySegment(c.Request.Context(), workspace(c), d))
}

// yamlToJSON lets a journey be sent as YAML (application/yaml, as written by
// hand or by `tabiji journeys apply -f journey.yaml`): the body becomes JSON
// and goes through the same strict decoder, so errors name the same fields.
func yamlToJSON(c *gin.Context, limit int64) bool {
	switch c.ContentType() {
	case "application/yaml", "application/x-yaml", "text/yaml":
	default:
		return true
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err != nil {
		problem(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d KB", limit/1024))
		return false
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		invalid(c, "body", "is empty: send a YAML document")
		return false
	}
	converted, err := journey.ToJSON(raw)
	if err != nil {
		invalid(c, "body", err.Error())
		return false
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(converted))
	c.Request.Header.Set("Content-Type", "application/json")
	return true
}
