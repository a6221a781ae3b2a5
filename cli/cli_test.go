package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, cmd := range [][]string{{}, {"dev"}, {"api"}, {"worker"}, {"migrate"}} {
		args := append(cmd, "--help")
		out, _, err := run(t, args...)
		if err != nil {
			t.Errorf("tabiji %v: %v", args, err)
		}
		if !strings.Contains(out, "Usage: tabiji") {
			t.Errorf("tabiji %v printed no usage:\n%s", args, out)
		}
	}
	out, _, _ := run(t, "api", "--help")
	for _, env := range []string{"$DATABASE_URL", "$TEMPORAL_ADDRESS", "$TEMPORAL_NAMESPACE", "$TEMPORAL_API_KEY", "$TEMPORAL_TLS_CERT", "$TABIJI_HTTP_ADDR"} {
		if !strings.Contains(out, env) {
			t.Errorf("tabiji api --help does not name %s", env)
		}
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	_, errOut, err := run(t, "launch")
	if !errors.Is(err, ErrUsage) || !strings.Contains(errOut, "unexpected argument launch") {
		t.Errorf("err = %v, stderr = %q", err, errOut)
	}
}

func TestProductionCommandsNameWhatIsMissing(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("TEMPORAL_ADDRESS", "")
	t.Setenv("TABIJI_SECRETS_KEY", "tabiji-cli-test-secrets-key-0123456789")
	for _, cmd := range []string{"api", "worker", "migrate"} {
		_, _, err := run(t, cmd)
		if err == nil || !strings.HasPrefix(err.Error(), "DATABASE_URL is not set") {
			t.Errorf("tabiji %s without DATABASE_URL: %v", cmd, err)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("tabiji %s: the error is more than one line: %q", cmd, err)
		}
	}
	_, _, err := run(t, "migrate", "--database-url", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("tabiji migrate against nothing: %v", err)
	}
}

func TestTemporalTLSFlagsGoTogether(t *testing.T) {
	_, err := TemporalFlags{Address: "x:7233", TLSCert: "/c.pem"}.tlsConfig()
	if err == nil || !strings.Contains(err.Error(), "TEMPORAL_TLS_KEY") {
		t.Errorf("cert without key: %v", err)
	}
	cfg, err := TemporalFlags{Address: "x:7233", APIKey: "k"}.tlsConfig()
	if err != nil || cfg == nil {
		t.Errorf("an API key implies TLS: %v %v", cfg, err)
	}
	if cfg, _ := (TemporalFlags{Address: "x:7233"}).tlsConfig(); cfg != nil {
		t.Errorf("plain address got TLS")
	}
}

func TestScoringAndProfilesCommandsHaveHelp(t *testing.T) {
	for args, want := range map[string]string{
		"scoring apply":   "--file",
		"scoring show":    "--admin-key",
		"scoring score":   "<customer>",
		"profiles import": "--map",
		"profiles export": "--segment",
	} {
		out, _, err := run(t, append(strings.Fields(args), "--help")...)
		if err != nil || !strings.Contains(out, "Usage: tabiji "+args) || !strings.Contains(out, want) {
			t.Errorf("tabiji %s --help = %v:\n%s", args, err, out)
		}
	}
}

func TestProfilesImportSaysWhatIsWrongWithItsFlags(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/c.txt"
	if err := os.WriteFile(path, []byte("id\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{path}, "--format csv or --format jsonl"},
		{[]string{path, "--format", "csv", "--map", "email"}, "write it as trait=Column"},
		{[]string{path, "--format", "csv", "--batch-size", "5000"}, "--batch-size 5000"},
		{[]string{path, "--format", "csv"}, "TABIJI_ADMIN_KEY is not set"},
	} {
		t.Setenv("TABIJI_ADMIN_KEY", "")
		_, _, err := run(t, append([]string{"profiles", "import"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("tabiji profiles import %v = %v, want %q", c.args, err, c.want)
		}
	}
}
