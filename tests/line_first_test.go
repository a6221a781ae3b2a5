package tests

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/line"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/sendgrid"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/outbound"
	"github.com/tabiji/tabiji/worker"
	"github.com/tabiji/tabiji/workflows"
)

// lineE2ESecret is the LINE channel secret of the e2e workspace.
const lineE2ESecret = "line-e2e-channel-secret"

// startLINEStack is the real stack whose API verifies LINE webhooks with
// lineE2ESecret and calls the fake LINE with the workspace's settings, whose journey worker may call local webhook receivers,
// and whose send workers send through the real SDKs to the fakes.
func startLINEStack(t *testing.T, sg *providertest.Server, ln *providertest.LINE) *stack {
	s, _ := startLINEStackWithSettings(t, sg, ln)
	return s
}

// startLINEStackWithSettings is startLINEStack, also answering the
// API's settings resolver.
func startLINEStackWithSettings(t *testing.T, sg *providertest.Server, ln *providertest.LINE) (*stack, *settings.Resolver) {
	t.Helper()
	s := startStack(t)
	resolver := settings.NewResolver(s.store, settings.Options{Defaults: map[string]settings.Values{"line": {
		settings.ChannelAccessToken: "line-token", settings.ChannelSecret: lineE2ESecret, settings.BaseURL: ln.URL}}})
	s.handler.Store(api.NewServer(api.Deps{Store: s.store, Temporal: s.temporal, Namespace: s.server.Namespace(),
		TaskQueue: taskQueue, Channels: resolver, PayloadCodec: s.codec}))
	email, err := sendgrid.NewSender(sendgrid.Config{APIKey: "SG.test", BaseURL: sg.URL})
	if err != nil {
		t.Fatal(err)
	}
	lineSender, err := line.NewSender(line.Config{ChannelAccessToken: "line-token", BaseURL: ln.URL})
	if err != nil {
		t.Fatal(err)
	}
	w := worker.New(s.temporal, s.store, taskQueue, activities.Options{
		Outbound: outbound.New(outbound.Options{Allow: outbound.MustParseAllowlist("127.0.0.1")})})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	acts := activities.New(s.store, activities.Options{Senders: map[string]channels.Sender{"email": email, "line": lineSender},
		UnsubscribeSecret: "s3cret", PublicURL: "https://tabiji.test", EmailFrom: "shop@example.com"})
	stop, err := worker.StartAll(worker.NewSendWorkers(s.temporal, acts, taskQueue, nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(); w.Stop() })
	return s, resolver
}

