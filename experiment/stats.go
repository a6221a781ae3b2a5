// Package experiment holds the statistics of Tabiji's experiments: a split
// node's variants against its control group, and a journey's holdout against
// the customers it messaged. It is pure arithmetic over counts, with no
// storage and no clock.
//
// The test is the two-proportion z-test, the one most marketers' tools and
// statistics courses teach, chosen over a Bayesian beta-binomial because its
// answer ("significant at 5%", a 95% interval) is the one a marketer asks for
// and needs no prior to defend. The test statistic uses the pooled standard
// error (under the null hypothesis both arms share one rate); the intervals
// use the unpooled one (no such assumption). Several variants against one
// control are corrected with Holm's step-down method, which controls the
// family-wise error rate like Bonferroni but rejects at least as often.
package experiment

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Arm is one group of an experiment: how many customers entered it and how
// many of them converted.
type Arm struct {
	Name      string `json:"name"`
	Entered   int64  `json:"entered"`
	Converted int64  `json:"converted"`
}

// Rate is the arm's conversion rate, 0 for an empty arm.
func (a Arm) Rate() float64 {
	if a.Entered == 0 {
		return 0
	}
	return float64(a.Converted) / float64(a.Entered)
}

// Interval is a two-sided confidence interval.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

var unitNormal = distuv.UnitNormal

// zCritical is the two-sided critical value of the standard normal for
// significance level alpha (1.959964 at 0.05).
func zCritical(alpha float64) float64 {
	return unitNormal.Quantile(1 - alpha/2)
}

// ZTest is the two-proportion z-test of treatment against control with the
// pooled standard error: z is positive when the treatment converts more, p
// is two-sided. An arm without customers, or no variance at all (nobody or
// everybody converted in both), gives z = 0 and p = 1.
func ZTest(control, treatment Arm) (z, p float64) {
	n1, n2 := float64(control.Entered), float64(treatment.Entered)
	if n1 == 0 || n2 == 0 {
		return 0, 1
	}
	pooled := float64(control.Converted+treatment.Converted) / (n1 + n2)
	se := math.Sqrt(pooled * (1 - pooled) * (1/n1 + 1/n2))
	if se == 0 {
		return 0, 1
	}
	z = (treatment.Rate() - control.Rate()) / se
	return z, 2 * unitNormal.CDF(-math.Abs(z))
}

// DiffInterval is the Wald interval of treatment's rate minus control's,
// with the unpooled standard error, at confidence 1-alpha. It is undefined
// (ok false) while either arm is empty.
func DiffInterval(control, treatment Arm, alpha float64) (iv Interval, ok bool) {
	p1, p2 := control.Rate(), treatment.Rate()
	d := p2 - p1
	if control.Entered == 0 || treatment.Entered == 0 {
		return Interval{}, false
	}
	se := math.Sqrt(p1*(1-p1)/float64(control.Entered) + p2*(1-p2)/float64(treatment.Entered))
	m := zCritical(alpha) * se
	return Interval{Low: d - m, High: d + m}, true
}

// RatioInterval is the interval of the risk ratio treatment/control by the
// log method (Katz et al. 1978): ln(RR) ± z·sqrt(1/x₂ − 1/n₂ + 1/x₁ − 1/n₁).
// It is undefined (ok false) when either arm has no conversion.
func RatioInterval(control, treatment Arm, alpha float64) (rr float64, iv Interval, ok bool) {
	if control.Converted == 0 || treatment.Converted == 0 {
		return 0, Interval{}, false
	}
	rr = treatment.Rate() / control.Rate()
	se := math.Sqrt(1/float64(treatment.Converted) - 1/float64(treatment.Entered) +
		1/float64(control.Converted) - 1/float64(control.Entered))
	m := zCritical(alpha) * se
	return rr, Interval{Low: rr * math.Exp(-m), High: rr * math.Exp(m)}, true
}

// SampleSize is the customers needed in each of two equal arms for a
// two-sided z-test at level alpha to detect rates p1 against p2 with the
// given power — the normal-approximation formula without the continuity
// correction (Fleiss, Levin & Paik, "Statistical Methods for Rates and
// Proportions"), matching the uncorrected test above, and the n that R's
// power.prop.test (strict = FALSE) solves for:
//
//	n = (z_{1-α/2}·sqrt(2·p̄·q̄) + z_{1-β}·sqrt(p1·q1 + p2·q2))² / (p1-p2)²
//
// It is +Inf when p1 equals p2 (no difference can be detected).
func SampleSize(p1, p2, alpha, power float64) float64 {
	d := p1 - p2
	if d == 0 {
		return math.Inf(1)
	}
	pbar := (p1 + p2) / 2
	a := zCritical(alpha) * math.Sqrt(2*pbar*(1-pbar))
	b := unitNormal.Quantile(power) * math.Sqrt(p1*(1-p1)+p2*(1-p2))
	return (a + b) * (a + b) / (d * d)
}

// Holm adjusts p-values for testing several hypotheses at once (Holm 1979):
// sorted ascending, the i-th smallest (from 0) is multiplied by (m − i),
// and adjusted values are made non-decreasing and capped at 1. A hypothesis
// is rejected at level α when its adjusted p-value is at most α.
func Holm(p []float64) []float64 {
	m := len(p)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	// insertion sort: m is the number of variants, a handful
	for i := 1; i < m; i++ {
		for j := i; j > 0 && p[idx[j]] < p[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	out := make([]float64, m)
	running := 0.0
	for rank, i := range idx {
		adj := math.Min(1, p[i]*float64(m-rank))
		running = math.Max(running, adj)
		out[i] = running
	}
	return out
}
