package api

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/taxonomy"
)

// checkCatalog checks the events a definition uses against the workspace's
// taxonomy, once it defines any event. An event the taxonomy blocks, or an
// unknown one where the workspace rejects or quarantines unknown events,
// could never reach the journey as sent: that is an error (422). An unknown
// event where unknown events are allowed, or a deprecated one, is a warning,
// returned beside the saved journey.
func (s *server) checkCatalog(c *gin.Context, d journey.Definition) ([]FieldError, bool) {
	t, err := s.taxonomies.get(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	if t == nil || len(t.Events) == 0 {
		return nil, true
	}
	defs := map[string]taxonomy.EventDef{}
	for _, e := range t.Events {
		defs[e.Name] = e
	}
	unknownIsError := t.UnknownEvents == taxonomy.Reject || t.UnknownEvents == taxonomy.Quarantine
	var errs, warnings []FieldError
	for _, ref := range d.EventRefs() {
		field := "definition." + ref.Field
		e, known := defs[ref.Event]
		switch {
		case !known && unknownIsError:
			errs = append(errs, FieldError{Field: field, Message: "event " + ref.Event + " is not in the taxonomy, which " + string(t.UnknownEvents) + "s unknown events"})
		case !known:
			warnings = append(warnings, FieldError{Field: field, Message: "event " + ref.Event + " is not in the taxonomy"})
		case e.Status == taxonomy.Blocked:
			errs = append(errs, FieldError{Field: field, Message: "event " + ref.Event + " is blocked by the taxonomy: it never arrives"})
		case e.Status == taxonomy.Deprecated:
			warnings = append(warnings, FieldError{Field: field, Message: "event " + ref.Event + " is deprecated in the taxonomy"})
		}
	}
	if len(errs) > 0 {
		problem(c, http.StatusUnprocessableEntity, "the journey uses events its workspace's taxonomy does not let through", errs...)
		return nil, false
	}
	return warnings, true
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
