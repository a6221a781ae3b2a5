package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/cli"
	"github.com/tabiji/tabiji/journeytemplates"
)

// tabiji runs the tabiji command in this process against the stack's API.
func (s *stack) tabiji(args ...string) (string, error) {
	s.t.Helper()
	return runTabiji(append(args, "--api-url", s.url, "--admin-key", s.admin)...)
}

// runTabiji runs the tabiji command in this process and answers what it
// printed, standard output then standard error.
func runTabiji(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := cli.Run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const cliJourneyYAML = `id: cli_apply
name: CLI apply
definition:
  entry: { event: cart_add }
  nodes:
    - { id: pause, kind: wait, duration: %s, next: remind }
    - id: remind
      kind: send
      channel: email
      template: { subject: "Still there?", body: "Hi {{ customer.id }}" }
      next: done
    - { id: done, kind: exit }
`

type journeyDefinitionNodes struct {
	Nodes []struct{ ID, Kind, Duration string }
}

func TestCLITemplates(t *testing.T) {
	s := startStack(t)

	t.Run("ListShowsEveryTemplateAndItsParameters", func(t *testing.T) {
		out, err := s.tabiji("templates", "list")
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"cart-abandonment", "post-purchase", "welcome", "dormant-reengagement", "birthday", "vip-early-access", "lead-score", "cross-sell", "delay=30m", "sales_webhook_url (required)"} {
			if !strings.Contains(out, name) {
				t.Errorf("templates list does not show %s:\n%s", name, out)
			}
		}
		out, err = s.tabiji("templates", "list", "-o", "json")
		var parsed struct{ Templates []map[string]any }
		if err != nil || json.Unmarshal([]byte(out), &parsed) != nil || len(parsed.Templates) != len(journeytemplates.List()) {
			t.Errorf("templates list -o json = %v\n%s", err, out)
		}
		out, err = s.tabiji("templates", "show", "lead-score")
		if err != nil || !strings.Contains(out, "KPI:") || !strings.Contains(out, "Trigger:") || !strings.Contains(out, "threshold") {
			t.Errorf("templates show = %v\n%s", err, out)
		}
	})

	t.Run("LaunchTypesParametersFromTheTemplate", func(t *testing.T) {
		out, err := s.tabiji("templates", "launch", "lead-score", "--param", "threshold=55",
			"--param", "sales_webhook_url=https://crm.test/hook", "--id", "cli_leads")
		if err != nil || !strings.Contains(out, "Launched lead-score as journey cli_leads (active, version 1)") {
			t.Fatalf("launch = %v\n%s", err, out)
		}
		var j struct {
			Definition struct{ Variables map[string]any }
		}
		s.call("GET", "/v1/journeys/cli_leads", "admin", nil, http.StatusOK, &j)
		if j.Definition.Variables["threshold"] != float64(55) {
			t.Errorf("threshold = %#v, want the number 55", j.Definition.Variables["threshold"])
		}
	})

	t.Run("BadParametersPrintTheFieldPaths", func(t *testing.T) {
		_, err := s.tabiji("templates", "launch", "cart-abandonment", "--param", "delay=soon", "--param", "cupon=X")
		if err == nil || !strings.Contains(err.Error(), "422") || !strings.Contains(err.Error(), "params.delay: must be a positive duration") ||
			!strings.Contains(err.Error(), "params.cupon: unknown parameter") {
			t.Errorf("err = %v", err)
		}
		_, err = s.tabiji("templates", "launch", "lead-score", "--param", "threshold=lots")
		if err == nil || !strings.Contains(err.Error(), "params.threshold: must be a number") {
			t.Errorf("err = %v", err)
		}
		_, err = s.tabiji("templates", "launch", "nope")
		if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "cart-abandonment") {
			t.Errorf("unknown template: err = %v", err)
		}
	})

	t.Run("NeedsAKeyAndAnAPI", func(t *testing.T) {
		t.Setenv("TABIJI_ADMIN_KEY", "")
		err := cli.Run(context.Background(), []string{"templates", "list", "--api-url", s.url}, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "TABIJI_ADMIN_KEY is not set") || strings.Contains(err.Error(), "\n") {
			t.Errorf("without a key: %v", err)
		}
		err = cli.Run(context.Background(), []string{"templates", "list", "--api-url", "http://127.0.0.1:1", "--admin-key", "k"}, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "cannot reach the Tabiji API at http://127.0.0.1:1") {
			t.Errorf("without an API: %v", err)
		}
		err = cli.Run(context.Background(), []string{"journeys", "show", "x", "--api-url", s.url, "--admin-key", "tbj_a_wrong"}, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Errorf("with a wrong key: %v", err)
		}
	})
}

