package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/store"
)

// SegmentPage brings one page of a segment's tracked membership up to date
// and emits the page's segment_entered (phase enter: members not tracked)
// or segment_exited (phase exit: tracked customers no longer members) in
// one batch, before it writes the membership, so a retried page emits what
// a crash lost and nothing twice (the messageIds are deterministic).
func (a *Activities) SegmentPage(ctx context.Context, in SegmentPageInput) (PageResult, error) {
	var ids []string
	var err error
	if in.Phase == PhaseExit {
		ids, err = a.store.TrackedMembersPage(ctx, in.WorkspaceID, in.SegmentID, in.After, in.Limit)
	} else {
		ids, err = a.store.SegmentMembersAt(ctx, in.WorkspaceID, in.SegmentID, in.After, in.Limit, in.At)
	}
	if errors.Is(err, store.ErrNotFound) {
		return PageResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("segment %s does not exist: create it, or change the journeys that enter on it", in.SegmentID), "SegmentNotFound", err)
	}
	if err != nil {
		return PageResult{}, err
	}
	res := PageResult{Done: len(ids) < in.Limit}
	if len(ids) == 0 {
		return res, nil
	}
	res.Next = ids[len(ids)-1]
	entered, exited, err := a.pageChanges(ctx, in, ids)
	if err != nil {
		return res, err
	}
	res.Entered, res.Exited = len(entered), len(exited)
	if !in.Baseline {
		events := store.SegmentEvents(in.WorkspaceID, in.SegmentID, entered, exited, in.At)
		if res.Emitted, err = a.emit(ctx, events); err != nil {
			return res, err
		}
	}
	return res, a.store.RecordSegmentChanges(ctx, in.WorkspaceID, in.SegmentID, entered, exited, in.At)
}

// pageChanges is who of a page entered (phase enter: members not tracked)
// or left (phase exit: tracked customers who are no longer members).
func (a *Activities) pageChanges(ctx context.Context, in SegmentPageInput, ids []string) (entered, exited []string, err error) {
	if in.Phase == PhaseExit {
		now, err := a.store.SegmentContainsAt(ctx, in.WorkspaceID, in.SegmentID, ids, in.At)
		if err != nil {
			return nil, nil, fmt.Errorf("segment %s members: %w", in.SegmentID, err)
		}
		for _, id := range ids {
			if !now[id] {
				exited = append(exited, id)
			}
		}
		return nil, exited, nil
	}
	before, err := a.store.TrackedMembers(ctx, in.WorkspaceID, in.SegmentID, ids)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		if !before[id] {
			entered = append(entered, id)
		}
	}
	return entered, nil, nil
}
