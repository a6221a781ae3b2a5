package experiment

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAnalyze(t *testing.T) {
	t.Run("NoWinnerBeforeTheMinimumSample", func(t *testing.T) {
		// A large, significant lift on too few customers: 30% vs 10% on 100 each.
		r := Analyze(Arm{Name: "control", Entered: 100, Converted: 10}, []Arm{{Name: "a", Entered: 100, Converted: 30}}, Options{})
		if !r.Arms[0].Significant {
			t.Fatalf("30/100 vs 10/100 must be significant: p = %v", r.Arms[0].PValue)
		}
		// 10% → 11% at α 0.05, power 0.8 needs 14,750.8 → 14,751 per arm
		// (SampleSize rounded up; SampleSize is checked against R's
		// power.prop.test in stats_test.go).
		if r.SampleNeeded == nil || *r.SampleNeeded != 14751 || r.SampleReached {
			t.Fatalf("sample needed = %v reached %v, want 14751 not reached", r.SampleNeeded, r.SampleReached)
		}
		if r.Winner != "" || !strings.Contains(r.Verdict, "14751") {
			t.Errorf("winner %q, verdict %q", r.Winner, r.Verdict)
		}
	})
	t.Run("WinnerWhenSignificantAndSampleReached", func(t *testing.T) {
		// With MDE 50%: 10% → 15% needs 686 per arm (SampleSize rounded up).
		r := Analyze(Arm{Name: "control", Entered: 1000, Converted: 100},
			[]Arm{{Name: "a", Entered: 1000, Converted: 105}, {Name: "b", Entered: 1000, Converted: 160}}, Options{MDE: 0.5})
		if r.SampleNeeded == nil || *r.SampleNeeded != 686 || !r.SampleReached {
			t.Fatalf("sample needed = %v reached %v, want 686 reached", r.SampleNeeded, r.SampleReached)
		}
		if r.Arms[0].Significant || !r.Arms[1].Significant {
			t.Fatalf("significance a=%v b=%v, want false true", r.Arms[0].Significant, r.Arms[1].Significant)
		}
		if r.Winner != "b" {
			t.Errorf("winner = %q (%s), want b", r.Winner, r.Verdict)
		}
		if r.Arms[1].AdjustedPValue < r.Arms[1].PValue {
			t.Error("Holm's adjustment may not lower a p-value")
		}
		if rel := r.Arms[1].RelativeUplift; rel == nil || round(*rel, 2) != 0.6 {
			t.Errorf("relative uplift = %v, want 0.60", rel)
		}
	})
	t.Run("ControlWinsWhenEveryArmIsWorse", func(t *testing.T) {
		r := Analyze(Arm{Name: "control", Entered: 1000, Converted: 200}, []Arm{{Name: "a", Entered: 1000, Converted: 120}}, Options{MDE: 0.5})
		if r.Winner != "control" {
			t.Errorf("winner = %q (%s), want control", r.Winner, r.Verdict)
		}
	})
	t.Run("EmptyArmsEncodeAsJSON", func(t *testing.T) {
		r := Analyze(Arm{Name: "control"}, []Arm{{Name: "a"}}, Options{})
		if _, err := json.Marshal(r); err != nil || r.Arms[0].UpliftInterval != nil {
			t.Errorf("an experiment nobody entered: %v, interval %v", err, r.Arms[0].UpliftInterval)
		}
	})
	t.Run("NoBaselineNoSample", func(t *testing.T) {
		r := Analyze(Arm{Name: "control", Entered: 1000}, []Arm{{Name: "a", Entered: 1000, Converted: 50}}, Options{})
		if r.SampleNeeded != nil || r.Winner != "" || r.Arms[0].RelativeUplift != nil {
			t.Errorf("sample %v winner %q relative %v; want none", r.SampleNeeded, r.Winner, r.Arms[0].RelativeUplift)
		}
	})
}
