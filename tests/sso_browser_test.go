package tests

import (
	"context"
	"net/http"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/outbound"
	"github.com/tabiji/tabiji/sso/ssotest"
)

// TestSSOInChromium: an owner sets up single sign-on through the API; a
// person clicks "Sign in with SSO" on the login page, the fake provider
// (on localhost, another site than the API's 127.0.0.1, as a real provider
// is) signs them in and sends the browser back, and they land in the
// console with the role their group maps to. This is the browser's own
// cookie handling: the Lax login cookie must survive the cross-site
// return, and the Strict session cookie must reach the console after it.
func TestSSOInChromium(t *testing.T) {
	s := startStack(t)
	keys, err := settings.NewKeyring(e2eSecretsKey)
	if err != nil {
		t.Fatal(err)
	}
	s.handler.Store(api.NewServer(api.Deps{Store: s.store, Temporal: s.temporal, Namespace: s.server.Namespace(), TaskQueue: taskQueue,
		Channels: settings.NewResolver(s.store, settings.Options{Keyring: keys}),
		Outbound: outbound.New(outbound.Options{Allow: outbound.MustParseAllowlist("127.0.0.1,localhost")})}))
	idp := ssotest.New(t, "tabiji-e2e", "e2e-client-secret")
	idp.UseHost("localhost")
	idp.RedirectURIs = []string{s.url + "/ui/sso/callback"}
	idp.SignIn(ssotest.Person{"sub": "mia", "email": "mia@example.com", "email_verified": true, "groups": []any{"staff", "tabiji-marketers"}})
	s.call("PUT", "/v1/workspace/sso", "admin", map[string]any{"issuer": idp.Issuer(), "clientId": "tabiji-e2e", "clientSecret": "e2e-client-secret",
		"allowedDomains": []string{"example.com"}, "roleClaim": "groups", "roles": map[string]string{"tabiji-marketers": "marketer"}},
		http.StatusCreated, nil)

	b := newBrowser(t)
	b.run(t, chromedp.Navigate(s.url+"/ui/login"), chromedp.WaitVisible("#sso", chromedp.ByID))
	b.screenshot(t, "sso-login.png")
	b.run(t, chromedp.Click("#sso", chromedp.ByID), chromedp.WaitVisible("#metrics", chromedp.ByID))
	var me struct {
		Email, Role, Workspace string
	}
	b.run(t, chromedp.Evaluate(`fetch("/v1/me").then(r => r.json())`, &me, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
	if me.Email != "mia@example.com" || me.Role != "marketer" || me.Workspace != "default" {
		t.Errorf("signed in as %+v, want mia, a marketer of default", me)
	}
	ms, err := s.store.Members(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range ms {
		found = found || (m.Email == "mia@example.com" && m.Role == "marketer")
	}
	if !found {
		t.Errorf("mia is not a marketer of default: %+v", ms)
	}
	b.screenshot(t, "sso-console.png")
	b.noConsoleErrors(t)
}
