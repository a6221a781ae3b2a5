package audit

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/tabiji/tabiji/csvcell"
	"github.com/tabiji/tabiji/store"
)

// Header is the CSV export's first row.
var Header = []string{"id", "at", "actor_kind", "actor_id", "actor_name", "resource", "resource_id", "action",
	"outcome", "status", "method", "route", "client_ip", "user_agent", "before", "after", "detail"}

// Row is a record as a CSV row under Header.
func Row(r store.AuditRecord) []string {
	return []string{r.ID, r.At.UTC().Format(time.RFC3339Nano), r.Actor.Kind, r.Actor.ID, r.Actor.Name, r.Resource,
		r.ResourceID, r.Action, r.Outcome, strconv.Itoa(r.Status), r.Method, r.Route, r.ClientIP, r.UserAgent,
		string(r.Before), string(r.After), string(r.Detail)}
}

// Log is where the export reads records from: store.Store.AuditLog.
type Log interface {
	AuditLog(ctx context.Context, workspaceID string, f store.AuditFilter) ([]store.AuditRecord, string, error)
}

// Export writes every record of the workspace that f selects (its After
// and Limit ignored) to w as CSV, newest first, each cell safe to open in
// a spreadsheet (csvcell).
func Export(ctx context.Context, log Log, workspaceID string, f store.AuditFilter, w io.Writer) error {
	cw := csvcell.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return fmt.Errorf("audit: unable to write the export's header: %w", err)
	}
	f.After, f.Limit = "", 500
	for {
		page, next, err := log.AuditLog(ctx, workspaceID, f)
		if err != nil {
			return fmt.Errorf("audit: unable to read records for the export: %w", err)
		}
		for _, r := range page {
			if err := cw.Write(Row(r)); err != nil {
				return fmt.Errorf("audit: unable to write record %s: %w", r.ID, err)
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fmt.Errorf("audit: unable to write the export: %w", err)
		}
		if next == "" {
			return nil
		}
		f.After = next
	}
}

// Outcomes are the outcomes a filter may name.
var Outcomes = []string{store.AuditUnknown, store.AuditSucceeded, store.AuditRefused, store.AuditFailed}

// OutcomeFor is the outcome of a change answered with status.
func OutcomeFor(status int) string {
	switch {
	case status >= 500:
		return store.AuditFailed
	case status >= 400:
		return store.AuditRefused
	}
	return store.AuditSucceeded
}
