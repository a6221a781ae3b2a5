package ingest

import (
	"context"
)

// dropErased leaves out the calls whose messageId was an event of a
// customer the workspace erased: a client retrying old calls after the
// erasure (as Segment's libraries do) re-creates no profile, event or run.
// They count as duplicates, as the first delivery of the call was stored
// once. One indexed lookup for the batch (store.ErasedMessageIDs).
func (p *Pipeline) dropErased(ctx context.Context, workspaceID string, msgs []Message, rec *recorder) ([]Message, int, error) {
	ids := make([]string, len(msgs))
	for i := range msgs {
		ids[i] = msgs[i].MessageID
	}
	erased, err := p.Store.ErasedMessageIDs(ctx, workspaceID, ids)
	if err != nil || len(erased) == 0 {
		return msgs, 0, err
	}
	kept := make([]Message, 0, len(msgs)-len(erased))
	for i := range msgs {
		if m := &msgs[i]; !erased[m.MessageID] {
			kept = append(kept, *m)
		} else {
			rec.erased(m)
		}
	}
	return kept, len(msgs) - len(kept), nil
}
