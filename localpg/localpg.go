// Package localpg runs a private PostgreSQL cluster from the machine's own
// server binaries: the database of `tabiji dev` when DATABASE_URL is unset,
// and of the tests.
//
// Options.DataDir holds, and should hold nothing else than:
//
//	pgdata/    the cluster (PGDATA)
//	password   the generated password of user tabiji (0600), reused by every start
//
// The server listens on 127.0.0.1 only, with password (SCRAM) authentication
// and no unix socket. It runs as a child of this process and shuts down when
// this process dies.
package localpg

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	// User is the superuser that initdb creates and URL connects as.
	User = "tabiji"

	pgdataDir    = "pgdata"
	passwordFile = "password"
	readyTimeout = 2 * time.Minute
	stopTimeout  = time.Minute
)

// Options configures Start.
type Options struct {
	DataDir   string    // cluster root (see the package doc); initdb runs when it holds no cluster yet
	Port      int       // 0 = pick a free port on 127.0.0.1
	Database  string    // database to create if missing, default "tabiji"
	Ephemeral bool      // tests: fsync=off, synchronous_commit=off, full_page_writes=off
	Log       io.Writer // where postgres' own log (and initdb's output) goes; nil = discard
}

// Cluster is a running PostgreSQL server started by Start.
type Cluster struct {
	bin      string
	root     string
	pgdata   string
	port     int
	database string
	password string
	user     *osUser
	log      *logWriter
	proc     *postmaster

	stopOnce sync.Once
	stopErr  error
}

// postmaster is the postgres process and how it ended.
type postmaster struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once err is set
	err    error
}

var errPortTaken = errors.New("port already in use")

// Start starts the cluster in o.DataDir, running initdb first when the
// directory holds no cluster yet, and creates o.Database if it is missing.
// A postmaster that a crashed process left running on the directory is
// stopped first. The returned cluster runs until Stop or until this process exits.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	if o.DataDir == "" {
		return nil, errors.New("localpg: Options.DataDir is empty")
	}
	root, err := filepath.Abs(o.DataDir)
	if err != nil {
		return nil, fmt.Errorf("localpg: resolve data directory: %w", err)
	}
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	u, err := serverUser()
	if err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}
	c := &Cluster{
		bin:      bin,
		root:     root,
		pgdata:   filepath.Join(root, pgdataDir),
		database: cmp.Or(o.Database, "tabiji"),
		user:     u,
		log:      &logWriter{out: cmp.Or[io.Writer](o.Log, io.Discard)},
	}
	if err := c.prepare(); err != nil {
		return nil, fmt.Errorf("localpg: prepare %s: %w", root, err)
	}
	if err := c.initCluster(ctx, o.Ephemeral); err != nil {
		return nil, fmt.Errorf("localpg: initialize the cluster in %s: %w", c.pgdata, err)
	}
	if err := c.clearStalePostmaster(ctx); err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}
	if err := c.launch(ctx, o.Port, o.Ephemeral); err != nil {
		return nil, err
	}
	if err := c.createDatabase(ctx); err != nil {
		_ = c.Stop()
		return nil, fmt.Errorf("localpg: create database %q: %w", c.database, err)
	}
	return c, nil
}

// URL returns the connection URL of the cluster's database:
// postgres://tabiji:<password>@127.0.0.1:<port>/<database>?sslmode=disable.
func (c *Cluster) URL() string { return c.url(c.database) }

