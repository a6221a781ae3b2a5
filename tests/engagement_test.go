package tests

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/fcm"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/clicks"
	"github.com/tabiji/tabiji/engagement"
	"github.com/tabiji/tabiji/workflows"
)

const e2eLineSecret = "e2e-line-channel-secret"

// providerHooks is an API over the stack with the providers' signed
// webhooks on: SendGrid's (this key signs) and LINE's (e2eLineSecret).
type providerHooks struct {
	url   string
	sgKey *ecdsa.PrivateKey
}

func (s *stack) providerHooks(t *testing.T) *providerHooks {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: s.store, Temporal: s.temporal, Namespace: s.server.Namespace(),
		TaskQueue: taskQueue, SendGridWebhookPublicKey: base64.StdEncoding.EncodeToString(der), LineChannelSecret: e2eLineSecret,
		PayloadCodec: s.codec, Clicks: e2eClickSigner(t)}))
	t.Cleanup(srv.Close)
	return &providerHooks{url: srv.URL, sgKey: key}
}

// sendgridEventOf is the SendGrid Event Webhook type that produces an
// engagement event.
var sendgridEventOf = map[string]string{
	engagement.EmailOpened: "open", engagement.EmailClicked: "click", engagement.EmailDelivered: "delivered",
	engagement.EmailBounced: "bounce", engagement.EmailUnsubscribed: "unsubscribe", engagement.EmailSpamReported: "spamreport",
}

// lineEventOf is the LINE webhook event that produces an engagement event.
var lineEventOf = map[string]string{
	engagement.LineFollowed: `{"type":"follow","follow":{"isUnblocked":false}}`, engagement.LineUnfollowed: `{"type":"unfollow"}`,
	engagement.LineMessage:  `{"type":"message","replyToken":"r","message":{"type":"text","id":"1","quoteToken":"q","text":"hi"}}`,
	engagement.LinePostback: `{"type":"postback","replyToken":"r","postback":{"data":"a=1"}}`,
}

// engage makes the provider report the engagement event about message
// msgID (SendGrid) or from the LINE user lineUser, through its signed
// webhook, as the provider would.
func (h *providerHooks) engage(t *testing.T, name, msgID, email, lineUser string) {
	t.Helper()
	id := fmt.Sprintf("%s-%d", name, time.Now().UnixNano())
	if typ, ok := sendgridEventOf[name]; ok {
		postSignedSendGrid(t, h.sgKey, h.url, fmt.Sprintf(`[{"email":%q,"timestamp":%d,"event":%q,"sg_event_id":%q,
			"sg_message_id":"sg.%s","message_id":%q,"workspace_id":"default","url":"https://shop.example.jp/"}]`,
			email, time.Now().Unix(), typ, id, id, msgID))
		return
	}
	ev, ok := lineEventOf[name]
	if !ok {
		t.Fatalf("no provider webhook in this test produces %s: teach engage", name)
	}
	body := fmt.Sprintf(`{"destination":"U0","events":[%s,"timestamp":%d,"source":{"type":"user","userId":%q},
		"webhookEventId":%q,"deliveryContext":{"isRedelivery":false},"mode":"active"}]}`,
		strings.TrimSuffix(ev, "}"), time.Now().UnixMilli(), lineUser, id)
	mac := hmac.New(sha256.New, []byte(e2eLineSecret))
	mac.Write([]byte(body))
	req, _ := http.NewRequest(http.MethodPost, h.url+"/webhooks/line/default", strings.NewReader(body))
	req.Header.Set("x-line-signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK {
		t.Fatalf("LINE delivery = %d %s", resp.StatusCode, out)
	}
}

// engagementWait is a wait_for branch of a template that waits for an
// engagement event, with the template's defaults filled in.
type engagementWait struct {
	template, node, event, next string
	entry                       string
	params                      map[string]any // launch parameters beyond the defaults
}

