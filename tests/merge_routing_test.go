package tests

import (
	"net/http"
	"testing"
	"time"
)

// TestAnonymousRunFollowsTheMerge: a visitor adds to cart anonymously (the
// run is keyed by the anonymousId), signs in (identify merges the
// anonymousId into the userId), and buys as the user: the anonymous run
// gets the purchase and sends no reminder.
func TestAnonymousRunFollowsTheMerge(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	s.call("POST", "/v1/journeys", "admin", cartJourney(t, "1h"), http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/cart_abandonment/activate", "admin", nil, http.StatusOK, nil)

	s.segment("/v1/track", `{"anonymousId":"anon_mika","event":"cart_add","messageId":"mg1","properties":{"product":"tea"}}`)
	eventually(t, 20*time.Second, "the anonymous run to wait for a purchase", func() bool {
		runs := runsOf(s, "anon_mika")
		return len(runs) == 1 && runs[0]["step"] == "wait_for_purchase"
	})
	s.segment("/v1/identify", `{"anonymousId":"anon_mika","userId":"u_mika","messageId":"mg2","traits":{"email":"mika@example.jp"}}`)
	s.segment("/v1/track", `{"userId":"u_mika","event":"purchase","messageId":"mg3"}`)

	eventually(t, 20*time.Second, "the anonymous run to end on the user's purchase", func() bool {
		runs := runsOf(s, "anon_mika")
		return len(runs) == 1 && runs[0]["status"] == "completed" && runs[0]["outcome"] == "purchased"
	})
	for _, c := range []string{"anon_mika", "u_mika"} {
		if msgs := s.outbox(c).Messages; len(msgs) != 0 {
			t.Errorf("%s got %d reminders after buying", c, len(msgs))
		}
	}
}