func TestCLIJourneys(t *testing.T) {
	s := startStack(t)

	t.Run("ApplyCreatesThenShowShowsTheNodes", func(t *testing.T) {
		f := writeFile(t, "journey.yaml", strings.Replace(cliJourneyYAML, "%s", "30m", 1))
		out, err := s.tabiji("journeys", "apply", "-f", f)
		if err != nil || !strings.Contains(out, "Created journey cli_apply: version 1, draft.") {
			t.Fatalf("apply = %v\n%s", err, out)
		}
		out, err = s.tabiji("journeys", "show", "cli_apply")
		if err != nil || !strings.Contains(out, "entry: cart_add") || !strings.Contains(out, "pause") || !strings.Contains(out, "wait") {
			t.Errorf("show = %v\n%s", err, out)
		}
		out, err = s.tabiji("journeys", "show", "cli_apply", "-o", "json")
		var j map[string]any
		if err != nil || json.Unmarshal([]byte(out), &j) != nil || j["id"] != "cli_apply" {
			t.Errorf("show -o json = %v\n%s", err, out)
		}
	})

	t.Run("ApplyPrintsEveryFieldAtFault", func(t *testing.T) {
		bad := strings.Replace(strings.Replace(cliJourneyYAML, "%s", "soon", 1), "next: done", "next: nowhere", 1)
		_, err := s.tabiji("journeys", "apply", "-f", writeFile(t, "bad.yaml", strings.Replace(bad, "cli_apply", "cli_bad", 1)))
		if err == nil || !strings.Contains(err.Error(), "422") || !strings.Contains(err.Error(), "definition.nodes[0].duration") {
			t.Errorf("err = %v", err)
		}
		_, err = s.tabiji("journeys", "apply", "-f", writeFile(t, "noid.yaml", "name: x\ndefinition: {}\n"))
		if err == nil || !strings.Contains(err.Error(), "id is required") {
			t.Errorf("no id: err = %v", err)
		}
	})

	t.Run("ApplyAgainSavesANewVersionAndActivates", func(t *testing.T) {
		f := writeFile(t, "journey.yaml", strings.Replace(cliJourneyYAML, "%s", "1m", 1))
		out, err := s.tabiji("journeys", "apply", "-f", f, "--activate")
		if err != nil || !strings.Contains(out, "Updated journey cli_apply: version 2, active.") {
			t.Fatalf("apply = %v\n%s", err, out)
		}
		var j struct{ Definition journeyDefinitionNodes }
		s.call("GET", "/v1/journeys/cli_apply", "admin", nil, http.StatusOK, &j)
		if j.Definition.Nodes[0].Duration != "1m0s" && j.Definition.Nodes[0].Duration != "1m" {
			t.Errorf("version 2 has duration %q", j.Definition.Nodes[0].Duration)
		}
	})

	t.Run("ListShowsEveryJourneyWithItsVersions", func(t *testing.T) {
		out, err := s.tabiji("journeys", "list")
		if err != nil || !strings.Contains(out, "ID") || !regexp.MustCompile(`(?m)^cli_apply\s+CLI apply\s+active\s+2\s+2\s`).MatchString(out) {
			t.Errorf("journeys list = %v\n%s", err, out)
		}
		out, err = s.tabiji("journeys", "list", "-o", "json")
		var got struct{ Journeys []map[string]any }
		if err != nil || json.Unmarshal([]byte(out), &got) != nil || len(got.Journeys) == 0 || got.Journeys[0]["id"] != "cli_apply" {
			t.Errorf("journeys list -o json = %v\n%s", err, out)
		}
	})

	t.Run("PauseResumeArchive", func(t *testing.T) {
		for _, step := range []struct{ cmd, status string }{{"pause", "paused"}, {"resume", "active"}, {"archive", "archived"}} {
			out, err := s.tabiji("journeys", step.cmd, "cli_apply")
			if err != nil || !strings.Contains(out, "Journey cli_apply is "+step.status+".") {
				t.Errorf("journeys %s = %v\n%s", step.cmd, err, out)
			}
		}
		_, err := s.tabiji("journeys", "pause", "nope")
		if err == nil || !strings.Contains(err.Error(), "pause journey nope: 404") {
			t.Errorf("pause of an unknown journey: %v", err)
		}
	})

	t.Run("SimulateShowsThePathAndTheMessages", func(t *testing.T) {
		f := writeFile(t, "sim.yaml", strings.Replace(strings.Replace(cliJourneyYAML, "%s", "30m", 1), "cli_apply", "cli_sim", 1))
		if _, err := s.tabiji("journeys", "apply", "-f", f); err != nil {
			t.Fatal(err)
		}
		events := writeFile(t, "events.yaml", "userId: aiko\nevents:\n  - { after: 10m, event: page_view }\n")
		out, err := s.tabiji("journeys", "simulate", "cli_sim", "-f", events)
		for _, want := range []string{"cli_sim v1: outcome done", "+30m0s", "remind", "Still there?"} {
			if err != nil || !strings.Contains(out, want) {
				t.Errorf("simulate = %v, no %q in\n%s", err, want, out)
			}
		}
		out, err = s.tabiji("journeys", "simulate", "cli_sim", "-f", events, "-o", "json")
		var a struct{ Messages []map[string]any }
		if err != nil || json.Unmarshal([]byte(out), &a) != nil || len(a.Messages) != 1 {
			t.Errorf("simulate -o json = %v\n%s", err, out)
		}
		if n := len(s.outbox("aiko").Messages); n != 0 {
			t.Errorf("a simulation sent %d messages", n)
		}
		_, err = s.tabiji("journeys", "simulate", "cli_sim", "-f", writeFile(t, "bad.yaml", "events: [{ after: 1m }]\n"))
		if err == nil || !strings.Contains(err.Error(), "events[0].event") {
			t.Errorf("bad simulation: %v", err)
		}
	})

	t.Run("ShowOfAnUnknownJourneyIs404", func(t *testing.T) {
		_, err := s.tabiji("journeys", "show", "nope")
		if err == nil || !strings.Contains(err.Error(), "404 Not Found: no journey nope") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestCLIJourneyCommandsHaveHelp(t *testing.T) {
	for _, cmd := range []string{"journeys apply", "journeys list", "journeys show", "journeys pause", "journeys resume",
		"journeys archive", "journeys simulate", "journeys experiments", "templates list", "templates show", "templates launch"} {
		var out bytes.Buffer
		err := cli.Run(context.Background(), append(strings.Fields(cmd), "--help"), &out, &bytes.Buffer{})
		for _, want := range []string{"Usage: tabiji " + cmd, "$TABIJI_API_URL", "$TABIJI_ADMIN_KEY", "$TABIJI_OUTPUT"} {
			if err != nil || !strings.Contains(out.String(), want) {
				t.Errorf("tabiji %s --help = %v, no %q in\n%s", cmd, err, want, out.String())
			}
		}
	}
}