// lineWebhook posts a LINE webhook body signed with the channel secret.
func (s *stack) lineWebhook(body string, wantStatus int) {
	s.t.Helper()
	mac := hmac.New(sha256.New, []byte(lineE2ESecret))
	mac.Write([]byte(body))
	req, _ := http.NewRequest(http.MethodPost, s.url+"/webhooks/line/default", bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-line-signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != wantStatus {
		s.t.Fatalf("LINE webhook = %d, want %d", resp.StatusCode, wantStatus)
	}
}

// lineEvent is one LINE webhook event of a user.
func lineEvent(id, typ, user, extra string) string {
	return fmt.Sprintf(`{"type":%q,"mode":"active","timestamp":%d,"source":{"type":"user","userId":%q},
		"webhookEventId":%q,"deliveryContext":{"isRedelivery":false}%s}`, typ, time.Now().UnixMilli(), user, id, extra)
}

func lineDelivery(events ...string) string {
	body := `{"destination":"Ubot","events":[`
	for i, e := range events {
		if i > 0 {
			body += ","
		}
		body += e
	}
	return body + "]}"
}

// pushedTo counts the messages the fake LINE accepted for user.
func pushedTo(ln *providertest.LINE, user string) int {
	n := 0
	for _, r := range ln.Requests() {
		if r.Path == "/v2/bot/message/push" && r.Status == http.StatusOK && bytes.Contains(r.Body, []byte(`"`+user+`"`)) {
			n++
		}
	}
	return n
}

// lineUser is a LINE user ID of the form LINE gives (U and 32 hex digits).
func lineUser(n int) string { return fmt.Sprintf("U%032x", n) }

// TestEveryTemplateRunsOnLINEFirst: on the real stack, each template of the
// library launched with channels [line, email] sends its first message to
// a customer who has both addresses through LINE (the real SDK, the fake
// checking each push against LINE's description), and none by email; the
// friend-added greeting starts from a signed LINE follow webhook.
func TestEveryTemplateRunsOnLINEFirst(t *testing.T) {
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s := startLINEStack(t, sg, ln)
	s.runSweeper()
	sales := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	defer sales.Close()
	for _, seg := range []string{"lf_dormant", "lf_vip"} {
		s.call("POST", "/v1/segments", "admin", map[string]any{"id": seg, "name": seg, "definition": map[string]any{
			"condition": map[string]any{"trait": map[string]any{"name": "tier", "op": "eq", "value": seg}}}}, http.StatusCreated, nil)
	}
	launches := []struct {
		template string
		params   map[string]any
		segment  string // a segment-entered template waits for its trigger's first sweep
		enter    func(user string)
	}{
		{"cart-abandonment", map[string]any{"delay": "1s", "cart_event": "lf_cart"}, "", func(u string) { s.track(u, "lf_cart", "lf-cart-"+u) }},
		{"cross-sell", map[string]any{"delay": "1s", "purchase_event": "lf_buy_cs", "recommendation_url": "https://shop.example/beans"}, "", func(u string) {
			s.call("POST", "/v1/track", "write", map[string]any{"userId": u, "event": "lf_buy_cs", "messageId": "lf-cs-" + u,
				"properties": map[string]any{"category": "coffee makers"}}, http.StatusOK, nil)
		}},
		{"dormant-reengagement", map[string]any{"segment": "lf_dormant"}, "lf_dormant", func(u string) { s.identifyTier(u, "lf_dormant") }},
		{"lead-score", map[string]any{"sales_webhook_url": sales.URL, "score_event": "lf_score"}, "", func(u string) {
			s.call("POST", "/v1/track", "write", map[string]any{"userId": u, "event": "lf_score", "messageId": "lf-score-" + u,
				"properties": map[string]any{"score": 95}}, http.StatusOK, nil)
		}},
		{"post-purchase", map[string]any{"thanks_after": "1s", "purchase_event": "lf_buy_pp", "guide_url": "https://shop.example/guide",
			"review_url": "https://shop.example/review"}, "", func(u string) { s.track(u, "lf_buy_pp", "lf-pp-"+u) }},
		{"vip-early-access", map[string]any{"segment": "lf_vip", "early_access_url": "https://shop.example/early"}, "lf_vip", func(u string) { s.identifyTier(u, "lf_vip") }},
		{"welcome", map[string]any{"signup_event": "lf_signup"}, "", func(u string) { s.track(u, "lf_signup", "lf-signup-"+u) }},
	}
	for i, l := range launches {
		t.Run(l.template+"SendsOnLINE", func(t *testing.T) {
			user, lineID := "lf_"+l.template, lineUser(i+1)
			s.call("POST", "/v1/identify", "write", map[string]any{"userId": user, "messageId": "lf-id-" + user,
				"traits": map[string]any{"email": user + "@example.com", "lineUserId": lineID}}, http.StatusOK, nil)
			l.params["channels"] = []string{"line", "email"}
			s.call("POST", "/v1/journey-templates/"+l.template+"/launch", "admin", map[string]any{"id": "lf_" + fmt.Sprint(i), "params": l.params},
				http.StatusCreated, nil)
			if l.segment != "" {
				s.sweepsDone("ws_default/trigger/segment/"+l.segment, 1)
			}
			l.enter(user)
			eventually(t, 40*time.Second, "a LINE push to "+user, func() bool { return pushedTo(ln, lineID) >= 1 })
			for _, m := range s.messagesOf(user) {
				if m.Channel != "line" {
					t.Errorf("%s got a %s message: %+v", user, m.Channel, m)
				}
			}
		})
	}
	t.Run("birthdaySendsOnLINE", func(t *testing.T) {
		lineID := lineUser(100)
		s.call("POST", "/v1/identify", "write", map[string]any{"userId": "lf_birthday", "messageId": "lf-id-bday",
			"traits": map[string]any{"email": "bday@example.com", "lineUserId": lineID, "birthday": "1990-" + time.Now().UTC().Format("01-02")}}, http.StatusOK, nil)
		s.call("POST", "/v1/journey-templates/birthday/launch", "admin", map[string]any{"id": "lf_bday",
			"params": map[string]any{"send_at": "00:00", "timezone": "UTC", "channels": "line, email"}}, http.StatusCreated, nil)
		eventually(t, 40*time.Second, "the birthday greeting on LINE", func() bool { return pushedTo(ln, lineID) == 1 })
	})
	t.Run("lineGreetingGreetsANewFriendFromASignedFollowWebhook", func(t *testing.T) {
		s.call("POST", "/v1/journey-templates/line-greeting/launch", "admin", map[string]any{"id": "lf_greeting",
			"params": map[string]any{"coupon": "TOMODACHI"}}, http.StatusCreated, nil)
		friend := lineUser(200)
		s.lineWebhook(lineDelivery(lineEvent("lf-follow-1", "follow", friend, `,"replyToken":"r1","follow":{"isUnblocked":false}`)), http.StatusOK)
		eventually(t, 40*time.Second, "the greeting on LINE", func() bool { return pushedTo(ln, friend) == 1 })
		for _, r := range ln.Requests() {
			if bytes.Contains(r.Body, []byte(friend)) && !bytes.Contains(r.Body, []byte("TOMODACHI")) {
				t.Errorf("the greeting lacks the code: %s", r.Body)
			}
		}
		// Blocking and unblocking does not greet again (re-entry once).
		s.lineWebhook(lineDelivery(lineEvent("lf-unfollow-1", "unfollow", friend, ""),
			lineEvent("lf-follow-2", "follow", friend, `,"replyToken":"r2","follow":{"isUnblocked":true}`)), http.StatusOK)
		eventually(t, 20*time.Second, "the greeting run to end on the unfollow", func() bool {
			runs := runsOf(s, "line:"+friend)
			return len(runs) == 1 && runs[0]["outcome"] == workflows.OutcomeExitCriteria
		})
		if n := pushedTo(ln, friend); n != 1 {
			t.Errorf("%d greetings, want 1", n)
		}
	})
	if len(sg.Requests()) != 0 || len(ln.Invalid()) != 0 {
		t.Errorf("SendGrid got %d requests, LINE refused %v", len(sg.Requests()), ln.Invalid())
	}
}

func (s *stack) identifyTier(user, tier string) {
	s.t.Helper()
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": user, "messageId": "lf-tier-" + user,
		"traits": map[string]any{"tier": tier}}, http.StatusOK, nil)
}