// engagementWaits lists every template's wait_for branches on engagement
// events, read from the library the API serves.
func engagementWaits(t *testing.T, s *stack) []engagementWait {
	t.Helper()
	var list struct{ Templates []templateBody }
	s.call("GET", "/v1/journey-templates", "admin", nil, http.StatusOK, &list)
	var waits []engagementWait
	for _, listed := range list.Templates {
		var tpl templateBody
		s.call("GET", "/v1/journey-templates/"+listed.Name, "admin", nil, http.StatusOK, &tpl)
		fill := func(v string) string {
			for _, p := range tpl.Parameters {
				if v == "${"+p.Name+"}" {
					return fmt.Sprint(p.Default)
				}
			}
			return v
		}
		var def struct {
			Entry struct{ Event string }
			Nodes []struct {
				ID, Kind string
				Events   []struct{ Event, Next string }
			}
		}
		if err := json.Unmarshal([]byte(mustJSON(t, tpl.Definition)), &def); err != nil {
			t.Fatal(err)
		}
		for _, n := range def.Nodes {
			for _, e := range n.Events {
				if n.Kind == "wait_for" && slices.Contains(engagement.Names, fill(e.Event)) {
					waits = append(waits, engagementWait{template: tpl.Name, node: n.ID, event: fill(e.Event), next: e.Next,
						entry: fill(def.Entry.Event), params: clickParams(tpl, fill(e.Event))})
				}
			}
		}
	}
	return waits
}

// TestTemplatesWaitForEngagementThroughSignedWebhooks: every template that
// waits for an engagement event (welcome waits for email_opened, and for
// line_clicked) is launched with its defaults (on LINE with its link for a
// click), sends its message through the fake provider, and takes the
// engaged branch when the provider's signed webhook reports the engagement
// (for a LINE click, the customer's tap through Tabiji's redirect): the
// real names, end to end, no synthetic event.
func TestTemplatesWaitForEngagementThroughSignedWebhooks(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.startDeliveryWorkersWith(sg, ln, activities.Options{Clicks: &clicks.Rewriter{Signer: e2eClickSigner(t), Base: "https://tabiji.test"}})
	hooks := s.providerHooks(t)
	waits := engagementWaits(t, s)
	if !slices.ContainsFunc(waits, func(w engagementWait) bool { return w.template == "welcome" && w.event == engagement.EmailOpened }) {
		t.Fatalf("welcome does not wait for %s: %+v", engagement.EmailOpened, waits)
	}
	for i, w := range waits {
		t.Run(w.template+"/"+w.node, func(t *testing.T) {
			id, customer := fmt.Sprintf("eng_%d", i), fmt.Sprintf("u_eng_%d", i)
			email, lineUser := customer+"@example.jp", fmt.Sprintf("U%032d", i)
			s.call("POST", "/v1/journey-templates/"+w.template+"/launch", "admin", map[string]any{"id": id, "params": w.params}, http.StatusCreated, nil)
			s.call("POST", "/v1/identify", "write", map[string]any{"userId": customer, "messageId": "id-" + customer,
				"traits": map[string]any{"email": email, "lineUserId": lineUser}}, http.StatusOK, nil)
			s.track(customer, w.entry, "entry-"+customer)
			wf := workflows.JourneyWorkflowID("default", id, customer)
			eventually(t, 30*time.Second, "the run waiting at "+w.node, func() bool { return s.state(wf).Node == w.node })
			msgs := s.messagesOf(customer)
			if len(msgs) == 0 || msgs[len(msgs)-1].Status != activities.MessageSent {
				t.Fatalf("the message before %s was not sent through the provider: %+v", w.node, msgs)
			}
			if w.event == engagement.LineClicked {
				hooks.clickLastLINELink(t, ln, lineUser)
			} else {
				hooks.engage(t, w.event, msgs[len(msgs)-1].ID, email, lineUser)
			}
			eventually(t, 30*time.Second, "the run on the engaged branch "+w.next, func() bool {
				return slices.Contains(s.state(wf).Path, w.next)
			})
		})
	}
}

