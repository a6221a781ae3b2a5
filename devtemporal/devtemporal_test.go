package devtemporal_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/devtemporal"
)

var (
	customerKey = temporal.NewSearchAttributeKeyKeyword("TabijiCustomer")
	journeySAs  = map[string]enums.IndexedValueType{
		"TabijiCustomer": enums.INDEXED_VALUE_TYPE_KEYWORD,
		"TabijiJourney":  enums.INDEXED_VALUE_TYPE_KEYWORD,
		"TabijiVersion":  enums.INDEXED_VALUE_TYPE_INT,
	}
)

func TestServer(t *testing.T) {
	t.Run("KeepsWorkflowsAndSearchAttributesAcrossRestarts", func(t *testing.T) {
		dir := t.TempDir()
		srv := start(t, devtemporal.Options{DataDir: dir, UIAddress: "127.0.0.1:0", SearchAttributes: journeySAs}, "fresh file")
		c := dial(t, srv)

		if _, err := c.WorkflowService().DescribeNamespace(t.Context(), &workflowservice.DescribeNamespaceRequest{Namespace: "default"}); err != nil {
			t.Fatalf("describe namespace default: %v", err)
		}
		requireSearchAttributes(t, c, "default", journeySAs)

		run, err := c.ExecuteWorkflow(t.Context(), client.StartWorkflowOptions{
			ID:                    "ws_test/jr_cart/u_1",
			TaskQueue:             "no-worker",
			TypedSearchAttributes: temporal.NewSearchAttributes(customerKey.ValueSet("u_1")),
		}, "Journey")
		if err != nil {
			t.Fatalf("start workflow: %v", err)
		}
		waitListed(t, c, `TabijiCustomer = "u_1"`, run.GetRunID())
		requireHTML(t, srv.UIURL())

		began := time.Now()
		srv.Stop()
		t.Logf("stop: %v", time.Since(began).Round(time.Millisecond))
		srv.Stop() // a second Stop is a no-op

		srv = start(t, devtemporal.Options{DataDir: dir, UIAddress: devtemporal.UIOff, SearchAttributes: journeySAs}, "existing file")
		c = dial(t, srv)
		desc, err := c.DescribeWorkflowExecution(t.Context(), run.GetID(), run.GetRunID())
		if err != nil {
			t.Fatalf("describe workflow after restart: %v", err)
		}
		if got := desc.GetWorkflowExecutionInfo().GetStatus(); got != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
			t.Fatalf("workflow status after restart = %v, want Running", got)
		}
		waitListed(t, c, `TabijiCustomer = "u_1"`, run.GetRunID())
		logRSS(t)
	})

	t.Run("AddsSearchAttributesMissingFromAnOlderDataDir", func(t *testing.T) {
		dir := t.TempDir()
		older := map[string]enums.IndexedValueType{"TabijiCustomer": enums.INDEXED_VALUE_TYPE_KEYWORD}
		srv := start(t, devtemporal.Options{DataDir: dir, UIAddress: devtemporal.UIOff, SearchAttributes: older}, "older version")
		requireSearchAttributes(t, dial(t, srv), "default", older)
		srv.Stop()

		newer := map[string]enums.IndexedValueType{
			"TabijiCustomer": enums.INDEXED_VALUE_TYPE_KEYWORD,
			"TabijiJourney":  enums.INDEXED_VALUE_TYPE_KEYWORD,
		}
		srv = start(t, devtemporal.Options{DataDir: dir, UIAddress: devtemporal.UIOff, SearchAttributes: newer}, "newer version")
		c := dial(t, srv)
		requireSearchAttributes(t, c, "default", newer)
		// Start returned, so the new attribute is usable at once.
		journeyKey := temporal.NewSearchAttributeKeyKeyword("TabijiJourney")
		run, err := c.ExecuteWorkflow(t.Context(), client.StartWorkflowOptions{
			ID:                    "ws_test/jr_welcome/u_2",
			TaskQueue:             "no-worker",
			TypedSearchAttributes: temporal.NewSearchAttributes(journeyKey.ValueSet("jr_welcome")),
		}, "Journey")
		if err != nil {
			t.Fatalf("start workflow with the added search attribute: %v", err)
		}
		waitListed(t, c, `TabijiJourney = "jr_welcome"`, run.GetRunID())
	})

	t.Run("RefusesADataDirInUse", func(t *testing.T) {
		dir := t.TempDir()
		start(t, devtemporal.Options{DataDir: dir, UIAddress: devtemporal.UIOff}, "first")
		srv, err := devtemporal.Start(t.Context(), devtemporal.Options{DataDir: dir, FrontendAddress: "127.0.0.1:0", UIAddress: devtemporal.UIOff})
		if err == nil {
			srv.Stop()
			t.Fatal("a second server on the same data dir started")
		}
		if !strings.Contains(err.Error(), "in use by another Temporal server") {
			t.Fatalf("error = %q; want it to say the data dir is in use", err)
		}
	})

	t.Run("RunsInMemoryWithoutDataDir", func(t *testing.T) {
		srv := start(t, devtemporal.Options{UIAddress: devtemporal.UIOff, Namespace: "tabiji-test", SearchAttributes: journeySAs}, "in memory")
		if srv.Namespace() != "tabiji-test" || srv.UIURL() != "" {
			t.Fatalf("Namespace() = %q, UIURL() = %q; want tabiji-test and no UI", srv.Namespace(), srv.UIURL())
		}
		requireSearchAttributes(t, dial(t, srv), "tabiji-test", journeySAs)
	})

	t.Run("ExplainsABusyPort", func(t *testing.T) {
		busy, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer busy.Close()
		port := busy.Addr().(*net.TCPAddr).Port
		for _, tc := range []struct {
			name string
			opts devtemporal.Options
			flag string
		}{
			{"Frontend", devtemporal.Options{FrontendAddress: busy.Addr().String(), UIAddress: devtemporal.UIOff}, "--temporal-addr"},
			{"WebUI", devtemporal.Options{FrontendAddress: "127.0.0.1:0", UIAddress: busy.Addr().String()}, "--ui-addr"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				srv, err := devtemporal.Start(t.Context(), tc.opts)
				if err == nil {
					srv.Stop()
					t.Fatal("Start on a busy port succeeded")
				}
				want := "port " + strconv.Itoa(port) + " is in use"
				if !errors.Is(err, devtemporal.ErrPortInUse) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), tc.flag) {
					t.Fatalf("error = %q; want ErrPortInUse saying %q and naming %s", err, want, tc.flag)
				}
			})
		}
	})
}

