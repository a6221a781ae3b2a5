package tests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/tabiji/tabiji/pgtest"
)

// temporalCluster is Temporal's own server, built from go.temporal.io/server
// at the pinned version (tests/cluster/temporalservice), as one process per
// service on Postgres persistence and Postgres visibility: a frontend, two
// history hosts, matching and the worker service, on the test binary's
// private Postgres. The schema is set up by Temporal's SQL schema tool as
// docker-compose.yml's temporal-schema service does.
type temporalCluster struct {
	t        testing.TB
	dir      string
	frontend string            // host:port of the frontend's gRPC
	shards   int               // history shards, fixed at the cluster's creation
	dbs      map[string]string // Temporal's databases: "temporal" and "visibility"
	services map[string]*temporalService
	order    []string
}

// temporalService is one server process; a kill leaves its config to start it again.
type temporalService struct {
	t            testing.TB
	name, kind   string
	config, logf string
	cmd          *exec.Cmd
	done         chan error
}

// clusterShards is the history shard count the two history hosts share:
// 8, or TABIJI_BENCH_SHARDS. Temporal fixes it when a cluster is first
// started, so each setting needs a cluster of its own (each harness cluster
// is new: its databases are created for it).
func clusterShards(t testing.TB) int {
	t.Helper()
	v := os.Getenv("TABIJI_BENCH_SHARDS")
	if v == "" {
		return 8
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("TABIJI_BENCH_SHARDS=%q: want a positive whole number", v)
	}
	return n
}

var (
	serviceBuildOnce sync.Once
	serviceBin       string
	serviceBuildErr  error
)

// temporalServiceBinary builds tests/cluster/temporalservice once per test run.
func temporalServiceBinary(t testing.TB) string {
	t.Helper()
	serviceBuildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tabiji-temporalservice-")
		if err != nil {
			serviceBuildErr = err
			return
		}
		serviceBin = filepath.Join(dir, "temporalservice")
		out, err := exec.Command("go", "build", "-o", serviceBin, "./cluster/temporalservice").CombinedOutput()
		if err != nil {
			serviceBuildErr = errors.New(string(out))
		}
	})
	if serviceBuildErr != nil {
		t.Fatalf("build temporalservice: %v", serviceBuildErr)
	}
	return serviceBin
}

// pgEndpoint is the test Postgres as Temporal's configuration names it.
type pgEndpoint struct{ Host, Port, User, Password string }

func testPostgres(t testing.TB) pgEndpoint {
	t.Helper()
	base := os.Getenv(pgtest.EnvURL)
	u, err := url.Parse(base)
	if err != nil || base == "" {
		t.Fatalf("%s=%q: want a postgres:// URL (pgtest.Main sets it)", pgtest.EnvURL, base)
	}
	pw, _ := u.User.Password()
	return pgEndpoint{Host: u.Hostname(), Port: u.Port(), User: u.User.Username(), Password: pw}
}

