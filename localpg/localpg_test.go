package localpg_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/localpg"
)

// dataDir returns a fresh directory for a cluster. t.TempDir makes its
// directories 0700; as root the cluster runs as user postgres, which must
// pass through them, so open them for traversal (and nothing more).
func dataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		for d := dir; d != os.TempDir() && d != filepath.Dir(d); d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o711); err != nil {
				t.Fatal(err)
			}
		}
	}
	return filepath.Join(dir, "pg")
}

func start(t *testing.T, o localpg.Options) *localpg.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := localpg.Start(ctx, o)
	if err != nil {
		t.Fatalf("Start: %v", err) // no binaries fails here: tests never skip for want of Postgres
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestStart(t *testing.T) {
	t.Run("KeepsDataAcrossARestartOnTheSameDirectory", func(t *testing.T) {
		dir := dataDir(t)
		c := start(t, localpg.Options{DataDir: dir, Database: "keep"})
		conn := connect(t, c.URL())
		if _, err := conn.Exec(context.Background(), "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before')"); err != nil {
			t.Fatal(err)
		}
		conn.Close(context.Background())
		firstURL := c.URL()
		if err := c.Stop(); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if _, err := pgx.Connect(context.Background(), firstURL); err == nil {
			t.Fatal("connected after Stop")
		}

		c2 := start(t, localpg.Options{DataDir: dir, Database: "keep"})
		if pw(t, c2.URL()) != pw(t, firstURL) {
			t.Errorf("password changed across restarts")
		}
		var v string
		if err := connect(t, c2.URL()).QueryRow(context.Background(), "SELECT v FROM kept").Scan(&v); err != nil || v != "before" {
			t.Fatalf("row after restart: %q, %v", v, err)
		}
	})

	t.Run("ServesOnlyLoopbackWithAPasswordAndNoSocket", func(t *testing.T) {
		dir := dataDir(t)
		c := start(t, localpg.Options{DataDir: dir, Ephemeral: true})
		u, err := url.Parse(c.URL())
		if err != nil {
			t.Fatal(err)
		}
		if u.Scheme != "postgres" || u.User.Username() != "tabiji" || u.Hostname() != "127.0.0.1" ||
			u.Path != "/tabiji" || u.RawQuery != "sslmode=disable" {
			t.Errorf("URL = %s", c.URL())
		}
		conn := connect(t, c.URL())
		for setting, want := range map[string]string{
			"listen_addresses":        "127.0.0.1",
			"unix_socket_directories": "",
			"password_encryption":     "scram-sha-256",
			"fsync":                   "off",
			"synchronous_commit":      "off",
			"full_page_writes":        "off",
		} {
			var got string
			if err := conn.QueryRow(context.Background(), "SELECT current_setting($1)", setting).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s = %q, want %q", setting, got, want)
			}
		}
		u.User = url.UserPassword("tabiji", "wrong")
		if _, err := pgx.Connect(context.Background(), u.String()); err == nil {
			t.Error("connected with a wrong password")
		}
		fi, err := os.Stat(filepath.Join(dir, "password"))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("password file mode = %v, want 0600", fi.Mode().Perm())
		}
	})

	t.Run("StopsAPostmasterLeftRunningByACrashedProcess", func(t *testing.T) {
		dir := dataDir(t)
		c := start(t, localpg.Options{DataDir: dir, Ephemeral: true})
		if err := c.Stop(); err != nil {
			t.Fatal(err)
		}
		// pg_ctl start detaches the server from its caller: what a crashed
		// tabiji that used pg_ctl (or a user) leaves behind.
		port := freePort(t)
		pgCtl(t, "start", "-w", "-D", filepath.Join(dir, "pgdata"), "-l", filepath.Join(dir, "pgdata", "leftover.log"), "-o",
			"-p "+strconv.Itoa(port)+" -c listen_addresses=127.0.0.1 -c unix_socket_directories=")
		leftover := postmasterPID(t, dir)

		c2 := start(t, localpg.Options{DataDir: dir, Ephemeral: true})
		connect(t, c2.URL())
		if !exits(leftover, 10*time.Second) {
			t.Errorf("the left-over postmaster (pid %d) still runs", leftover)
		}
	})

	t.Run("IgnoresAPidFileWhosePidIsAnotherProgram", func(t *testing.T) {
		dir := dataDir(t)
		c := start(t, localpg.Options{DataDir: dir, Ephemeral: true})
		if err := c.Stop(); err != nil {
			t.Fatal(err)
		}
		// pid 1 is alive and not postgres: postgres alone would refuse to start.
		pidFile := filepath.Join(dir, "pgdata", "postmaster.pid")
		if err := os.WriteFile(pidFile, []byte("1\n"+filepath.Join(dir, "pgdata")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		connect(t, start(t, localpg.Options{DataDir: dir, Ephemeral: true}).URL())
	})

	t.Run("RefusesADirectoryInUseByALiveProcess", func(t *testing.T) {
		dir := dataDir(t)
		c := start(t, localpg.Options{DataDir: dir, Ephemeral: true})
		_, err := localpg.Start(context.Background(), localpg.Options{DataDir: dir, Ephemeral: true})
		if err == nil || !strings.Contains(err.Error(), "in use") {
			t.Fatalf("second Start: %v, want an in-use error", err)
		}
		connect(t, c.URL()) // the first server still serves
	})

	t.Run("ReportsTheLogWhenPostgresCannotStart", func(t *testing.T) {
		dir := dataDir(t)
		c := start(t, localpg.Options{DataDir: dir, Ephemeral: true})
		if err := c.Stop(); err != nil {
			t.Fatal(err)
		}
		conf := filepath.Join(dir, "pgdata", "postgresql.conf")
		f, err := os.OpenFile(conf, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString("\nshared_buffers = 'not a size'\n"); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		_, err = localpg.Start(context.Background(), localpg.Options{DataDir: dir, Ephemeral: true})
		if err == nil || !strings.Contains(err.Error(), "start postgres") || !strings.Contains(err.Error(), "shared_buffers") {
			t.Fatalf("Start with a broken config: %v, want the step and the log's complaint", err)
		}
	})
}

func TestStartAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the cluster to user postgres")
	}
	t.Run("ReachesADataDirectoryUnderAPathOnlyRootMayEnter", func(t *testing.T) {
		closed := t.TempDir() // as /root is: 0700, owned by root
		if err := os.Chmod(closed, 0o700); err != nil {
			t.Fatal(err)
		}
		c, err := localpg.Start(context.Background(), localpg.Options{DataDir: filepath.Join(closed, "pg"), Ephemeral: true})
		if err != nil {
			t.Fatalf("Start under a 0700 directory: %v", err)
		}
		defer func() {
			if err := c.Stop(); err != nil {
				t.Error(err)
			}
		}()
		conn, err := pgx.Connect(context.Background(), c.URL())
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		conn.Close(context.Background())
		if fi, err := os.Stat(closed); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("Start changed the permissions of %s: %v %v", closed, fi.Mode(), err)
		}
	})
}

