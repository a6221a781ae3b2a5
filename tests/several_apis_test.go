package tests

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/workflows"
)

// TestSeveralAPIsAgree is issue 17's reproduction on the built binary: two
// `tabiji api` processes and a worker. A journey activated through the
// first takes customers sent to the second at once, though the second had
// just read the workspace's journeys (before, its index kept them for 5
// seconds and 10 of 12 such customers never entered); a pause or an archive
// through the first stops entries through the second as soon.
func TestSeveralAPIsAgree(t *testing.T) {
	p := startProduction(t)
	p.worker()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	hooks := "SENDGRID_WEBHOOK_PUBLIC_KEY=" + base64.StdEncoding.EncodeToString(der)
	_, first := p.api(hooks)
	_, second := p.api(hooks)
	tc := p.client()
	first.call("POST", "/v1/journeys", "admin", cartJourney(t, "1s"), http.StatusCreated, nil)
	second.track("u_before", "cart_add", "before") // the second reads the journeys: none is active

	first.call("POST", "/v1/journeys/cart_abandonment/activate", "admin", nil, http.StatusOK, nil)
	const customers = 12
	for i := range customers {
		second.track(fmt.Sprintf("u_%02d", i), "cart_add", fmt.Sprintf("cart_%02d", i))
	}
	for i := range customers {
		eventually(t, time.Minute, "every customer's reminder", func() bool {
			return len(first.outbox(fmt.Sprintf("u_%02d", i)).Messages) == 1
		})
	}

	t.Run("APauseThroughOneStopsEntriesThroughTheOther", func(t *testing.T) {
		first.call("POST", "/v1/journeys/cart_abandonment/pause", "admin", nil, http.StatusOK, nil)
		second.track("u_paused", "cart_add", "paused") // routed before the call answers
		noRun(t, tc, "u_paused")
		first.call("POST", "/v1/journeys/cart_abandonment/resume", "admin", nil, http.StatusOK, nil)
		second.track("u_resumed", "cart_add", "resumed")
		eventually(t, time.Minute, "the resumed journey's reminder", func() bool { return len(first.outbox("u_resumed").Messages) == 1 })
	})

	t.Run("AnArchiveThroughOneStopsEntriesThroughTheOther", func(t *testing.T) {
		first.call("POST", "/v1/journeys/cart_abandonment/archive", "admin", nil, http.StatusOK, nil)
		second.track("u_archived", "cart_add", "archived")
		noRun(t, tc, "u_archived")
	})

	t.Run("AWebhookDeliveredToBothCountsOnce", func(t *testing.T) {
		msgID := first.outbox("u_00").Messages[0].ID
		body := fmt.Sprintf(`[{"email":"u@example.jp","timestamp":%d,"event":"open","sg_event_id":"sg-open-both",
			"sg_message_id":"sg.both","message_id":%q,"workspace_id":"default"}]`, time.Now().Unix(), msgID)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, api := range []*stack{first, second} { // SendGrid's retry reaching another API while the first handles it
			wg.Go(func() { errs[i] = deliverSendGrid(key, api.url, body) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		var logged struct {
			Message struct{ Status string }   `json:"message"`
			History []struct{ Status string } `json:"history"`
		}
		second.call("GET", "/v1/messages/"+msgID, "admin", nil, http.StatusOK, &logged)
		if logged.Message.Status != "opened" || len(logged.History) != 1 {
			t.Errorf("message after the open delivered to both APIs = %+v, want opened once", logged)
		}
		db, err := pgx.Connect(context.Background(), p.dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close(context.Background())
		var opens int
		if err := db.QueryRow(context.Background(), `SELECT count(*) FROM events
			WHERE workspace_id = 'default' AND user_id = 'u_00' AND event = 'email_opened'`).Scan(&opens); err != nil {
			t.Fatal(err)
		}
		if opens != 1 {
			t.Errorf("the customer has %d email_opened events, want 1", opens)
		}
	})

	t.Run("EveryCustomerGotExactlyOneReminder", func(t *testing.T) {
		for i := range customers {
			if n := len(second.outbox(fmt.Sprintf("u_%02d", i)).Messages); n != 1 {
				t.Errorf("u_%02d has %d reminders, want 1", i, n)
			}
		}
	})
}

// deliverSendGrid posts a SendGrid event webhook body, signed as SendGrid
// signs it, and says what went wrong (any answer but 200); safe to call
// from several goroutines.
func deliverSendGrid(key *ecdsa.PrivateKey, baseURL, body string) error {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := sha256.Sum256([]byte(ts + body))
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	if err != nil {
		return err
	}
	req, _ := http.NewRequest(http.MethodPost, baseURL+"/webhooks/sendgrid/default", strings.NewReader(body))
	req.Header.Set("X-Twilio-Email-Event-Webhook-Signature", base64.StdEncoding.EncodeToString(sig))
	req.Header.Set("X-Twilio-Email-Event-Webhook-Timestamp", ts)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("delivery to %s = %d %s", baseURL, resp.StatusCode, out)
	}
	return nil
}

// noRun fails unless the customer has no run of the cart journey.
func noRun(t *testing.T, tc client.Client, customer string) {
	t.Helper()
	id := workflows.RunWorkflowID("default", "cart_abandonment", customer, "")
	_, err := tc.DescribeWorkflowExecution(context.Background(), id, "")
	var notFound *serviceerror.NotFound
	if !errors.As(err, &notFound) {
		t.Errorf("%s entered the journey (describe %s: %v)", customer, id, err)
	}
}
