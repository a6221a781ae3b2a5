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

func (b *webhookBundle) login(t *testing.T, secret, next string) *httptest.ResponseRecorder {
	t.Helper()
	return b.uiRequest(t, "POST", "/ui/login", "", url.Values{"key": {secret}, "next": {next}})
}

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
	b.handler = NewServer(Deps{Store: b.store, Temporal: noVisibility{b.signals}})
	admin, write := b.keys(t, "w")
	adminKey := strings.TrimPrefix(admin["Authorization"], "Bearer ")
	writeKey := keyFromBasic(t, write["Authorization"])

	t.Run("APageWithoutASessionGoesToTheLoginForm", func(t *testing.T) {
		rec := b.uiRequest(t, "GET", "/ui/customers/u1", "", nil)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ui/login?next=%2Fui%2Fcustomers%2Fu1" {
			t.Fatalf("%d to %q", rec.Code, rec.Header().Get("Location"))
		}
		form := b.uiRequest(t, "GET", "/ui/login?next=/ui/customers/u1", "", nil)
		if form.Code != 200 || !strings.Contains(form.Body.String(), `name="key" type="password"`) ||
			!strings.Contains(form.Header().Get("Content-Security-Policy"), "script-src 'self'") {
			t.Fatalf("login form: %d %s", form.Code, form.Body.String())
		}
	})
	t.Run("AWrongOrWriteKeyIsRefused", func(t *testing.T) {
		if rec := b.login(t, "tbj_a_nope", "/ui/"); rec.Code != http.StatusUnauthorized || len(rec.Result().Cookies()) != 0 {
			t.Errorf("unknown key: %d, cookies %v", rec.Code, rec.Result().Cookies())
		}
		if rec := b.login(t, writeKey, "/ui/"); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "write key") {
			t.Errorf("write key: %d %s", rec.Code, rec.Body.String())
		}
	})
	t.Run("AnAdminKeyOpensAStrictHttpOnlySession", func(t *testing.T) {
		rec := b.login(t, adminKey, "/ui/customers/u1")
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ui/customers/u1" {
			t.Fatalf("%d to %q", rec.Code, rec.Header().Get("Location"))
		}
		c := sessionFrom(t, rec)
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Value == adminKey || strings.Contains(rec.Header().Get("Location"), adminKey) {
			t.Fatalf("cookie %+v", c)
		}
		b.sendMessage(t, "m1", "email")
		page := b.uiRequest(t, "GET", "/ui/customers/u1", c.Value, nil)
		body := page.Body.String()
		if page.Code != 200 || !strings.Contains(body, `id="customer-id">u1<`) || !strings.Contains(body, "email message from j1/send") ||
			!strings.Contains(body, "could not be listed from Temporal") {
			t.Fatalf("customer page: %d %s", page.Code, body)
		}
		out := b.uiRequest(t, "POST", "/ui/logout", c.Value, url.Values{})
		if out.Code != http.StatusSeeOther {
			t.Fatalf("logout: %d", out.Code)
		}
		if again := b.uiRequest(t, "GET", "/ui/customers/u1", c.Value, nil); again.Code != http.StatusSeeOther {
			t.Errorf("after logout the session still opens pages: %d", again.Code)
		}
	})
	t.Run("LoginNeverRedirectsOffTheReportPages", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/", "//evil.example/ui/", "/v1/journeys"} {
			if rec := b.login(t, adminKey, next); rec.Header().Get("Location") != "/ui/" {
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
		c := sessionFrom(t, b.login(t, adminKey, "/ui/"))
		if rec := b.uiRequest(t, "GET", "/ui/customers/nobody", c.Value, nil); rec.Code != http.StatusNotFound {
			t.Errorf("unknown customer: %d", rec.Code)
		}
	})
}

// keyFromBasic is the key of an HTTP Basic header whose username is the key.
func keyFromBasic(t *testing.T, header string) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", header)
	user, _, ok := req.BasicAuth()
	if !ok {
		t.Fatalf("not a Basic header: %q", header)
	}
	return user
}
