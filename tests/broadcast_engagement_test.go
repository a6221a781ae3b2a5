package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/clicks"
	"github.com/tabiji/tabiji/engagement"
	"github.com/tabiji/tabiji/store"
)

// TestBroadcastReadersAreFollowedUp: a newsletter goes out as a LINE
// broadcast with a link and as an email broadcast. The LINE link of each
// customer goes through Tabiji's redirect (a token of their own, so each is
// pushed, not multicast); the one who clicks it enters the follow-up
// journey that waits for line_clicked of that broadcast, and the segment
// "clicked on LINE this week" holds them alone. The one whose email open
// SendGrid reports through its signed webhook enters the journey that
// follows up email readers.
func TestBroadcastReadersAreFollowedUp(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.startDeliveryWorkersWith(sg, ln, activities.Options{Clicks: &clicks.Rewriter{Signer: e2eClickSigner(t), Base: "https://tabiji.test"}})
	hooks := s.providerHooks(t)
	readers := map[string]string{"nl_ann": fmt.Sprintf("U%032d", 1), "nl_bob": fmt.Sprintf("U%032d", 2)}
	for u, lineUser := range readers {
		s.call("POST", "/v1/identify", "write", map[string]any{"userId": u, "messageId": "id-" + u,
			"traits": map[string]any{"email": u + "@example.jp", "lineUserId": lineUser, "plan": "news"}}, http.StatusOK, nil)
	}
	s.call("POST", "/v1/segments", "admin", map[string]any{"id": "news", "name": "News",
		"definition": map[string]any{"condition": map[string]any{"trait": map[string]any{"name": "plan", "op": "eq", "value": "news"}}}}, http.StatusCreated, nil)
	s.call("POST", "/v1/segments", "admin", map[string]any{"id": "line_clickers", "name": "Clicked on LINE this week",
		"definition": map[string]any{"condition": map[string]any{"event": map[string]any{"name": engagement.LineClicked,
			"count": map[string]any{"op": "gte", "value": 1}, "window": map[string]any{"last_days": 7}}}}}, http.StatusCreated, nil)
	s.createActive("line_followup", `{"entry":{"event":"line_clicked","filter":"event.properties.broadcast_id == \"spring\""},"nodes":[
		{"id":"thanks","kind":"send","channel":"line","template":{"body":"ご覧いただきありがとうございます"},"next":"done"},
		{"id":"done","kind":"exit"}]}`)
	s.createActive("mail_followup", `{"entry":{"event":"email_opened","filter":"event.properties.broadcast_id == \"letter\""},"nodes":[
		{"id":"more","kind":"send","channel":"email","template":{"subject":"More for you","body":"Since you read our letter"},"next":"done"},
		{"id":"done","kind":"exit"}]}`)

	s.call("POST", "/v1/broadcasts", "admin", json.RawMessage(`{"id": "spring", "name": "Spring", "segment": "news", "channel": "line",
		"content": {"messages": [{"type": "text", "text": "春のセール https://shop.example.jp/spring をご覧ください"}]}}`), http.StatusCreated, nil)
	s.call("POST", "/v1/broadcasts/spring/schedule", "admin", nil, http.StatusAccepted, nil)
	eventually(t, 60*time.Second, "the LINE broadcast completes", func() bool { return s.broadcast("spring").Status == "completed" })
	tokens := map[string]string{} // LINE user → the token in their message
	for _, r := range ln.Requests() {
		var push struct {
			To       string
			Messages []struct{ Text string }
		}
		if r.Path != "/v2/bot/message/push" || r.Status/100 != 2 {
			continue
		}
		r.JSON(t, &push)
		_, rest, _ := strings.Cut(push.Messages[0].Text, "https://tabiji.test/r/")
		tokens[push.To], _, _ = strings.Cut(rest, " ")
	}
	if len(tokens) != 2 || tokens[readers["nl_ann"]] == "" || tokens[readers["nl_ann"]] == tokens[readers["nl_bob"]] {
		t.Fatalf("LINE pushes carry tokens %v, want one of each reader's own", tokens)
	}
	follow(t, hooks.url+"/r/"+tokens[readers["nl_ann"]], "https://shop.example.jp/spring")
	eventually(t, 30*time.Second, "the LINE follow-up sent to the clicker", func() bool {
		return slices.ContainsFunc(s.messagesOf("nl_ann"), func(m store.LoggedMessage) bool {
			return m.JourneyID == "line_followup" && m.Status == activities.MessageSent
		})
	})
	var count struct{ Count int }
	s.call("GET", "/v1/segments/line_clickers/count", "admin", nil, http.StatusOK, &count)
	if count.Count != 1 {
		t.Errorf("clicked on LINE this week = %d, want the clicker alone", count.Count)
	}

	s.call("POST", "/v1/broadcasts", "admin", json.RawMessage(`{"id": "letter", "name": "Letter", "segment": "news", "channel": "email",
		"content": {"subject": "Our letter", "from": "shop@example.com", "html": "<p>Read <a href=\"https://shop.example.jp/letter\">it</a></p>"}}`), http.StatusCreated, nil)
	s.call("POST", "/v1/broadcasts/letter/schedule", "admin", nil, http.StatusAccepted, nil)
	eventually(t, 60*time.Second, "the email broadcast completes", func() bool { return s.broadcast("letter").Status == "completed" })
	var letter string
	for _, m := range s.messagesOf("nl_bob") {
		if m.Channel == "email" {
			letter = m.ID
		}
	}
	hooks.engage(t, engagement.EmailOpened, letter, "nl_bob@example.jp", "")
	eventually(t, 30*time.Second, "the email follow-up sent to the reader", func() bool {
		return slices.ContainsFunc(s.messagesOf("nl_bob"), func(m store.LoggedMessage) bool {
			return m.JourneyID == "mail_followup" && m.Status == activities.MessageSent
		})
	})
	for u, journeyID := range map[string]string{"nl_bob": "line_followup", "nl_ann": "mail_followup"} {
		if slices.ContainsFunc(s.messagesOf(u), func(m store.LoggedMessage) bool { return m.JourneyID == journeyID }) {
			t.Errorf("%s entered %s without engaging", u, journeyID)
		}
	}
}

// follow gets a tracked link as a browser would, without following the
// redirect, and checks it goes to want.
func follow(t *testing.T, link, want string) {
	t.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
		t.Fatalf("%s = %d to %q, want 302 to %s", link, resp.StatusCode, resp.Header.Get("Location"), want)
	}
}
