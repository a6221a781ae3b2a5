// Package metrics is what `tabiji api`, `tabiji worker` and `tabiji dev`
// tell Prometheus: one registry per process holding Tabiji's own
// collectors (requests, ingestion, routing, sends, providers, broadcasts),
// the Go runtime's and the process's, and the Temporal SDK's metrics
// through the same registry (Handler serves them all as /metrics).
//
// Labels are bounded: routes are Gin's route patterns, never paths;
// channels, verdicts and outcomes are small fixed sets; journeys and
// workspaces label only the run counters, which the journey workflow
// emits through the SDK (journey ids are as many as a workspace's
// marketers make, not as many as its customers). Every method is safe on a
// nil *Metrics, which records nothing, so tests and tools need none.
package metrics

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// Metrics is one process's registry and Tabiji's collectors in it.
type Metrics struct {
	reg    *prometheus.Registry
	scope  tally.Scope
	closer io.Closer

	requests        *prometheus.CounterVec
	requestSeconds  *prometheus.HistogramVec
	ingested        *prometheus.CounterVec
	routingLag      prometheus.Histogram
	sends           *prometheus.CounterVec
	providerSeconds *prometheus.HistogramVec
	providerErrors  *prometheus.CounterVec
	queueWait       *prometheus.HistogramVec
	broadcast       *prometheus.CounterVec
	broadcastQuiet  prometheus.Counter
}

// reportEvery is how often the SDK's metrics (kept by tally) reach the
// registry.
const reportEvery = time.Second

// latencyBuckets are the seconds of request, routing and provider
// latencies: 2.5 ms to 30 s.
var latencyBuckets = []float64{.0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// New returns a registry holding Tabiji's collectors, the Go and process
// collectors, and a tally scope for the Temporal SDK that reports into it.
// A metric the SDK registers twice with other labels is logged, not fatal.
// Close stops the scope's reporting.
func New(log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.define()
	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:       m.reg,
		DefaultTimerType: tallyprom.HistogramTimerType,
		OnRegisterError: func(err error) {
			log.Warn("a Temporal SDK metric is not exported", "error", err)
		},
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:         reporter,
		Separator:              tallyprom.DefaultSeparator,
		SanitizeOptions:        &sdktally.PrometheusSanitizeOptions,
		OmitCardinalityMetrics: true,
	}, reportEvery)
	m.scope, m.closer = sdktally.NewPrometheusNamingScope(scope), closer
	return m
}

func (m *Metrics) define() {
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tabiji_http_requests_total",
		Help: "HTTP requests answered, by route pattern, method and status code."}, []string{"route", "method", "status"})
	m.requestSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tabiji_http_request_duration_seconds",
		Help: "Time to answer an HTTP request, by route pattern and method.", Buckets: latencyBuckets}, []string{"route", "method"})
	m.ingested = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tabiji_events_ingested_total",
		Help: "Calls taken by the ingestion pipeline, by verdict: stored, duplicate, rejected, quarantined, dropped."}, []string{"verdict"})
	m.routingLag = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tabiji_routing_lag_seconds",
		Help: "Time from an event's storage to the end of its signals to journey runs (entries included).", Buckets: latencyBuckets})
	m.sends = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tabiji_sends_total",
		Help: "Send activities finished, by channel and outcome: sent, recorded (outbox), skipped, failed, unconfirmed, retry."}, []string{"channel", "outcome"})
	m.providerSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tabiji_provider_call_duration_seconds",
		Help: "Time of one provider call (SendGrid, LINE, FCM), by channel.", Buckets: latencyBuckets}, []string{"channel"})
	m.providerErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tabiji_provider_errors_total",
		Help: "Provider calls that failed, by channel and class: permanent, rate_limited, transient."}, []string{"channel", "class"})
	m.queueWait = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tabiji_send_queue_wait_seconds",
		Help:    "Time a send waited on its channel's task queue before it started: the channel's rate limit, and any backlog, holding it.",
		Buckets: latencyBuckets}, []string{"channel"})
	m.broadcast = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tabiji_broadcast_recipients_total",
		Help: "Broadcast recipients handled by batch activities, by channel and outcome: sent, skipped, deferred, failed."}, []string{"channel", "outcome"})
	m.broadcastQuiet = prometheus.NewCounter(prometheus.CounterOpts{Name: "tabiji_broadcast_quiet_hours_deferrals_total",
		Help: "Broadcast recipients held until their quiet hours end."})
	for _, c := range []prometheus.Collector{m.requests, m.requestSeconds, m.ingested, m.routingLag, m.sends,
		m.providerSeconds, m.providerErrors, m.queueWait, m.broadcast, m.broadcastQuiet} {
		f(c)
	}
}

// Registry is the process's registry, for collectors of other packages.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in Prometheus's text format (or OpenMetrics
// when the scraper asks for it).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, EnableOpenMetrics: true})
}

// Temporal is the SDK's metrics handler, reporting into the registry: set
// it as client.Options.MetricsHandler. Nil on a nil *Metrics (the SDK's
// default, which records nothing).
func (m *Metrics) Temporal() client.MetricsHandler {
	if m == nil {
		return nil
	}
	return sdktally.NewMetricsHandler(m.scope)
}

// Close stops reporting the SDK's metrics, flushing the last ones.
func (m *Metrics) Close() {
	if m != nil {
		_ = m.closer.Close()
	}
}

// Request counts one answered HTTP request; route is the route pattern
// ("" when none matched).
func (m *Metrics) Request(route, method string, status int, took time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other" // a client's made-up method is not a label value of its own
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.requestSeconds.WithLabelValues(route, method).Observe(took.Seconds())
}
