package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/store"
)

// fanOutSegment is a segment body that is "or" of n references to ref.
func fanOutSegment(id, ref string, n int) map[string]any {
	list := make([]any, n)
	for i := range list {
		list[i] = map[string]any{"segment": ref}
	}
	return map[string]any{"id": id, "name": id, "definition": map[string]any{"condition": map[string]any{"or": list}}}
}

func tagSegment(id string, n int) map[string]any {
	list := make([]any, n)
	for i := range list {
		list[i] = map[string]any{"tag": fmt.Sprintf("t%d", i)}
	}
	return map[string]any{"id": id, "name": id, "definition": map[string]any{"condition": map[string]any{"or": list}}}
}

// TestSecurityQueriesSegmentReferencesAreBounded: segments of 200
// conditions each naming the next many times compiled to SQL growing
// tenfold per level (before the cap, a: 10 × b: 10 × c: 20 saved and
// counted as ~2,200 conditions, a deeper chain without bound).
func TestSecurityQueriesSegmentReferencesAreBounded(t *testing.T) {
	s := startStack(t)
	s.call("POST", "/v1/segments", "admin", tagSegment("c", 20), http.StatusCreated, nil)
	s.call("POST", "/v1/segments", "admin", fanOutSegment("b", "c", 10), http.StatusCreated, nil)

	t.Run("RefusedAtSaveNamingTheChain", func(t *testing.T) {
		var p api.Problem
		s.call("POST", "/v1/segments", "admin", fanOutSegment("a", "b", 10), http.StatusUnprocessableEntity, &p)
		if len(p.Errors) != 1 || p.Errors[0].Field != "definition.condition" ||
			!strings.Contains(p.Errors[0].Message, "segment a → b → c expands to more than 1000 conditions") {
			t.Fatalf("problem = %+v", p)
		}
	})
	t.Run("ARedefinitionIsRefusedForItsReferrers", func(t *testing.T) {
		s.call("PUT", "/v1/segments/b", "admin", fanOutSegment("b", "c", 2), http.StatusOK, nil)
		s.call("POST", "/v1/segments", "admin", fanOutSegment("a", "b", 10), http.StatusCreated, nil)
		var p api.Problem
		s.call("PUT", "/v1/segments/b", "admin", fanOutSegment("b", "c", 10), http.StatusUnprocessableEntity, &p)
		if len(p.Errors) != 1 || p.Errors[0].Field != "definition.condition" ||
			!strings.Contains(p.Errors[0].Message, "segment a → b → c expands to more than 1000 conditions") {
			t.Fatalf("problem = %+v", p)
		}
	})
	t.Run("RefusedAtCountNamingTheChain", func(t *testing.T) {
		// A definition stored before the cap (written behind the API).
		conn, err := pgx.Connect(context.Background(), s.dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		big, _ := json.Marshal(fanOutSegment("b", "c", 10)["definition"])
		if _, err := conn.Exec(context.Background(), `UPDATE segments SET definition = $1 WHERE id = 'b'`, big); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/v1/segments/a/count", "/v1/segments/a/members"} {
			var p api.Problem
			s.call("GET", path, "admin", nil, http.StatusUnprocessableEntity, &p)
			if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "segment a → b → c expands") {
				t.Fatalf("GET %s: problem = %+v", path, p)
			}
		}
	})
}

// TestSecurityQueriesStatementTimeout: a statement that runs past the API's
// statement timeout is cancelled by Postgres and the request answers a 503
// problem (before: no timeout, the request hung as long as the statement;
// a cancelled one was a 500).
func TestSecurityQueriesStatementTimeout(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()
	apiStore, err := store.OpenWith(ctx, s.dbURL, store.Options{StatementTimeout: 300 * time.Millisecond, SegmentStatementTimeout: 600 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(apiStore.Close)
	s.handler.Store(api.NewServer(api.Deps{Store: apiStore, Temporal: s.temporal, Namespace: s.server.Namespace(), TaskQueue: taskQueue}))
	s.track("u1", "Product Viewed", "m1")
	s.call("POST", "/v1/segments", "admin", tagSegment("vip", 1), http.StatusCreated, nil)

	// A lock held on profiles makes every statement reading them wait:
	// only the timeout ends them.
	lockTable(t, s, "profiles")
	for _, path := range []string{"/v1/profiles/u1", "/v1/segments/vip/count", "/v1/segments/vip/reach", "/v1/segments/preview"} {
		started := time.Now()
		var p api.Problem
		if path == "/v1/segments/preview" { // the segment builder's live count of an unsaved definition
			s.call("POST", path, "admin", map[string]any{"definition": map[string]any{"condition": map[string]any{"tag": "vip"}}}, http.StatusServiceUnavailable, &p)
		} else {
			s.call("GET", path, "admin", nil, http.StatusServiceUnavailable, &p)
		}
		if !strings.Contains(p.Detail, "statement timeout") {
			t.Errorf("GET %s: problem = %+v", path, p)
		}
		if took := time.Since(started); took > 10*time.Second {
			t.Errorf("GET %s took %v", path, took)
		}
	}
}

// TestSecurityQueriesListPagesAreCapped: every list endpoint that pages
// refuses a page above 500 with a 400 naming limit, and takes 500.
func TestSecurityQueriesListPagesAreCapped(t *testing.T) {
	s := startStack(t)
	s.track("u1", "Product Viewed", "m1")
	s.call("POST", "/v1/segments", "admin", tagSegment("vip", 1), http.StatusCreated, nil)
	for _, path := range []string{"/v1/messages", "/v1/outbox", "/v1/broadcasts", "/v1/quarantine",
		"/v1/profiles/u1/events", "/v1/segments/vip/members"} {
		var p api.Problem
		s.call("GET", path+"?limit=501", "admin", nil, http.StatusBadRequest, &p)
		if len(p.Errors) != 1 || p.Errors[0].Field != "limit" {
			t.Errorf("GET %s?limit=501: problem = %+v", path, p)
		}
		s.call("GET", path+"?limit=500", "admin", nil, http.StatusOK, nil)
	}
}

// lockTable holds an exclusive lock on table until the test ends, so that
// every statement reading it waits until its statement timeout.
func lockTable(t *testing.T, s *stack, table string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(ctx) })
	if _, err := tx.Exec(ctx, "LOCK TABLE "+pgx.Identifier{table}.Sanitize()+" IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
}
