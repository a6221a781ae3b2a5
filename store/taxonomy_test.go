package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

func exampleSheet(t *testing.T) *taxonomy.Taxonomy {
	t.Helper()
	data, err := os.ReadFile("../examples/taxonomy.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := taxonomy.ParseYAML(data)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func TestTaxonomy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("AWorkspaceWithoutASheetHasTheDefaults", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		got, err := b.store.Taxonomy(ctx, wsA)
		mustNot(t, err)
		want := &taxonomy.Taxonomy{}
		want.Normalize()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Taxonomy = %+v, want %+v", got, want)
		}
	})

	t.Run("ReplaceThenLoadIsTheIdentity", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		sheet := exampleSheet(t)
		mustNot(t, b.store.ReplaceTaxonomy(ctx, wsA, sheet))
		got, err := b.store.Taxonomy(ctx, wsA)
		mustNot(t, err)
		if !reflect.DeepEqual(got, sheet) {
			t.Errorf("loaded %+v\nwant %+v", got, sheet)
		}
		other, err := b.store.Taxonomy(ctx, wsB)
		mustNot(t, err)
		if len(other.Events) != 0 || len(other.UserProperties) != 0 {
			t.Errorf("workspace B sees A's sheet: %+v", other)
		}
	})

	t.Run("ReplaceDeletesWhatTheSheetLeavesOut", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		mustNot(t, b.store.ReplaceTaxonomy(ctx, wsA, exampleSheet(t)))
		small := &taxonomy.Taxonomy{UnknownEvents: taxonomy.Reject, Events: []taxonomy.EventDef{{Name: "only"}}}
		mustNot(t, b.store.ReplaceTaxonomy(ctx, wsA, small))
		got, err := b.store.Taxonomy(ctx, wsA)
		mustNot(t, err)
		small.Normalize()
		if !reflect.DeepEqual(got, small) {
			t.Errorf("loaded %+v, want %+v", got, small)
		}
		var props int
		mustNot(t, b.db.QueryRow(ctx, `SELECT count(*) FROM event_property_definitions WHERE workspace_id = $1`, wsA).Scan(&props))
		if props != 0 {
			t.Errorf("%d property rows left behind", props)
		}
	})

	t.Run("ReplaceIsOneTransaction", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		sheet := exampleSheet(t)
		mustNot(t, b.store.ReplaceTaxonomy(ctx, wsA, sheet))
		bad := &taxonomy.Taxonomy{Events: []taxonomy.EventDef{{Name: "x", Properties: []taxonomy.PropertyDef{{Name: "p", Type: "float"}}}}}
		if err := b.store.ReplaceTaxonomy(ctx, wsA, bad); err == nil {
			t.Fatal("a type the database refuses was stored")
		}
		got, err := b.store.Taxonomy(ctx, wsA)
		mustNot(t, err)
		if !reflect.DeepEqual(got, sheet) {
			t.Errorf("a failed replace changed the sheet: %+v", got)
		}
		if err := b.store.ReplaceTaxonomy(ctx, "ws_missing", sheet); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("replace in a missing workspace = %v, want ErrNotFound", err)
		}
	})

	t.Run("EventDefinitionsOneByOne", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		e := taxonomy.EventDef{Name: "refund", Owner: "ops", Properties: []taxonomy.PropertyDef{
			{Name: "total", Type: "number", Required: true}, {Name: "cur", Type: "string", Format: "currency", Enum: taxonomy.Enum{"JPY"}},
		}}
		mustNot(t, b.store.PutEventDefinition(ctx, wsA, e, true))
		if err := b.store.PutEventDefinition(ctx, wsA, e, true); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second create = %v, want ErrConflict", err)
		}
		got, err := b.store.EventDefinition(ctx, wsA, "refund")
		mustNot(t, err)
		if got.Status != "active" || got.OnInvalid != "quarantine" || len(got.Properties) != 2 || got.Properties[0].Name != "cur" ||
			!reflect.DeepEqual(got.Properties[0].Enum, taxonomy.Enum{"JPY"}) {
			t.Errorf("read back %+v", got)
		}
		e.Status, e.Properties = taxonomy.Blocked, e.Properties[:1]
		if _, created, err := b.store.PutEventDefinitionAndRead(ctx, wsA, e, false); err != nil || created {
			t.Fatalf("replace event: created %v, %v", created, err)
		}
		if _, created, err := b.store.PutEventDefinitionAndRead(ctx, wsA, taxonomy.EventDef{Name: "chargeback"}, false); err != nil || !created {
			t.Errorf("a replace that creates: created %v, %v", created, err)
		}
		got, err = b.store.EventDefinition(ctx, wsA, "refund")
		mustNot(t, err)
		if got.Status != "blocked" || len(got.Properties) != 1 {
			t.Errorf("after replace: %+v", got)
		}
		if _, err := b.store.EventDefinition(ctx, wsB, "refund"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("workspace B reads A's event: %v", err)
		}
		if err := b.store.DeleteEventDefinition(ctx, wsB, "refund"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("workspace B deletes A's event: %v", err)
		}
		mustNot(t, b.store.DeleteEventDefinition(ctx, wsA, "refund"))
		if _, err := b.store.EventDefinition(ctx, wsA, "refund"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after delete: %v", err)
		}
	})

	t.Run("UserPropertiesOneByOne", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := taxonomy.PropertyDef{Name: "email", Type: "string", Format: "email", PII: true}
		if created, err := b.store.PutUserProperty(ctx, wsA, p, true); err != nil || !created {
			t.Fatalf("create user property: created %v, %v", created, err)
		}
		if _, err := b.store.PutUserProperty(ctx, wsA, p, true); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second create = %v, want ErrConflict", err)
		}
		if created, err := b.store.PutUserProperty(ctx, wsA, taxonomy.PropertyDef{Name: "plan", Type: "string"}, false); err != nil || !created {
			t.Errorf("a replace that creates: created %v, %v", created, err)
		}
		p.Description = "where receipts go"
		if created, err := b.store.PutUserProperty(ctx, wsA, p, false); err != nil || created {
			t.Fatalf("replace user property: created %v, %v", created, err)
		}
		got, err := b.store.UserProperty(ctx, wsA, "email")
		mustNot(t, err)
		if !reflect.DeepEqual(got, p) {
			t.Errorf("read back %+v, want %+v", got, p)
		}
		if _, err := b.store.UserProperty(ctx, wsB, "email"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("workspace B reads A's property: %v", err)
		}
		mustNot(t, b.store.DeleteUserProperty(ctx, wsA, "email"))
		if err := b.store.DeleteUserProperty(ctx, wsA, "email"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second delete = %v", err)
		}
	})

	t.Run("PoliciesAlone", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		mustNot(t, b.store.ReplaceTaxonomy(ctx, wsA, exampleSheet(t)))
		mustNot(t, b.store.SetTaxonomyPolicies(ctx, wsA, taxonomy.Reject, taxonomy.Quarantine, taxonomy.Naming{}))
		got, err := b.store.Taxonomy(ctx, wsA)
		mustNot(t, err)
		if got.UnknownEvents != "reject" || got.InvalidTraits != "quarantine" || len(got.Events) != 5 {
			t.Errorf("after SetTaxonomyPolicies: %+v", got)
		}
	})
}

