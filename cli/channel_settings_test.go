package cli

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

// TestChannelsCommands: tabiji channels set, list, show and delete against
// a running API; no output ever shows a secret, only its fingerprint; a bad
// value is an error naming the field; every subcommand has --help.
func TestChannelsCommands(t *testing.T) {
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
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: st, Channels: settings.NewResolver(st, settings.Options{Keyring: keys,
		Defaults: map[string]settings.Values{"email": {settings.BaseURL: "https://sg.example"}}})}))
	t.Cleanup(srv.Close)
	t.Setenv("TABIJI_API_URL", srv.URL)
	t.Setenv("TABIJI_ADMIN_KEY", admin)
	const secret = "SG.cli-secret-value"
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := Run(ctx, args, &out, &errOut)
		return out.String() + errOut.String(), err
	}

	var outputs []string
	out, err := run("channels", "set", "email", "--api-key", secret) // the base URL is the operator's
	if err != nil || !strings.Contains(out, "set ("+settings.Fingerprint(secret)+")") || !strings.Contains(out, "https://sg.example") {
		t.Fatalf("set: %v\n%s", err, out)
	}
	outputs = append(outputs, out)
	for _, args := range [][]string{{"channels", "list"}, {"channels", "show", "email"}, {"channels", "show", "email", "-o", "json"}, {"channels", "list", "-o", "json"}} {
		out, err := run(args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		outputs = append(outputs, out)
	}
	if !strings.Contains(outputs[1], "email    sendgrid") || !strings.Contains(outputs[1], "line     outbox") {
		t.Errorf("list:\n%s", outputs[1])
	}
	for _, o := range outputs {
		if strings.Contains(o, secret) {
			t.Errorf("an output shows the secret:\n%s", o)
		}
	}

	if _, err := run("channels", "set", "email", "--webhook-public-key", "not-a-key"); err == nil || !strings.Contains(err.Error(), "webhookPublicKey: must be the base64 ECDSA public key") {
		t.Errorf("bad public key: %v", err)
	}
	if _, err := run("channels", "set", "line"); err == nil || !strings.Contains(err.Error(), "give at least one setting") {
		t.Errorf("no setting: %v", err)
	}
	if out, err := run("channels", "delete", "email"); err != nil || !strings.Contains(out, "deleted") {
		t.Errorf("delete: %v %s", err, out)
	}
	if _, err := run("channels", "delete", "email"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("second delete: %v", err)
	}
	for _, sub := range []string{"list", "show", "set", "delete"} {
		if out, err := run("channels", sub, "--help"); err != nil || !strings.Contains(out, "Usage: tabiji channels "+sub) {
			t.Errorf("channels %s --help: %v\n%s", sub, err, out)
		}
	}
}

// TestChannelsSetReadsASecretFromStdin: "-" takes the secret from stdin,
// so it stays out of the shell history and the process list.
func TestChannelsSetReadsASecretFromStdin(t *testing.T) {
	c := ChannelsSetCmd{Channel: "line", ChannelSecret: "-", ChannelAccessToken: "tok"}
	v, err := c.values(strings.NewReader("from-stdin\n"))
	if err != nil || v["channelSecret"] != "from-stdin" || v["channelAccessToken"] != "tok" {
		t.Errorf("values = %v, %v", v, err)
	}
	c.ChannelAccessToken = "-"
	if _, err := c.values(strings.NewReader("x\n")); err == nil {
		t.Error("two settings from stdin were taken")
	}
}
