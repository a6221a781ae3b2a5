package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/tabiji/tabiji/metrics"
)

// scrape serves the registry as Prometheus would scrape it and parses the
// answer with Prometheus's own text parser.
func scrape(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d %s", rec.Code, rec.Body)
	}
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("the exposition does not parse: %v", err)
	}
	return families
}

// value is the counter's (or histogram's count) of the series with labels.
func value(families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	f := families[name]
	if f == nil {
		return -1
	}
	for _, s := range f.GetMetric() {
		match := 0
		for _, l := range s.GetLabel() {
			if v, ok := labels[l.GetName()]; ok && v == l.GetValue() {
				match++
			}
		}
		if match != len(labels) {
			continue
		}
		switch {
		case s.Counter != nil:
			return s.GetCounter().GetValue()
		case s.Histogram != nil:
			return float64(s.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

func TestMetrics(t *testing.T) {
	t.Run("EveryCollectorParsesAndCounts", func(t *testing.T) {
		m := metrics.New(nil)
		m.Request("/v1/track", "POST", 200, 3*time.Millisecond)
		m.Request("/v1/track", "POST", 200, 5*time.Millisecond)
		m.Request("", "BREW", 404, time.Millisecond)
		m.Ingested(metrics.VerdictStored, 3)
		m.Ingested(metrics.VerdictRejected, 1)
		m.Routed(time.Now().Add(-20 * time.Millisecond))
		m.Sent("email", "sent")
		m.ProviderCall("email", 40*time.Millisecond, "")
		m.ProviderCall("line", 40*time.Millisecond, metrics.ErrorRateLimited)
		m.QueueWait("email", 2*time.Second)
		m.Broadcast("email", "sent", 1000)
		m.BroadcastDeferred(7)
		m.Temporal().WithTags(map[string]string{"journey": "cart"}).Counter("tabiji_test_runs").Inc(2)
		m.Close() // flushes the SDK's metrics into the registry
		f := scrape(t, m)
		for _, c := range []struct {
			name   string
			labels map[string]string
			want   float64
		}{
			{"tabiji_http_requests_total", map[string]string{"route": "/v1/track", "method": "POST", "status": "200"}, 2},
			{"tabiji_http_requests_total", map[string]string{"route": "unmatched", "method": "other", "status": "404"}, 1},
			{"tabiji_http_request_duration_seconds", map[string]string{"route": "/v1/track"}, 2},
			{"tabiji_events_ingested_total", map[string]string{"verdict": "stored"}, 3},
			{"tabiji_events_ingested_total", map[string]string{"verdict": "rejected"}, 1},
			{"tabiji_routing_lag_seconds", nil, 1},
			{"tabiji_sends_total", map[string]string{"channel": "email", "outcome": "sent"}, 1},
			{"tabiji_provider_call_duration_seconds", map[string]string{"channel": "line"}, 1},
			{"tabiji_provider_errors_total", map[string]string{"channel": "line", "class": "rate_limited"}, 1},
			{"tabiji_send_queue_wait_seconds", map[string]string{"channel": "email"}, 1},
			{"tabiji_broadcast_recipients_total", map[string]string{"channel": "email", "outcome": "sent"}, 1000},
			{"tabiji_broadcast_quiet_hours_deferrals_total", nil, 7},
			{"tabiji_test_runs_total", map[string]string{"journey": "cart"}, 2},
		} {
			if got := value(f, c.name, c.labels); got != c.want {
				t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
			}
		}
		if f["go_goroutines"] == nil || f["process_cpu_seconds_total"] == nil {
			t.Error("the Go and process collectors are missing")
		}
	})

	t.Run("NilMetricsRecordNothingAndDoNotPanic", func(t *testing.T) {
		var m *metrics.Metrics
		m.Request("/x", "GET", 200, time.Millisecond)
		m.Ingested(metrics.VerdictStored, 1)
		m.Routed(time.Now())
		m.Sent("email", "sent")
		m.ProviderCall("email", time.Millisecond, metrics.ErrorTransient)
		m.QueueWait("email", time.Second)
		m.Broadcast("email", "sent", 1)
		m.BroadcastDeferred(1)
		m.Close()
		if m.Temporal() != nil {
			t.Error("a nil *Metrics gave the SDK a handler")
		}
	})
}
