package api

import (
	"context"
	"math"
	"sync/atomic"

	"github.com/tabiji/tabiji/journey"
)

// requestCELBudget is how many CEL cost units the entry filters of one
// ingestion call may spend together: ten evaluations at the cost limit.
// Each filter stops at journey.CostLimit, but a batch of 500 events against
// a few costly filters would multiply it into tens of seconds of the API's
// CPU; past the budget, a filter is not evaluated and its event enters
// nobody (counted as reasonRequestBudget).
const requestCELBudget = 10 * journey.CostLimit

// reasonRequestBudget is the entry error of an event whose entry filter
// was not evaluated because its ingestion call had spent requestCELBudget.
const reasonRequestBudget = "cel_request_budget"

type celBudgetKey struct{}

// celBudget is what one ingestion call has left to spend on entry filters.
type celBudget struct{ left atomic.Int64 }

// withCELBudget gives an ingestion call its budget.
func withCELBudget(ctx context.Context) context.Context {
	b := &celBudget{}
	b.left.Store(requestCELBudget)
	return context.WithValue(ctx, celBudgetKey{}, b)
}

// celBudgetLeft reports whether the call may evaluate another filter
// (always, outside an ingestion call: the sweeper).
func celBudgetLeft(ctx context.Context) bool {
	b, _ := ctx.Value(celBudgetKey{}).(*celBudget)
	return b == nil || b.left.Load() > 0
}

// spendCEL takes an evaluation's cost from the call's budget.
func spendCEL(ctx context.Context, cost uint64) {
	if b, _ := ctx.Value(celBudgetKey{}).(*celBudget); b != nil {
		b.left.Add(-int64(min(cost, math.MaxInt32)))
	}
}
