package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/msgtemplates"
)

// BroadcastAB is a broadcast's A/B test: its Variants go to a share of
// the audience (Percent, drawn per customer by experiment.InBroadcastTest),
// and after Wait the variant with the best Metric goes to the rest.
type BroadcastAB struct {
	Variants []BroadcastVariant `json:"variants"`
	Percent  float64            `json:"percent"`
	Metric   string             `json:"metric"` // ABMetricOpens or ABMetricClicks
	Wait     time.Duration      `json:"wait"`
}

// BroadcastVariant is one variant: its own Subject (an email's), or its
// own whole Content in the channel's template format, which wins.
type BroadcastVariant struct {
	Name    string          `json:"name"`
	Subject string          `json:"subject,omitempty"`
	Content json.RawMessage `json:"content,omitempty"`
}

// Metrics an A/B test picks its winner by.
const (
	ABMetricOpens  = "opens"
	ABMetricClicks = "clicks"
)

// Stages of a batch of a broadcast with an A/B test.
const (
	// StageTest sends the test share its variants; the rest of the page
	// is left for StageRest.
	StageTest = "test"
	// StageRest sends the winner to the customers outside the test share,
	// and to those inside it who have no message yet (they joined the
	// segment after the test was sent).
	StageRest = "rest"
)

// takes reports whether a batch of stage handles the customer (found: an
// earlier batch wrote their message). Outside a test every batch takes
// every customer; a deferred pass (stage "") takes those held.
func (sp BroadcastSpec) takes(stage, customerID string, found bool) bool {
	if sp.AB == nil {
		return true
	}
	inTest := experiment.InBroadcastTest(sp.AB.Percent, sp.WorkspaceID, sp.BroadcastID, customerID)
	switch stage {
	case StageTest:
		return inTest
	case StageRest:
		return !inTest || !found
	}
	return true
}

// variantFor is the variant a customer is sent in a batch of stage: the
// test share their drawn variant, the rest the winner.
func (sp BroadcastSpec) variantFor(stage, customerID string) string {
	if sp.AB == nil || len(sp.AB.Variants) == 0 {
		return ""
	}
	inTest := experiment.InBroadcastTest(sp.AB.Percent, sp.WorkspaceID, sp.BroadcastID, customerID)
	if stage == StageTest || (stage == "" && inTest) || sp.Winner == "" {
		return sp.AB.Variants[experiment.BroadcastVariant(len(sp.AB.Variants), sp.WorkspaceID, sp.BroadcastID, customerID)].Name
	}
	return sp.Winner
}

// variantContent is the content of one variant: its own content, or the
// broadcast's with the variant's subject.
func variantContent(ctx context.Context, sp BroadcastSpec, base msgtemplates.Content, name string) (msgtemplates.Content, error) {
	if sp.AB == nil || name == "" {
		return base, nil
	}
	i := slices.IndexFunc(sp.AB.Variants, func(v BroadcastVariant) bool { return v.Name == name })
	if i < 0 {
		return base, contentError(ctx, fmt.Errorf("broadcast %s has no variant %q", sp.BroadcastID, name))
	}
	v := sp.AB.Variants[i]
	if len(v.Content) > 0 {
		c, err := msgtemplates.Parse(sp.Channel, v.Content)
		if err != nil {
			return base, contentError(ctx, fmt.Errorf("content of variant %s: %w", name, err))
		}
		return c, nil
	}
	if v.Subject != "" && base.Email != nil {
		e := *base.Email
		e.Subject = v.Subject
		base.Email = &e
	}
	return base, nil
}

// sendVariants sends each variant's recipients with its content (sendBatch
// once per variant; the skipped rows are written with the first). A
// variant whose earlier rows wait for confirmation does not hold back the
// others: that retryable error is returned after all are sent.
func (a *Activities) sendVariants(ctx context.Context, in BroadcastBatchInput, base msgtemplates.Content, ad adRules,
	deliverable []*recipient, skipped map[*recipient]string, res BroadcastBatchResult) (BroadcastBatchResult, error) {
	byVariant := map[string][]*recipient{}
	for _, r := range deliverable {
		byVariant[r.variant] = append(byVariant[r.variant], r)
	}
	names := slices.Sorted(maps.Keys(byVariant))
	if len(names) == 0 {
		names = []string{""}
	}
	var waiting error
	for i, name := range names {
		c, err := variantContent(ctx, in.Spec, base, name)
		if err != nil {
			return res, err
		}
		sk := skipped
		if i > 0 {
			sk = nil
		}
		res, err = a.sendBatch(ctx, in, c, ad, byVariant[name], sk, res)
		var app *temporal.ApplicationError
		switch {
		case err == nil:
		case errors.As(err, &app) && app.Type() == AwaitingConfirmationType:
			waiting = err
		default:
			return res, err
		}
	}
	return res, waiting
}
