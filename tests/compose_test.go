package tests

import (
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tabiji/tabiji/cli"
)

// TestComposePassesOnlyVariablesTabijiReads parses docker-compose.yml and
// checks that every environment variable it gives a tabiji container is one
// that some tabiji command reads, so a typo there never silently does nothing.
func TestComposePassesOnlyVariablesTabijiReads(t *testing.T) {
	raw, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image       string    `yaml:"image"`
			Build       yaml.Node `yaml:"build"`
			Command     []string  `yaml:"command"`
			Environment yaml.Node `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatalf("docker-compose.yml is not valid YAML: %v", err)
	}
	reads := envVarsRead(t)
	commands := map[string]bool{}
	for name, svc := range compose.Services {
		if !strings.HasPrefix(svc.Image, "tabiji") && svc.Build.IsZero() {
			continue
		}
		if len(svc.Command) == 0 {
			t.Errorf("service %s runs tabiji with no command", name)
			continue
		}
		commands[svc.Command[0]] = true
		for _, env := range envNames(t, svc.Environment) {
			if !slices.Contains(reads[svc.Command[0]], env) {
				t.Errorf("service %s passes %s, which `tabiji %s` does not read (it reads %v)", name, env, svc.Command[0], reads[svc.Command[0]])
			}
		}
	}
	for _, want := range []string{"migrate", "api", "worker"} {
		if !commands[want] {
			t.Errorf("docker-compose.yml runs no `tabiji %s`", want)
		}
	}
}

// envVarsRead lists, per command, the environment variables it reads.
func envVarsRead(t *testing.T) map[string][]string {
	t.Helper()
	k, err := cli.Model()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, cmd := range k.Model.Children {
		var envs []string
		for _, flags := range cmd.AllFlags(false) {
			for _, f := range flags {
				envs = append(envs, f.Envs...)
			}
		}
		sort.Strings(envs)
		out[cmd.Name] = envs
	}
	if len(out["api"]) == 0 {
		t.Fatal("the command model lists no variables for tabiji api")
	}
	return out
}

func envNames(t *testing.T, n yaml.Node) []string {
	t.Helper()
	var names []string
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i < len(n.Content); i += 2 {
			names = append(names, n.Content[i].Value)
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			names = append(names, strings.SplitN(item.Value, "=", 2)[0])
		}
	}
	return names
}
