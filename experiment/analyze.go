package experiment

import (
	"fmt"
	"math"
)

// TestName names the test in every result, so a reader knows what the
// p-values mean.
const TestName = "two-proportion z-test (pooled SE for the test, unpooled Wald interval for the uplift, log-method interval for the relative uplift), Holm-corrected across variants"

// Options are the experiment's error rates and the smallest effect worth
// detecting.
type Options struct {
	Alpha float64 // significance level, two-sided; 0.05 when zero
	Power float64 // 1 − β; 0.8 when zero
	// MDE is the minimum detectable effect relative to the control's rate
	// (0.1: a 10% lift, 5% → 5.5%); 0.1 when zero.
	MDE float64
}

func (o Options) withDefaults() Options {
	if o.Alpha == 0 {
		o.Alpha = 0.05
	}
	if o.Power == 0 {
		o.Power = 0.8
	}
	if o.MDE == 0 {
		o.MDE = 0.1
	}
	return o
}

// Comparison is one arm against the control.
type Comparison struct {
	Arm
	Rate float64 `json:"rate"`
	// Uplift is the arm's rate minus the control's, in rate units (0.012 =
	// 1.2 points), with its interval.
	// The interval is nil while either arm is empty.
	Uplift         float64   `json:"uplift"`
	UpliftInterval *Interval `json:"upliftInterval"`
	// RelativeUplift is Uplift over the control's rate (0.25 = +25%), with
	// its interval; nil when either arm has no conversion.
	RelativeUplift         *float64  `json:"relativeUplift"`
	RelativeUpliftInterval *Interval `json:"relativeUpliftInterval"`
	Z                      float64   `json:"z"`
	PValue                 float64   `json:"pValue"`
	// AdjustedPValue is PValue after Holm's correction over the arms.
	AdjustedPValue float64 `json:"adjustedPValue"`
	Significant    bool    `json:"significant"`
}

// Result is an experiment's table and verdict.
type Result struct {
	Test    string       `json:"test"`
	Alpha   float64      `json:"alpha"`
	Power   float64      `json:"power"`
	MDE     float64      `json:"mde"`
	Control Arm          `json:"control"`
	Rate    float64      `json:"controlRate"`
	Arms    []Comparison `json:"arms"`
	// SampleNeeded is the customers each arm needs to detect a lift of MDE
	// over the control's observed rate; nil while the control has no
	// conversion (no baseline to size from).
	SampleNeeded  *int64 `json:"sampleNeeded"`
	SampleReached bool   `json:"sampleReached"`
	// Winner is the arm declared best ("" when none is), and Verdict says
	// why, in words.
	Winner  string `json:"winner"`
	Verdict string `json:"verdict"`
}

// Analyze compares every arm with the control. A winner is declared only
// when every arm has reached the minimum sample AND the difference is
// significant after Holm's correction: the significant arm with the highest
// rate beats the control; when every significant arm is worse, the control
// wins.
func Analyze(control Arm, arms []Arm, o Options) Result {
	o = o.withDefaults()
	res := Result{Test: TestName, Alpha: o.Alpha, Power: o.Power, MDE: o.MDE, Control: control, Rate: control.Rate()}
	ps := make([]float64, len(arms))
	for i, a := range arms {
		c := compare(control, a, o.Alpha)
		ps[i] = c.PValue
		res.Arms = append(res.Arms, c)
	}
	for i, adj := range Holm(ps) {
		res.Arms[i].AdjustedPValue = adj
		res.Arms[i].Significant = adj <= o.Alpha
	}
	res.SampleNeeded, res.SampleReached = sampleNeeded(control, arms, o)
	res.Winner, res.Verdict = verdict(res)
	return res
}

func compare(control, a Arm, alpha float64) Comparison {
	c := Comparison{Arm: a, Rate: a.Rate(), Uplift: a.Rate() - control.Rate()}
	if iv, ok := DiffInterval(control, a, alpha); ok {
		c.UpliftInterval = &iv
	}
	c.Z, c.PValue = ZTest(control, a)
	if rr, iv, ok := RatioInterval(control, a, alpha); ok {
		rel := rr - 1
		c.RelativeUplift = &rel
		c.RelativeUpliftInterval = &Interval{Low: iv.Low - 1, High: iv.High - 1}
	}
	return c
}

func sampleNeeded(control Arm, arms []Arm, o Options) (*int64, bool) {
	p0 := control.Rate()
	if control.Converted == 0 || p0 >= 1 {
		return nil, false
	}
	p1 := math.Min(p0*(1+o.MDE), 1)
	n := int64(math.Ceil(SampleSize(p0, p1, o.Alpha, o.Power)))
	reached := control.Entered >= n
	for _, a := range arms {
		reached = reached && a.Entered >= n
	}
	return &n, reached
}

func verdict(r Result) (string, string) {
	if r.SampleNeeded == nil {
		return "", "no winner yet: the control has no conversion to size the experiment from"
	}
	if !r.SampleReached {
		return "", fmt.Sprintf("no winner yet: every arm needs %d customers to detect a %.0f%% lift", *r.SampleNeeded, r.MDE*100)
	}
	best, worse := -1, 0
	for i, a := range r.Arms {
		switch {
		case !a.Significant:
		case a.Uplift > 0 && (best < 0 || a.Rate > r.Arms[best].Rate):
			best = i
		case a.Uplift < 0:
			worse++
		}
	}
	switch {
	case best >= 0:
		return r.Arms[best].Name, fmt.Sprintf("%s converts better than %s (adjusted p = %.4f)", r.Arms[best].Name, r.Control.Name, r.Arms[best].AdjustedPValue)
	case worse > 0 && worse == len(r.Arms):
		return r.Control.Name, r.Control.Name + " converts better than every other arm"
	}
	return "", "no winner: the sample is reached but no difference is significant"
}
