package cli

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

// TestSecretsCommands: tabiji secrets set (value from stdin), list and
// delete against a running API; no output shows the value.
func TestSecretsCommands(t *testing.T) {
	clearChannelEnv(t)
	ctx := context.Background()
	st := pgtest.Store(t)
	if err := st.EnsureWorkspace(ctx, "w", "W"); err != nil {
		t.Fatal(err)
	}
	admin, _, err := st.CreateKey(ctx, "w", store.RoleAdmin, "cli")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := settings.NewKeyring("cli-test-secrets-key-0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: st, Channels: settings.NewResolver(st, settings.Options{Keyring: keys})}))
	t.Cleanup(srv.Close)
	t.Setenv("TABIJI_API_URL", srv.URL)
	t.Setenv("TABIJI_ADMIN_KEY", admin)
	const value = "crm-cli-value-0123456789"
	run := func(stdin string, args ...string) (string, error) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.WriteString(stdin); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		old := os.Stdin
		os.Stdin = r
		defer func() { os.Stdin = old; _ = r.Close() }()
		var out, errOut bytes.Buffer
		err = Run(ctx, args, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	out, err := run(value+"\n", "secrets", "set", "crm_token")
	if err != nil || !strings.Contains(out, "{{ secrets.crm_token }}") || !strings.Contains(out, settings.Fingerprint(value)) {
		t.Fatalf("set: %v\n%s", err, out)
	}
	list, err := run("", "secrets", "list")
	if err != nil || !strings.Contains(list, "crm_token") || strings.Contains(out+list, value) {
		t.Errorf("list: %v\n%s", err, list)
	}
	if _, err := run("", "secrets", "set", "crm_token"); err == nil || !strings.Contains(err.Error(), "stdin") {
		t.Errorf("set without a value: %v", err)
	}
	if _, err := run("x\n", "secrets", "set", "Bad-Name"); err == nil || !strings.Contains(err.Error(), "name") {
		t.Errorf("set with a bad name: %v", err)
	}
	if out, err := run("", "secrets", "delete", "crm_token"); err != nil || !strings.Contains(out, "deleted secret crm_token") {
		t.Errorf("delete: %v %s", err, out)
	}
	if _, err := run("", "secrets", "delete", "crm_token"); err == nil {
		t.Error("deleting a missing secret succeeded")
	}
}