func TestErrNoPostgres(t *testing.T) {
	want := "PostgreSQL server binaries (initdb, pg_ctl) not found: install them with `apt-get install -y postgresql`, " +
		"or set DATABASE_URL to an existing database"
	if localpg.ErrNoPostgres.Error() != want {
		t.Errorf("ErrNoPostgres = %q", localpg.ErrNoPostgres)
	}
	if _, err := localpg.FindBinaries(); err != nil {
		t.Fatalf("FindBinaries: %v", err)
	}
}

func pw(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := u.User.Password()
	return p
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func pgCtl(t *testing.T, args ...string) {
	t.Helper()
	bin, err := localpg.FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	name, args := filepath.Join(bin, "pg_ctl"), args
	if os.Geteuid() == 0 {
		name, args = "runuser", append([]string{"-u", "postgres", "--", name}, args...)
	}
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl %v: %v\n%s", args, err, out)
	}
}

func postmasterPID(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "pgdata", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(first)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// exits reports whether pid ends (or is left a zombie for init to reap) within d.
func exits(pid int, d time.Duration) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		if i := strings.LastIndexByte(string(stat), ')'); i > 0 && strings.HasPrefix(string(stat[i+1:]), " Z") {
			return true
		}
	}
	return false
}

// TestShutsDownWhenItsProcessDies starts a cluster in a child process (this
// test binary again), kills that process with SIGKILL, and expects the
// postmaster to go too rather than linger with its port and data directory.
func TestShutsDownWhenItsProcessDies(t *testing.T) {
	if dir := os.Getenv("LOCALPG_TEST_CHILD_DIR"); dir != "" {
		c, err := localpg.Start(context.Background(), localpg.Options{DataDir: dir, Ephemeral: true})
		if err != nil {
			fmt.Println("error: " + err.Error())
			os.Exit(1)
		}
		fmt.Println(c.URL())
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux-only")
	}
	dir := dataDir(t)
	child := exec.Command(os.Args[0], "-test.run=^TestShutsDownWhenItsProcessDies$")
	child.Env = append(os.Environ(), "LOCALPG_TEST_CHILD_DIR="+dir)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "postgres://") {
		_ = child.Process.Kill()
		t.Fatalf("child: %q, %v", line, err)
	}
	pid := postmasterPID(t, dir)
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	if !exits(pid, 30*time.Second) {
		t.Errorf("postmaster (pid %d) still runs after its process died", pid)
		if p, err := os.FindProcess(pid); err == nil {
			_ = p.Signal(os.Interrupt)
		}
	}
	// And the next start on the directory works.
	connect(t, start(t, localpg.Options{DataDir: dir, Ephemeral: true}).URL())
}
