package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/store"
)

// DisclosureMaxRows is the most rows one disclosure (GET
// /v1/profiles/{id}/export) streams; a customer with more is answered 413
// with the count of each section, before anything is written.
const DisclosureMaxRows = 500_000

// disclosureHead is the start of a disclosure document.
type disclosureHead struct {
	Workspace   string           `json:"workspace"`
	Customer    string           `json:"customer"`
	IDs         []string         `json:"ids"`
	GeneratedAt time.Time        `json:"generatedAt"`
	Counts      map[string]int64 `json:"counts"`
}

// discloseProfile is GET /v1/profiles/{id}/export: everything the
// workspace holds about the customer (APPI art. 33, GDPR art. 15) as one
// JSON document, streamed section by section from one snapshot.
func (s *server) discloseProfile(c *gin.Context) {
	id := c.Param("id")
	w := &disclosureWriter{w: c.Writer, flush: c.Writer.Flush}
	err := s.Store.Disclose(c.Request.Context(), workspace(c), id, DisclosureMaxRows,
		func(h store.DisclosureHead) error {
			c.Header("Content-Type", "application/json; charset=utf-8")
			c.Header("Cache-Control", "no-store")
			c.Status(http.StatusOK)
			return w.head(workspace(c), h)
		}, w.row)
	switch {
	case w.started && err != nil:
		// The status is sent: a document cut short (invalid JSON) is all we can say.
		s.Logger.Error("disclose profile", "workspace", workspace(c), "error", err)
	case w.started:
		if err := w.end(); err != nil {
			s.Logger.Warn("disclose profile", "workspace", workspace(c), "error", err)
		}
	default:
		s.answered(c, err, notFound("no customer "+id+" in this workspace"),
			on(store.ErrDisclosureTooLarge, http.StatusRequestEntityTooLarge, tooLargeDetail(id, err)))
	}
}

// tooLargeDetail says how large a disclosure too large to stream is, and
// what to do instead.
func tooLargeDetail(id string, err error) string {
	var tooLarge *store.DisclosureTooLarge
	if !errors.As(err, &tooLarge) {
		return ""
	}
	return fmt.Sprintf("customer %s has %d rows (%d events), more than the %d one export holds: read the events page by page "+
		"(GET /v1/profiles/{id}/events), or ask the operator for an export from the database", id, tooLarge.Rows, tooLarge.Counts["events"], tooLarge.Limit)
}

// disclosureWriter writes a disclosure as it comes: the head, then
// "sections": {name: [rows…], …}, every section present even when empty.
type disclosureWriter struct {
	w        io.Writer
	flush    func()
	started  bool
	sections []string
	at       int // the open section's index; -1 before the first
	rows     int // rows written in the open section
}

func (d *disclosureWriter) head(ws string, h store.DisclosureHead) error {
	d.started, d.sections, d.at = true, h.Sections, -1
	raw, err := json.Marshal(disclosureHead{Workspace: ws, Customer: h.CustomerID, IDs: h.IDs, GeneratedAt: h.GeneratedAt, Counts: h.Counts})
	if err != nil {
		return fmt.Errorf("encode the disclosure's head: %w", err)
	}
	_, err = fmt.Fprintf(d.w, "%s,\"sections\":{", raw[:len(raw)-1])
	return err
}

// row writes one row, opening its section (and the empty ones before it).
func (d *disclosureWriter) row(section string, raw json.RawMessage) error {
	for d.at < 0 || d.sections[d.at] != section {
		if err := d.advance(); err != nil {
			return err
		}
	}
	sep := ",\n"
	if d.rows == 0 {
		sep = "\n"
	}
	d.rows++
	if _, err := fmt.Fprintf(d.w, "%s%s", sep, raw); err != nil {
		return err
	}
	if d.rows%1000 == 0 {
		d.flush()
	}
	return nil
}

// advance closes the open section and opens the next.
func (d *disclosureWriter) advance() error {
	if d.at+1 >= len(d.sections) {
		return errors.New("disclosure: a row out of section order")
	}
	sep := ""
	if d.at >= 0 {
		sep = "],"
	}
	d.at, d.rows = d.at+1, 0
	name, _ := json.Marshal(d.sections[d.at]) // a string always encodes
	_, err := fmt.Fprintf(d.w, "%s%s:[", sep, name)
	return err
}

// end opens and closes the sections left, and the document.
func (d *disclosureWriter) end() error {
	for d.at < len(d.sections)-1 {
		if err := d.advance(); err != nil {
			return err
		}
	}
	end := "]}}\n"
	if d.at < 0 {
		end = "}}\n"
	}
	_, err := io.WriteString(d.w, end)
	d.flush()
	return err
}