// startTemporalCluster sets up Temporal's two databases, starts the frontend,
// then the two history hosts, matching and the worker service, and registers
// the default namespace once the cluster answers.
func startTemporalCluster(t testing.TB) *temporalCluster {
	t.Helper()
	pg := testPostgres(t)
	begin := time.Now()
	temporalServiceBinary(t)
	begin, built := time.Now(), time.Since(begin)
	t.Logf("temporalservice built in %s", built.Round(time.Millisecond))
	c := &temporalCluster{t: t, dir: t.TempDir(), shards: clusterShards(t), services: map[string]*temporalService{}}
	prefix := "tc_" + strings.ToLower(strconv.FormatInt(time.Now().UnixNano(), 36))
	dbs := map[string]string{"temporal": prefix + "_temporal", "visibility": prefix + "_visibility"}
	for _, schema := range []string{"temporal", "visibility"} {
		c.setupSchema(pg, dbs[schema], schema)
	}
	t.Cleanup(func() { dropDatabases(t, dbs["temporal"], dbs["visibility"]) })
	c.dbs = dbs
	ports := c.ports()
	c.frontend = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports["frontend"][0]))
	writeClusterFile(t, filepath.Join(c.dir, "dynamic.yaml"), clusterDynamicConfig)
	for _, svc := range []struct{ name, kind string }{
		{"frontend", "frontend"}, {"history-1", "history"}, {"history-2", "history"}, {"matching", "matching"}, {"worker", "worker"},
	} {
		s := &temporalService{t: t, name: svc.name, kind: svc.kind,
			config: filepath.Join(c.dir, svc.name+".yaml"), logf: filepath.Join(c.dir, svc.name+".log")}
		c.writeConfig(s, pg, dbs, ports)
		c.services[svc.name], c.order = s, append(c.order, svc.name)
	}
	t.Cleanup(c.stop)
	// The frontend first: started together, the services race to write the
	// cluster metadata and one exits.
	c.services["frontend"].start()
	c.waitServing(time.Minute)
	t.Logf("schema set up and frontend serving %s after the build", time.Since(begin).Round(time.Millisecond))
	for _, name := range c.order[1:] {
		c.services[name].start()
	}
	c.registerNamespace(2 * time.Minute)
	t.Logf("%s up with the default namespace %s after the build", c, time.Since(begin).Round(time.Millisecond))
	return c
}

// setupSchema runs temporal-sql-tool's create, setup-schema -v 0.0 and
// update-schema -d on the module's own versioned schema directory.
func (c *temporalCluster) setupSchema(pg pgEndpoint, db, schema string) {
	c.t.Helper()
	dir := filepath.Join(temporalModuleDir(c.t), "schema", "postgresql", "v12", schema, "versioned")
	conn := []string{"sql-tool", "--plugin", "postgres12", "--ep", pg.Host, "-p", pg.Port, "-u", pg.User, "--db", db}
	for _, cmd := range [][]string{{"create", "--defaultdb", "postgres"}, {"setup-schema", "-v", "0.0"}, {"update-schema", "-d", dir}} {
		run := exec.Command(temporalServiceBinary(c.t), append(append([]string{}, conn...), cmd...)...)
		run.Env = append(os.Environ(), "SQL_PASSWORD="+pg.Password)
		if out, err := run.CombinedOutput(); err != nil {
			c.t.Fatalf("temporal-sql-tool %s on %s: %v\n%s", cmd[0], db, err, out)
		}
	}
}

var (
	moduleDirOnce sync.Once
	moduleDir     string
	moduleDirErr  error
)

// temporalModuleDir is go.temporal.io/server's directory in the module cache.
func temporalModuleDir(t testing.TB) string {
	t.Helper()
	moduleDirOnce.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/server").Output()
		moduleDir, moduleDirErr = strings.TrimSpace(string(out)), err
	})
	if moduleDirErr != nil || moduleDir == "" {
		t.Fatalf("find go.temporal.io/server's directory: %v", moduleDirErr)
	}
	return moduleDir
}

// ports picks every service's gRPC and membership port (and the frontend's HTTP port).
func (c *temporalCluster) ports() map[string][]int {
	c.t.Helper()
	out := map[string][]int{}
	for _, name := range []string{"frontend", "history-1", "history-2", "matching", "worker"} {
		for range 3 {
			out[name] = append(out[name], membershipPort(c.t))
		}
	}
	return out
}

// membershipPort is a free port below 32768: Temporal keeps membership
// ports in a smallint column, so the kernel's ephemeral ports do not fit.
func membershipPort(t testing.TB) int {
	t.Helper()
	for range 100 {
		port := 20000 + rand.IntN(12000)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			ln.Close()
			return port
		}
	}
	t.Fatal("no free port between 20000 and 32000")
	return 0
}

func (c *temporalCluster) writeConfig(s *temporalService, pg pgEndpoint, dbs map[string]string, ports map[string][]int) {
	c.t.Helper()
	history := "history-1"
	if s.name == "history-2" {
		history = s.name // each history host has its own ports; the others find it through membership
	}
	var b bytes.Buffer
	err := clusterConfig.Execute(&b, map[string]any{"PG": pg, "DBs": dbs, "Shards": c.shards, "Dir": c.dir,
		"Frontend": ports["frontend"], "History": ports[history], "Matching": ports["matching"], "Worker": ports["worker"]})
	if err != nil {
		c.t.Fatal(err)
	}
	writeClusterFile(c.t, s.config, b.String())
}

