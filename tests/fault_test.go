package tests

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// TestTemporalDownLosesNoEvent: while Temporal is down, a track call for an
// active journey is stored, answered 503 (so Segment clients retry), and the
// retry with the same messageId, once Temporal is back, enters the customer.
func TestTemporalDownLosesNoEvent(t *testing.T) {
	s := startStack(t)
	s.call("POST", "/v1/journeys", "admin", cartJourney(t, "1h"), http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/cart_abandonment/activate", "admin", nil, http.StatusOK, nil)

	s.server.Stop()
	event := `{"userId":"u_fault","event":"cart_add","messageId":"fault-1"}`
	hdr := map[string]string{"Content-Type": "application/json"}
	req, _ := http.NewRequest(http.MethodPost, "/", nil)
	req.SetBasicAuth(s.write, "")
	hdr["Authorization"] = req.Header.Get("Authorization")
	status, ctype, p := s.raw("POST", "/v1/track", hdr, event)
	if status != http.StatusServiceUnavailable || ctype != "application/problem+json" || !strings.Contains(p["detail"].(string), "retry with the same messageId") {
		t.Fatalf("track with Temporal down = %d %s %v, want 503 asking for a retry", status, ctype, p)
	}
	stored, inserted, err := s.store.InsertEvent(context.Background(), store.Event{WorkspaceID: "default", MessageID: "fault-1", UserID: "x", Name: "x"})
	if err != nil || inserted || stored.UserID != "u_fault" || stored.RoutedAt != nil {
		t.Fatalf("the event is not stored and unrouted: %+v inserted=%v err=%v", stored, inserted, err)
	}

	s.startTemporal()
	w := s.startWorker()
	defer w.Stop()
	if status, _, p := s.raw("POST", "/v1/track", hdr, event); status != http.StatusOK {
		t.Fatalf("retry = %d %v", status, p)
	}
	eventually(t, 30*time.Second, "the customer's run to wait for a purchase", func() bool {
		runs := runsOf(s, "u_fault")
		return len(runs) == 1 && runs[0]["step"] == "wait_for_purchase"
	})
	stored, _, _ = s.store.InsertEvent(context.Background(), store.Event{WorkspaceID: "default", MessageID: "fault-1", UserID: "x", Name: "x"})
	if stored.RoutedAt == nil {
		t.Errorf("the event is still marked unrouted after the retry routed it")
	}
}
