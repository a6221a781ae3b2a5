package experiment

import "fmt"

// Salts of a broadcast's A/B test: whether a customer is in the test share,
// and which variant they are sent there, are independent draws.
const (
	SaltBroadcastTest    = "broadcast_test"
	SaltBroadcastVariant = "broadcast_variant"
)

// InBroadcastTest reports whether a customer is in the test share (percent
// of the audience) of a broadcast's A/B test: a fixed draw from the
// customer and broadcast, so every retry and replay agrees.
func InBroadcastTest(percent float64, workspaceID, broadcastID, customerID string) bool {
	return percent > 0 && InGroup(percent, SaltBroadcastTest, workspaceID, broadcastID, customerID)
}

// BroadcastVariant is the variant (0 to n-1) a customer of the test share
// is sent, drawn evenly from the customer and broadcast.
func BroadcastVariant(n int, workspaceID, broadcastID, customerID string) int {
	if n <= 1 {
		return 0
	}
	return Bucket(SaltBroadcastVariant, workspaceID, broadcastID, customerID) % n
}

// Winner rules: why a variant won.
const (
	// RuleSignificant: the z-test found it better than the others
	// (Analyze's verdict, with the minimum sample reached).
	RuleSignificant = "significant"
	// RuleBestObserved: no significant difference, or too small a sample;
	// the variant with the highest observed rate wins all the same, as the
	// rest of the audience must be sent something.
	RuleBestObserved = "best observed rate"
	// RuleTie: every variant has the same observed rate (none opened, for
	// example): the first variant wins.
	RuleTie = "tie: the first variant"
)

// Pick is the winner of a broadcast's A/B test, the rule that chose it and
// the statistics it was chosen with.
type Pick struct {
	Winner string `json:"winner"`
	Rule   string `json:"rule"`
	Result Result `json:"statistics"`
}

// PickWinner chooses among the arms of a broadcast's test (at least one,
// in variant order; Converted counts the metric: opens or clicks). The
// first arm is the baseline of Analyze: when it declares a winner, that
// one wins; otherwise the highest observed rate wins, the earlier variant
// on a tie, and the first variant when all rates are equal.
func PickWinner(arms []Arm, o Options) Pick {
	if len(arms) == 0 {
		return Pick{Rule: RuleTie}
	}
	res := Analyze(arms[0], arms[1:], o)
	if res.Winner != "" {
		return Pick{Winner: res.Winner, Rule: RuleSignificant, Result: res}
	}
	best, tied := 0, true
	for i, a := range arms[1:] {
		if a.Rate() != arms[0].Rate() {
			tied = false
		}
		if a.Rate() > arms[best].Rate() {
			best = i + 1
		}
	}
	if tied {
		return Pick{Winner: arms[0].Name, Rule: RuleTie, Result: res}
	}
	res.Verdict = fmt.Sprintf("%s (%s has the highest observed rate, %.2f%%)", res.Verdict, arms[best].Name, arms[best].Rate()*100)
	return Pick{Winner: arms[best].Name, Rule: RuleBestObserved, Result: res}
}