func writeClusterFile(t testing.TB, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// start runs the service's process, its output in its log file.
func (s *temporalService) start() {
	s.t.Helper()
	logf, err := os.OpenFile(s.logf, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	s.cmd = exec.Command(temporalServiceBinary(s.t), "start", "--config-file", s.config, "--service", s.kind)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", s.name, err)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait(); _ = logf.Close() }()
	s.done = done
}

// kill ends the service with SIGKILL, as a crashed host ends.
func (s *temporalService) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		s.t.Fatalf("kill %s: %v", s.name, err)
	}
	s.t.Logf("killed Temporal %s (%v)", s.name, s.wait())
}

// wait returns the exit status once the process has ended; it can be asked again.
func (s *temporalService) wait() error {
	err := <-s.done
	s.done = closedDone(err)
	return err
}

// stop ends every service and, when the test failed, shows the end of each log.
func (c *temporalCluster) stop() {
	for _, name := range c.order {
		s := c.services[name]
		if s.cmd == nil {
			continue
		}
		_ = s.cmd.Process.Kill() // fails only when it has ended already
		_ = s.wait()
		if c.t.Failed() {
			out, _ := os.ReadFile(s.logf)
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			lines = lines[max(0, len(lines)-10):]
			for i, l := range lines {
				lines[i] = l[:min(len(l), 400)] // without the stack traces
			}
			c.t.Logf("%s's log ends:\n%s", name, strings.Join(lines, "\n"))
		}
	}
}

// exited fails the test when a service ended on its own.
func (c *temporalCluster) exited() {
	c.t.Helper()
	for _, name := range c.order {
		s := c.services[name]
		if s.cmd == nil {
			continue
		}
		select {
		case err := <-s.done:
			s.done = closedDone(err)
			c.t.Fatalf("Temporal %s exited: %v", name, err)
		default:
		}
	}
}

func closedDone(err error) chan error {
	ch := make(chan error, 1)
	ch <- err
	return ch
}

// waitServing polls the frontend's health check until it answers.
func (c *temporalCluster) waitServing(within time.Duration) {
	c.t.Helper()
	eventually(c.t, within, "the Temporal frontend to serve", func() bool {
		c.exited()
		cl, err := client.Dial(client.Options{HostPort: c.frontend, Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
		if err != nil {
			return false
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = cl.CheckHealth(ctx, &client.CheckHealthRequest{})
		return err == nil
	})
}

// registerNamespace registers "default" (as the compose file's
// temporal-namespace service does), retrying until the history hosts have
// joined and the frontend can write it.
func (c *temporalCluster) registerNamespace(within time.Duration) {
	c.t.Helper()
	nc, err := client.NewNamespaceClient(client.Options{HostPort: c.frontend, Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		c.t.Fatal(err)
	}
	defer nc.Close()
	eventually(c.t, within, "the default namespace to be registered", func() bool {
		c.exited()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{Namespace: "default",
			WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour)})
		var exists *serviceerror.NamespaceAlreadyExists
		return err == nil || errors.As(err, &exists)
	})
	eventually(c.t, within, "the default namespace to be served", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := nc.Describe(ctx, "default")
		return err == nil
	})
}

func dropDatabases(t testing.TB, names ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, os.Getenv(pgtest.EnvURL))
	if err != nil {
		t.Errorf("drop Temporal's databases: %v", err)
		return
	}
	defer admin.Close(ctx)
	for _, name := range names {
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	}
}

// clusterName is what a failing test prints to say which cluster it ran on.
func (c *temporalCluster) String() string {
	return fmt.Sprintf("Temporal cluster at %s (%s; %d history shards)", c.frontend, strings.Join(c.order, ", "), c.shards)
}
