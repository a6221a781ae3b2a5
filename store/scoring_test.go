package store_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/tabiji/tabiji/scoring"
	"github.com/tabiji/tabiji/store"
)

func TestAwardScores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	const h = 14 * 24 * time.Hour
	day := func(n int) time.Time { return t0.AddDate(0, 0, n) }
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

	t.Run("DecaysAddsAndRecordsTheHistory", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for i, a := range []store.ScoreAward{
			{ID: "lead", Source: "m1", RuleID: "demo", Points: 10, At: day(0)},
			{ID: "lead", Source: "m2", RuleID: "demo", Points: 10, At: day(14)},
			{ID: "lead", Source: "m3", RuleID: "pricing", Points: 20, At: day(28)},
		} {
			ch, err := b.store.AwardScores(ctx, wsA, h, []store.ScoreAward{a})
			mustNot(t, err)
			want := [][2]float64{{0, 10}, {5, 15}, {7.5, 27.5}}[i]
			if len(ch) != 1 || !near(ch[0].Previous, want[0]) || !near(ch[0].Score, want[1]) || ch[0].Source != a.Source {
				t.Fatalf("award %d: %+v, want %v → %v", i, ch, want[0], want[1])
			}
		}
		p, err := b.store.GetProfile(ctx, wsA, "lead")
		mustNot(t, err)
		if !near(p.Traits[scoring.Trait].(float64), 27.5) || !p.TraitUpdatedAt[scoring.Trait].Equal(day(28)) {
			t.Errorf("profile holds %v as of %v, want 27.5 as of day 28", p.Traits[scoring.Trait], p.TraitUpdatedAt[scoring.Trait])
		}
		hist, err := b.store.ScoreHistory(ctx, wsA, "lead", 10)
		mustNot(t, err)
		if len(hist) != 3 || hist[0].Source != "m3" || hist[0].RuleID != "pricing" || !near(hist[0].Before, 7.5) || !near(hist[0].After, 27.5) || hist[2].Points != 10 {
			t.Errorf("history = %+v", hist)
		}
	})

	t.Run("ARetryScoresNothingTwiceAndAnswersTheSameChange", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		batch := []store.ScoreAward{
			{ID: "lead", Source: "m1", RuleID: "a", Points: 10, At: day(0)},
			{ID: "lead", Source: "m1", RuleID: "b", Points: 5, At: day(0)},
			{ID: "other", Source: "m2", RuleID: "a", Points: 10, At: day(0)},
		}
		first, err := b.store.AwardScores(ctx, wsA, h, batch)
		mustNot(t, err)
		again, err := b.store.AwardScores(ctx, wsA, h, batch)
		mustNot(t, err)
		if len(first) != 2 || first[0].Score != 15 || first[0].Previous != 0 || len(first[0].Rules) != 2 || first[1].Score != 10 {
			t.Fatalf("first = %+v, want lead 0 → 15 (a, b) and other 0 → 10", first)
		}
		if len(again) != 2 || again[0].Score != 15 || again[0].Previous != 0 || again[1].ProfileID != "other" {
			t.Errorf("retry = %+v, want the same changes", again)
		}
		p, err := b.store.GetProfile(ctx, wsA, "lead")
		mustNot(t, err)
		if p.Traits[scoring.Trait] != 15.0 {
			t.Errorf("score after a retry = %v, want 15", p.Traits[scoring.Trait])
		}
	})

	t.Run("ATraitRuleGivesOncePerProfile", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		cto := func(source string) []store.ScoreChange {
			ch, err := b.store.AwardScores(ctx, wsA, 0, []store.ScoreAward{{ID: "lead", Source: source, RuleID: "cto", Points: 20, At: day(0), OncePerProfile: true}})
			mustNot(t, err)
			return ch
		}
		if ch := cto("identify_1"); len(ch) != 1 || ch[0].Score != 20 {
			t.Fatalf("first identify: %+v", ch)
		}
		if ch := cto("identify_2"); len(ch) != 0 {
			t.Errorf("second identify: %+v, want no award", ch)
		}
		if ch := cto("identify_1"); len(ch) != 1 || ch[0].Score != 20 {
			t.Errorf("a retry of the first identify: %+v, want its change again", ch)
		}
	})

	t.Run("ScoresAMergedIDOnItsProfile", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.MergeProfiles(ctx, wsA, "anon_1", "lead", false)
		mustNot(t, err)
		ch, err := b.store.AwardScores(ctx, wsA, 0, []store.ScoreAward{{ID: "anon_1", Source: "m1", RuleID: "a", Points: 3, At: day(0)}})
		mustNot(t, err)
		if len(ch) != 1 || ch[0].ProfileID != "lead" {
			t.Errorf("changes = %+v, want lead's", ch)
		}
		if h, err := b.store.ScoreHistory(ctx, wsA, "anon_1", 5); err != nil || len(h) != 1 {
			t.Errorf("history by the merged id: %+v, %v", h, err)
		}
	})

	t.Run("ErasureRemovesTheHistory", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.AwardScores(ctx, wsA, 0, []store.ScoreAward{{ID: "gone", Source: "m1", RuleID: "a", Points: 3, At: day(0)}})
		mustNot(t, err)
		e, err := b.store.EraseCustomer(ctx, wsA, "gone", []string{"gone"}, "k", 0)
		mustNot(t, err)
		var left int
		mustNot(t, b.db.QueryRow(ctx, `SELECT count(*) FROM lead_score_history WHERE profile_id = 'gone'`).Scan(&left))
		if e.Counts["lead_score_history"] != 1 || left != 0 {
			t.Errorf("erasure removed %v, and %d history rows are left", e.Counts, left)
		}
	})

	t.Run("RulesAreStoredPerWorkspace", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		if _, err := b.store.ScoringRules(ctx, wsA); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rules of a new workspace: %v, want ErrNotFound", err)
		}
		mustNot(t, b.store.PutScoringRules(ctx, wsA, []byte(`{"half_life":"14d"}`)))
		raw, err := b.store.ScoringRules(ctx, wsA)
		if err != nil || string(raw) != `{"half_life": "14d"}` {
			t.Errorf("rules = %s, %v", raw, err)
		}
		if _, err := b.store.ScoringRules(ctx, wsB); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rules of the other workspace: %v", err)
		}
	})
}
