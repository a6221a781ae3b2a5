package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/outbound"
	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/sso/ssotest"
	"github.com/tabiji/tabiji/store"
)

const ssoClientSecret = "client-secret-0123456789"

// ssoBundle is the API served on a loopback port (so a browser-like client
// can follow the redirects to the fake provider and back), with a secrets
// key, and the fake OpenID provider it may dial.
type ssoBundle struct {
	*webhookBundle
	url   string
	idp   *ssotest.Provider
	admin map[string]string
}

func setupSSO(t *testing.T) *ssoBundle {
	t.Helper()
	b := setupWebhooks(t)
	keys, err := settings.NewKeyring("api-test-secrets-key-0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	b.handler = NewServer(Deps{Store: b.store, Temporal: noVisibility{b.signals}, PasswordParams: cheapHashes,
		Channels: settings.NewResolver(b.store, settings.Options{Keyring: keys}),
		Outbound: outbound.New(outbound.Options{Allow: outbound.MustParseAllowlist("127.0.0.1")})})
	srv := httptest.NewServer(b.handler)
	t.Cleanup(srv.Close)
	idp := ssotest.New(t, "tabiji-client", ssoClientSecret)
	idp.RedirectURIs = []string{srv.URL + "/ui/sso/callback"}
	admin, _ := b.keys(t, "w")
	admin["Content-Type"] = "application/json"
	return &ssoBundle{webhookBundle: b, url: srv.URL, idp: idp, admin: admin}
}

// settingsBody is a valid PUT body for the fake provider.
func (b *ssoBundle) settingsBody(change func(map[string]any)) string {
	body := map[string]any{"issuer": b.idp.Issuer(), "clientId": "tabiji-client", "clientSecret": ssoClientSecret,
		"allowedDomains": []string{"example.com"}, "roleClaim": "groups",
		"roles": map[string]string{"tabiji-marketers": "marketer", "tabiji-analysts": "analyst", "tabiji-owners": "owner"}}
	if change != nil {
		change(body)
	}
	raw, _ := json.Marshal(body)
	return string(raw)
}

func (b *ssoBundle) configure(t *testing.T) {
	t.Helper()
	code, body := b.do(t, "PUT", "/v1/workspace/sso", b.admin, b.settingsBody(nil))
	if code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("PUT /v1/workspace/sso: %d %s", code, body)
	}
}

// signIn runs the flow as a browser would, from the login page's button to
// the page after the callback, with a cookie jar, as person at the provider.
func (b *ssoBundle) signIn(t *testing.T, person ssotest.Person) (*http.Client, int, string) {
	t.Helper()
	b.idp.SignIn(person)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := client.Get(b.url + "/ui/sso/w/start")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	return client, resp.StatusCode, string(page)
}

// answerOf starts a sign-in and follows it to the provider, stopping at
// the provider's answer: the client (holding the login cookie) and the
// callback URL it was sent to.
func (b *ssoBundle) answerOf(t *testing.T) (*http.Client, *url.URL) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	var answer *url.URL
	client := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/ui/sso/callback" {
			answer = req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := client.Get(b.url + "/ui/sso/w/start")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if answer == nil || answer.Query().Get("code") == "" {
		t.Fatalf("the provider did not answer with a code: %d", resp.StatusCode)
	}
	return &http.Client{Jar: jar}, answer
}

