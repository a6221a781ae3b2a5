package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/unsubscribe"
)

func TestUnsubscribe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	link := func(tok unsubscribe.Token) string {
		u, _ := url.Parse(unsubscribe.URL("unsubscribe-secret", "https://tabiji.example", tok))
		return u.Path
	}

	t.Run("OneClickPostOptsOutAndMarksTheMessage", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		b.sendMessage(t, "m1", "email")
		path := link(unsubscribe.Token{WorkspaceID: "w", CustomerID: "u1", Channel: "email", Topic: "news", MessageID: "m1"})
		status, body := b.do(t, "POST", path, form, "List-Unsubscribe=One-Click")
		if status != http.StatusOK {
			t.Fatalf("one-click = %d %s", status, body)
		}
		list, _ := b.store.ListConsent(ctx, "w", "u1")
		if len(list) != 1 || list[0].Topic != "news" || list[0].Status != store.OptedOut || list[0].Source != "one_click" {
			t.Errorf("consent = %+v", list)
		}
		if m, _ := b.message(t, "m1"); m.Status != "unsubscribed" {
			t.Errorf("message status = %q", m.Status)
		}
	})

	t.Run("ThePageListsChannelsAndItsButtonsChangeThem", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		if _, err := b.store.SetConsent(ctx, store.Consent{WorkspaceID: "w", CustomerID: "u1", Channel: "line", Status: store.OptedOut}); err != nil {
			t.Fatal(err)
		}
		path := link(unsubscribe.Token{WorkspaceID: "w", CustomerID: "u1", Channel: "email"})
		status, page := b.do(t, "GET", path, nil, "")
		if status != http.StatusOK || !strings.Contains(page, `<td>email</td><td>all messages</td>`) ||
			!strings.Contains(page, `<td>line</td>`) || !strings.Contains(page, `value="opted_in">Subscribe`) {
			t.Fatalf("page = %d %s", status, page)
		}
		status, page = b.do(t, "POST", path, form, "channel=line&topic=&status=opted_in")
		if status != http.StatusOK || !strings.Contains(page, "Saved: line subscribed") {
			t.Errorf("subscribe = %d %s", status, page)
		}
		if got, _, _ := b.store.ConsentFor(ctx, "w", "u1", "line", ""); got != store.OptedIn {
			t.Errorf("line consent = %q", got)
		}
		if status, body := b.do(t, "POST", path, form, "channel=fax&status=opted_in"); status != 400 || !strings.Contains(body, `"field":"channel"`) {
			t.Errorf("bad channel = %d %s", status, body)
		}
		// Escaped, not interpreted: a topic is data.
		evil := link(unsubscribe.Token{WorkspaceID: "w", CustomerID: "u1", Channel: "email", Topic: "<script>x</script>"})
		if _, page := b.do(t, "GET", evil, nil, ""); strings.Contains(page, "<script>") {
			t.Errorf("the page does not escape the topic: %s", page)
		}
	})

	t.Run("ATamperedTokenChangesNothing", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		path := link(unsubscribe.Token{WorkspaceID: "w", CustomerID: "u1", Channel: "email"})
		forged := "/u/" + unsubscribe.Sign("guessed", unsubscribe.Token{WorkspaceID: "w", CustomerID: "u1", Channel: "email"})
		for _, p := range []string{path + "x", forged, "/u/nothing"} {
			for _, method := range []string{"GET", "POST"} {
				if status, body := b.do(t, method, p, form, "List-Unsubscribe=One-Click"); status != http.StatusNotFound {
					t.Errorf("%s %s = %d %s", method, p, status, body)
				}
			}
		}
		if list, _ := b.store.ListConsent(ctx, "w", "u1"); len(list) != 0 {
			t.Errorf("consent = %+v", list)
		}
	})
}