// TestEngagementIsCustomerData: one email, opened and clicked as SendGrid's
// signed webhook reports (twice: SendGrid retries), becomes data of its
// customer: the segment "opened an email in the last 30 days" holds them,
// lead scoring gives the open its points once, a journey that did not send
// the email leaves its wait_for on the open, and a follow-up journey enters
// on the click.
func TestEngagementIsCustomerData(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.startDeliveryWorkers(sg, ln)
	hooks := s.providerHooks(t)
	s.call("PUT", "/v1/scoring", "admin", map[string]any{
		"events": []map[string]any{{"id": "opens", "event": engagement.EmailOpened, "points": 5}},
	}, http.StatusOK, nil)
	s.call("POST", "/v1/segments", "admin", map[string]any{"id": "openers", "name": "Opened an email in the last 30 days",
		"definition": map[string]any{"condition": map[string]any{"event": map[string]any{"name": engagement.EmailOpened,
			"count": map[string]any{"op": "gte", "value": 1}, "window": map[string]any{"last_days": 30}}}}}, http.StatusCreated, nil)
	s.createActive("news", `{"entry":{"event":"news_signup"},"nodes":[
		{"id":"issue","kind":"send","channel":"email","template":{"subject":"News","body":"Read <a href=\"https://shop.example.jp/new\">what is new</a>"},"next":"done"},
		{"id":"done","kind":"exit"}]}`)
	s.createActive("browse", `{"entry":{"event":"browsed"},"nodes":[
		{"id":"wait","kind":"wait_for","events":[{"event":"email_opened","next":"opened"}],"timeout":"1h","on_timeout":"done"},
		{"id":"opened","kind":"exit"},{"id":"done","kind":"exit"}]}`)
	s.createActive("clicked", `{"entry":{"event":"email_clicked"},"nodes":[
		{"id":"thanks","kind":"send","channel":"email","template":{"subject":"Saw you looking","body":"Here is more"},"next":"done"},
		{"id":"done","kind":"exit"}]}`)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "u_reader", "messageId": "id-reader",
		"traits": map[string]any{"email": "reader@example.jp"}}, http.StatusOK, nil)
	s.track("u_reader", "browsed", "browsed-1")
	s.track("u_reader", "news_signup", "news-1")
	eventually(t, 30*time.Second, "the newsletter sent", func() bool {
		m := s.messagesOf("u_reader")
		return len(m) == 1 && m[0].Status == activities.MessageSent
	})
	msgID := s.messagesOf("u_reader")[0].ID
	body := fmt.Sprintf(`[{"email":"reader@example.jp","timestamp":%d,"event":"open","sg_event_id":"cd-open","message_id":%q},
		{"email":"reader@example.jp","timestamp":%d,"event":"click","sg_event_id":"cd-click","message_id":%q,"url":"https://shop.example.jp/new"}]`,
		time.Now().Unix(), msgID, time.Now().Unix(), msgID)
	postSignedSendGrid(t, hooks.sgKey, hooks.url, body)
	postSignedSendGrid(t, hooks.sgKey, hooks.url, body) // SendGrid's retry

	var count struct{ Count int }
	s.call("GET", "/v1/segments/openers/count", "admin", nil, http.StatusOK, &count)
	if count.Count != 1 {
		t.Errorf("openers = %d, want the reader", count.Count)
	}
	var score struct {
		Score   float64
		History []struct{ MessageID string }
	}
	s.call("GET", "/v1/profiles/u_reader/score", "admin", nil, http.StatusOK, &score)
	if len(score.History) != 1 || score.Score < 4.9 || score.Score > 5 {
		t.Errorf("score = %+v, want 5 points for one open", score)
	}
	browse := workflows.JourneyWorkflowID("default", "browse", "u_reader")
	eventually(t, 30*time.Second, "the browse run leaving its wait on the open", func() bool {
		return slices.Contains(s.state(browse).Path, "opened")
	})
	eventually(t, 30*time.Second, "the follow-up sent on the click", func() bool {
		m := s.messagesOf("u_reader")
		return len(m) == 2 && m[1].JourneyID == "clicked" && m[1].Status == activities.MessageSent
	})
	var timeline struct {
		Events []struct{ Event, MessageID string }
	}
	s.call("GET", "/v1/profiles/u_reader/events?limit=100", "admin", nil, http.StatusOK, &timeline)
	n := 0
	for _, e := range timeline.Events {
		if e.Event == engagement.EmailOpened || e.Event == engagement.EmailClicked {
			n++
		}
	}
	if n != 2 {
		t.Errorf("the timeline has %d engagement events, want the open and the click once each: %+v", n, timeline.Events)
	}
}

