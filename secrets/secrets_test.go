package secrets_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/secrets"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestReferences(t *testing.T) {
	s := "Bearer {{ secrets.crm_token }} / {{secrets.other}} / {{- secrets.crm_token -}} / {{ customer.id }}"
	if got := strings.Join(secrets.References(s), ","); got != "crm_token,other" {
		t.Errorf("References = %s", got)
	}
	if got := strings.Join(secrets.ReferencesIn("{{ secrets.u }}", map[string]string{"A": "{{ secrets.h }}"},
		map[string]any{"x": []any{"{{ secrets.b }}", 1.0}}), ","); got != "b,h,u" {
		t.Errorf("ReferencesIn = %s", got)
	}
	out, err := secrets.Expand(s, map[string]string{"crm_token": "T", "other": "O"})
	if err != nil || out != "Bearer T / O / T / {{ customer.id }}" {
		t.Errorf("Expand = %q, %v", out, err)
	}
	if _, err := secrets.Expand(s, map[string]string{"crm_token": "T"}); !errors.Is(err, secrets.ErrUnknown) || !strings.Contains(err.Error(), "other") {
		t.Errorf("Expand without other = %v, want ErrUnknown naming it", err)
	}
	if got := secrets.Redact(`parse "https://x/?k=T0k3n": bad`, map[string]string{"k": "T0k3n"}); got != `parse "https://x/?k=[secret k]": bad` {
		t.Errorf("Redact = %s", got)
	}
}

func TestChecks(t *testing.T) {
	for _, name := range []string{"", "Crm", "1token", "crm-token", strings.Repeat("a", 65)} {
		if secrets.CheckName(name) == "" {
			t.Errorf("name %q accepted", name)
		}
	}
	if secrets.CheckName("crm_token2") != "" {
		t.Error("crm_token2 refused")
	}
	for _, v := range []string{"", "a\nX-Evil: 1", strings.Repeat("x", secrets.MaxValue+1)} {
		if secrets.CheckValue(v) == "" {
			t.Errorf("value %.20q accepted", v)
		}
	}
}

func TestVault(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	keys, err := settings.NewKeyring("vault-test-secrets-key-0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	v := secrets.NewVault(st, keys)
	if created, err := v.Put(ctx, "ws_a", "crm_token", "tok-a"); err != nil || !created {
		t.Fatalf("put = %v, %v", created, err)
	}
	if created, err := v.Put(ctx, "ws_a", "crm_token", "tok-a2"); err != nil || created {
		t.Fatalf("replace = %v, %v", created, err)
	}
	got, err := v.Open(ctx, "ws_a", []string{"crm_token"})
	if err != nil || got["crm_token"] != "tok-a2" {
		t.Errorf("open = %v, %v", got, err)
	}
	if _, err := v.Open(ctx, "ws_b", []string{"crm_token"}); !errors.Is(err, secrets.ErrUnknown) {
		t.Errorf("another workspace opened it: %v", err)
	}
	if missing, _ := v.Missing(ctx, "ws_a", []string{"crm_token", "nope"}); len(missing) != 1 || missing[0] != "nope" {
		t.Errorf("missing = %v", missing)
	}
	list, err := v.List(ctx, "ws_a")
	if err != nil || len(list) != 1 || list[0].Fingerprint != settings.Fingerprint("tok-a2") {
		t.Errorf("list = %+v, %v", list, err)
	}
	if _, err := secrets.NewVault(st, nil).Open(ctx, "ws_a", []string{"crm_token"}); !errors.Is(err, secrets.ErrNoKey) {
		t.Errorf("no key: %v", err)
	}
	other, _ := settings.NewKeyring("another-secrets-key-0123456789abcdef00")
	if _, err := secrets.NewVault(st, other).Open(ctx, "ws_a", []string{"crm_token"}); err == nil {
		t.Error("another key opened it")
	}
	if err := v.Delete(ctx, "ws_a", "crm_token"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Open(ctx, "ws_a", []string{"crm_token"}); !errors.Is(err, secrets.ErrUnknown) {
		t.Errorf("after delete: %v", err)
	}
}
