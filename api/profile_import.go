package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/ingest"
)

// Limits of one POST /v1/profiles/import: tabiji profiles import sends
// batches well inside them.
const (
	maxImportRows  = 1000
	maxImportBytes = 8 << 20
)

// importBody is POST /v1/profiles/import: rows of a customer file, each
// with the line it came from, so that rejects name it.
type importBody struct {
	// AsOf is the time the traits are set at (latest wins per trait): the
	// same for every batch of one import, so a repeat changes nothing. Now
	// when left out.
	AsOf string `json:"as_of"` // RFC 3339
	// Text says the values are text from a CSV file: each is converted to
	// the type of its user property in the taxonomy ("42" to 42), and an
	// empty one leaves the trait as it is.
	Text bool               `json:"text"`
	Rows []ingest.ImportRow `json:"rows"`
}

// importResult is the answer: what the import did.
type importResult = ingest.ImportResult

// importProfiles answers POST /v1/profiles/import: the valid rows are
// upserted in one transaction; each invalid one (no id, a trait that breaks
// its user property) is answered with its line and reasons
// (ingest.Pipeline.ImportProfiles).
func (s *server) importProfiles(c *gin.Context) {
	var b importBody
	if !decodeJSON(c, maxImportBytes, &b, true) {
		return
	}
	if len(b.Rows) == 0 || len(b.Rows) > maxImportRows {
		invalid(c, "rows", "must hold 1 to "+strconv.Itoa(maxImportRows)+" rows")
		return
	}
	asOf := time.Now().UTC()
	if b.AsOf != "" {
		t, err := time.Parse(time.RFC3339Nano, b.AsOf)
		if err != nil {
			invalid(c, "as_of", "must be an RFC 3339 time, such as 2026-11-23T10:00:00Z")
			return
		}
		asOf = t
	}
	res, err := s.pipeline.ImportProfiles(c.Request.Context(), workspace(c), b.Rows, b.Text, asOf)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}
