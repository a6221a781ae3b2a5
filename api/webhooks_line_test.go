package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// lineBody is a LINE webhook delivery of the events given.
func lineBody(events ...string) string {
	return `{"destination":"Ubot","events":[` + strings.Join(events, ",") + `]}`
}

// lineEventJSON is one event of user from LINE; extra adds its type's fields.
func lineEventJSON(id, typ, user string, redelivery bool, extra string) string {
	return fmt.Sprintf(`{"type":%q,"mode":"active","timestamp":%d,"source":{"type":"user","userId":%q},
		"webhookEventId":%q,"deliveryContext":{"isRedelivery":%t}%s}`, typ, time.Now().UnixMilli(), user, id, redelivery, extra)
}

func lineSignature(secret, body string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(body))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func (b *webhookBundle) line(t *testing.T, ws, body string) (int, string) {
	t.Helper()
	return b.do(t, "POST", "/webhooks/line/"+ws, map[string]string{"Content-Type": "application/json",
		"x-line-signature": lineSignature(lineSecret, body)}, body)
}

func TestLineWebhook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("FollowMessagePostbackAndUnfollowOfAKnownCustomer", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		if _, err := b.store.ChangeProfile(ctx, "w", "u1", store.ProfileChange{Set: map[string]any{"lineUserId": "Uaaa"}}, time.Now()); err != nil {
			t.Fatal(err)
		}
		status, body := b.line(t, "w", lineBody(
			lineEventJSON("E1", "follow", "Uaaa", false, `,"replyToken":"r","follow":{"isUnblocked":true}`),
			lineEventJSON("E2", "message", "Uaaa", false, `,"replyToken":"r","message":{"type":"text","id":"1","text":"hello","quoteToken":"q"}`),
			lineEventJSON("E3", "postback", "Uaaa", false, `,"replyToken":"r","postback":{"data":"action=coupon"}`)))
		if status != http.StatusOK || !strings.Contains(body, `"recorded":3`) {
			t.Fatalf("delivery = %d %s", status, body)
		}
		if got, found, _ := b.store.ConsentFor(ctx, "w", "u1", "line", ""); !found || got != store.OptedIn {
			t.Errorf("LINE consent after follow = %q %v", got, found)
		}
		events := b.events(t, "u1")
		if !strings.Contains(events, `line_followed {"channel": "line", "isUnblocked": true}`) ||
			!strings.Contains(events, `line_message_received {"text": "hello", "type": "text", "channel": "line", "line_message_id": "1"}`) ||
			!strings.Contains(events, `line_postback {"data": "action=coupon", "channel": "line"}`) {
			t.Errorf("events of u1:\n%s", events)
		}
		b.line(t, "w", lineBody(lineEventJSON("E4", "unfollow", "Uaaa", false, "")))
		if got, _, _ := b.store.ConsentFor(ctx, "w", "u1", "line", ""); got != store.OptedOut {
			t.Errorf("LINE consent after unfollow = %q", got)
		}
		if sp, err := b.store.Suppressed(ctx, "w", "line", "Uaaa"); err != nil || sp.Reason != store.SuppressLineUnfollow {
			t.Errorf("suppression after unfollow = %+v %v", sp, err)
		}
		// Following again lifts the suppression.
		b.line(t, "w", lineBody(lineEventJSON("E5", "follow", "Uaaa", false, `,"replyToken":"r","follow":{"isUnblocked":true}`)))
		if _, err := b.store.Suppressed(ctx, "w", "line", "Uaaa"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("suppression after a new follow: %v", err)
		}
	})

	t.Run("AnUnknownLineUserGetsAProfileOfItsOwn", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		b.line(t, "w", lineBody(lineEventJSON("E1", "follow", "Unew", false, `,"replyToken":"r","follow":{"isUnblocked":false}`)))
		p, err := b.store.GetProfile(ctx, "w", "line:Unew")
		if err != nil || p.LineUserID != "Unew" {
			t.Fatalf("profile of an unknown LINE user = %+v %v", p, err)
		}
		if id, err := b.store.CustomerByAddress(ctx, "w", "line", "Unew"); err != nil || id != "line:Unew" {
			t.Errorf("CustomerByAddress = %q %v", id, err)
		}
		if got, _, _ := b.store.ConsentFor(ctx, "w", "line:Unew", "line", ""); got != store.OptedIn {
			t.Errorf("consent = %q", got)
		}
	})

	t.Run("RefusesAForgedOrMissingSignature", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		body := lineBody(lineEventJSON("E1", "unfollow", "Uaaa", false, ""))
		for name, sig := range map[string]string{"forged": lineSignature("not-the-secret", body), "missing": "", "garbage": "%%"} {
			status, resp := b.do(t, "POST", "/webhooks/line/w", map[string]string{"x-line-signature": sig}, body)
			if status != http.StatusUnauthorized {
				t.Errorf("%s signature: %d %s, want 401", name, status, resp)
			}
		}
		if _, err := b.store.Suppressed(ctx, "w", "line", "Uaaa"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a refused delivery suppressed the user: %v", err)
		}
	})

	t.Run("ARedeliveryChangesNothingTwice", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		b.line(t, "w", lineBody(lineEventJSON("E1", "unfollow", "Uaaa", false, "")))
		status, body := b.line(t, "w", lineBody(lineEventJSON("E1", "unfollow", "Uaaa", true, "")))
		if status != http.StatusOK || !strings.Contains(body, `"duplicates":1`) {
			t.Errorf("redelivery = %d %s", status, body)
		}
		history, err := b.store.ConsentHistory(ctx, "w", "line:Uaaa")
		if err != nil || len(history) != 1 {
			t.Errorf("consent history after a redelivery = %+v %v, want one change", history, err)
		}
		if events := b.events(t, "line:Uaaa"); strings.Count(events, "line_unfollowed") != 1 {
			t.Errorf("events after a redelivery:\n%s", events)
		}
	})

	t.Run("ADeliveryForOneWorkspaceStaysInIt", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		if _, err := b.store.ChangeProfile(ctx, "w", "u1", store.ProfileChange{Set: map[string]any{"lineUserId": "Uaaa"}}, time.Now()); err != nil {
			t.Fatal(err)
		}
		b.line(t, "other", lineBody(lineEventJSON("E1", "unfollow", "Uaaa", false, "")))
		if _, found, _ := b.store.ConsentFor(ctx, "w", "u1", "line", ""); found {
			t.Error("other's delivery set w's consent")
		}
		if _, err := b.store.Suppressed(ctx, "w", "line", "Uaaa"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("other's delivery suppressed in w: %v", err)
		}
		if events := b.events(t, "u1"); events != "" {
			t.Errorf("other's delivery added events to w's u1:\n%s", events)
		}
	})
}

// events lists the customer's track events, one "name properties" a line.
func (b *webhookBundle) events(t *testing.T, customer string) string {
	t.Helper()
	evs, _, err := b.store.CustomerEvents(context.Background(), "w", customer, store.TimelineFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if e.Type == "track" {
			out = append(out, e.Name+" "+string(e.Properties))
		}
	}
	return strings.Join(out, "\n")
}
