package tests

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/clicks"
	"github.com/tabiji/tabiji/engagement"
	"github.com/tabiji/tabiji/workflows"
)

// TestWelcomeOnLINEFirstTakesTheTipsPathOnAClick: the welcome template
// launched LINE first with a start_url sends its first message on LINE
// (the real SDK, the fake LINE) with the shop's link through Tabiji's
// signed redirect; the customer's click through /r/<token> lands on the
// shop and moves the run onto the tips path, though LINE reports no opens.
func TestWelcomeOnLINEFirstTakesTheTipsPathOnAClick(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.startDeliveryWorkersWith(sg, ln, activities.Options{Clicks: &clicks.Rewriter{Signer: e2eClickSigner(t), Base: "https://tabiji.test"}})
	hooks := s.providerHooks(t)
	const shop = "https://shop.example.jp/start"
	s.call("POST", "/v1/journey-templates/welcome/launch", "admin", map[string]any{"id": "welcome_line",
		"params": map[string]any{"channels": "line, email", "start_url": shop}}, http.StatusCreated, nil)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "u_wl", "messageId": "id-wl",
		"traits": map[string]any{"email": "wl@example.com", "lineUserId": lineUser(7)}}, http.StatusOK, nil)
	s.track("u_wl", "signed_up", "wl-signup")
	eventually(t, 30*time.Second, "the welcome on LINE", func() bool { return accepted(ln.Requests()) == 1 })
	var push struct{ Messages []struct{ Text string } }
	ln.Requests()[0].JSON(t, &push)
	_, rest, ok := strings.Cut(push.Messages[0].Text, "https://tabiji.test/r/")
	token, _, _ := strings.Cut(rest, " ")
	if !ok || token == "" || strings.Contains(push.Messages[0].Text, shop) {
		t.Fatalf("the LINE text is %q, want the shop's link through the redirect", push.Messages[0].Text)
	}
	if accepted(sg.Requests()) != 0 {
		t.Errorf("an email went out too: %d SendGrid sends", accepted(sg.Requests()))
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(hooks.url + "/r/" + token)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != shop {
		t.Fatalf("redirect = %d to %q, want 302 to %s", resp.StatusCode, resp.Header.Get("Location"), shop)
	}
	wf := workflows.JourneyWorkflowID("default", "welcome_line", "u_wl")
	eventually(t, 30*time.Second, "the run on the tips path", func() bool {
		return slices.Contains(s.state(wf).Path, "wait_tips")
	})
	if path := s.state(wf).Path; slices.Contains(path, "send_resend") {
		t.Errorf("path %v took the resend", path)
	}
}

// clickParams are the launch parameters a wait for a LINE click needs: the
// messages on LINE, and a link in them (each optional URL parameter set).
func clickParams(tpl templateBody, event string) map[string]any {
	if event != engagement.LineClicked {
		return nil
	}
	params := map[string]any{"channels": []string{"line"}}
	for _, p := range tpl.Parameters {
		if p.Type == "url" && p.Default == "" {
			params[p.Name] = "https://shop.example.jp/" + p.Name
		}
	}
	return params
}

// clickLastLINELink follows the redirect link of the last LINE message the
// fake LINE accepted for lineUser, as the customer's tap would.
func (h *providerHooks) clickLastLINELink(t *testing.T, ln *providertest.LINE, lineUser string) {
	t.Helper()
	var text string
	for _, r := range ln.Requests() {
		if r.Path == "/v2/bot/message/push" && r.Status == http.StatusOK && strings.Contains(string(r.Body), lineUser) {
			var push struct{ Messages []struct{ Text string } }
			r.JSON(t, &push)
			text = push.Messages[0].Text
		}
	}
	_, rest, ok := strings.Cut(text, "https://tabiji.test/r/")
	token, _, _ := strings.Cut(rest, " ")
	if !ok || token == "" {
		t.Fatalf("the last LINE message to %s has no redirect link: %q", lineUser, text)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(h.url + "/r/" + token)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("the click on %s = %d, want 302", token, resp.StatusCode)
	}
}
