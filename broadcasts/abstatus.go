package broadcasts

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/store"
)

// ABStatus is an A/B test's state: every variant's counts so far (the
// winner's include the rest of the audience once it is sent), and the
// winner with the decision as it was recorded when the wait ended.
type ABStatus struct {
	Variants []VariantStatus      `json:"variants"`
	Winner   string               `json:"winner,omitempty"`
	Decision *activities.ABResult `json:"decision,omitempty"`
}

// VariantStatus is one variant's counts: messages the provider took, and
// of them those opened (or clicked) and clicked.
type VariantStatus struct {
	Name    string `json:"name"`
	Subject string `json:"subject,omitempty"`
	Sent    int64  `json:"sent"`
	Opened  int64  `json:"opened"`
	Clicked int64  `json:"clicked"`
}

// abStatus reads the A/B test of a broadcast that has one.
func (s *Scheduler) abStatus(ctx context.Context, b store.Broadcast) (*ABStatus, error) {
	test, err := ReadABTest(b)
	if err != nil || test == nil {
		return nil, err
	}
	counts, err := s.Store.BroadcastVariantCounts(ctx, b.WorkspaceID, b.ID)
	if err != nil {
		return nil, err
	}
	st := &ABStatus{}
	for _, v := range test.Variants {
		vs := VariantStatus{Name: v.Name, Subject: v.Subject}
		for _, c := range counts {
			if c.Variant == v.Name {
				vs.Sent, vs.Opened, vs.Clicked = c.Sent, c.Opened, c.Clicked
			}
		}
		st.Variants = append(st.Variants, vs)
	}
	if len(b.ABResult) > 0 {
		st.Decision = &activities.ABResult{}
		if err := json.Unmarshal(b.ABResult, st.Decision); err != nil {
			return nil, fmt.Errorf("broadcasts: read the A/B result of %s: %w", b.ID, err)
		}
		st.Winner = st.Decision.Winner
	}
	return st, nil
}