func sessionCookieOf(client *http.Client, base string) string {
	req, _ := http.NewRequest(http.MethodGet, base+"/ui/", nil)
	for _, c := range client.Jar.Cookies(req.URL) {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	return ""
}

func member(name string, groups ...string) ssotest.Person {
	g := make([]any, len(groups))
	for i, x := range groups {
		g[i] = x
	}
	return ssotest.Person{"sub": "sub-" + name, "email": name + "@example.com", "email_verified": true, "groups": g}
}

// TestSSOSettingsAPI: PUT checks each field and the issuer's discovery
// (422 naming the field), the secret is never shown, only whether it is
// set, and DELETE removes the provider.
func TestSSOSettingsAPI(t *testing.T) {
	t.Parallel()
	b := setupSSO(t)
	put := func(body string) (int, Problem, string) {
		code, raw := b.do(t, "PUT", "/v1/workspace/sso", b.admin, body)
		var p Problem
		_ = json.Unmarshal([]byte(raw), &p)
		return code, p, raw
	}
	t.Run("BadSettingsAreProblemsNamingTheField", func(t *testing.T) {
		cases := map[string]struct {
			change func(map[string]any)
			status int
			field  string
		}{
			"PlainHTTPIssuer":        {func(m map[string]any) { m["issuer"] = "http://idp.example.com" }, 422, "issuer"},
			"IssuerOfAnotherName":    {func(m map[string]any) { m["issuer"] = b.idp.Issuer() + "/" }, 422, "issuer"},
			"IssuerThatDoesNotServe": {func(m map[string]any) { m["issuer"] = "http://127.0.0.1:1" }, 422, "issuer"},
			"PrivateIssuer":          {func(m map[string]any) { m["issuer"] = "https://10.1.2.3" }, 422, "issuer"},
			"NoSecretTheFirstTime":   {func(m map[string]any) { delete(m, "clientSecret") }, 422, "clientSecret"},
			"NoDomain":               {func(m map[string]any) { m["allowedDomains"] = []string{} }, 422, "allowedDomains"},
			"UnknownRole":            {func(m map[string]any) { m["roles"] = map[string]string{"g": "admin"} }, 422, "roles.g"},
			"UnknownField":           {func(m map[string]any) { m["scopes"] = "openid" }, 400, "scopes"},
			"DomainsNotAList":        {func(m map[string]any) { m["allowedDomains"] = "example.com" }, 400, "allowedDomains"},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				code, p, raw := put(b.settingsBody(tc.change))
				if code != tc.status || len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
					t.Errorf("%d %s, want %d naming %s", code, raw, tc.status, tc.field)
				}
			})
		}
		if code, _ := b.do(t, "GET", "/v1/workspace/sso", b.admin, ""); code != http.StatusNotFound {
			t.Errorf("a refused PUT stored something: GET %d", code)
		}
	})
	t.Run("TheSecretIsWriteOnly", func(t *testing.T) {
		code, _, raw := put(b.settingsBody(nil))
		if code != http.StatusCreated || strings.Contains(raw, ssoClientSecret) {
			t.Fatalf("PUT: %d %s", code, raw)
		}
		code, raw = b.do(t, "GET", "/v1/workspace/sso", b.admin, "")
		var v ssoResponse
		if code != 200 || json.Unmarshal([]byte(raw), &v) != nil || strings.Contains(raw, ssoClientSecret) || !v.ClientSecretSet ||
			v.RedirectURI != "http://example.com/ui/sso/callback" || v.LoginURL != "http://example.com/ui/login?workspace=w" {
			t.Fatalf("GET: %d %s", code, raw)
		}
		code, _, raw = put(b.settingsBody(func(m map[string]any) { delete(m, "clientSecret"); m["defaultRole"] = "analyst" }))
		var again ssoResponse
		if code != 200 || json.Unmarshal([]byte(raw), &again) != nil || again.ClientSecretFingerprint != v.ClientSecretFingerprint || again.DefaultRole != "analyst" {
			t.Errorf("a PUT without the secret: %d %s", code, raw)
		}
	})
	t.Run("AnotherWorkspaceSeesNone", func(t *testing.T) {
		other, _ := b.keys(t, "other")
		if code, _ := b.do(t, "GET", "/v1/workspace/sso", other, ""); code != http.StatusNotFound {
			t.Errorf("the other workspace's GET = %d", code)
		}
	})
	t.Run("DeleteRemovesIt", func(t *testing.T) {
		if code, raw := b.do(t, "DELETE", "/v1/workspace/sso", b.admin, ""); code != http.StatusNoContent {
			t.Fatalf("DELETE: %d %s", code, raw)
		}
		if code, _ := b.do(t, "DELETE", "/v1/workspace/sso", b.admin, ""); code != http.StatusNotFound {
			t.Errorf("a second DELETE = %d", code)
		}
	})
	t.Run("WithoutASecretsKeyNothingIsStored", func(t *testing.T) {
		h := NewServer(Deps{Store: b.store, Outbound: outbound.New(outbound.Options{Allow: outbound.MustParseAllowlist("127.0.0.1")})})
		req := httptest.NewRequest(http.MethodPut, "/v1/workspace/sso", strings.NewReader(b.settingsBody(nil)))
		for k, v := range b.admin {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "TABIJI_SECRETS_KEY") {
			t.Errorf("no key: %d %s", rec.Code, rec.Body.String())
		}
	})
}

