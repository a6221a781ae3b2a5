package activities

import (
	"context"
	"fmt"

	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/store"
)

// Reasons a message is skipped because its customer is in a control group.
const (
	ReasonHoldout       = "holdout"        // the journey's holdout
	ReasonGlobalControl = "global_control" // the workspace's global control group
)

// excluded is why a control group keeps this message from the customer (""
// when none does): the journey's holdout, which the run decided at entry,
// or the workspace's global control group, read at every send so that a
// changed share applies at once. Transactional messages (a receipt, a
// password reset) pass both: a control group measures marketing, it must
// not break the product.
func (a *Activities) excluded(ctx context.Context, in SendInput, pre *store.SendReads) (string, error) {
	if in.Transactional || in.To != "" { // a sales owner's alert is not a message to the customer
		return "", nil
	}
	if in.Holdout {
		return ReasonHoldout, nil
	}
	var percent float64
	if pre != nil {
		percent = pre.GlobalControl
	} else if p, err := a.store.GlobalControl(ctx, in.WorkspaceID); err != nil {
		return "", fmt.Errorf("check the global control group: %w", err)
	} else {
		percent = p
	}
	if experiment.InGlobalControl(percent, in.WorkspaceID, in.CustomerID) {
		return ReasonGlobalControl, nil
	}
	return "", nil
}
