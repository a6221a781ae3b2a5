package tests

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/cli"
)

// devRun is one `tabiji dev` running in this process.
type devRun struct {
	cancel context.CancelFunc
	done   chan error
	info   map[string]string // the ready banner's lines, by label
}

// startDev runs `tabiji dev` on dataDir with free ports and waits for its
// ready banner. It uses the private PostgreSQL cluster, as a newcomer does.
func startDev(t *testing.T, dataDir string) *devRun {
	t.Helper()
	t.Setenv("DATABASE_URL", "")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	d := &devRun{cancel: cancel, done: make(chan error, 1), info: map[string]string{}}
	go func() {
		d.done <- cli.Run(ctx, []string{"dev", "--data-dir", dataDir, "--http-addr", "127.0.0.1:0",
			"--ui-addr", "127.0.0.1:0", "--temporal-addr", "127.0.0.1:0"}, pw, io.Discard)
		_ = pw.Close() // a PipeWriter's Close is always nil
	}()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		inBanner := false
		for sc.Scan() {
			line := sc.Text()
			t.Log(line)
			if strings.HasPrefix(line, "Tabiji is ready.") {
				inBanner = true
				continue
			}
			if inBanner && strings.HasPrefix(line, "  ") {
				fields := strings.SplitN(strings.TrimSpace(line), "  ", 2)
				if len(fields) == 2 {
					d.info[fields[0]] = strings.Fields(strings.TrimSpace(fields[1]))[0]
				}
			}
			if inBanner && strings.HasPrefix(line, "Press Ctrl+C") {
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case err := <-d.done:
		t.Fatalf("tabiji dev stopped before it was ready: %v", err)
	case <-time.After(3 * time.Minute):
		cancel()
		t.Fatal("tabiji dev was not ready within 3 minutes")
	}
	return d
}

func (d *devRun) stop(t *testing.T) {
	t.Helper()
	d.cancel()
	select {
	case err := <-d.done:
		if err != nil {
			t.Fatalf("tabiji dev ended with %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("tabiji dev did not stop within a minute")
	}
}

// TestDevKeepsEverythingAcrossARestart starts `tabiji dev` from nothing,
// enters a customer into a journey with a long wait, stops it, starts it
// again on the same data dir, and finds the journey, the keys and the
// waiting run as they were.
func TestDevKeepsEverythingAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	d := startDev(t, dir)
	for _, label := range []string{"API", "Temporal Web UI", "Temporal gRPC", "Postgres", "Admin key", "Write key"} {
		if d.info[label] == "" {
			t.Fatalf("the ready banner has no %q line: %v", label, d.info)
		}
	}
	s := &stack{t: t, url: d.info["API"], admin: d.info["Admin key"], write: d.info["Write key"]}
	s.call("GET", "/readyz", "", nil, http.StatusOK, nil)
	resp, err := http.Get(d.info["Temporal Web UI"])
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("Web UI at %s: %v %v", d.info["Temporal Web UI"], resp, err)
	}
	resp.Body.Close()

	s.call("POST", "/v1/journeys", "admin", cartJourney(t, "1h"), http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/cart_abandonment/activate", "admin", nil, http.StatusOK, nil)
	s.track("u_1", "cart_add", "m1")
	eventually(t, 30*time.Second, "the run to wait for a purchase", func() bool {
		runs := runsOf(s, "u_1")
		return len(runs) == 1 && runs[0]["step"] == "wait_for_purchase"
	})
	d.stop(t)

	d = startDev(t, dir)
	defer d.stop(t)
	if d.info["Admin key"] != s.admin || d.info["Write key"] != s.write {
		t.Errorf("the dev keys changed across a restart")
	}
	s.url = d.info["API"]
	var j map[string]any
	s.call("GET", "/v1/journeys/cart_abandonment", "admin", nil, http.StatusOK, &j)
	if j["status"] != "active" {
		t.Errorf("journey after restart = %v", j)
	}
	runs := runsOf(s, "u_1")
	if len(runs) != 1 || runs[0]["status"] != "running" || runs[0]["step"] != "wait_for_purchase" {
		t.Fatalf("the waiting run did not survive the restart: %v", runs)
	}
	// The first query after a restart may wait out the old worker's sticky queue.
	eventually(t, 30*time.Second, "the run's state to show its pending timer", func() bool {
		state, _ := runsOf(s, "u_1")[0]["state"].(map[string]any)
		return state != nil && state["waitingUntil"] != nil && state["node"] == "wait_for_purchase"
	})
	// The run still reacts: a purchase ends it without a message.
	s.track("u_1", "purchase", "m2")
	eventually(t, 30*time.Second, "the run to end on the purchase", func() bool {
		runs := runsOf(s, "u_1")
		return len(runs) == 1 && runs[0]["status"] == "completed" && runs[0]["outcome"] == "purchased"
	})
}