func TestQuarantine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	event := func(id string, at time.Time) store.Event {
		return store.Event{WorkspaceID: wsA, MessageID: id, Type: "track", UserID: "aiko", Name: "purchase",
			Properties: json.RawMessage(`{"total": "4800"}`), Context: json.RawMessage(`{"locale": "ja-JP"}`),
			Timestamp: at.Add(-time.Second), ReceivedAt: at}
	}
	violations := []taxonomy.Violation{{Field: "properties.total", Rule: "type", Message: "must be a number, not a string"}}

	t.Run("KeepsTheWholeEventWithItsViolations", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		at := time.Now().UTC().Truncate(time.Microsecond)
		mustNot(t, b.store.QuarantineEvent(ctx, event("m1", at), violations))
		// A retry with the same messageId keeps the first.
		again := event("m1", at.Add(time.Minute))
		again.Name = "other"
		mustNot(t, b.store.QuarantineEvent(ctx, again, nil))
		q, err := b.store.GetQuarantined(ctx, wsA, "m1")
		mustNot(t, err)
		if q.Status != "quarantined" || !reflect.DeepEqual(q.Violations, violations) || !q.ReceivedAt.Equal(at) ||
			q.Event.Name != "purchase" || q.Event.UserID != "aiko" || q.Event.WorkspaceID != wsA || !q.Event.Timestamp.Equal(at.Add(-time.Second)) {
			t.Errorf("stored %+v", q)
		}
		jsonEqual(t, q.Event.Properties, json.RawMessage(`{"total": "4800"}`))
		jsonEqual(t, q.Event.Context, json.RawMessage(`{"locale": "ja-JP"}`))
		if _, err := b.store.GetQuarantined(ctx, wsB, "m1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("workspace B reads A's quarantine: %v", err)
		}
	})

	t.Run("ListsOldestOrNewestFirstByPages", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		at := time.Now().UTC().Truncate(time.Microsecond)
		for i, id := range []string{"c", "a", "b", "d", "e"} {
			e := event(id, at.Add(time.Duration(i/2)*time.Second)) // ties: c,a then b,d then e
			if id == "e" {
				e.Name = "refund"
			}
			mustNot(t, b.store.QuarantineEvent(ctx, e, violations))
		}
		var ids []string
		after := ""
		for range 10 {
			page, next, err := b.store.ListQuarantined(ctx, wsA, store.QuarantineFilter{Limit: 2, After: after})
			mustNot(t, err)
			for _, q := range page {
				ids = append(ids, q.MessageID)
			}
			if after = next; next == "" {
				break
			}
		}
		if want := []string{"a", "c", "b", "d", "e"}; !reflect.DeepEqual(ids, want) {
			t.Errorf("pages = %v, want %v", ids, want)
		}
		ids, after = nil, ""
		for range 10 {
			page, next, err := b.store.ListQuarantined(ctx, wsA, store.QuarantineFilter{Limit: 2, After: after, Newest: true})
			mustNot(t, err)
			for _, q := range page {
				ids = append(ids, q.MessageID)
			}
			if after = next; next == "" {
				break
			}
		}
		if want := []string{"e", "d", "b", "c", "a"}; !reflect.DeepEqual(ids, want) {
			t.Errorf("newest first, pages = %v, want %v", ids, want)
		}
		only, _, err := b.store.ListQuarantined(ctx, wsA, store.QuarantineFilter{Event: "refund"})
		mustNot(t, err)
		if len(only) != 1 || only[0].MessageID != "e" {
			t.Errorf("filtered by event: %+v", only)
		}
		if other, _, _ := b.store.ListQuarantined(ctx, wsB, store.QuarantineFilter{}); len(other) != 0 {
			t.Errorf("workspace B lists A's quarantine: %+v", other)
		}
		if _, _, err := b.store.ListQuarantined(ctx, wsA, store.QuarantineFilter{After: "junk!"}); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("bad cursor = %v", err)
		}
	})

	t.Run("FixKeepsIdentityAndMarksFixed", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		at := time.Now().UTC().Truncate(time.Microsecond)
		mustNot(t, b.store.QuarantineEvent(ctx, event("m1", at), violations))
		fixed := event("someone-else", at.Add(time.Hour))
		fixed.WorkspaceID = wsB
		fixed.Properties = json.RawMessage(`{"total": 4800}`)
		q, err := b.store.FixQuarantined(ctx, wsA, "m1", fixed, nil)
		mustNot(t, err)
		if q.Status != "fixed" || q.MessageID != "m1" || q.Event.MessageID != "m1" || q.Event.WorkspaceID != wsA ||
			!q.Event.ReceivedAt.Equal(at) || len(q.Violations) != 0 {
			t.Errorf("fixed %+v", q)
		}
		jsonEqual(t, q.Event.Properties, json.RawMessage(`{"total": 4800}`))
		if _, err := b.store.FixQuarantined(ctx, wsB, "m1", fixed, nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("workspace B fixes A's event: %v", err)
		}
	})

	t.Run("DropCountsAndReleaseDoesNot", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		at := time.Now().UTC()
		mustNot(t, b.store.QuarantineEvent(ctx, event("m1", at), violations))
		mustNot(t, b.store.QuarantineEvent(ctx, event("m2", at), violations))
		if err := b.store.DropQuarantined(ctx, wsB, "m1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("workspace B drops A's event: %v", err)
		}
		mustNot(t, b.store.DropQuarantined(ctx, wsA, "m1"))
		mustNot(t, b.store.ReleaseQuarantined(ctx, wsA, "m2"))
		if _, err := b.store.GetQuarantined(ctx, wsA, "m1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("dropped event still there: %v", err)
		}
		mustNot(t, b.store.CountDropped(ctx, wsA, "debug_ping", "blocked", 2))
		mustNot(t, b.store.CountDropped(ctx, wsA, "debug_ping", "blocked", 3))
		got, err := b.store.DroppedCounts(ctx, wsA, at.Add(-24*time.Hour))
		mustNot(t, err)
		day := time.Now().UTC().Truncate(24 * time.Hour)
		want := []store.DroppedCount{
			{Day: day, Event: "debug_ping", Reason: "blocked", Count: 5},
			{Day: day, Event: "purchase", Reason: store.ReasonQuarantineDropped, Count: 1},
		}
		if len(got) != 2 || got[0].Event != want[0].Event || got[0].Count != 5 || got[1].Count != 1 || got[1].Reason != want[1].Reason ||
			!got[0].Day.Equal(day) {
			t.Errorf("counts = %+v, want %+v", got, want)
		}
		if other, _ := b.store.DroppedCounts(ctx, wsB, at.Add(-24*time.Hour)); len(other) != 0 {
			t.Errorf("workspace B sees A's counts: %+v", other)
		}
	})
}