// start runs a server on free ports; label names the case in the logged start time.
func start(t *testing.T, o devtemporal.Options, label string) *devtemporal.Server {
	t.Helper()
	if o.FrontendAddress == "" {
		o.FrontendAddress = "127.0.0.1:0"
	}
	// Stderr rather than t.Output: the server may still log while a test ends.
	o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	began := time.Now()
	srv, err := devtemporal.Start(ctx, o)
	if err != nil {
		t.Fatalf("start (%s): %v", label, err)
	}
	t.Logf("start (%s): %v, frontend %s", label, time.Since(began).Round(time.Millisecond), srv.FrontendAddress())
	t.Cleanup(srv.Stop)
	return srv
}

func dial(t *testing.T, srv *devtemporal.Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  srv.FrontendAddress(),
		Namespace: srv.Namespace(),
		Logger:    sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	})
	if err != nil {
		t.Fatalf("dial %s: %v", srv.FrontendAddress(), err)
	}
	t.Cleanup(c.Close)
	return c
}

func requireSearchAttributes(t *testing.T, c client.Client, namespace string, want map[string]enums.IndexedValueType) {
	t.Helper()
	resp, err := c.OperatorService().ListSearchAttributes(t.Context(), &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		t.Fatalf("list search attributes: %v", err)
	}
	for name, typ := range want {
		if got, ok := resp.GetCustomAttributes()[name]; !ok || got != typ {
			t.Errorf("search attribute %s: got %v (present %v), want %v", name, got, ok, typ)
		}
	}
}

// waitListed polls visibility, which is updated asynchronously, until query finds runID.
func waitListed(t *testing.T, c client.Client, query, runID string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := c.ListWorkflow(t.Context(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatalf("list workflows %q: %v", query, err)
		}
		for _, e := range resp.GetExecutions() {
			if e.GetExecution().GetRunId() == runID {
				if e.GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
					t.Fatalf("listed run %s has status %v, want Running", runID, e.GetStatus())
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("query %q did not find run %s within 30 s", query, runID)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func requireHTML(t *testing.T, url string) {
	t.Helper()
	if url == "" {
		t.Fatal("UIURL() is empty")
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(strings.ToLower(string(body)), "<html") {
		t.Fatalf("GET %s: %s, Content-Type %q, body starts %q; want 200 with HTML",
			url, resp.Status, resp.Header.Get("Content-Type"), string(body[:min(len(body), 80)]))
	}
}

// logRSS logs the test process's resident memory: the server and everything above it.
func logRSS(t *testing.T) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return // not Linux
	}
	for line := range strings.Lines(string(status)) {
		if strings.HasPrefix(line, "VmRSS:") || strings.HasPrefix(line, "VmHWM:") {
			t.Log(strings.TrimSpace(line))
		}
	}
}
