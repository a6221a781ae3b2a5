package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
)

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

// convertJourneyRequest is POST /v1/journeys/convert: a definition as JSON
// (definition) or as YAML text (yaml), exactly one. With check, YAML that
// does not read as a journey is a verdict (200, valid false) rather than a
// 422, for the canvas's YAML view, which asks as the marketer types and
// must make no failing request.
type convertJourneyRequest struct {
	Definition json.RawMessage `json:"definition"`
	YAML       *string         `json:"yaml"`
	Check      bool            `json:"check"`
}

// convertJourneyResponse is the definition in both forms; with check,
// whether the YAML read as a journey and, when not, why.
type convertJourneyResponse struct {
	Definition json.RawMessage    `json:"definition,omitempty"`
	YAML       string             `json:"yaml"`
	Valid      *bool              `json:"valid,omitempty"`
	Errors     []jsonfields.Error `json:"errors,omitempty"`
}

// convertJourney writes a definition as YAML or reads one written in YAML,
// for the canvas's YAML view: the answer holds both forms, and the JSON of
// YAML it wrote is the same value. It only converts (the definition need
// not be valid yet) and stores nothing.
func (s *server) convertJourney(c *gin.Context) {
	var req convertJourneyRequest
	if !decodeJSON(c, 1<<20, &req, true) {
		return
	}
	hasDef := len(req.Definition) > 0 && string(req.Definition) != "null"
	switch {
	case hasDef == (req.YAML != nil):
		invalid(c, "definition", "send either definition (JSON) or yaml (text), one of them")
	case hasDef:
		if !bytes.HasPrefix(bytes.TrimSpace(req.Definition), []byte("{")) {
			invalid(c, "definition", "must be an object: the journey's entry and nodes")
			return
		}
		y, err := journey.ToYAML(req.Definition)
		if err != nil {
			invalid(c, "definition", err.Error())
			return
		}
		c.JSON(http.StatusOK, convertJourneyResponse{Definition: req.Definition, YAML: string(y)})
	default:
		def, err := journey.ToJSON([]byte(*req.YAML))
		if err != nil || !json.Valid(def) || !bytes.HasPrefix(bytes.TrimSpace(def), []byte("{")) {
			msg := "must be a YAML mapping: the journey's entry and nodes"
			var verr journey.ValidationError
			if errors.As(err, &verr) && len(verr) > 0 {
				msg = strings.TrimPrefix(verr[0].Message, "malformed YAML: ")
			}
			fault := jsonfields.Error{Field: "yaml", Message: msg}
			if req.Check {
				c.JSON(http.StatusOK, convertJourneyResponse{YAML: *req.YAML, Valid: new(false), Errors: []jsonfields.Error{fault}})
				return
			}
			problem(c, http.StatusUnprocessableEntity, "yaml: "+msg, fault)
			return
		}
		out := convertJourneyResponse{Definition: def, YAML: *req.YAML}
		if req.Check {
			out.Valid = new(true)
		}
		c.JSON(http.StatusOK, out)
	}
}
