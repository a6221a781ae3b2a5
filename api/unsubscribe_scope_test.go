package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/unsubscribe"
)

// TestPreferencePostChangesOnlyWhatTheLinkCovers: the page's form posts a
// channel and topic, so a forged field could change any consent of the
// customer; only the link's own channel and topic and the consent the
// customer already has (what the page shows) may change.
func TestPreferencePostChangesOnlyWhatTheLinkCovers(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setupWebhooks(t)
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if _, err := b.store.SetConsent(ctx, store.Consent{WorkspaceID: "w", CustomerID: "u1", Channel: "line", Status: store.OptedOut}); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(unsubscribe.URL("unsubscribe-secret", "https://tabiji.example", unsubscribe.Token{WorkspaceID: "w", CustomerID: "u1", Channel: "email", Topic: "news"}))
	for _, c := range []struct{ body, field string }{
		{"channel=push&topic=&status=opted_out", "channel"},
		{"channel=email&topic=&status=opted_out", "topic"},
		{"channel=email&topic=billing&status=opted_out", "topic"},
		{"channel=line&topic=promo&status=opted_in", "topic"},
	} {
		if status, body := b.do(t, "POST", u.Path, form, c.body); status != http.StatusForbidden || !strings.Contains(body, `"field":"`+c.field+`"`) {
			t.Errorf("POST %s = %d %s, want 403 naming %s", c.body, status, body, c.field)
		}
	}
	list, err := b.store.ListConsent(ctx, "w", "u1")
	if err != nil || len(list) != 1 || list[0].Channel != "line" || list[0].Status != store.OptedOut {
		t.Fatalf("consent after forged posts = %+v, %v: want line opted out only", list, err)
	}
	for _, body := range []string{"channel=email&topic=news&status=opted_out", "channel=line&topic=&status=opted_in"} {
		if status, page := b.do(t, "POST", u.Path, form, body); status != http.StatusOK || !strings.Contains(page, "Saved:") {
			t.Errorf("POST %s = %d %s", body, status, page)
		}
	}
	if got, _, _ := b.store.ConsentFor(ctx, "w", "u1", "email", "news"); got != store.OptedOut {
		t.Errorf("email/news = %q, want opted out", got)
	}
	if got, _, _ := b.store.ConsentFor(ctx, "w", "u1", "line", ""); got != store.OptedIn {
		t.Errorf("line = %q, want opted in", got)
	}
}
