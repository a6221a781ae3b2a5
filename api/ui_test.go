package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/store"
)

// noVisibility is a Temporal client whose visibility is down.
type noVisibility struct{ *signalRecorder }

func (noVisibility) ListWorkflow(context.Context, *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	return nil, errors.New("visibility unavailable")
}

// uiRequest sends a request with an optional cookie and form, following no redirect.
func (b *webhookBundle) uiRequest(t *testing.T, method, path, cookie string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
	}
	rec := httptest.NewRecorder()
	b.handler.ServeHTTP(rec, req)
	return rec
}

func (b *webhookBundle) login(t *testing.T, email, password, next string) *httptest.ResponseRecorder {
	t.Helper()
	return b.uiRequest(t, "POST", "/ui/login", "", url.Values{"email": {email}, "password": {password}, "next": {next}})
}

// cheapHashes keep the tests' argon2id hashing fast; the parameters are
// in every hash, so production's are still checked by people's tests.
var cheapHashes = people.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// person makes a person with the password "correct horse battery" and the
// role in the workspace, and returns their id.
func (b *webhookBundle) person(t *testing.T, ws, email, role string) string {
	t.Helper()
	ctx := context.Background()
	hash, err := cheapHashes.Hash(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.store.PersonByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		p, err = b.store.CreatePerson(ctx, email, hash, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := b.store.AddMember(ctx, ws, p.ID, role); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

const testPassword = "correct horse battery"

func sessionFrom(t *testing.T, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", rec.Header())
	return nil
}

func TestReportLogin(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	b.handler = NewServer(Deps{Store: b.store, Temporal: noVisibility{b.signals}, PasswordParams: cheapHashes})
	b.person(t, "w", "ann@example.com", "analyst")

	t.Run("APageWithoutASessionGoesToTheLoginForm", func(t *testing.T) {
		rec := b.uiRequest(t, "GET", "/ui/customers/u1", "", nil)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ui/login?next=%2Fui%2Fcustomers%2Fu1" {
			t.Fatalf("%d to %q", rec.Code, rec.Header().Get("Location"))
		}
		form := b.uiRequest(t, "GET", "/ui/login?next=/ui/customers/u1", "", nil)
		if form.Code != 200 || !strings.Contains(form.Body.String(), `name="password" type="password"`) ||
			!strings.Contains(form.Body.String(), `name="email" type="email"`) ||
			!strings.Contains(form.Header().Get("Content-Security-Policy"), "script-src 'self'") {
			t.Fatalf("login form: %d %s", form.Code, form.Body.String())
		}
	})
	t.Run("AWrongPasswordOrUnknownAddressIsRefusedAlike", func(t *testing.T) {
		wrong := b.login(t, "ann@example.com", "not the password", "/ui/")
		unknown := b.login(t, "bob@example.com", testPassword, "/ui/")
		for _, rec := range []*httptest.ResponseRecorder{wrong, unknown} {
			if rec.Code != http.StatusUnauthorized || len(rec.Result().Cookies()) != 0 || !strings.Contains(rec.Body.String(), "email address or the password is wrong") {
				t.Errorf("refused login: %d, cookies %v, %s", rec.Code, rec.Result().Cookies(), rec.Body.String())
			}
		}
	})
	t.Run("APersonWithoutAWorkspaceIsToldSo", func(t *testing.T) {
		id := b.person(t, "other", "gone@example.com", "owner")
		b.person(t, "other", "keeper@example.com", "owner")
		if err := b.store.RemoveMember(context.Background(), "other", id); err != nil {
			t.Fatal(err)
		}
		if rec := b.login(t, "gone@example.com", testPassword, "/ui/"); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "no workspace") {
			t.Errorf("no workspace: %d %s", rec.Code, rec.Body.String())
		}
	})
	t.Run("APasswordOpensAStrictHttpOnlySessionOnPathRoot", func(t *testing.T) {
		rec := b.login(t, " Ann@Example.com ", testPassword, "/ui/customers/u1")
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ui/customers/u1" {
			t.Fatalf("%d to %q", rec.Code, rec.Header().Get("Location"))
		}
		c := sessionFrom(t, rec)
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || strings.Contains(rec.Header().Get("Location"), c.Value) {
			t.Fatalf("cookie %+v", c)
		}
		b.sendMessage(t, "m1", "email")
		page := b.uiRequest(t, "GET", "/ui/customers/u1", c.Value, nil)
		body := page.Body.String()
		if page.Code != 200 || !strings.Contains(body, `id="customer-id">u1<`) || !strings.Contains(body, "email message from j1/send") ||
			!strings.Contains(body, "could not be listed from Temporal") {
			t.Fatalf("customer page: %d %s", page.Code, body)
		}
		if forged := b.uiRequest(t, "POST", "/ui/logout", c.Value, url.Values{"csrf_token": {"forged"}}); forged.Code != http.StatusForbidden {
			t.Fatalf("logout without the session's CSRF token: %d", forged.Code)
		}
		if still := b.uiRequest(t, "GET", "/ui/customers/u1", c.Value, nil); still.Code != http.StatusOK {
			t.Fatalf("a refused logout closed the session: %d", still.Code)
		}
		out := b.uiRequest(t, "POST", "/ui/logout", c.Value, url.Values{"csrf_token": {people.CSRFToken(c.Value)}})
		if out.Code != http.StatusSeeOther {
			t.Fatalf("logout: %d", out.Code)
		}
		if again := b.uiRequest(t, "GET", "/ui/customers/u1", c.Value, nil); again.Code != http.StatusSeeOther {
			t.Errorf("after logout the session still opens pages: %d", again.Code)
		}
	})
	t.Run("LoginNeverRedirectsOffTheReportPages", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/", "//evil.example/ui/", "/v1/journeys"} {
			if rec := b.login(t, "ann@example.com", testPassword, next); rec.Header().Get("Location") != "/ui/" {
				t.Errorf("next %q redirected to %q", next, rec.Header().Get("Location"))
			}
		}
	})
	t.Run("AssetsAreServedWithoutASession", func(t *testing.T) {
		rec := b.uiRequest(t, "GET", "/ui/assets/uplot/uPlot.iife.min.js", "", nil)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "uPlot") {
			t.Errorf("uPlot: %d", rec.Code)
		}
		if rec := b.uiRequest(t, "GET", "/ui/assets/uplot/LICENSE", "", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "MIT") {
			t.Errorf("licence: %d", rec.Code)
		}
	})
	t.Run("AnUnknownCustomerIsA404", func(t *testing.T) {
		c := sessionFrom(t, b.login(t, "ann@example.com", testPassword, "/ui/"))
		if rec := b.uiRequest(t, "GET", "/ui/customers/nobody", c.Value, nil); rec.Code != http.StatusNotFound {
			t.Errorf("unknown customer: %d", rec.Code)
		}
	})
}
