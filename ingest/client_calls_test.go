package ingest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/store"
)

// TestAClientKeysUnverifiedCallIsRefusedBeforeAnythingElse shows a client
// key's identify without its userHash refused by the pipeline itself, as
// a Refusal naming the field, before it reads or stores anything (this
// pipeline has no store to reach).
func TestAClientKeysUnverifiedCallIsRefusedBeforeAnythingElse(t *testing.T) {
	m, err := ingest.Decode(ingest.Identify, []byte(`{"userId":"u1","traits":{"email":"u1@example.com"}}`), received)
	if err != nil {
		t.Fatal(err)
	}
	p := ingest.NewPipeline(ingest.Deps{})
	_, err = p.Submit(context.Background(), "w", []ingest.Message{m}, ingest.FromClientKey(false))
	var r *store.Refusal
	if !errors.As(err, &r) || !errors.Is(err, store.ErrForbidden) || len(r.Fields) != 1 || r.Fields[0].Field != "context.userHash" {
		t.Fatalf("submit = %v, want a forbidden refusal on context.userHash", err)
	}
	m.Context = map[string]any{"userHash": "00"}
	_, err = p.Submit(context.Background(), "w", []ingest.Message{m}, ingest.FromClientKey(false))
	if !errors.As(err, &r) || r.Fields[0].Field != "context.userHash" {
		t.Fatalf("a malformed hash = %v, want the same refusal", err)
	}
}
