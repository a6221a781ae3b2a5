package routing

import (
	"context"

	"github.com/tabiji/tabiji/journey"
)

// requestCELBudget is how many CEL cost units the entry filters and
// scoring rules of one ingestion call may spend together: ten evaluations at
// the cost limit. Each stops at journey.CostLimit, but a batch of 500 events
// against a few costly conditions would multiply it into tens of seconds of
// the API's CPU. Past the budget an entry filter is not evaluated and its
// event enters nobody (counted as reasonRequestBudget); a scoring rule is
// not evaluated and awards nothing.
const requestCELBudget = 10 * journey.CostLimit

// reasonRequestBudget is the entry error of an event whose entry filter
// was not evaluated because its ingestion call had spent requestCELBudget.
const reasonRequestBudget = "cel_request_budget"

type celBudgetKey struct{}

// WithBudget gives an ingestion call its budget.
func WithBudget(ctx context.Context) context.Context {
	return context.WithValue(ctx, celBudgetKey{}, journey.NewBudget(requestCELBudget))
}

// Budget is the ingestion call's budget; nil (unlimited) outside one,
// in the sweeper.
func Budget(ctx context.Context) *journey.Budget {
	b, _ := ctx.Value(celBudgetKey{}).(*journey.Budget)
	return b
}
