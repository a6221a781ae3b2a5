package experiment

import (
	"math"
	"testing"
)

// round is x to d decimals, as a printed table shows it.
func round(x float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(x*p) / p
}

func near(t *testing.T, what string, got, want float64, decimals int) {
	t.Helper()
	if round(got, decimals) != want {
		t.Errorf("%s = %.6f, want %v (to %d decimals)", what, got, want, decimals)
	}
}

// OpenIntro Statistics (Diez, Çetinkaya-Rundel, Barr), 4th ed., §6.2.1:
// blood thinners during CPR, 14 of 40 treated and 11 of 50 controls
// survived; the 95% interval of the difference is printed as (−0.06, 0.32).
func TestDiffIntervalOpenIntroCPR(t *testing.T) {
	control := Arm{Entered: 50, Converted: 11}
	treatment := Arm{Entered: 40, Converted: 14}
	iv, _ := DiffInterval(control, treatment, 0.05)
	near(t, "low", iv.Low, -0.06, 2)
	near(t, "high", iv.High, 0.32, 2)
}

// Agresti, "An Introduction to Categorical Data Analysis", 2nd ed., §2.2
// (Physicians' Health Study): myocardial infarction in 189 of 11,034 on
// placebo and 104 of 11,037 on aspirin. The difference of proportions
// 0.0077 has the 95% interval (0.005, 0.011); the relative risk is 1.82.
func TestPhysiciansHealthStudy(t *testing.T) {
	aspirin := Arm{Entered: 11037, Converted: 104}
	placebo := Arm{Entered: 11034, Converted: 189}
	near(t, "difference", placebo.Rate()-aspirin.Rate(), 0.0077, 4)
	iv, _ := DiffInterval(aspirin, placebo, 0.05)
	near(t, "difference low", iv.Low, 0.005, 3)
	near(t, "difference high", iv.High, 0.011, 3)
	rr, riv, ok := RatioInterval(aspirin, placebo, 0.05)
	if !ok {
		t.Fatal("relative risk undefined")
	}
	near(t, "relative risk", rr, 1.82, 2)
	// The log-method interval, by hand: exp(ln 1.8178 ± 1.96·0.12135).
	near(t, "relative risk low", riv.Low, 1.43, 2)
	near(t, "relative risk high", riv.High, 2.31, 2)
	// By hand: pooled p = 293/22071, SE = 0.0015408, z = 0.0077060/0.0015408.
	z, p := ZTest(aspirin, placebo)
	near(t, "z", z, 5.00, 2)
	if p > 1e-6 {
		t.Errorf("p = %g, want below 1e-6 for z = 5", p)
	}
}

// Sample sizes per arm from two published calculators' worked examples.
func TestSampleSize(t *testing.T) {
	// JMP 13.2 documentation, "Two Sample Proportions": p1 0.08, p2 0.06,
	// alpha 0.05 two-sided, power 0.8 → 2554 per group.
	if n := math.Ceil(SampleSize(0.08, 0.06, 0.05, 0.8)); n != 2554 {
		t.Errorf("JMP example: n = %v, want 2554", n)
	}
	// R's ?power.prop.test: power.prop.test(p1 = .50, p2 = .75, power = .90)
	// prints n = 76.7.
	near(t, "R power.prop.test", SampleSize(0.5, 0.75, 0.05, 0.9), 76.7, 1)
	if !math.IsInf(SampleSize(0.1, 0.1, 0.05, 0.8), 1) {
		t.Error("equal rates must need an infinite sample")
	}
}

// Wikipedia, "Holm–Bonferroni method", Example: four hypotheses with
// p = 0.01, 0.04, 0.03, 0.005 at α = 0.05; H1 and H4 are rejected, H2 and
// H3 are not.
func TestHolm(t *testing.T) {
	adj := Holm([]float64{0.01, 0.04, 0.03, 0.005})
	want := []float64{0.03, 0.06, 0.06, 0.02}
	for i := range want {
		near(t, "adjusted p", adj[i], want[i], 6)
	}
	reject := []bool{true, false, false, true}
	for i, r := range reject {
		if (adj[i] <= 0.05) != r {
			t.Errorf("H%d rejected = %v, want %v", i+1, adj[i] <= 0.05, r)
		}
	}
}

func TestZTestDegenerate(t *testing.T) {
	t.Run("EmptyArmIsNotSignificant", func(t *testing.T) {
		if z, p := ZTest(Arm{}, Arm{Entered: 10, Converted: 5}); z != 0 || p != 1 {
			t.Errorf("z, p = %v, %v; want 0, 1", z, p)
		}
	})
	t.Run("NoVarianceIsNotSignificant", func(t *testing.T) {
		if z, p := ZTest(Arm{Entered: 10}, Arm{Entered: 20}); z != 0 || p != 1 {
			t.Errorf("z, p = %v, %v; want 0, 1", z, p)
		}
	})
	t.Run("RatioUndefinedWithoutConversions", func(t *testing.T) {
		if _, _, ok := RatioInterval(Arm{Entered: 10}, Arm{Entered: 10, Converted: 2}, 0.05); ok {
			t.Error("a ratio over a zero rate must be undefined")
		}
	})
}
