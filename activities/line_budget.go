package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/tabiji/tabiji/lineusage"
)

// LineBudgetInput asks whether a journey's monthly LINE budget is spent.
type LineBudgetInput struct {
	WorkspaceID, JourneyID string
	Monthly                int
}

// LineBudgetResult says how many LINE messages the journey sent this
// month (LINE's, in Japan time) and whether that spends the budget.
type LineBudgetResult struct {
	Used  int64
	Spent bool
}

// LineBudget counts the journey's LINE messages this month. Runs sending
// at the same moment may each see one left, so the budget can be passed by
// the sends in flight, never by more.
func (a *Activities) LineBudget(ctx context.Context, in LineBudgetInput) (LineBudgetResult, error) {
	now := time.Now().In(lineusage.Tokyo)
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, lineusage.Tokyo)
	used, err := a.store.CountJourneyLINEMessages(ctx, in.WorkspaceID, in.JourneyID, start)
	if err != nil {
		return LineBudgetResult{}, fmt.Errorf("line budget of %s: %w", in.JourneyID, err)
	}
	return LineBudgetResult{Used: used, Spent: used >= int64(in.Monthly)}, nil
}
