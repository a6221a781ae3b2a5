package api

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/consent"
	"github.com/tabiji/tabiji/optin"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/unsubscribe"
)

func TestOptInConfirmation(t *testing.T) {
	t.Parallel()
	link := func(secret string, tok optin.Token) string {
		u, _ := url.Parse(optin.URL(secret, "https://tabiji.example", tok))
		return u.Path
	}
	now := time.Now()
	tok := optin.New("w", "u1", "email", "", "ws_w/jr_doi/u1/send_confirmation", now)

	t.Run("TheLinkShowsAButtonAndThePressRecordsTheOptInWithEvidence", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		path := link("unsubscribe-secret", tok)
		status, page := b.do(t, "GET", path, nil, "")
		if status != 200 || !strings.Contains(page, `<form method="post">`) || !strings.Contains(page, "Yes, send me email messages from us.") {
			t.Fatalf("GET = %d %s", status, page)
		}
		if got, _ := b.store.ConsentRecords(t.Context(), "w", "u1"); len(got) != 0 {
			t.Fatalf("opening the link recorded %+v", got)
		}
		status, page = b.do(t, "POST", path, map[string]string{"User-Agent": "Browser/2"}, "")
		if status != 200 || !strings.Contains(page, "subscription is confirmed") {
			t.Fatalf("POST = %d %s", status, page)
		}
		history, _ := b.store.ConsentRecords(t.Context(), "w", "u1")
		if len(history) != 1 || history[0].Status != store.OptedIn || history[0].Source != "double_opt_in" || history[0].Channel != "email" {
			t.Fatalf("history = %+v", history)
		}
		ev := consent.ParseEvidence(history[0].Evidence)
		if ev.Form != "double_opt_in" || ev.Wording != "Yes, send me email messages from us." || ev.UserAgent != "Browser/2" ||
			ev.IP == "" || ev.MessageID != tok.MessageID {
			t.Errorf("evidence = %+v", ev)
		}
	})

	t.Run("ForgedTamperedOrExpiredLinksRecordNothing", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		good := link("unsubscribe-secret", tok)
		payload, sig, _ := strings.Cut(strings.TrimPrefix(good, "/optin/"), ".")
		otherPayload, _, _ := strings.Cut(optin.Sign("unsubscribe-secret", optin.New("w", "u2", "email", "", "m", now)), ".")
		unsub, _ := url.Parse(unsubscribe.URL("unsubscribe-secret", "https://tabiji.example", unsubscribe.Token{WorkspaceID: "w", CustomerID: "u1", Channel: "email"}))
		for name, c := range map[string]struct {
			path   string
			status int
		}{
			"AnotherSecret":           {link("guessed", tok), 404},
			"AnotherCustomersPayload": {"/optin/" + otherPayload + "." + sig, 404},
			"ATamperedSignature":      {"/optin/" + payload + "." + sig[:len(sig)-2] + "AA", 404},
			"AnUnsubscribeLinksToken": {"/optin/" + strings.TrimPrefix(unsub.Path, "/u/"), 404},
			"Nothing":                 {"/optin/x", 404},
			"AnExpiredLink":           {link("unsubscribe-secret", optin.New("w", "u1", "email", "", "m", now.Add(-optin.TTL-time.Minute))), 410},
		} {
			for _, method := range []string{"GET", "POST"} {
				if status, body := b.do(t, method, c.path, nil, ""); status != c.status {
					t.Errorf("%s: %s = %d %s, want %d", name, method, status, body, c.status)
				}
			}
		}
		for _, customer := range []string{"u1", "u2"} {
			if got, _ := b.store.ConsentRecords(t.Context(), "w", customer); len(got) != 0 {
				t.Errorf("a refused link recorded consent of %s: %+v", customer, got)
			}
		}
	})
}
