package tests

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/cli"
	"github.com/tabiji/tabiji/pgtest"
)

// TestKeysCLI creates, lists and revokes keys with the tabiji command in
// this process, and uses them against the API on the same database (no
// journey is active, so ingestion needs no Temporal).
func TestKeysCLI(t *testing.T) {
	ctx := context.Background()
	c := cliStack(t)
	run, srv := c.onDB, c.api
	track := func(secret string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/track", strings.NewReader(`{"userId":"u","event":"e"}`))
		req.SetBasicAuth(secret, "")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	secretRE := regexp.MustCompile(`tbj_w_[0-9A-Za-z]{32}`)
	idRE := regexp.MustCompile(`key_[0-9a-z]+`)

	out, err := run("keys", "create", "--workspace", "acme", "--role", "write", "--name", "checkout service")
	secret, id := secretRE.FindString(out), idRE.FindString(out)
	if err != nil || secret == "" || id == "" || !strings.Contains(out, "shown once") {
		t.Fatalf("keys create = %v\n%s", err, out)
	}
	if status := track(secret); status != http.StatusOK {
		t.Errorf("the created key sends events: %d, want 200", status)
	}
	if _, err := run("keys", "create", "--workspace", "other", "--role", "admin"); err != nil {
		t.Fatal(err)
	}

	out, err = run("keys", "list", "--workspace", "acme")
	if err != nil || !strings.Contains(out, id) || !strings.Contains(out, "checkout service") || strings.Contains(out, secret[6:]) ||
		strings.Contains(out, "other") {
		t.Errorf("keys list --workspace acme = %v\n%s", err, out)
	}
	if out, _ := run("keys", "list"); !strings.Contains(out, "other") || !strings.Contains(out, "acme") {
		t.Errorf("keys list = %s", out)
	}
	out, err = run("workspaces", "list")
	if err != nil || !strings.Contains(out, "acme") || !strings.Contains(out, "other") {
		t.Errorf("workspaces list = %v\n%s", err, out)
	}

	out, err = run("keys", "revoke", id)
	if err != nil || !strings.Contains(out, "revoked write key "+id+" of workspace acme") {
		t.Errorf("keys revoke = %v\n%s", err, out)
	}
	if status := track(secret); status != http.StatusUnauthorized {
		t.Errorf("a revoked key sends events: %d, want 401", status)
	}
	out, _ = run("keys", "list", "--workspace", "acme")
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, id) && strings.HasSuffix(strings.TrimSpace(line), " -") {
			t.Errorf("keys list does not show the revocation: %s", line)
		}
	}

	for name, args := range map[string][]string{
		"UnknownKey":   {"keys", "revoke", "key_nope"},
		"BadRole":      {"keys", "create", "--workspace", "acme", "--role", "owner"},
		"BadWorkspace": {"keys", "create", "--workspace", "Acme Inc", "--role", "write"},
	} {
		if out, err := run(args...); err == nil {
			t.Errorf("%s: no error\n%s", name, out)
		}
	}
	var out2, errOut bytes.Buffer
	err = cli.Run(ctx, []string{"keys", "list", "--database-url", pgtest.EmptyURL(t)}, &out2, &errOut)
	if err == nil || !strings.Contains(err.Error(), "tabiji migrate") {
		t.Errorf("keys list on a schema that is behind = %v", err)
	}
}
