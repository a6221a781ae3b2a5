package tests

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tabiji/tabiji/devtemporal"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// removeBuiltBinaries removes the directories tabijiBinary and
// temporalServiceBinary built into: 250 MB each, left in the temporary
// directory by every run before.
func removeBuiltBinaries() {
	for _, bin := range []string{binPath, serviceBin} {
		if bin != "" {
			_ = os.RemoveAll(filepath.Dir(bin)) // best effort: the run's result is already decided
		}
	}
}

// tabijiBinary builds the tabiji binary once per test run.
func tabijiBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tabiji-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "tabiji")
		out, err := exec.Command("go", "build", "-o", binPath, "..").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build tabiji: %v", buildErr)
	}
	return binPath
}

// proc is one tabiji process.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan error
}

func startProc(t testing.TB, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(tabijiBinary(t), args...), done: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	return p
}

// wait returns the exit error once the process ends, failing after d.
func (p *proc) wait(t testing.TB, d time.Duration) error {
	t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(d):
		t.Fatalf("%v still running after %v; stderr:\n%s", p.cmd.Args, d, p.stderr.String())
		return nil
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func clearProdEnv(env []string) []string {
	for _, k := range []string{"DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_API_KEY", "TABIJI_HTTP_ADDR", "TABIJI_SECRETS_KEY", "TABIJI_SECRETS_KEY_PREVIOUS"} {
		env = append(env, k+"=")
	}
	return env
}

// TestProductionProcesses runs the built binary as an operator would:
// migrate, then api and worker against an external Temporal (here the
// embedded one, started without Tabiji's search attributes) and Postgres.
func TestProductionProcesses(t *testing.T) {
	ctx := context.Background()
	srv, err := devtemporal.Start(ctx, devtemporal.Options{DataDir: t.TempDir(), FrontendAddress: "127.0.0.1:0", UIAddress: devtemporal.UIOff})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	dbURL := pgtest.EmptyURL(t)
	secretsKey := "TABIJI_SECRETS_KEY=" + e2eSecretsKey
	env := append(clearProdEnv(nil), "DATABASE_URL="+dbURL, "TEMPORAL_ADDRESS="+srv.FrontendAddress(), "TABIJI_TASK_QUEUE=tabiji-prod", secretsKey)

	t.Run("FailWithOneLineWhenConfigurationIsMissingOrWrong", func(t *testing.T) {
		cases := []struct {
			name string
			env  []string
			args []string
			want string
		}{
			{"NoDatabase", append(clearProdEnv(nil), secretsKey), []string{"worker"}, "DATABASE_URL is not set"},
			{"NoSecretsKey", append(env, "TABIJI_SECRETS_KEY="), []string{"api"}, "TABIJI_SECRETS_KEY is not set"},
			{"SchemaBehind", env, []string{"api"}, "run `tabiji migrate`"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p := startProc(t, tc.env, tc.args...)
				err := p.wait(t, time.Minute)
				lines := strings.Split(strings.TrimSpace(p.stderr.String()), "\n")
				if err == nil || len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
					t.Errorf("tabiji %v: exit %v, stderr %q; want one line with %q", tc.args, err, p.stderr.String(), tc.want)
				}
			})
		}
	})

	t.Run("MigrateAppliesTheSchemaOnce", func(t *testing.T) {
		p := startProc(t, env, "migrate")
		if err := p.wait(t, time.Minute); err != nil || !strings.Contains(p.stdout.String(), "00001_init.sql") {
			t.Fatalf("migrate: %v\n%s%s", err, p.stdout.String(), p.stderr.String())
		}
		p = startProc(t, env, "migrate")
		if err := p.wait(t, time.Minute); err != nil || !strings.Contains(p.stdout.String(), "up to date") {
			t.Fatalf("second migrate: %v\n%s%s", err, p.stdout.String(), p.stderr.String())
		}
	})

	t.Run("WorkerRefusesAnUnreachableTemporal", func(t *testing.T) {
		p := startProc(t, append(env, "TEMPORAL_ADDRESS=127.0.0.1:1"), "worker")
		err := p.wait(t, time.Minute)
		lines := strings.Split(strings.TrimSpace(p.stderr.String()), "\n")
		if err == nil || !strings.Contains(lines[len(lines)-1], "cannot reach Temporal at 127.0.0.1:1") {
			t.Errorf("exit %v, stderr %q", err, p.stderr.String())
		}
	})

	t.Run("RunAJourneyAndStopGracefullyOnSIGTERM", func(t *testing.T) {
		if _, err := store.Migrate(ctx, dbURL, io.Discard); err != nil { // when run alone
			t.Fatal(err)
		}
		addr := freeAddr(t)
		worker := startProc(t, env, "worker")
		api := startProc(t, append(env, "TABIJI_HTTP_ADDR="+addr), "api")
		st, err := store.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.EnsureWorkspace(ctx, "default", "Default"); err != nil {
			t.Fatal(err)
		}
		admin, _, _ := st.CreateKey(ctx, "default", store.RoleAdmin, "ops")
		write, _, _ := st.CreateKey(ctx, "default", store.RoleWrite, "ops")
		s := &stack{t: t, url: "http://" + addr, admin: admin, write: write}
		eventually(t, time.Minute, "the api to be ready", func() bool {
			select {
			case err := <-api.done:
				t.Fatalf("tabiji api exited: %v\n%s", err, api.stderr.String())
			case err := <-worker.done:
				t.Fatalf("tabiji worker exited: %v\n%s", err, worker.stderr.String())
			default:
			}
			resp, err := http.Get(s.url + "/readyz")
			if err == nil {
				resp.Body.Close()
			}
			return err == nil && resp.StatusCode == http.StatusOK
		})
		s.call("POST", "/v1/journeys", "admin", cartJourney(t, "1s"), http.StatusCreated, nil)
		s.call("POST", "/v1/journeys/cart_abandonment/activate", "admin", nil, http.StatusOK, nil)
		s.track("u_prod", "cart_add", "p1")
		eventually(t, time.Minute, "the reminder", func() bool { return len(s.outbox("u_prod").Messages) == 1 })

		for _, p := range []*proc{api, worker} {
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := p.wait(t, 30*time.Second); err != nil {
				t.Errorf("%v after SIGTERM: %v\n%s", p.cmd.Args, err, p.stderr.String())
			}
		}
	})
}
