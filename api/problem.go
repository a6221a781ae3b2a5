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

	"github.com/tabiji/tabiji/jsonfields"
)

// Problem is an RFC 9457 problem details body. Errors names each field at
// fault, as a path into the request body ("definition.nodes[0].next").
type Problem struct {
	Type   string             `json:"type"`
	Title  string             `json:"title"`
	Status int                `json:"status"`
	Detail string             `json:"detail,omitempty"`
	Errors []jsonfields.Error `json:"errors,omitempty"`
}

func problem(c *gin.Context, status int, detail string, errs ...jsonfields.Error) {
	p := Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Errors: errs}
	body, _ := json.Marshal(p)
	c.Data(status, "application/problem+json", body)
	c.Abort()
}

func invalid(c *gin.Context, field, message string) {
	problem(c, http.StatusBadRequest, field+": "+message, jsonfields.Error{Field: field, Message: message})
}

// decodeJSON reads a JSON body of at most limit bytes into v, answering a
// problem and returning false when it cannot.
func decodeJSON(c *gin.Context, limit int64, v any, strict bool) bool {
	if ct := c.ContentType(); ct != "" && ct != "application/json" {
		problem(c, http.StatusUnsupportedMediaType, "send the body as application/json, not "+ct)
		return false
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err == nil && bytes.Contains(raw, []byte(`\u0000`)) { // as ingestion refuses it (ingest.checkRaw)
		invalid(c, "body", `must not contain \u0000 (NUL), which Postgres cannot store`)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err == nil {
		err = dec.Decode(v)
	}
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case err == nil:
		return true
	case errors.As(err, &tooBig):
		problem(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d KB", limit/1024))
	case errors.Is(err, io.EOF):
		invalid(c, "body", "is empty: send a JSON object")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		invalid(c, field, "must be a "+jsonType(typeErr.Type.Kind().String()))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		invalid(c, "body", "is not valid JSON: "+err.Error())
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		invalid(c, strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "unknown field")
	default:
		invalid(c, "body", err.Error())
	}
	return false
}

func jsonType(kind string) string {
	switch kind {
	case "map", "struct":
		return "JSON object"
	case "slice", "array":
		return "JSON array"
	case "string":
		return "string"
	case "bool":
		return "boolean"
	default:
		return "number"
	}
}
