package tests

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/channels/providertest"
)

type linkedProfile struct {
	ID        string
	Addresses struct{ LineUserID string }
	Traits    map[string]any
	Events    []struct {
		Event      string
		Properties map[string]any
	}
}

// linkEvents lists the line_account_linked events of the profile, with
// whether each linked.
func (p linkedProfile) linkEvents() []bool {
	var out []bool
	for _, e := range p.Events {
		if e.Event == "line_account_linked" {
			out = append(out, e.Properties["linked"] == true)
		}
	}
	return out
}

func (p linkedProfile) has(event string) bool {
	for _, e := range p.Events {
		if e.Event == event {
			return true
		}
	}
	return false
}

// accountLink is a signed accountLink webhook event.
func accountLink(id, user, result, nonce string) string {
	return lineDelivery(lineEvent(id, "accountLink", user, `,"replyToken":"r","link":{"result":"`+result+`","nonce":"`+nonce+`"}`))
}

// TestLINEAccountLinking: on the real stack, a LINE follower (profile
// line:<userId>) is joined to the shop's customer by LINE's account-link
// flow: Tabiji issues the link token through the Messaging API (the fake
// checks the request against LINE's description), the shop's site gets a
// nonce for its logged-in customer, and the signed accountLink event with
// that nonce merges the LINE profile into the customer, once. A replayed,
// expired, forged or another user's nonce links nobody.
func TestLINEAccountLinking(t *testing.T) {
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s := startLINEStack(t, sg, ln)
	u1, u2, u3 := lineUser(301), lineUser(302), lineUser(303)
	s.lineWebhook(lineDelivery(lineEvent("al-follow-1", "follow", u1, `,"replyToken":"r","follow":{"isUnblocked":false}`),
		lineEvent("al-msg-1", "message", u1, `,"replyToken":"r","message":{"id":"m1","type":"text","text":"hello","quoteToken":"q"}`)), http.StatusOK)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "shop_42", "messageId": "al-shop-42",
		"traits": map[string]any{"email": "shop42@example.com"}}, http.StatusOK, nil)
	profile := func(id string) linkedProfile {
		var p linkedProfile
		s.call("GET", "/v1/profiles/"+url.PathEscape(id), "admin", nil, http.StatusOK, &p)
		return p
	}
	type token struct{ LinkToken, LineUserID string }
	type binding struct{ Nonce, RedirectURL string }
	issue := func(user string) token {
		var tok token
		s.call("POST", "/v1/line/link-tokens", "admin", map[string]any{"lineUserId": user}, http.StatusCreated, &tok)
		return tok
	}
	bind := func(tok token, customer string) binding {
		var b binding
		s.call("POST", "/v1/line/account-links", "admin", map[string]any{"linkToken": tok.LinkToken, "userId": customer}, http.StatusCreated, &b)
		return b
	}

	var first binding
	t.Run("TheFlowJoinsTheLINEFollowerToTheCustomer", func(t *testing.T) {
		tok := issue(u1)
		if tok.LinkToken == "" || tok.LineUserID != u1 {
			t.Fatalf("link token = %+v", tok)
		}
		if r := ln.Requests(); r[len(r)-1].Path != "/v2/bot/user/"+u1+"/linkToken" {
			t.Errorf("LINE was asked %s", r[len(r)-1].Path)
		}
		first = bind(tok, "shop_42")
		redirect, err := url.Parse(first.RedirectURL)
		if err != nil || redirect.Host != "access.line.me" || redirect.Query().Get("linkToken") != tok.LinkToken ||
			redirect.Query().Get("nonce") != first.Nonce || len(first.Nonce) < 22 {
			t.Fatalf("binding = %+v", first)
		}
		s.lineWebhook(accountLink("al-link-1", u1, "ok", first.Nonce), http.StatusOK)
		p := profile("shop_42")
		if p.Addresses.LineUserID != u1 || p.Traits["email"] != "shop42@example.com" {
			t.Errorf("shop_42 after the link = %+v", p)
		}
		if !p.has("line_message_received") || !p.has("line_followed") {
			t.Errorf("the LINE profile's events did not move to shop_42: %+v", p.Events)
		}
		if got := p.linkEvents(); len(got) != 1 || !got[0] {
			t.Errorf("link events = %v, want one that linked", got)
		}
		if merged := profile("line:" + u1); merged.ID != "shop_42" {
			t.Errorf("line:%s is now %q, want the merged shop_42", u1, merged.ID)
		}
	})
	t.Run("TheNonceLinksOnce", func(t *testing.T) {
		s.call("POST", "/v1/identify", "write", map[string]any{"userId": "shop_43", "messageId": "al-shop-43"}, http.StatusOK, nil)
		s.lineWebhook(accountLink("al-link-replay", u1, "ok", first.Nonce), http.StatusOK)
		if got := profile("shop_42").linkEvents(); len(got) != 2 || got[0] == got[1] {
			t.Errorf("link events after a replayed nonce = %v, want one that linked and one that did not", got)
		}
	})
	t.Run("ALinkTokenBindsOnce", func(t *testing.T) {
		tok := issue(u2)
		bind(tok, "shop_43")
		var p struct{ Errors []struct{ Field string } }
		s.call("POST", "/v1/line/account-links", "admin", map[string]any{"linkToken": tok.LinkToken, "userId": "intruder"},
			http.StatusUnprocessableEntity, &p)
		if len(p.Errors) != 1 || p.Errors[0].Field != "linkToken" {
			t.Errorf("errors = %+v, want linkToken", p.Errors)
		}
	})
	t.Run("AnExpiredOrAnotherUsersNonceLinksNobody", func(t *testing.T) {
		b := bind(issue(u2), "shop_43")
		s.lineWebhook(accountLink("al-link-other", u3, "ok", b.Nonce), http.StatusOK) // u3 presents u2's nonce
		s.exec(`UPDATE line_account_links SET expires_at = now() - interval '1 minute' WHERE nonce = '` + b.Nonce + `'`)
		s.lineWebhook(accountLink("al-link-late", u2, "ok", b.Nonce), http.StatusOK)
		if p := profile("shop_43"); p.Addresses.LineUserID != "" {
			t.Errorf("shop_43 got LINE user %s", p.Addresses.LineUserID)
		}
		if got := profile("line:" + u3).linkEvents(); len(got) != 1 || got[0] {
			t.Errorf("u3's link events = %v, want one that did not link", got)
		}
	})
	t.Run("AFailedLinkLinksNobody", func(t *testing.T) {
		b := bind(issue(lineUser(304)), "shop_44")
		s.lineWebhook(accountLink("al-link-failed", lineUser(304), "failed", b.Nonce), http.StatusOK)
		var p struct{ Addresses struct{ LineUserID string } }
		s.call("GET", "/v1/profiles/line:"+lineUser(304), "admin", nil, http.StatusOK, &p)
		if p.Addresses.LineUserID != lineUser(304) {
			t.Errorf("the failed link's user = %+v", p)
		}
	})
	t.Run("BadInputIs422NamingTheField", func(t *testing.T) {
		for _, tc := range []struct {
			path   string
			body   map[string]any
			status int
			field  string
		}{
			{"/v1/line/link-tokens", map[string]any{"lineUserId": "../../v2/bot/message/broadcast"}, http.StatusBadRequest, "lineUserId"},
			{"/v1/line/link-tokens", map[string]any{}, http.StatusBadRequest, "lineUserId"},
			{"/v1/line/account-links", map[string]any{"linkToken": "forged", "userId": "shop_42"}, http.StatusUnprocessableEntity, "linkToken"},
			{"/v1/line/account-links", map[string]any{"linkToken": "x"}, http.StatusBadRequest, "userId"},
			{"/v1/line/account-links", map[string]any{"userId": "shop_42"}, http.StatusBadRequest, "linkToken"},
		} {
			var p struct{ Errors []struct{ Field string } }
			s.call("POST", tc.path, "admin", tc.body, tc.status, &p)
			if len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
				t.Errorf("%s %v: errors %+v, want %s", tc.path, tc.body, p.Errors, tc.field)
			}
		}
		raw, _ := json.Marshal(map[string]any{"lineUserId": u1})
		req, _ := http.NewRequest(http.MethodPost, s.url+"/v1/line/link-tokens", strings.NewReader(string(raw)))
		req.SetBasicAuth(s.write, "")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a write key issued a link token: %v %v", resp.StatusCode, err)
		}
	})
}
