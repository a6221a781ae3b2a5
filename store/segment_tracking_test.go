package store_test

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestSegmentTracking(t *testing.T) {
	b := setup(t)
	s, ctx := b.store, context.Background()
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

	t.Run("RecordsEntriesAndExitsPerWorkspace", func(t *testing.T) {
		mustNot(t, s.RecordSegmentChanges(ctx, wsA, "gold", []string{"u1", "u2", "u3"}, nil, at))
		mustNot(t, s.RecordSegmentChanges(ctx, wsB, "gold", []string{"u1"}, nil, at))
		mustNot(t, s.RecordSegmentChanges(ctx, wsA, "gold", []string{"u4"}, []string{"u2"}, at.Add(time.Hour)))
		in, err := s.TrackedMembers(ctx, wsA, "gold", []string{"u1", "u2", "u4", "u9"})
		mustNot(t, err)
		if !in["u1"] || in["u2"] || !in["u4"] || in["u9"] {
			t.Errorf("tracked = %v", in)
		}
		var all []string
		for after := ""; ; {
			page, err := s.TrackedMembersPage(ctx, wsA, "gold", after, 2)
			mustNot(t, err)
			all = append(all, page...)
			if len(page) < 2 {
				break
			}
			after = page[len(page)-1]
		}
		if !slices.Equal(all, []string{"u1", "u3", "u4"}) {
			t.Errorf("pages = %v", all)
		}
	})
	t.Run("ABaselineIsRecordedOnceAndForgotten", func(t *testing.T) {
		mustNot(t, s.MarkSegmentBaselined(ctx, wsA, "gold", at))
		mustNot(t, s.MarkSegmentBaselined(ctx, wsA, "gold", at.Add(time.Hour)))
		got, err := s.BaselinedSegments(ctx, wsA)
		mustNot(t, err)
		if !got["gold"] || len(got) != 1 {
			t.Errorf("baselined = %v", got)
		}
		mustNot(t, s.ForgetSegment(ctx, wsA, "gold"))
		got, _ = s.BaselinedSegments(ctx, wsA)
		left, _ := s.TrackedMembersPage(ctx, wsA, "gold", "", 10)
		other, _ := s.TrackedMembersPage(ctx, wsB, "gold", "", 10)
		if len(got) != 0 || len(left) != 0 || len(other) != 1 {
			t.Errorf("after forgetting: baselined %v, members %v, other workspace %v", got, left, other)
		}
	})
	t.Run("ErasureRemovesTheCustomersMemberships", func(t *testing.T) {
		mustNot(t, s.RecordSegmentChanges(ctx, wsA, "gold", []string{"u7"}, nil, at))
		e, err := s.EraseCustomer(ctx, wsA, "u7", []string{"u7"}, "k", 0)
		mustNot(t, err)
		in, _ := s.TrackedMembers(ctx, wsA, "gold", []string{"u7"})
		if in["u7"] || e.Counts["tracked_segment_members"] != 1 {
			t.Errorf("after erasure: tracked %v, counts %v", in, e.Counts)
		}
	})
}
