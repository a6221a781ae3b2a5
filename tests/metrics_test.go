package tests

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// scrapeMetrics reads a process's /metrics and parses it with Prometheus's
// own text parser, failing the test when it does not parse.
func scrapeMetrics(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape %s: %v", addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: status %d", addr, resp.StatusCode)
	}
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the metrics of %s do not parse: %v", addr, err)
	}
	return families
}

// probe answers a GET of path on a process's metrics address.
func probe(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatalf("GET %s%s: %v", addr, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s%s: %v", addr, path, err)
	}
	return resp.StatusCode, string(body)
}

// sample sums the counters (or histogram counts) of a family whose series
// carry the labels.
func sample(families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	sum := 0.0
	for _, s := range families[name].GetMetric() {
		match := 0
		for _, l := range s.GetLabel() {
			if v, ok := labels[l.GetName()]; ok && v == l.GetValue() {
				match++
			}
		}
		if match != len(labels) {
			continue
		}
		sum += s.GetCounter().GetValue() + float64(s.GetHistogram().GetSampleCount()) + s.GetGauge().GetValue()
	}
	return sum
}

// TestMetricsMoveWhenAJourneyRuns runs `tabiji api` and `tabiji worker`
// from the built binary, each serving /metrics on its own address, and
// checks that what Prometheus would scrape parses and that the counters
// of requests, ingestion, routing, runs and sends, and the Temporal SDK's
// own, move when customers go through the cart journey.
func TestMetricsMoveWhenAJourneyRuns(t *testing.T) {
	p := startProduction(t)
	workerMetrics, apiMetrics := freeAddr(t), freeAddr(t)
	worker := p.worker("TABIJI_METRICS_ADDR=" + workerMetrics)
	api, s := p.api("TABIJI_METRICS_ADDR=" + apiMetrics)
	// The probes Kubernetes calls on the metrics port (deploy/helm): the
	// worker serves no other HTTP, so its liveness and readiness are there.
	for _, addr := range []string{workerMetrics, apiMetrics} {
		if code, body := probe(t, addr, "/healthz"); code != http.StatusOK || !strings.Contains(body, `"ok"`) {
			t.Errorf("GET %s/healthz = %d %s, want 200 ok", addr, code, body)
		}
		eventually(t, time.Minute, "/readyz on "+addr, func() bool {
			code, body := probe(t, addr, "/readyz")
			return code == http.StatusOK && strings.Contains(body, `"ready"`)
		})
	}
	s.call("POST", "/v1/journeys", "admin", cartJourney(t, "1s"), http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/cart_abandonment/activate", "admin", nil, http.StatusOK, nil)
	const customers = 3
	for i := range customers {
		s.track(fmt.Sprintf("u_metrics_%d", i), "cart_add", fmt.Sprintf("m%d", i))
	}
	for i := range customers {
		eventually(t, time.Minute, "the reminders", func() bool { return len(s.outbox(fmt.Sprintf("u_metrics_%d", i)).Messages) == 1 })
	}

	apiFamilies := scrapeMetrics(t, apiMetrics)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"tabiji_http_requests_total", map[string]string{"route": "/v1/track", "method": "POST", "status": "200"}, customers},
		{"tabiji_http_request_duration_seconds", map[string]string{"route": "/v1/journeys/:id/activate"}, 1},
		{"tabiji_events_ingested_total", map[string]string{"verdict": "stored"}, customers},
		{"tabiji_routing_lag_seconds", nil, customers},
	} {
		if got := sample(apiFamilies, c.name, c.labels); got != c.want {
			t.Errorf("api: %s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	ended := map[string]string{"journey": "cart_abandonment", "workspace": "default"}
	eventually(t, 30*time.Second, "the worker's counters", func() bool {
		w := scrapeMetrics(t, workerMetrics)
		return sample(w, "tabiji_journey_runs_entered_total", ended) == customers &&
			sample(w, "tabiji_journey_runs_ended_total", ended) == customers &&
			sample(w, "tabiji_sends_total", map[string]string{"outcome": "recorded"}) == customers &&
			sample(w, "temporal_workflow_completed_total", map[string]string{"workflow_type": "Journey"}) == customers
	})
	if sample(apiFamilies, "temporal_request_total", map[string]string{"operation": "SignalWithStartWorkflowExecution"}) < customers {
		t.Errorf("the API's Temporal client reported no SignalWithStart requests: %v", apiFamilies["temporal_request_total"])
	}
	for _, p := range []*proc{api, worker} { // every SDK metric made it into the registry
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := p.wait(t, 30*time.Second); err != nil { // its output is complete, and read once it exited
			t.Errorf("%v after SIGTERM: %v", p.cmd.Args, err)
		}
		if strings.Contains(p.stderr.String(), "not exported") {
			t.Errorf("%v dropped Temporal SDK metrics:\n%s", p.cmd.Args, p.stderr.String())
		}
	}
}
