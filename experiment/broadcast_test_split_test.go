package experiment

import (
	"fmt"
	"math"
	"testing"
)

func TestBroadcastTestShare(t *testing.T) {
	t.Run("DrawsTheShareAndSplitsItEvenly", func(t *testing.T) {
		const n = 20000
		in, per := 0, make([]int, 3)
		for i := range n {
			c := fmt.Sprintf("c%05d", i)
			if InBroadcastTest(20, "ws", "spring", c) {
				in++
				per[BroadcastVariant(3, "ws", "spring", c)]++
			}
		}
		if share := float64(in) / n; math.Abs(share-0.20) > 0.01 {
			t.Errorf("test share %.4f, want 0.20 ± 0.01", share)
		}
		for v, k := range per {
			if f := float64(k) / float64(in); math.Abs(f-1.0/3) > 0.02 {
				t.Errorf("variant %d has %.4f of the test share, want 1/3 ± 0.02", v, f)
			}
		}
	})
	t.Run("IsFixedPerBroadcast", func(t *testing.T) {
		same, differ := 0, 0
		for i := range 2000 {
			c := fmt.Sprintf("c%05d", i)
			if want := Bucket(SaltBroadcastTest, "ws", "a", c) < 5000; InBroadcastTest(50, "ws", "a", c) != want {
				t.Fatalf("%s: the draw is not the bucket of the broadcast's salt", c)
			}
			if InBroadcastTest(50, "ws", "a", c) == InBroadcastTest(50, "ws", "b", c) {
				same++
			} else {
				differ++
			}
		}
		if differ < 800 || same < 800 {
			t.Errorf("two broadcasts' draws agree %d times and differ %d: they should be independent", same, differ)
		}
	})
	t.Run("NoShareNoTest", func(t *testing.T) {
		if InBroadcastTest(0, "ws", "a", "c1") {
			t.Error("a share of 0 holds a customer")
		}
	})
}

func TestPickWinner(t *testing.T) {
	t.Run("SignificantWinnerWins", func(t *testing.T) {
		p := PickWinner([]Arm{{Name: "A", Entered: 20000, Converted: 2000}, {Name: "B", Entered: 20000, Converted: 3200}}, Options{})
		if p.Winner != "B" || p.Rule != RuleSignificant {
			t.Errorf("got %s by %q, want B by %q (%s)", p.Winner, p.Rule, RuleSignificant, p.Result.Verdict)
		}
	})
	t.Run("SignificantlyWorseChallengerLeavesTheFirst", func(t *testing.T) {
		p := PickWinner([]Arm{{Name: "A", Entered: 20000, Converted: 3200}, {Name: "B", Entered: 20000, Converted: 2000}}, Options{})
		if p.Winner != "A" || p.Rule != RuleSignificant {
			t.Errorf("got %s by %q, want A by %q", p.Winner, p.Rule, RuleSignificant)
		}
	})
	t.Run("SmallSampleBestObservedRateWins", func(t *testing.T) {
		p := PickWinner([]Arm{{Name: "A", Entered: 10, Converted: 1}, {Name: "B", Entered: 10, Converted: 2}, {Name: "C", Entered: 10, Converted: 4}}, Options{})
		if p.Winner != "C" || p.Rule != RuleBestObserved {
			t.Errorf("got %s by %q, want C by %q", p.Winner, p.Rule, RuleBestObserved)
		}
		if p.Result.Test != TestName || len(p.Result.Arms) != 2 {
			t.Errorf("the statistics are not recorded with the pick: %+v", p.Result)
		}
	})
	t.Run("TieGoesToTheEarlierVariant", func(t *testing.T) {
		p := PickWinner([]Arm{{Name: "A", Entered: 10, Converted: 1}, {Name: "B", Entered: 10, Converted: 3}, {Name: "C", Entered: 10, Converted: 3}}, Options{})
		if p.Winner != "B" {
			t.Errorf("got %s, want B (the earlier of the two best)", p.Winner)
		}
	})
	t.Run("NothingOpenedFirstVariantWins", func(t *testing.T) {
		p := PickWinner([]Arm{{Name: "A", Entered: 10}, {Name: "B", Entered: 12}}, Options{})
		if p.Winner != "A" || p.Rule != RuleTie {
			t.Errorf("got %s by %q, want A by %q", p.Winner, p.Rule, RuleTie)
		}
	})
}
