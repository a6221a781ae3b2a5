package tests

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestUsersInviteCLI: after `tabiji users add` gives a workspace its first
// owner in the database, `tabiji users invite` invites a marketer through
// the API with an admin key and prints the link; the person sets a
// password from it; `users list`, `set-role` and `remove` given the admin
// key work through the API (the last owner keeps their role there too).
func TestUsersInviteCLI(t *testing.T) {
	c := cliStack(t)
	c.workspace(t, "acme", "Acme")
	admin, srv, dbURL := c.adminKey(t, "acme"), c.api, c.dbURL
	viaAPI := func(args ...string) (string, error) { return c.onAPI(admin, args...) }

	if out, err := c.onDB("users", "add", "hana@example.jp", "--workspace", "acme", "--role", "owner"); err != nil {
		t.Fatalf("users add = %v\n%s", err, out)
	}
	out, err := viaAPI("users", "invite", "--email", "Mio@Example.jp", "--role", "marketer", "--locale", "ja")
	link := regexp.MustCompile(`link  (\S+)`).FindStringSubmatch(out)
	if err != nil || link == nil || !strings.Contains(out, "emailed through outbox") || !strings.HasPrefix(link[1], srv.URL+"/ui/invitations/") {
		t.Fatalf("users invite = %v\n%s", err, out)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(link[1], url.Values{"name": {"Mio"}, "password": {"mio's long password"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accepting the printed link = %d", resp.StatusCode)
	}
	if out, err := viaAPI("users", "list"); err != nil || !regexp.MustCompile(`mio@example\.jp\s+Mio\s+marketer`).MatchString(out) ||
		!regexp.MustCompile(`hana@example\.jp\s+-\s+owner`).MatchString(out) {
		t.Errorf("users list through the API = %v\n%s", err, out)
	}
	if _, err := viaAPI("users", "set-role", "mio@example.jp", "--role", "analyst"); err != nil {
		t.Fatal(err)
	}
	if role := consoleRole(t, srv.URL, "mio@example.jp", "mio's long password"); role != "analyst" {
		t.Errorf("after set-role through the API the person logs in as %q", role)
	}
	if out, err := viaAPI("users", "set-role", "hana@example.jp", "--role", "analyst"); err == nil || !strings.Contains(out+err.Error(), "409") {
		t.Errorf("the last owner lost their role through the API: %v\n%s", err, out)
	}
	if _, err := viaAPI("users", "remove", "mio@example.jp"); err != nil {
		t.Fatal(err)
	}
	if role := consoleRole(t, srv.URL, "mio@example.jp", "mio's long password"); role != "" {
		t.Errorf("a person removed through the API still logs in (%s)", role)
	}
	for _, bad := range [][]string{{"users", "list", "--database-url", dbURL}, {"users", "invite", "--email", "x@example.jp", "--role", "owner", "--admin-key", "tbj_nope", "--api-url", srv.URL}} {
		if out, err := runTabiji(bad...); err == nil {
			t.Errorf("%v succeeded:\n%s", bad, out)
		}
	}
	if out, err := viaAPI("users", "remove", "nobody@example.jp"); err == nil {
		t.Errorf("removing a stranger through the API succeeded:\n%s", out)
	}
}
