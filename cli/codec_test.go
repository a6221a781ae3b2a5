package cli

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
)

const testSecretsKey = "tabiji-cli-test-secrets-key-0123456789"

// TestProductionRefusesToStartWithoutASecretsKey: without
// TABIJI_SECRETS_KEY, tabiji api and worker would write every payload to
// Temporal in clear, so they stop at start with one line naming it, before
// they connect to anything; a previous key too short to be one is named too.
func TestProductionRefusesToStartWithoutASecretsKey(t *testing.T) {
	clearChannelEnv(t)
	t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none") // never reached
	t.Setenv("TABIJI_SECRETS_KEY_PREVIOUS", "")
	for _, cmd := range []string{"api", "worker"} {
		err := Run(context.Background(), []string{cmd}, io.Discard, io.Discard)
		if err == nil || !strings.HasPrefix(err.Error(), "TABIJI_SECRETS_KEY is not set") || strings.Contains(err.Error(), "\n") {
			t.Errorf("tabiji %s without a secrets key: %v, want one line naming TABIJI_SECRETS_KEY", cmd, err)
		}
	}
	t.Setenv("TABIJI_SECRETS_KEY", testSecretsKey)
	t.Setenv("TABIJI_SECRETS_KEY_PREVIOUS", testSecretsKey+",short")
	for _, cmd := range []string{"api", "worker"} {
		err := Run(context.Background(), []string{cmd}, io.Discard, io.Discard)
		if err == nil || !strings.HasPrefix(err.Error(), "TABIJI_SECRETS_KEY_PREVIOUS (key 2)") {
			t.Errorf("tabiji %s with a short previous key: %v", cmd, err)
		}
	}
}

// TestDevKeepsItsPayloadKey: `tabiji dev` encrypts with the key it keeps
// in the data dir, so runs survive a restart; TABIJI_SECRETS_KEY wins.
func TestDevKeepsItsPayloadKey(t *testing.T) {
	dir := t.TempDir()
	first, err := (&DevCmd{}).devPayloadCodec(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := (&DevCmd{}).devPayloadCodec(dir)
	if err != nil || again.KeyID() != first.KeyID() {
		t.Errorf("restart: key %v, %v; want %s", again, err, first.KeyID())
	}
	d := &DevCmd{}
	d.SecretsKey = testSecretsKey
	given, err := d.devPayloadCodec(dir)
	if err != nil || given.KeyID() == first.KeyID() {
		t.Errorf("TABIJI_SECRETS_KEY ignored: %v", err)
	}
}

func TestDevHTTPAddrIsResolvedBeforeTheWebUIStarts(t *testing.T) {
	bind, dial, err := devHTTPAddr(":0")
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(bind)
	if host != "" || port == "0" || dial != "127.0.0.1:"+port {
		t.Errorf("devHTTPAddr(:0) = %q, %q", bind, dial)
	}
	if got := origin("http://127.0.0.1:8233/namespaces"); got != "http://127.0.0.1:8233" {
		t.Errorf("origin = %q", got)
	}
}
