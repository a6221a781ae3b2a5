package tests

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"

	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/linerelay"
	"github.com/tabiji/tabiji/outbound"
	"github.com/tabiji/tabiji/store"
)

// relayEndpoint is one of the shop's other LINE webhook endpoints: it
// keeps what it was sent, and answers 500 to its first fail calls, or
// holds its first call until the caller gives up when hold is set.
type relayEndpoint struct {
	*httptest.Server
	mu     sync.Mutex
	calls  int
	bodies []string // the bodies it answered 200, their signature valid
	bad    []string // calls whose signature did not verify
}

func newRelayEndpoint(t *testing.T, fail int, hold bool) *relayEndpoint {
	e := &relayEndpoint{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.calls++
		n := e.calls
		if !webhook.ValidateSignature(lineE2ESecret, r.Header.Get("x-line-signature"), body) {
			e.bad = append(e.bad, string(body))
		}
		e.mu.Unlock()
		switch {
		case hold && n == 1:
			<-r.Context().Done() // the relay's timeout ends it
			return
		case n <= fail:
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		e.mu.Lock()
		e.bodies = append(e.bodies, string(body))
		e.mu.Unlock()
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *relayEndpoint) got() (calls int, bodies, bad []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls, append([]string(nil), e.bodies...), append([]string(nil), e.bad...)
}

// TestLINEWebhookRelay: on the real stack, every verified LINE webhook is
// recorded for the shop's other endpoints before LINE is answered and
// delivered afterwards, byte for byte and re-signed with the channel
// secret: webhooks received while no relay runs (a crash) are delivered
// once it runs, an endpoint that fails or hangs gets the body on a later
// try while LINE's answers wait for nothing, the same body is relayed once,
// an endpoint at a private address is refused at dial time and given up,
// and bad settings are refused naming the field.
func TestLINEWebhookRelay(t *testing.T) {
	top := t
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s, resolver := startLINEStackWithSettings(t, sg, ln)
	ctx := context.Background()
	good, flaky, slow := newRelayEndpoint(t, 0, false), newRelayEndpoint(t, 2, false), newRelayEndpoint(t, 0, true)
	relayer := &linerelay.Relayer{Store: s.store, Client: outbound.New(outbound.Options{Allow: outbound.MustParseAllowlist("127.0.0.1")}),
		Timeout: 500 * time.Millisecond, Backoff: 50 * time.Millisecond, Attempts: 4,
		Secret: func(ctx context.Context, ws string) (string, error) {
			v, err := resolver.Settings(ctx, ws, "line")
			return v["channelSecret"], err
		}}
	states := func() []store.LineRelayState {
		st, err := s.store.LineRelayStates(ctx, "default")
		if err != nil {
			t.Fatal(err)
		}
		return st
	}

	t.Run("BadSettingsAreRefusedNamingTheField", func(t *testing.T) {
		for _, v := range []string{"ftp://shop.example/hook", "https://user:pw@shop.example/hook", "https://a.example/x,https://a.example/x",
			"https://1.example,https://2.example,https://3.example,https://4.example,https://5.example,https://6.example"} {
			var p struct{ Errors []struct{ Field string } }
			s.call("PUT", "/v1/channels/line", "admin", map[string]any{"relayUrls": v}, http.StatusUnprocessableEntity, &p)
			if len(p.Errors) != 1 || p.Errors[0].Field != "relayUrls" {
				t.Errorf("relayUrls %q: errors = %+v", v, p.Errors)
			}
		}
	})
	s.call("PUT", "/v1/channels/line", "admin", map[string]any{"relayUrls": good.URL + "/line, " + flaky.URL + "/hook"}, http.StatusOK, nil)
	first := lineDelivery(lineEvent("relay-ev-1", "follow", lineUser(501), ""))
	second := lineDelivery(lineEvent("relay-ev-2", "unfollow", lineUser(501), ""))

	t.Run("WebhooksReceivedWhileNoRelayRunsAreDeliveredOnceItDoes", func(t *testing.T) {
		s.lineWebhook(first, http.StatusOK)
		s.lineWebhook(second, http.StatusOK)
		s.lineWebhook(first, http.StatusOK) // a retry of the same body: relayed once
		if st := states(); len(st) != 4 || st[0].DeliveredAt != nil {
			t.Fatalf("outbox before the relay runs = %+v, want 4 rows due", st)
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); relayer.Run(runCtx, 20*time.Millisecond) }()
		top.Cleanup(func() { stop(); <-done }) // the relay runs on for the next subtests
		eventually(t, 20*time.Second, "every relay delivered", func() bool {
			for _, st := range states() {
				if st.DeliveredAt == nil {
					return false
				}
			}
			return true
		})
		for _, e := range []*relayEndpoint{good, flaky} {
			calls, bodies, bad := e.got()
			slices.Sort(bodies) // a retried delivery may come after the next one
			if len(bodies) != 2 || bodies[0] != first || bodies[1] != second || len(bad) > 0 {
				t.Errorf("%s got %d calls, bodies %q, badly signed %d", e.URL, calls, bodies, len(bad))
			}
		}
		if calls, _, _ := flaky.got(); calls != 4 {
			t.Errorf("the flaky endpoint had %d calls, want 2 failures and 2 deliveries", calls)
		}
	})
	t.Run("AHangingEndpointHoldsUpNothing", func(t *testing.T) {
		s.call("PUT", "/v1/channels/line", "admin", map[string]any{"relayUrls": slow.URL}, http.StatusOK, nil)
		third := lineDelivery(lineEvent("relay-ev-3", "follow", lineUser(502), ""))
		s.lineWebhook(third, http.StatusOK)
		eventually(t, 20*time.Second, "the slow endpoint called", func() bool { c, _, _ := slow.got(); return c == 1 })
		s.lineWebhook(lineDelivery(lineEvent("relay-ev-4", "follow", lineUser(503), "")), http.StatusOK) // answered while it hangs
		eventually(t, 20*time.Second, "both delivered to the slow endpoint", func() bool { _, b, _ := slow.got(); return len(b) == 2 })
		if _, b, _ := slow.got(); b[0] != third && b[1] != third {
			t.Errorf("the slow endpoint got %q", b)
		}
	})
	t.Run("APrivateAddressIsRefusedAndGivenUp", func(t *testing.T) {
		s.call("PUT", "/v1/channels/line", "admin", map[string]any{"relayUrls": "http://169.254.169.254/latest/meta-data," + good.URL + "/line"},
			http.StatusOK, nil)
		fifth := lineDelivery(lineEvent("relay-ev-5", "follow", lineUser(504), ""))
		s.lineWebhook(fifth, http.StatusOK)
		eventually(t, 20*time.Second, "the metadata relay given up", func() bool {
			for _, st := range states() {
				if strings.HasPrefix(st.URL, "http://169.254") {
					return st.FailedAt != nil && st.Attempts == 1 && strings.Contains(st.LastError, "not a public address")
				}
			}
			return false
		})
		eventually(t, 20*time.Second, "the good endpoint still served", func() bool { _, b, _ := good.got(); return len(b) == 3 && b[2] == fifth })
	})
}
