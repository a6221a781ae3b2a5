package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// TestAnsweredMapsEveryKindOfError checks the one place errors become
// problems: status, detail and the fields named, for each kind of error.
func TestAnsweredMapsEveryKindOfError(t *testing.T) {
	s := &server{Deps: Deps{Logger: slog.New(slog.DiscardHandler)}}
	cases := []struct {
		name     string
		err      error
		outcomes []outcome
		status   int
		detail   string
		fields   []string
	}{
		{"WrappedFieldErrors", journey.Invalid(jsonfields.Errors{{Field: "nodes[0].next", Message: "is required"}}), nil,
			422, "invalid journey definition: nodes[0].next: is required", []string{"nodes[0].next"}},
		{"UnreadableSheet", fmt.Errorf("read sheet: %w", taxonomy.DecodeError{{Field: "sheet", Message: "is empty"}}), nil,
			400, "read sheet: unreadable taxonomy: sheet: is empty", []string{"sheet"}},
		{"NotFoundInTheHandlersWords", fmt.Errorf("get journey: %w", store.ErrNotFound), []outcome{notFound("no journey j1 in this workspace")},
			404, "no journey j1 in this workspace", nil},
		{"NotFoundUnnamed", store.ErrNotFound, nil, 404, "not found", nil},
		{"ConflictNamesTheField", fmt.Errorf("create: %w", store.ErrConflict), []outcome{notFound("unused"), conflict("a journey with id j1 already exists", taken("id"))},
			409, "a journey with id j1 already exists", []string{"id"}},
		{"BadCursor", store.ErrInvalidCursor, nil, 400, "after: is not a cursor this API returned", []string{"after"}},
		{"StatementTimeout", fmt.Errorf("list: %w", &pgconn.PgError{Code: "57014"}), nil, 503, statementTimeoutDetail, nil},
		{"Unexpected", errors.New("disk on fire"), nil, 500, "internal error: the server logged it", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(rec)
			c.Request = httptest.NewRequest(http.MethodGet, "/v1/journeys/j1", nil)
			if !s.answered(c, tc.err, tc.outcomes...) {
				t.Fatal("answered = false for an error")
			}
			var p Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			var fields []string
			for _, fe := range p.Errors {
				fields = append(fields, fe.Field)
			}
			if rec.Code != tc.status || p.Status != tc.status || p.Detail != tc.detail || !slices.Equal(fields, tc.fields) {
				t.Errorf("= %d %q %v, want %d %q %v", rec.Code, p.Detail, fields, tc.status, tc.detail, tc.fields)
			}
		})
	}
	rec := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(rec)
	if s.answered(c, nil, notFound("x")) || rec.Body.Len() != 0 {
		t.Errorf("answered nil: wrote %q", rec.Body)
	}
}