// e2eClickSigner signs tracked links under the e2e secrets key, as the API
// and the worker of one deployment share TABIJI_SECRETS_KEY.
func e2eClickSigner(t *testing.T) *clicks.Signer {
	t.Helper()
	signer, err := clicks.NewSigner(e2eSecretsKey)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

// TestLINELinkIsRedirectedAndRecorded: a journey's LINE message goes out
// through the fake LINE with its link rewritten to Tabiji's signed redirect
// (with the journey's UTM parameters); following it lands on exactly the
// shop's URL, records line_clicked with the URL as an event of the
// customer, marks the message clicked, and moves the run that waits for the
// click. A tampered link redirects nowhere.
func TestLINELinkIsRedirectedAndRecorded(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.startDeliveryWorkersWith(sg, ln, activities.Options{Clicks: &clicks.Rewriter{Signer: e2eClickSigner(t), Base: "https://tabiji.test"}})
	hooks := s.providerHooks(t)
	s.createActive("line_sale", `{"entry":{"event":"sale_signup"},
		"link_tracking":{"utm":{"utm_source":"line","utm_campaign":"spring"}},
		"nodes":[
		{"id":"tell","kind":"send","channel":"line","template":{"body":"春のセール https://shop.example.jp/sale?c=1 をご覧ください"},"next":"wait"},
		{"id":"wait","kind":"wait_for","events":[{"event":"line_clicked","next":"clicked"}],"timeout":"1h","on_timeout":"done"},
		{"id":"clicked","kind":"exit"},{"id":"done","kind":"exit"}]}`)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "u_line", "messageId": "id-line",
		"traits": map[string]any{"lineUserId": "U0123456789abcdef0123456789abcdef"}}, http.StatusOK, nil)
	s.track("u_line", "sale_signup", "sale-1")
	eventually(t, 30*time.Second, "the LINE message sent", func() bool { return accepted(ln.Requests()) == 1 })
	var push struct{ Messages []struct{ Text string } }
	ln.Requests()[0].JSON(t, &push)
	text := push.Messages[0].Text
	before, rest, _ := strings.Cut(text, "https://tabiji.test/r/")
	token, after, _ := strings.Cut(rest, " ")
	if before != "春のセール " || after != "をご覧ください" || token == "" {
		t.Fatalf("the LINE text is %q, want the link through the redirect", text)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(hooks.url + "/r/" + token)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := "https://shop.example.jp/sale?c=1&utm_campaign=spring&utm_source=line"
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
		t.Fatalf("redirect = %d to %q, want 302 to %s", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	wf := workflows.JourneyWorkflowID("default", "line_sale", "u_line")
	eventually(t, 30*time.Second, "the run leaving its wait on the click", func() bool {
		return slices.Contains(s.state(wf).Path, "clicked")
	})
	var timeline struct {
		Events []struct {
			Event      string
			Properties map[string]any
		}
	}
	s.call("GET", "/v1/profiles/u_line/events?limit=100", "admin", nil, http.StatusOK, &timeline)
	clicksSeen := 0
	for _, e := range timeline.Events {
		if e.Event == engagement.LineClicked && e.Properties["url"] == want && e.Properties["node_id"] == "tell" {
			clicksSeen++
		}
	}
	if clicksSeen != 1 {
		t.Errorf("line_clicked with the URL in the timeline %d times, want 1: %+v", clicksSeen, timeline.Events)
	}
	if m := s.messagesOf("u_line"); len(m) != 1 || m[0].Status != "clicked" {
		t.Errorf("messages = %+v, want the LINE message clicked", m)
	}
	tampered, err := noFollow.Get(hooks.url + "/r/" + token[:len(token)-4] + "AAAA")
	if err != nil {
		t.Fatal(err)
	}
	tampered.Body.Close()
	if tampered.StatusCode != http.StatusNotFound || tampered.Header.Get("Location") != "" {
		t.Errorf("a tampered link = %d to %q, want 404 and no redirect", tampered.StatusCode, tampered.Header.Get("Location"))
	}
}

// TestPushLinkIsRedirectedAndRecorded: a journey's push notification goes
// out through the Firebase Admin SDK to the fake FCM with its deep link and
// its data url through Tabiji's redirect (with the journey's UTM
// parameters), its other data as written; opening the deep link lands on
// exactly the shop's URL, records push_clicked with it as an event of the
// customer and moves the run that waits for it.
func TestPushLinkIsRedirectedAndRecorded(t *testing.T) {
	s := startStack(t)
	sg, ln, fcmFake := providertest.NewSendGrid(t), providertest.NewLINE(t), providertest.NewFCM(t)
	push, err := fcm.NewSender(context.Background(), fcm.Config{CredentialsFile: fcmFake.CredentialsFile(t), BaseURL: fcmFake.URL})
	if err != nil {
		t.Fatal(err)
	}
	s.startDeliveryWorkersWith(sg, ln, activities.Options{Senders: map[string]channels.Sender{"push": push},
		Clicks: &clicks.Rewriter{Signer: e2eClickSigner(t), Base: "https://tabiji.test"}})
	hooks := s.providerHooks(t)
	s.call("POST", "/v1/templates", "admin", map[string]any{"id": "sale_push", "name": "Sale push", "channel": "push",
		"content": map[string]any{"title": "セール", "body": "本日まで", "deepLink": "https://shop.example.jp/app/sale",
			"data": map[string]any{"url": "https://shop.example.jp/sale?x=1", "screen": "sale"}}}, http.StatusCreated, nil)
	s.createActive("push_sale", `{"entry":{"event":"app_sale"},
		"link_tracking":{"utm":{"utm_source":"push","utm_campaign":"app"}},
		"nodes":[
		{"id":"tell","kind":"send","channel":"push","template":{"name":"sale_push"},"next":"wait"},
		{"id":"wait","kind":"wait_for","events":[{"event":"push_clicked","next":"clicked"}],"timeout":"1h","on_timeout":"done"},
		{"id":"clicked","kind":"exit"},{"id":"done","kind":"exit"}]}`)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "u_push", "messageId": "id-push",
		"context": map[string]any{"device": map[string]any{"token": "fcm-device-token-1"}}}, http.StatusOK, nil)
	s.track("u_push", "app_sale", "app-sale-1")
	eventually(t, 30*time.Second, "the push sent", func() bool { return accepted(fcmFake.Requests()) == 1 })
	var sent struct {
		Message struct {
			Token string
			Data  map[string]string
		}
	}
	for _, r := range fcmFake.Requests() {
		if strings.HasSuffix(r.Path, "messages:send") {
			r.JSON(t, &sent)
		}
	}
	data := sent.Message.Data
	deepLink, dataURL := data["deep_link"], data["url"]
	if !strings.HasPrefix(deepLink, "https://tabiji.test/r/") || !strings.HasPrefix(dataURL, "https://tabiji.test/r/") || deepLink == dataURL ||
		data["screen"] != "sale" || sent.Message.Token != "fcm-device-token-1" {
		t.Fatalf("the push carries %+v, want its deep link and url through the redirect and the rest as written", sent.Message)
	}
	want := "https://shop.example.jp/app/sale?utm_campaign=app&utm_source=push"
	follow(t, hooks.url+strings.TrimPrefix(deepLink, "https://tabiji.test"), want)
	wf := workflows.JourneyWorkflowID("default", "push_sale", "u_push")
	eventually(t, 30*time.Second, "the run leaving its wait on the click", func() bool {
		return slices.Contains(s.state(wf).Path, "clicked")
	})
	type event struct {
		Event      string
		Properties map[string]any
	}
	var timeline struct{ Events []event }
	s.call("GET", "/v1/profiles/u_push/events?limit=100", "admin", nil, http.StatusOK, &timeline)
	if !slices.ContainsFunc(timeline.Events, func(e event) bool {
		return e.Event == engagement.PushClicked && e.Properties["url"] == want && e.Properties["channel"] == "push"
	}) {
		t.Errorf("no push_clicked with %s in the timeline: %+v", want, timeline.Events)
	}
}
