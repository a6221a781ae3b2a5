package ingest

import (
	"strconv"
	"testing"

	"github.com/tabiji/tabiji/store"
)

// TestTheDebuggerKeepsASampleOfStoredCalls: of the calls InsertEvents
// decides (stored or duplicate) a request records its last
// maxStoredSample, and every call with a verdict of its own.
func TestTheDebuggerKeepsASampleOfStoredCalls(t *testing.T) {
	r := &recorder{workspaceID: "w"}
	for i := range 25 {
		verdict := ""
		if i == 3 || i == 24 {
			verdict = store.VerdictRejected
		}
		r.add(&Message{Index: i, Type: Track, Event: "e", MessageID: "m" + strconv.Itoa(i)}, verdict, "")
	}
	got := r.sampled()
	var ids []string
	rejected := 0
	for _, c := range got {
		if c.Verdict == store.VerdictRejected {
			rejected++
			continue
		}
		ids = append(ids, c.MessageID)
	}
	if rejected != 2 || len(ids) != maxStoredSample || ids[0] != "m14" || ids[len(ids)-1] != "m23" {
		t.Errorf("the sample holds %d rejected and stored %v; want both rejected and m14…m23 (m3 and m24 are rejected)", rejected, ids)
	}
	few := &recorder{workspaceID: "w"}
	for i := range 3 {
		few.add(&Message{Index: i, Type: Track, Event: "e", MessageID: "m" + strconv.Itoa(i)}, "", "")
	}
	if n := len(few.sampled()); n != 3 {
		t.Errorf("a request of 3 stored calls records %d, want all 3", n)
	}
}
