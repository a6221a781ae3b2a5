package tests

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

// limitsBundle is an API on real Postgres with the given Deps (Store is
// filled in), and an admin and two write keys of workspace acme.
type limitsBundle struct {
	t                    *testing.T
	st                   *store.Store
	url                  string
	admin, write, write2 string
}

func setupLimits(t *testing.T, d api.Deps) *limitsBundle {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	b := &limitsBundle{t: t, st: st}
	if err := st.EnsureWorkspace(ctx, "acme", "Acme"); err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct {
		role store.Role
		dst  *string
	}{{store.RoleAdmin, &b.admin}, {store.RoleWrite, &b.write}, {store.RoleWrite, &b.write2}} {
		if *k.dst, _, err = st.CreateKey(ctx, "acme", k.role, ""); err != nil {
			t.Fatal(err)
		}
	}
	hash, err := cheapHashes.Hash(e2ePassword)
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.CreatePerson(ctx, "ops@acme.example", hash, "")
	if err == nil {
		err = st.AddMember(ctx, "acme", p.ID, "owner")
	}
	if err != nil {
		t.Fatal(err)
	}
	d.Store = st
	srv := httptest.NewServer(api.NewServer(d))
	t.Cleanup(srv.Close)
	b.url = srv.URL
	return b
}

func (b *limitsBundle) send(method, path, key, body string, header map[string]string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(method, b.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// wantThrottled checks a 429 with a Retry-After of at least a second.
func wantThrottled(t *testing.T, what string, resp *http.Response, body string) {
	t.Helper()
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || err != nil || secs < 1 {
		t.Errorf("%s = %d Retry-After %q %s, want 429 with Retry-After", what, resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

// TestSecurityLimitsRatePerKey: with limits turned on, a key over its
// ingestion or management rate gets 429 with Retry-After; another key is
// not held back by it.
func TestSecurityLimitsRatePerKey(t *testing.T) {
	// One request per 100 s after a burst of 2: the third is refused
	// whatever the machine's speed.
	slow := api.Rate{PerSecond: 0.01, Burst: 2}
	b := setupLimits(t, api.Deps{Limits: api.Limits{Ingest: slow, Manage: slow}})
	track := `{"userId":"u1","event":"Viewed"}`
	for i := range 2 {
		if resp, body := b.send("POST", "/v1/track", b.write, track, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("track %d = %d %s", i, resp.StatusCode, body)
		}
	}
	resp, body := b.send("POST", "/v1/track", b.write, track, nil)
	wantThrottled(t, "third track", resp, body)
	if resp, body := b.send("POST", "/v1/track", b.write2, track, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("another key's track = %d %s, want 200", resp.StatusCode, body)
	}
	for range 2 {
		b.send("GET", "/v1/journeys", b.admin, "", nil)
	}
	resp, body = b.send("GET", "/v1/journeys", b.admin, "", nil)
	wantThrottled(t, "third management call", resp, body)
	if resp, body := b.send("POST", "/v1/track", b.admin, track, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the admin key's ingestion = %d %s: the management limit is its own", resp.StatusCode, body)
	}
}

// TestSecurityLimitsLoginThrottle: POST /ui/login is throttled per remote
// address and per email address tried; a spoofed X-Forwarded-For does not
// get round it unless the proxy is trusted.
func TestSecurityLimitsLoginThrottle(t *testing.T) {
	login := func(b *limitsBundle, email, password, from string) (*http.Response, string) {
		form := url.Values{"email": {email}, "password": {password}, "next": {"/ui/"}}.Encode()
		return b.send("POST", "/ui/login", "", form, map[string]string{
			"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": from})
	}
	three := api.Limits{Login: api.Rate{PerSecond: 0.001, Burst: 3}}

	t.Run("PerAddress", func(t *testing.T) {
		b := setupLimits(t, api.Deps{Limits: three})
		for i := range 3 { // a spoofed address per try: not trusted, so all one address
			if resp, _ := login(b, "guess"+strconv.Itoa(i)+"@acme.example", "guess", "192.0.2."+strconv.Itoa(i)); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("guess %d = %d, want 401", i, resp.StatusCode)
			}
		}
		resp, body := login(b, "ops@acme.example", e2ePassword, "192.0.2.99")
		wantThrottled(t, "a fourth login from the same address", resp, body)
	})
	t.Run("PerAccountTried", func(t *testing.T) {
		b := setupLimits(t, api.Deps{Limits: three, TrustedProxies: []string{"127.0.0.1/32", "::1/128"}})
		for i := range 3 {
			if resp, _ := login(b, "victim@acme.example", "guess"+strconv.Itoa(i), "192.0.2."+strconv.Itoa(i)); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("try %d = %d, want 401", i, resp.StatusCode)
			}
		}
		resp, body := login(b, "Victim@acme.example", "guess", "192.0.2.50")
		wantThrottled(t, "the same account from a fourth address", resp, body)
		if resp, body := login(b, "ops@acme.example", e2ePassword, "192.0.2.51"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the admin logging in from elsewhere = %d %s, want 303", resp.StatusCode, body)
		}
	})
}

// TestSecurityLimitsReadyzLeaksNothing: with Postgres gone and Temporal
// unreachable, the unauthenticated /readyz says so without the errors'
// text (addresses, driver messages).
func TestSecurityLimitsReadyzLeaksNothing(t *testing.T) {
	ctx := context.Background()
	broken, err := store.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	broken.Close() // every query now fails
	tc, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: broken, Temporal: tc}))
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(raw)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"postgres":"failing"`) || !strings.Contains(body, `"temporal":"failing"`) {
		t.Errorf("readyz = %d %s, want 503 with both failing", resp.StatusCode, body)
	}
	for _, leak := range []string{"127.0.0.1", "closed", "pool", "dial", "refused", "rpc", "error"} {
		if strings.Contains(strings.ToLower(body), leak) {
			t.Errorf("readyz leaks %q: %s", leak, body)
		}
	}
}

// TestSecurityLimitsSessionCookie: behind a TLS-terminating proxy (the API
// sees plain HTTP) with an https public URL, the session cookie is Secure
// and __Host- prefixed, and it opens the pages.
func TestSecurityLimitsSessionCookie(t *testing.T) {
	b := setupLimits(t, api.Deps{PublicURL: "https://tabiji.example"})
	form := url.Values{"email": {"ops@acme.example"}, "password": {e2ePassword}, "next": {"/ui/"}}.Encode()
	resp, body := b.send("POST", "/ui/login", "", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("login = %d %v %s", resp.StatusCode, resp.Cookies(), body)
	}
	c := resp.Cookies()[0]
	if c.Name != "__Host-tabiji_session" || !c.Secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("session cookie = %+v, want __Host-tabiji_session, Secure, Path=/, HttpOnly, SameSite=Strict", c)
	}
	req, _ := http.NewRequest(http.MethodGet, b.url+"/ui/", nil)
	req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	page, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != http.StatusOK {
		t.Errorf("the index with the cookie = %d, want 200", page.StatusCode)
	}

	plain := setupLimits(t, api.Deps{PublicURL: "http://localhost:8080"})
	resp, _ = plain.send("POST", "/ui/login", "", url.Values{"email": {"ops@acme.example"}, "password": {e2ePassword}}.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if cs := resp.Cookies(); len(cs) != 1 || cs[0].Name != "tabiji_session" || cs[0].Secure {
		t.Errorf("plain-HTTP public URL cookie = %v, want tabiji_session without Secure", cs)
	}
}
