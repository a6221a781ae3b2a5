package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/channels/providertest"
)

// clusterLoad is how much issue 17's cluster scenario sends.
type clusterLoad struct {
	customers int           // enter cart abandonment, half through each API
	audience  int           // receive the newsletter (the customers among them)
	wait      string        // the cart journey's wait for a purchase
	within    time.Duration // for every message to arrive
}

// clusterScenario is the production shape on a real Temporal cluster: two
// `tabiji api` and two `tabiji worker` processes from the built binary, the
// fake SendGrid they send through.
type clusterScenario struct {
	t       testing.TB
	tc      *temporalCluster
	p       *production
	sg      *providertest.Server
	env     []string // SendGrid's settings for every tabiji process
	mu      sync.Mutex
	apis    []*stack // the APIs the senders use, failing over as a load balancer would
	apiProc []*proc
	workers []*proc
	retried atomic.Int64  // batches sent again to another API
	tcl     client.Client // for the scenario's queries (temporalClient)
}

const (
	reminderSubject   = "You left something in your cart"
	newsletterSubject = "The winter newsletter"
)

// startClusterScenario starts the cluster, migrates, and starts two APIs and
// two workers pointed at it.
func startClusterScenario(t testing.TB) *clusterScenario {
	t.Helper()
	tc := startTemporalCluster(t)
	s := &clusterScenario{t: t, tc: tc, p: productionOn(t, tc.frontend), sg: providertest.NewSendGrid(t)}
	// The fake SendGrid posts no event webhook, so, as for a deployment
	// without one, no window to wait for it: a call the killed worker left
	// unanswered is settled "unconfirmed" by the retry, never sent again.
	// (With the default 15 minutes, a batch killed during its call waited
	// for a webhook that never comes, and its broadcast ran on.)
	s.env = []string{"SENDGRID_API_KEY=SG.cluster", "SENDGRID_BASE_URL=" + s.sg.URL, "TABIJI_EMAIL_FROM=shop@example.com",
		"TABIJI_EMAIL_CONFIRM_WINDOW=0"}
	for range 2 {
		s.workers = append(s.workers, s.p.worker(s.env...))
	}
	for range 2 {
		api, st := s.p.api(s.env...)
		s.apiProc, s.apis = append(s.apiProc, api), append(s.apis, st)
	}
	return s
}

// prepare stores the audience (identify calls through both APIs), the cart
// journey, the newsletter segment and broadcast.
func (s *clusterScenario) prepare(load clusterLoad) {
	s.t.Helper()
	first := s.apis[0]
	first.call("POST", "/v1/journeys", "admin", cartJourney(s.t, load.wait), http.StatusCreated, nil)
	first.call("POST", "/v1/journeys/cart_abandonment/activate", "admin", nil, http.StatusOK, nil)
	s.send(load.audience, 250, func(i int) map[string]any {
		return map[string]any{"type": "identify", "userId": clusterCustomer(i), "messageId": "id-" + clusterCustomer(i),
			"traits": map[string]any{"email": clusterCustomer(i) + "@example.com", "newsletter": true}}
	}, nil)
	s.apis[1].call("POST", "/v1/segments", "admin", map[string]any{"id": "newsletter", "name": "Newsletter",
		"definition": map[string]any{"condition": map[string]any{"trait": map[string]any{"name": "newsletter", "op": "eq", "value": true}}}},
		http.StatusCreated, nil)
	s.apis[1].call("POST", "/v1/broadcasts", "admin", map[string]any{"id": "winter", "name": "Winter", "segment": "newsletter",
		"channel": "email", "transactional": true, "content": map[string]any{"subject": newsletterSubject, "from": "shop@example.com",
			"html": "<p>Our winter picks, {{ profile.id }}.</p>"}}, http.StatusCreated, nil)
}

func clusterCustomer(i int) string { return fmt.Sprintf("c%06d", i) }

// send posts n calls in batches of size through the APIs from two senders
// at once; after half the batches are stored it calls midway (when given)
// while the senders carry on. A batch whose API is down (or answers
// 5xx) goes to the other, as a load balancer retries: a retry stores nothing twice.
func (s *clusterScenario) send(n, size int, call func(i int) map[string]any, midway func()) {
	s.t.Helper()
	batches := (n + size - 1) / size
	var stored atomic.Int64
	errs := make(chan error, 2)
	for sender := range 2 {
		go func() {
			for b := sender; b < batches; b += 2 {
				var calls []map[string]any
				for i := b * size; i < min(n, (b+1)*size); i++ {
					calls = append(calls, call(i))
				}
				if err := s.post(sender+b, map[string]any{"batch": calls}); err != nil {
					errs <- err
					return
				}
				stored.Add(1)
			}
			errs <- nil
		}()
	}
	if midway != nil {
		eventually(s.t, 5*time.Minute, "half the batches to be stored", func() bool { return stored.Load() >= int64(batches/2) })
		midway()
	}
	for range 2 {
		if err := <-errs; err != nil {
			s.t.Fatal(err)
		}
	}
}