// TestSSOSignIn runs the authorization code flow through the fake
// provider: the person lands in the console with the mapped role, which
// each sign-in sets again; every way the answer can be wrong is refused
// with a page saying what to do and no session.
func TestSSOSignIn(t *testing.T) {
	t.Parallel()
	b := setupSSO(t)
	ctx := context.Background()
	b.person(t, "w", "boss@example.com", "owner")
	b.configure(t)

	t.Run("TheLoginPageOffersSSO", func(t *testing.T) {
		rec := b.uiRequest(t, "GET", "/ui/login", "", nil)
		if !strings.Contains(rec.Body.String(), `href="/ui/sso/w/start?next=%2fui%2f"`) && !strings.Contains(rec.Body.String(), `href="/ui/sso/w/start?next=%2Fui%2F"`) {
			t.Errorf("the login page has no SSO button:\n%s", rec.Body.String())
		}
		if rec := b.uiRequest(t, "GET", "/ui/login?workspace=other", "", nil); strings.Contains(rec.Body.String(), `id="sso"`) {
			t.Errorf("the button shows for a workspace without SSO")
		}
		req := httptest.NewRequest(http.MethodGet, "/ui/login", nil)
		req.Header.Set("Accept-Language", "ja")
		rec = httptest.NewRecorder()
		b.handler.ServeHTTP(rec, req)
		if !strings.Contains(rec.Body.String(), "シングルサインオンでログイン") {
			t.Errorf("the Japanese button is missing")
		}
	})

	t.Run("ANewPersonLandsInTheConsoleWithTheMappedRole", func(t *testing.T) {
		client, code, page := b.signIn(t, member("mia", "staff", "tabiji-marketers"))
		if code != http.StatusOK || !strings.Contains(page, `id="sso-signedin"`) || !strings.Contains(page, `url=/ui/`) {
			t.Fatalf("callback: %d %s", code, page)
		}
		resp, err := client.Get(b.url + "/ui/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/ui/" {
			t.Fatalf("the console: %d at %s", resp.StatusCode, resp.Request.URL)
		}
		ss, err := b.store.SessionByToken(ctx, sessionCookieOf(client, b.url))
		if err != nil || ss.Role != "marketer" || ss.WorkspaceID != "w" || ss.Email != "mia@example.com" {
			t.Fatalf("session %+v %v", ss, err)
		}
		if p, err := b.store.PersonByEmail(ctx, "mia@example.com"); err != nil || p.PasswordHash != "" {
			t.Errorf("the person has a password or is missing: %+v %v", p, err)
		}
		list, _, err := b.store.AuditLog(ctx, "w", store.AuditFilter{Resource: "members"})
		if err != nil || len(list) != 1 || list[0].Action != "create" || list[0].Actor.Name != "mia@example.com" || !strings.Contains(string(list[0].After), `"marketer"`) {
			t.Errorf("audit: %+v %v", list, err)
		}
	})

	t.Run("EachSignInSetsTheRoleFromTheClaim", func(t *testing.T) {
		client, code, page := b.signIn(t, member("mia", "tabiji-analysts"))
		if code != http.StatusOK {
			t.Fatalf("callback: %d %s", code, page)
		}
		if ss, err := b.store.SessionByToken(ctx, sessionCookieOf(client, b.url)); err != nil || ss.Role != "analyst" {
			t.Fatalf("session %+v %v", ss, err)
		}
		list, _, _ := b.store.AuditLog(ctx, "w", store.AuditFilter{Resource: "members", Action: "update"})
		if len(list) != 1 || !strings.Contains(string(list[0].Before), `"marketer"`) || !strings.Contains(string(list[0].After), `"analyst"`) {
			t.Errorf("the role change is not audited: %+v", list)
		}
	})

	t.Run("TheLastOwnerKeepsTheOwnerRole", func(t *testing.T) {
		client, code, _ := b.signIn(t, member("boss", "tabiji-analysts"))
		if ss, err := b.store.SessionByToken(ctx, sessionCookieOf(client, b.url)); code != 200 || err != nil || ss.Role != "owner" {
			t.Errorf("the last owner: %d %+v %v", code, ss, err)
		}
	})

	t.Run("ASessionItOpensStaysInItsWorkspace", func(t *testing.T) {
		b.person(t, "other", "mia@example.com", "owner")
		client, _, _ := b.signIn(t, member("mia", "tabiji-marketers"))
		token := sessionCookieOf(client, b.url)
		code, raw := b.do(t, "PUT", "/v1/me/workspace", map[string]string{"Cookie": sessionCookie + "=" + token,
			"X-CSRF-Token": people.CSRFToken(token), "Content-Type": "application/json"}, `{"workspace":"other"}`)
		if code != http.StatusUnprocessableEntity || !strings.Contains(raw, "single sign-on stays in its workspace") {
			t.Errorf("switching an SSO session to another workspace: %d %s", code, raw)
		}
		if p, _ := b.store.PersonByEmail(ctx, "mia@example.com"); p.LastWorkspaceID == "w" {
			t.Errorf("the provider set the person's last workspace")
		}
	})

	t.Run("AnAnswerMustBelongToThisBrowsersLogin", func(t *testing.T) {
		b.idp.SignIn(member("ann", "tabiji-marketers"))
		a, answerA := b.answerOf(t)
		other, answerB := b.answerOf(t)
		reason := func(client *http.Client, query string) (int, string) {
			t.Helper()
			resp, err := client.Get(b.url + "/ui/sso/callback?" + query)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, r := range []string{"expired", "state", "token"} {
				if strings.Contains(string(page), htmlEscape(console.T("en", "sso.failed."+r))) {
					return resp.StatusCode, r
				}
			}
			return resp.StatusCode, string(page)
		}
		fresh := &http.Client{}
		if code, r := reason(fresh, answerA.RawQuery); code != 400 || r != "expired" {
			t.Errorf("without the login cookie: %d %s", code, r)
		}
		// B's cookie and state with A's code: the PKCE verifier is B's, so the provider refuses the code.
		q := answerA.Query()
		q.Set("state", answerB.Query().Get("state"))
		if code, r := reason(other, q.Encode()); code != 400 || r != "token" {
			t.Errorf("another login's code: %d %s", code, r)
		}
		// A's cookie with a state that is not its own.
		q = answerA.Query()
		q.Set("state", "forged")
		if code, r := reason(a, q.Encode()); code != 400 || r != "state" {
			t.Errorf("a forged state: %d %s", code, r)
		}
		if code, r := reason(a, answerA.RawQuery); code != 400 || r != "expired" {
			t.Errorf("the login cookie is not spent by a failed callback: %d %s", code, r)
		}
		if p, err := b.store.PersonByEmail(ctx, "ann@example.com"); err == nil {
			t.Errorf("a refused sign-in made a person: %+v", p)
		}
	})

	t.Run("WithOnlyADefaultRoleTheRoleIsANewMembersOnly", func(t *testing.T) {
		b.idp.SignIn(nil)
		code, raw := b.do(t, "PUT", "/v1/workspace/sso", b.admin, b.settingsBody(func(m map[string]any) {
			delete(m, "roles")
			delete(m, "roleClaim")
			m["defaultRole"] = "analyst"
		}))
		if code != http.StatusOK {
			t.Fatalf("PUT: %d %s", code, raw)
		}
		roleOf := func(person ssotest.Person) string {
			client, code, page := b.signIn(t, person)
			ss, err := b.store.SessionByToken(ctx, sessionCookieOf(client, b.url))
			if code != http.StatusOK || err != nil {
				t.Fatalf("sign-in: %d %v %s", code, err, page)
			}
			return ss.Role
		}
		if r := roleOf(member("mia")); r != "marketer" {
			t.Errorf("a member's role became %s", r)
		}
		if r := roleOf(member("neo")); r != "analyst" {
			t.Errorf("a new member's role is %s", r)
		}
		b.configure(t)
	})

	t.Run("WrongAnswersAreRefusedWithAPageSayingWhatToDo", func(t *testing.T) {
		cases := map[string]struct {
			person ssotest.Person
			tamper func(map[string]any)
			deny   string
			status int
			reason string
		}{
			"WrongAudience":     {member("ann", "tabiji-marketers"), func(c map[string]any) { c["aud"] = "another-client" }, "", 400, "token"},
			"Expired":           {member("ann", "tabiji-marketers"), func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }, "", 400, "token"},
			"BadNonce":          {member("ann", "tabiji-marketers"), func(c map[string]any) { c["nonce"] = "replayed" }, "", 400, "token"},
			"OtherIssuer":       {member("ann", "tabiji-marketers"), func(c map[string]any) { c["iss"] = "https://evil.example" }, "", 400, "token"},
			"UnverifiedEmail":   {ssotest.Person{"email": "ann@example.com", "email_verified": false, "groups": []any{"tabiji-marketers"}}, nil, "", 403, "unverified"},
			"NoEmailVerified":   {ssotest.Person{"email": "ann@example.com", "groups": []any{"tabiji-marketers"}}, nil, "", 403, "unverified"},
			"UnmappedGroup":     {member("ann", "sales"), nil, "", 403, "unmapped"},
			"OtherDomain":       {ssotest.Person{"email": "ann@example.org", "email_verified": true, "groups": []any{"tabiji-owners"}}, nil, "", 403, "domain"},
			"ProviderSaidNo":    {member("ann", "tabiji-marketers"), nil, "access_denied", 403, "denied"},
			"NotAnEmailAddress": {ssotest.Person{"email": "Ann <ann@example.com>", "email_verified": true, "groups": []any{"tabiji-owners"}}, nil, "", 403, "unverified"},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				b.idp.SignIn(tc.person)
				b.idp.Tamper(tc.tamper)
				if tc.deny != "" {
					b.idp.Deny(tc.deny)
				}
				jar, _ := cookiejar.New(nil)
				client := &http.Client{Jar: jar}
				resp, err := client.Get(b.url + "/ui/sso/w/start")
				if err != nil {
					t.Fatal(err)
				}
				page, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				want := console.T("en", "sso.failed."+tc.reason)
				if resp.StatusCode != tc.status || !strings.Contains(string(page), htmlEscape(want)) || sessionCookieOf(client, b.url) != "" {
					t.Errorf("%d (want %d), session %q:\n%s", resp.StatusCode, tc.status, sessionCookieOf(client, b.url), page)
				}
			})
		}
		if p, err := b.store.PersonByEmail(ctx, "ann@example.com"); err == nil {
			t.Errorf("a refused sign-in made a person: %+v", p)
		}
	})
}

func htmlEscape(s string) string {
	return strings.NewReplacer("'", "&#39;", `"`, "&#34;", "&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
