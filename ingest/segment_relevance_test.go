package ingest

import (
	"slices"
	"testing"

	"github.com/tabiji/tabiji/segments"
	"github.com/tabiji/tabiji/store"
)

func TestOnlyCallsThatCanMoveASegmentEvaluateIt(t *testing.T) {
	parse := func(s string) segments.Definition {
		d, err := segments.Parse([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	defs := map[string]segments.Definition{
		"dormant":      parse(`{"condition":{"and":[{"event":{"name":"purchase"}},{"not":{"event":{"name":"app_open","window":{"last_days":21}}}}]}}`),
		"gold":         parse(`{"condition":{"trait":{"name":"plan","op":"eq","value":"gold"}}}`),
		"gold_dormant": parse(`{"condition":{"or":[{"segment":"gold"},{"segment":"dormant"}]}}`),
	}
	resolve := func(id string) (segments.Definition, bool) { d, ok := defs[id]; return d, ok }
	var segs []trackedSegment
	for _, id := range []string{"dormant", "gold", "gold_dormant"} {
		segs = append(segs, describeSegment(id, defs[id], resolve))
	}
	if g := segs[0]; g.traits || !slices.Equal(g.events, []string{"purchase", "app_open"}) {
		t.Errorf("dormant = %+v", g)
	}
	if g := segs[2]; !g.traits || len(g.events) != 2 {
		t.Errorf("a segment of segments = %+v, want what moves both", g)
	}
	ev := func(user, typ, name string) store.Inserted {
		return store.Inserted{Inserted: true, Event: store.Event{UserID: user, Type: typ, Name: name}}
	}
	moved := segmentsMoved(segs, []store.Inserted{
		ev("a", "track", "Order Completed"), ev("b", "track", "purchase"), ev("c", "identify", ""),
		ev("d", "track", "segment_entered"), {Inserted: false, Event: store.Event{UserID: "e", Type: "track", Name: "purchase"}},
	}, nil)
	want := map[string][]string{"dormant": {"b"}, "gold": {"c"}, "gold_dormant": {"b", "c"}}
	if len(moved) != len(want) {
		t.Fatalf("moved = %v, want %v", moved, want)
	}
	for k, v := range want {
		if !slices.Equal(moved[k], v) {
			t.Errorf("moved[%s] = %v, want %v", k, moved[k], v)
		}
	}
	// A customer whose profile just absorbed another (identify with an
	// anonymousId, alias) may have moved in every segment, whatever the call.
	moved = segmentsMoved(segs, []store.Inserted{ev("c", "identify", ""), ev("m", "alias", "")}, []string{"m", "c"})
	want = map[string][]string{"dormant": {"m", "c"}, "gold": {"m", "c"}, "gold_dormant": {"m", "c"}}
	for k, v := range want {
		if !slices.Equal(moved[k], v) {
			t.Errorf("with merges, moved[%s] = %v, want %v", k, moved[k], v)
		}
	}
	if moved := segmentsMoved(segs, nil, nil); len(moved) != 0 {
		t.Errorf("no calls moved %v", moved)
	}
}