// post sends one batch, starting with API pick%2 and going round the APIs
// until one stores it, for up to a minute.
func (s *clusterScenario) post(pick int, body any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(time.Minute)
	var last error
	for attempt := pick; time.Now().Before(deadline); attempt++ {
		s.mu.Lock()
		api := s.apis[attempt%len(s.apis)]
		s.mu.Unlock()
		req, _ := http.NewRequest(http.MethodPost, api.url+"/v1/batch", bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(api.write, "")
		if attempt > pick {
			s.retried.Add(1)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			last = err
			continue
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		if last = fmt.Errorf("POST /v1/batch = %d %s", resp.StatusCode, out); resp.StatusCode < 500 {
			return last
		}
	}
	return fmt.Errorf("no API stored a batch within a minute: %w", last)
}

// killAndRestart is the scenario's fault: kill -9 one worker, one API and
// one history host, then start each again.
func (s *clusterScenario) killAndRestart() {
	s.t.Helper()
	history := s.tc.services["history-1"]
	for _, p := range []*proc{s.workers[0], s.apiProc[0]} {
		if err := p.cmd.Process.Kill(); err != nil {
			s.t.Fatal(err)
		}
		s.t.Logf("killed %v (%v)", p.cmd.Args[1:], <-p.done)
	}
	history.kill()
	s.t.Logf("killed a worker, an API and a history host at %s", time.Now().Format(time.TimeOnly))
	history.start()
	s.workers[0] = s.p.worker(s.env...)
	api, st := s.p.api(s.env...)
	s.mu.Lock()
	s.apiProc[0], s.apis[0] = api, st
	s.mu.Unlock()
}

// received counts, per recipient, the emails with subject SendGrid accepted.
func (s *clusterScenario) received(subject string) map[string]int {
	s.t.Helper()
	got := map[string]int{}
	for _, r := range s.sg.Requests() {
		if r.Status/100 != 2 {
			continue
		}
		for _, m := range providertest.Mails(s.t, r) {
			if m.Subject == subject {
				got[strings.TrimSuffix(m.To, "@example.com")]++
			}
		}
	}
	return got
}

// runClusterScenario is issue 17's scenario: the audience identified, the
// newsletter scheduled, cart adds for load.customers through both APIs,
// the kills half way through them; then every customer has exactly one
// reminder, every member of the audience exactly one newsletter, and
// every event is stored and routed.
func runClusterScenario(t testing.TB, load clusterLoad) (s *clusterScenario, elapsed time.Duration) {
	begin := time.Now()
	s = startClusterScenario(t)
	t.Logf("cluster and tabiji up in %s", time.Since(begin).Round(time.Millisecond))
	s.prepare(load)
	t.Logf("audience of %d stored, journey and broadcast ready at %s", load.audience, time.Since(begin).Round(time.Millisecond))
	start := time.Now()
	s.apis[1].call("POST", "/v1/broadcasts/winter/schedule", "admin", nil, http.StatusAccepted, nil)
	s.send(load.customers, 10, func(i int) map[string]any {
		return map[string]any{"type": "track", "userId": clusterCustomer(i), "event": "cart_add",
			"messageId": "cart-" + clusterCustomer(i), "properties": map[string]any{"product": "tea set"}}
	}, s.killAndRestart)
	eventually(t, load.within, "every reminder and newsletter", func() bool {
		return len(s.received(reminderSubject)) == load.customers && len(s.received(newsletterSubject)) == load.audience
	})
	elapsed = time.Since(start)
	t.Logf("every message arrived %s after the broadcast was scheduled; %d batches went again to another API", elapsed.Round(time.Millisecond), s.retried.Load())
	// A broadcast activity that was running on the killed worker is retried
	// after its 30-second heartbeat timeout (workflows/broadcast_limits.go),
	// a journey's send after its 30-second start-to-close timeout.
	s.runsEnd(4 * time.Minute)
	s.checkExactlyOnce(load)
	return s, elapsed
}

// checkExactlyOnce checks what SendGrid received and what Postgres stored.
func (s *clusterScenario) checkExactlyOnce(load clusterLoad) {
	t := s.t
	t.Helper()
	reminders, newsletters := s.received(reminderSubject), s.received(newsletterSubject)
	for i := range load.audience {
		c := clusterCustomer(i)
		if want := map[bool]int{true: 1, false: 0}[i < load.customers]; reminders[c] != want {
			t.Errorf("%s got %d reminders, want %d", c, reminders[c], want)
		}
		if newsletters[c] != 1 {
			t.Errorf("%s got %d newsletters, want 1", c, newsletters[c])
		}
	}
	if bad := s.sg.Invalid(); len(bad) > 0 {
		t.Errorf("SendGrid refused %d requests: %v", len(bad), bad[:min(3, len(bad))])
	}
	db, err := pgx.Connect(context.Background(), s.p.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	var carts, unrouted, profiles int
	if err := db.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM events WHERE workspace_id = 'default' AND event = 'cart_add'),
		(SELECT count(*) FROM event_ids WHERE workspace_id = 'default' AND routed_at IS NULL),
		(SELECT count(*) FROM profiles WHERE workspace_id = 'default')`).Scan(&carts, &unrouted, &profiles); err != nil {
		t.Fatal(err)
	}
	if carts != load.customers || unrouted != 0 || profiles != load.audience {
		t.Errorf("Postgres holds %d cart adds (want %d), %d unrouted events (want 0), %d profiles (want %d)",
			carts, load.customers, unrouted, profiles, load.audience)
	}
}

// TestClusterSurvivesKills is issue 17's cluster scenario, short form: on
// Temporal's own server as separate processes (frontend, two history hosts,
// matching, worker) on Postgres, two APIs and two workers; 100 customers
// enter cart abandonment through both APIs while a newsletter goes to 1,000,
// and half way a worker, an API and a history host are killed with SIGKILL
// and started again. Every customer gets exactly one reminder and one
// newsletter, and no event is lost.
func TestClusterSurvivesKills(t *testing.T) {
	_, _ = runClusterScenario(t, clusterLoad{customers: 100, audience: 1000, wait: "10s", within: 4 * time.Minute})
}
