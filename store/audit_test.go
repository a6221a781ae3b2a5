package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

func TestAuditLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("BeginsUnknownAndFinishes", func(t *testing.T) {
		t.Parallel()
		s := setup(t).store
		_, key, err := s.CreateKey(ctx, wsA, store.RoleAdmin, "deploy bot")
		mustNot(t, err)
		rec, err := s.BeginAudit(ctx, store.AuditRecord{WorkspaceID: wsA, Actor: store.AuditActor{Kind: store.ActorKey, ID: key.ID},
			Resource: "journeys", ResourceID: "j1", Action: "update", Before: json.RawMessage(`{"v":1}`), ClientIP: "192.0.2.1", UserAgent: "ua"})
		mustNot(t, err)
		if rec.Outcome != store.AuditUnknown || rec.Actor.Name != "deploy bot" || rec.At.IsZero() {
			t.Errorf("begun record = %+v, want outcome unknown and the key's name", rec)
		}
		mustNot(t, s.FinishAudit(ctx, wsA, rec.ID, store.AuditEnd{Outcome: store.AuditSucceeded, Status: 200,
			After: json.RawMessage(`{"v":2}`), CustomerIDs: []string{"u1"}}))
		if err := s.FinishAudit(ctx, wsB, rec.ID, store.AuditEnd{Outcome: store.AuditFailed}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("finishing another workspace's record: %v, want ErrNotFound", err)
		}
		list, _, err := s.AuditLog(ctx, wsA, store.AuditFilter{})
		mustNot(t, err)
		if len(list) != 1 || list[0].Outcome != store.AuditSucceeded || string(list[0].After) != `{"v": 2}` ||
			list[0].FinishedAt == nil || len(list[0].CustomerIDs) != 1 {
			t.Errorf("records = %+v", list)
		}
		if other, _, _ := s.AuditLog(ctx, wsB, store.AuditFilter{}); len(other) != 0 {
			t.Errorf("another workspace sees %d records", len(other))
		}
	})

	t.Run("FiltersAndPages", func(t *testing.T) {
		t.Parallel()
		s := setup(t).store
		for i, action := range []string{"create", "update", "update", "delete"} {
			_, err := s.BeginAudit(ctx, store.AuditRecord{WorkspaceID: wsA, Actor: store.AuditActor{Kind: store.ActorPerson, ID: "p1", Name: "hana@example.jp"},
				Resource: "segments", ResourceID: string(rune('a' + i)), Action: action})
			mustNot(t, err)
		}
		for f, want := range map[*store.AuditFilter]int{
			{Action: "update"}: 2, {Actor: "hana@example.jp"}: 4, {Actor: "p1", ResourceID: "d"}: 1, {Resource: "journeys"}: 0,
			{Since: time.Now().Add(time.Hour)}: 0, {Until: time.Now().Add(time.Hour)}: 4, {Outcome: store.AuditUnknown}: 4,
		} {
			list, _, err := s.AuditLog(ctx, wsA, *f)
			mustNot(t, err)
			if len(list) != want {
				t.Errorf("filter %+v: %d records, want %d", *f, len(list), want)
			}
		}
		var seen []string
		after := ""
		for {
			page, next, err := s.AuditLog(ctx, wsA, store.AuditFilter{Limit: 3, After: after})
			mustNot(t, err)
			for _, r := range page {
				seen = append(seen, r.ResourceID)
			}
			if next == "" {
				break
			}
			after = next
		}
		if len(seen) != 4 || seen[0] != "d" || seen[3] != "a" {
			t.Errorf("pages gave %v, want d c b a (newest first)", seen)
		}
		if _, _, err := s.AuditLog(ctx, wsA, store.AuditFilter{After: "junk"}); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("bad cursor: %v", err)
		}
	})

	t.Run("ErasureBlanksTheCustomersRecords", func(t *testing.T) {
		t.Parallel()
		s := setup(t).store
		mine, err := s.BeginAudit(ctx, store.AuditRecord{WorkspaceID: wsA, Actor: store.AuditActor{Kind: store.ActorKey, ID: "k"},
			Resource: "profiles", ResourceID: "anon-9", Action: "consent", Before: json.RawMessage(`{"email":"hana@example.jp"}`),
			CustomerIDs: []string{"anon-9"}})
		mustNot(t, err)
		theirs, err := s.BeginAudit(ctx, store.AuditRecord{WorkspaceID: wsA, Actor: store.AuditActor{Kind: store.ActorKey, ID: "k"},
			Resource: "profiles", ResourceID: "u2", Action: "consent", Before: json.RawMessage(`{"email":"ken@example.jp"}`),
			CustomerIDs: []string{"u2"}})
		mustNot(t, err)
		mustNot(t, s.FinishAudit(ctx, wsA, mine.ID, store.AuditEnd{Outcome: store.AuditSucceeded, After: json.RawMessage(`{"email":"hana@example.jp"}`)}))
		_, err = s.EraseCustomer(ctx, wsA, "u1", []string{"u1", "anon-9"}, "k", 0)
		mustNot(t, err)
		list, _, err := s.AuditLog(ctx, wsA, store.AuditFilter{})
		mustNot(t, err)
		for _, r := range list {
			switch r.ID {
			case mine.ID:
				if r.Before != nil || r.After != nil || r.ResourceID != "" || len(r.CustomerIDs) != 0 || r.Action != "consent" {
					t.Errorf("the erased customer's record keeps %+v", r)
				}
			case theirs.ID:
				if r.Before == nil || r.ResourceID != "u2" {
					t.Errorf("another customer's record lost its data: %+v", r)
				}
			}
		}
	})
}
