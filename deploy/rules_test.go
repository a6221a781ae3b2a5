package deploy_test

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

var (
	alertsFile    = filepath.Join("helm", "files", "tabiji-alerts.yaml")
	dashboardFile = filepath.Join("helm", "files", "tabiji-dashboard.json")
)

// promql is Prometheus's own PromQL parser, with its default functions.
var promql = parser.NewParser(parser.Options{})

// checkExpr parses one expression and names every metric it selects that
// no Tabiji process exports.
func checkExpr(t *testing.T, where, expr string, known knownMetrics) {
	t.Helper()
	parsed, err := promql.ParseExpr(expr)
	if err != nil {
		t.Errorf("%s: %q does not parse: %v", where, expr, err)
		return
	}
	selected := 0
	for _, matchers := range parser.ExtractSelectors(parsed) {
		for _, m := range matchers {
			if m.Name != model.MetricNameLabel {
				continue
			}
			selected++
			if m.Type != labels.MatchEqual {
				t.Errorf("%s: %q selects metrics by a pattern (%s): name each", where, expr, m)
			} else if !known[m.Value] {
				t.Errorf("%s: %q uses %s, which no Tabiji process exports", where, expr, m.Value)
			}
		}
	}
	if selected == 0 {
		t.Errorf("%s: %q selects no metric", where, expr)
	}
}

func TestAlertRules(t *testing.T) {
	known := readMetrics(t)
	groups, errs := rulefmt.ParseFile(alertsFile, false, model.UTF8Validation, promql, slog.New(slog.DiscardHandler))
	for _, err := range errs {
		t.Errorf("Prometheus refuses the rule file: %v", err)
	}
	if groups == nil {
		t.FailNow()
	}
	alerts := 0
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("group %s has a rule that is not an alert (%s)", g.Name, r.Record)
				continue
			}
			alerts++
			checkExpr(t, "alert "+r.Alert, r.Expr, known)
			if !map[string]bool{"critical": true, "warning": true, "info": true}[r.Labels["severity"]] {
				t.Errorf("alert %s: severity %q, want critical, warning or info", r.Alert, r.Labels["severity"])
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("alert %s has no summary or description", r.Alert)
			}
		}
	}
	if alerts < 10 {
		t.Errorf("the rule file has %d alerts; it should watch the API, events, sending and Temporal", alerts)
	}
}

// grafanaVariables are the dashboard variables Grafana fills in before it
// sends a query, each with a value Prometheus would receive.
var grafanaVariables = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h")

type dashboardPanel struct {
	Title      string           `json:"title"`
	Type       string           `json:"type"`
	Datasource *json.RawMessage `json:"datasource"`
	Targets    []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []dashboardPanel `json:"panels"`
}

func TestGrafanaDashboard(t *testing.T) {
	known := readMetrics(t)
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID        string `json:"uid"`
		Title      string `json:"title"`
		Templating struct {
			List []struct {
				Name string `json:"name"`
				Type string `json:"type"`
			} `json:"list"`
		} `json:"templating"`
		Panels []dashboardPanel `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	if dash.UID == "" || dash.Title == "" {
		t.Error("the dashboard needs a uid and a title")
	}
	variables := map[string]bool{}
	for _, v := range dash.Templating.List {
		variables[v.Name] = true
	}
	if !variables["datasource"] {
		t.Error("the dashboard has no datasource variable: its panels would be tied to one Grafana's data source")
	}
	variable := regexp.MustCompile(`\$\{?(\w+)\}?`)
	exprs := 0
	var walk func(panels []dashboardPanel)
	walk = func(panels []dashboardPanel) {
		for _, p := range panels {
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if p.Datasource == nil || !strings.Contains(string(*p.Datasource), "${datasource}") {
				t.Errorf("panel %q does not query the ${datasource} variable", p.Title)
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, target := range p.Targets {
				expr := variable.ReplaceAllStringFunc(grafanaVariables.Replace(target.Expr), func(v string) string {
					if name := variable.FindStringSubmatch(v)[1]; variables[name] {
						return ".*" // a variable's All value
					}
					t.Errorf("panel %q: %q uses %s, which the dashboard does not define", p.Title, target.Expr, v)
					return v
				})
				exprs++
				checkExpr(t, "panel "+p.Title, expr, known)
				checkFiltered(t, p.Title, expr)
			}
		}
	}
	walk(dash.Panels)
	if exprs < 15 {
		t.Errorf("the dashboard has %d queries; it should show the API, events, journeys, sending and Temporal", exprs)
	}
}

// checkFiltered: every selector of a panel's query honours the dashboard's
// job and namespace variables, so one Prometheus can hold several Tabijis.
func checkFiltered(t *testing.T, title, expr string) {
	t.Helper()
	parsed, err := promql.ParseExpr(expr)
	if err != nil {
		return // checkExpr said so
	}
	for _, matchers := range parser.ExtractSelectors(parsed) {
		has := map[string]bool{}
		for _, m := range matchers {
			has[m.Name] = true
		}
		if !has["job"] || !has["namespace"] {
			t.Errorf("panel %q: a selector of %q ignores the job or namespace variable", title, expr)
		}
	}
}

// TestMetricNamesComeFromTheCode keeps the reader honest: a name Tabiji does
// not export is refused, names it does are known.
func TestMetricNamesComeFromTheCode(t *testing.T) {
	known := readMetrics(t)
	for _, name := range []string{
		"tabiji_http_request_duration_seconds_bucket", "tabiji_journey_runs_ended_total", "tabiji_sends_total",
		"temporal_workflow_task_schedule_to_start_latency_seconds_bucket", "temporal_request_failure_total",
		"go_goroutines", "process_resident_memory_bytes",
	} {
		if !known[name] {
			t.Errorf("%s is not read as exported", name)
		}
	}
	for _, name := range []string{"tabiji_sends", "tabiji_http_requests_total_bucket", "tabiji_journey_runs_total", "temporal_no_such_metric_total"} {
		if known[name] {
			t.Errorf("%s is read as exported, and Tabiji exports no such series", name)
		}
	}
}