func (c *Cluster) url(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(User, c.password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Stop shuts the server down with `pg_ctl stop -m fast -w` and waits for it
// to exit. It reports an error if postgres had exited on its own with a failure.
// Calling it again returns the first result.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() { c.stopErr = c.stop() })
	return c.stopErr
}

func (c *Cluster) stop() error {
	p := c.proc
	select {
	case <-p.exited:
		if p.err != nil {
			return fmt.Errorf("localpg: postgres had already exited: %w%s", p.err, c.log.tail())
		}
		return nil
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	err := c.run(ctx, "pg_ctl", "stop", "-D", c.pgdata, "-m", "fast", "-w", "-t", strconv.Itoa(int(stopTimeout/time.Second)))
	if err != nil {
		// pg_ctl could not do it: signal the child ourselves, as pg_ctl would have.
		c.halt(p, 10*time.Second)
		return fmt.Errorf("localpg: stop postgres: %w", err)
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(10 * time.Second):
		c.halt(p, 0)
		return errors.New("localpg: stop postgres: pg_ctl reported it stopped but the process kept running: killed it")
	}
}

// halt asks the postmaster for a fast shutdown, then kills it after grace.
func (c *Cluster) halt(p *postmaster, grace time.Duration) {
	if grace > 0 && p.cmd.Process.Signal(os.Interrupt) == nil {
		select {
		case <-p.exited:
			return
		case <-time.After(grace):
		}
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// prepare creates the root directory, hands it to the server user and makes
// sure that user can reach it.
func (c *Cluster) prepare() error {
	created, err := mkdirAll(c.root)
	if err != nil {
		return err
	}
	for _, d := range created {
		mode := os.FileMode(0o700)
		if d != c.root && c.user != nil {
			mode = 0o711 // let the server user through the directories Tabiji made
		}
		if err := os.Chmod(d, mode); err != nil {
			return err
		}
	}
	if err := c.user.own(c.root); err != nil {
		return err
	}
	return c.user.checkReach(c.root)
}

// mkdirAll is os.MkdirAll that reports the directories it created, outermost first.
func mkdirAll(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		missing = append([]string{d}, missing...)
		if d == filepath.Dir(d) {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return missing, nil
}

// initCluster runs initdb unless pgdata already holds a cluster, and loads the password.
func (c *Cluster) initCluster(ctx context.Context, ephemeral bool) error {
	pwPath := filepath.Join(c.root, passwordFile)
	version, err := os.ReadFile(filepath.Join(c.pgdata, "PG_VERSION"))
	if err == nil {
		major, err := strconv.Atoi(strings.TrimSpace(string(version)))
		if err != nil {
			return fmt.Errorf("read PG_VERSION: %w", err)
		}
		if c.bin, err = binariesFor(c.bin, major); err != nil {
			return err
		}
		if c.password, err = readPassword(pwPath); err != nil {
			return fmt.Errorf("the cluster exists but its password cannot be read (%w): "+
				"restore %s, or remove %s to start over", err, pwPath, c.root)
		}
		return c.user.ownTree(c.pgdata)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	// A pgdata without PG_VERSION is what an interrupted initdb leaves behind.
	if err := os.RemoveAll(c.pgdata); err != nil {
		return err
	}
	if c.password, err = writePassword(pwPath); err != nil {
		return err
	}
	if err := c.user.own(pwPath); err != nil {
		return err
	}
	args := []string{"-D", c.pgdata, "-U", User, "--pwfile", pwPath,
		"--auth", "scram-sha-256", "--encoding", "UTF8", "--no-locale"}
	if ephemeral {
		args = append(args, "--no-sync")
	}
	return c.run(ctx, "initdb", args...)
}

func readPassword(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	pw := strings.TrimSpace(string(b))
	if pw == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return pw, nil
}

// writePassword keeps an existing password file (its cluster is being
// re-made) and otherwise writes a new random password, readable by its owner only.
func writePassword(path string) (string, error) {
	if pw, err := readPassword(path); err == nil {
		return pw, nil
	}
	pw := rand.Text()
	if err := os.WriteFile(path, []byte(pw+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write password file: %w", err)
	}
	return pw, os.Chmod(path, 0o600)
}

// clearStalePostmaster stops a postmaster left running on pgdata by a
// process that is gone, and removes a pid file whose pid now belongs to
// another program (postgres would take it for a live server).
func (c *Cluster) clearStalePostmaster(ctx context.Context) error {
	pidPath := filepath.Join(c.pgdata, "postmaster.pid")
	b, err := os.ReadFile(pidPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return nil //nolint:nilerr // postgres itself reports a malformed pid file
	}
	running, orphan, parent := inspectPostmaster(pid)
	if !running {
		if err := os.Remove(pidPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove stale %s: %w", pidPath, err)
		}
		return nil
	}
	if !orphan {
		return fmt.Errorf("%s is in use by postgres (pid %d) started by %s: stop that process first", c.pgdata, pid, parent)
	}
	if err := c.run(ctx, "pg_ctl", "status", "-D", c.pgdata); err != nil {
		return nil //nolint:nilerr // not running: postgres clears its own stale pid file
	}
	fmt.Fprintf(c.log, "localpg: stopping postgres (pid %d) left running on %s by an earlier process\n", pid, c.pgdata)
	if err := c.run(ctx, "pg_ctl", "stop", "-D", c.pgdata, "-m", "fast", "-w"); err != nil {
		return fmt.Errorf("stop postgres (pid %d) left running by an earlier process: %w", pid, err)
	}
	return nil
}

// launch starts the postmaster and waits until it accepts connections. With
// no fixed port it retries on a new port when another process took the one it picked.
func (c *Cluster) launch(ctx context.Context, port int, ephemeral bool) error {
	for attempt := 1; ; attempt++ {
		p := port
		if p == 0 {
			var err error
			if p, err = freePort(); err != nil {
				return fmt.Errorf("localpg: pick a free port: %w", err)
			}
		}
		err := c.startPostmaster(ctx, p, ephemeral)
		if err == nil {
			return nil
		}
		if port == 0 && attempt < 3 && errors.Is(err, errPortTaken) {
			continue
		}
		return fmt.Errorf("localpg: start postgres on 127.0.0.1:%d: %w%s", p, err, c.log.tail())
	}
}

func (c *Cluster) startPostmaster(ctx context.Context, port int, ephemeral bool) error {
	args := []string{"-D", c.pgdata, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=", // no socket: nothing outside the data root, no path-length limit
		"-c", "logging_collector=off"}
	if ephemeral {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(c.bin, "postgres"), args...) //nolint:noctx // the server outlives ctx (a start-up deadline); Stop ends it with a signal
	cmd.Env, cmd.Dir = serverEnv(), c.user.workDir(c.root)
	cmd.Stdout, cmd.Stderr = c.log, c.log
	cmd.SysProcAttr = c.user.attr(true)

	p := &postmaster{cmd: cmd, exited: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// The parent-death signal fires when the thread that started the child
		// exits, not the process: keep this goroutine on its thread until postgres exits.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("run %s: %w", cmd.Path, err)
	}
	c.proc, c.port = p, port
	if err := c.waitReady(ctx, p); err != nil {
		c.halt(p, 5*time.Second)
		return err
	}
	return nil
}

// waitReady polls until the server accepts a password login.
func (c *Cluster) waitReady(ctx context.Context, p *postmaster) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		err := c.ping(ctx)
		if err == nil {
			return nil
		}
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "28P01" {
			return fmt.Errorf("the password in %s is not the cluster's: restore the right file, or remove %s to start over: %w",
				filepath.Join(c.root, passwordFile), c.root, err)
		}
		select {
		case <-p.exited:
			if c.log.contains("could not bind") || c.log.contains("could not create any TCP/IP sockets") {
				return fmt.Errorf("postgres exited: %w", errPortTaken)
			}
			return fmt.Errorf("postgres exited during start: %w", p.err)
		case <-ctx.Done():
			return fmt.Errorf("not accepting connections after %v: %w", readyTimeout, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (c *Cluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

func (c *Cluster) createDatabase(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", c.database).Scan(&exists)
	if err != nil || exists {
		return err
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{c.database}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created meanwhile
		return nil
	}
	return err
}

// run runs one of the PostgreSQL programs as the server user, its output
// going to the log; a failure carries the end of that output.
func (c *Cluster) run(ctx context.Context, prog string, args ...string) error {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, prog), args...)
	cmd.Env, cmd.Dir = serverEnv(), c.user.workDir(c.root)
	cmd.Stdout = io.MultiWriter(&out, c.log)
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = c.user.attr(false)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", prog, args[0], err, lastLines(out.String(), 10))
	}
	return nil
}

// serverEnv is this process's environment without PG* variables, which
// would point the programs at another server or data directory.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
