package tests

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestUsersCLI gives a workspace its first owner and a marketer with the
// tabiji command, as an operator does outside tabiji dev, and logs them in
// to the console of an API on the same database; a reset password ends the
// old one, the last owner keeps their role, a removed person cannot log in.
func TestUsersCLI(t *testing.T) {
	c := cliStack(t)
	c.workspace(t, "acme", "Acme")
	run, srv := c.onDB, c.api
	passwordRE := regexp.MustCompile(`password  (\S+)`)

	out, err := run("users", "add", "Hana@Example.jp", "--workspace", "acme", "--role", "owner", "--locale", "ja")
	owner := passwordRE.FindStringSubmatch(out)
	if err != nil || owner == nil || !strings.Contains(out, "shown once") {
		t.Fatalf("users add = %v\n%s", err, out)
	}
	if role := consoleRole(t, srv.URL, "hana@example.jp", owner[1]); role != "owner" {
		t.Fatalf("the new owner logs in as %q, want owner", role)
	}
	out, err = run("users", "add", "ken@example.jp", "--workspace", "acme", "--role", "marketer")
	marketer := passwordRE.FindStringSubmatch(out)
	if err != nil || marketer == nil {
		t.Fatalf("users add marketer = %v\n%s", err, out)
	}
	if role := consoleRole(t, srv.URL, "ken@example.jp", marketer[1]); role != "marketer" {
		t.Errorf("the marketer logs in as %q", role)
	}
	if out, err := run("users", "list", "--workspace", "acme"); err != nil ||
		!regexp.MustCompile(`hana@example\.jp\s+owner\s+ja`).MatchString(out) || !regexp.MustCompile(`ken@example\.jp\s+marketer\s+-`).MatchString(out) {
		t.Errorf("users list = %v\n%s", err, out)
	}
	if out, err := run("users", "set-role", "hana@example.jp", "--workspace", "acme", "--role", "analyst"); err == nil {
		t.Errorf("the last owner became an analyst:\n%s", out)
	}
	if _, err := run("users", "set-role", "ken@example.jp", "--workspace", "acme", "--role", "analyst"); err != nil {
		t.Fatal(err)
	}
	if role := consoleRole(t, srv.URL, "ken@example.jp", marketer[1]); role != "analyst" {
		t.Errorf("after set-role the person logs in as %q, want analyst", role)
	}
	out, err = run("users", "reset-password", "ken@example.jp", "--workspace", "acme")
	reset := passwordRE.FindStringSubmatch(out)
	if err != nil || reset == nil || reset[1] == marketer[1] {
		t.Fatalf("users reset-password = %v\n%s", err, out)
	}
	if role := consoleRole(t, srv.URL, "ken@example.jp", marketer[1]); role != "" {
		t.Errorf("the old password still logs in (%s)", role)
	}
	if _, err := run("users", "remove", "ken@example.jp", "--workspace", "acme"); err != nil {
		t.Fatal(err)
	}
	if role := consoleRole(t, srv.URL, "ken@example.jp", reset[1]); role != "" {
		t.Errorf("a removed person still logs in (%s)", role)
	}
	for _, bad := range [][]string{
		{"users", "add", "not an address", "--workspace", "acme", "--role", "owner"},
		{"users", "add", "x@example.jp", "--workspace", "acme", "--role", "admin"},
		{"users", "add", "x@example.jp", "--workspace", "nowhere", "--role", "owner"},
		{"users", "remove", "nobody@example.jp", "--workspace", "acme"},
	} {
		if out, err := run(bad...); err == nil {
			t.Errorf("%v succeeded:\n%s", bad, out)
		}
	}
}

// consoleRole logs in at /ui/login and answers the role /v1/me gives the
// session, or "" when the login is refused.
func consoleRole(t *testing.T, base, email, password string) string {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(base+"/ui/login", url.Values{"email": {email}, "password": {password}, "next": {"/ui/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return ""
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/me", nil)
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	me, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer me.Body.Close()
	var body struct{ Role string }
	if err := json.NewDecoder(me.Body).Decode(&body); err != nil || me.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/me after login: %d %v", me.StatusCode, err)
	}
	return body.Role
}
