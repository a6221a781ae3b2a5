package activities

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tabiji/tabiji/experiment"
)

// BroadcastWinnerInput asks for the winner of a broadcast's A/B test.
type BroadcastWinnerInput struct {
	Spec BroadcastSpec `json:"spec"`
}

// BroadcastWinnerResult is the winning variant and the rule that chose it.
type BroadcastWinnerResult struct {
	Winner string `json:"winner"`
	Rule   string `json:"rule"`
}

// ABResult is a broadcast's A/B result as it is recorded: the winner, the
// metric, every variant's counts when it was picked, and the statistics.
type ABResult struct {
	experiment.Pick
	Metric   string           `json:"metric"`
	Variants []ABVariantCount `json:"variants"`
}

// ABVariantCount is one variant's counts when the winner was picked.
type ABVariantCount struct {
	Name    string `json:"name"`
	Sent    int64  `json:"sent"`
	Opened  int64  `json:"opened"`
	Clicked int64  `json:"clicked"`
}

// BroadcastPickWinner picks the winner of the broadcast's A/B test from
// its variants' messages (experiment.PickWinner over opens or clicks) and
// records it with its statistics. The first pick stands: a retried
// activity returns the winner recorded before, never another one.
func (a *Activities) BroadcastPickWinner(ctx context.Context, in BroadcastWinnerInput) (BroadcastWinnerResult, error) {
	defer beatWhileRunning(ctx)()
	sp := in.Spec
	if sp.AB == nil || len(sp.AB.Variants) == 0 {
		return BroadcastWinnerResult{}, fmt.Errorf("pick the winner of broadcast %s: it has no A/B test", sp.BroadcastID)
	}
	counts, err := a.store.BroadcastVariantCounts(ctx, sp.WorkspaceID, sp.BroadcastID)
	if err != nil {
		return BroadcastWinnerResult{}, fmt.Errorf("pick the winner of broadcast %s: %w", sp.BroadcastID, err)
	}
	res := ABResult{Metric: sp.AB.Metric}
	arms := make([]experiment.Arm, 0, len(sp.AB.Variants))
	for _, v := range sp.AB.Variants {
		c := ABVariantCount{Name: v.Name}
		for _, n := range counts {
			if n.Variant == v.Name {
				c = ABVariantCount{Name: v.Name, Sent: n.Sent, Opened: n.Opened, Clicked: n.Clicked}
			}
		}
		res.Variants = append(res.Variants, c)
		conv := c.Opened
		if sp.AB.Metric == ABMetricClicks {
			conv = c.Clicked
		}
		arms = append(arms, experiment.Arm{Name: v.Name, Entered: c.Sent, Converted: conv})
	}
	res.Pick = experiment.PickWinner(arms, experiment.Options{})
	raw, err := json.Marshal(res)
	if err != nil { // a statistic that is not a number: keep the winner and its verdict
		res.Result = experiment.Result{Test: res.Result.Test, Winner: res.Result.Winner, Verdict: res.Result.Verdict}
		raw, err = json.Marshal(res)
	}
	if err != nil {
		return BroadcastWinnerResult{}, fmt.Errorf("pick the winner of broadcast %s: %w", sp.BroadcastID, err)
	}
	kept, err := a.store.SetBroadcastABResult(ctx, sp.WorkspaceID, sp.BroadcastID, raw)
	if err != nil {
		return BroadcastWinnerResult{}, fmt.Errorf("pick the winner of broadcast %s: %w", sp.BroadcastID, err)
	}
	var first ABResult
	if err := json.Unmarshal(kept, &first); err != nil {
		return BroadcastWinnerResult{}, fmt.Errorf("read the recorded winner of broadcast %s: %w", sp.BroadcastID, err)
	}
	return BroadcastWinnerResult{Winner: first.Winner, Rule: first.Rule}, nil
}
