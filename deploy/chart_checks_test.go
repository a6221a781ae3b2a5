package deploy_test

import (
	"maps"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	release "helm.sh/helm/v4/pkg/release/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// tabijiSource is what the chart is checked against, read from Tabiji's code.
type tabijiSource struct {
	env        map[string]map[string]bool // per command, the variables it reads
	otel       map[string]bool            // the OTEL_* variables its tracing reads
	apiGET     map[string]bool            // GET paths of the API's engine
	metricsGET map[string]bool            // GET paths on --metrics-addr
}

func readSource(t *testing.T) tabijiSource {
	t.Helper()
	return tabijiSource{env: envReadBy(t), otel: otelRead(t), apiGET: apiGETRoutes(t), metricsGET: metricsAddrGETRoutes(t)}
}

// secretVariables are the variables whose values are secrets: the chart
// may pass them only from the existing Secret, never as values.
var secretVariables = []string{
	"DATABASE_URL", "TABIJI_SECRETS_KEY", "TABIJI_SECRETS_KEY_PREVIOUS", "TABIJI_UNSUBSCRIBE_SECRET",
	"SENDGRID_API_KEY", "SENDGRID_WEBHOOK_PUBLIC_KEY", "LINE_CHANNEL_ACCESS_TOKEN", "LINE_CHANNEL_SECRET",
	"TWILIO_AUTH_TOKEN", "TEMPORAL_API_KEY", "OTEL_EXPORTER_OTLP_HEADERS",
}

// rendered indexes a release's objects by kind.
type rendered struct {
	deployments map[string]*appsv1.Deployment
	services    map[string]*corev1.Service
	hooks       []object
	all         []object
}

func index(t *testing.T, objs []object) rendered {
	t.Helper()
	r := rendered{deployments: map[string]*appsv1.Deployment{}, services: map[string]*corev1.Service{}, all: objs}
	for _, o := range objs {
		if o.hook != nil {
			r.hooks = append(r.hooks, o)
		}
		switch obj := o.obj.(type) {
		case *appsv1.Deployment:
			r.deployments[obj.Name] = obj
		case *corev1.Service:
			r.services[obj.Name] = obj
		case *corev1.Secret:
			t.Errorf("%s renders Secret %s: the chart must only use the operator's existing Secret", o.source, obj.Name)
		}
	}
	return r
}

func checkRelease(t *testing.T, vals map[string]any, objs []object, src tabijiSource) {
	r := index(t, objs)
	secret, _ := vals["existingSecret"].(string)
	if secret == "" {
		secret = releaseName // the full name of release "tabiji"
	}
	api, worker := r.deployments[releaseName+"-api"], r.deployments[releaseName+"-worker"]
	if api == nil || worker == nil {
		t.Fatalf("the chart rendered no api or worker Deployment (got %v)", slices.Collect(maps.Keys(r.deployments)))
	}
	t.Run("PassesOnlyVariablesTabijiReads", func(t *testing.T) {
		for _, o := range objs {
			for _, spec := range podSpecs(o) {
				for _, ctr := range spec.Containers {
					checkEnv(t, o.source, ctr, src, secret)
				}
			}
		}
	})
	t.Run("ProbesAskTabijisHealthPaths", func(t *testing.T) {
		checkProbes(t, api.Spec.Template.Spec.Containers[0], "TABIJI_HTTP_ADDR", "http", src.apiGET)
		checkProbes(t, worker.Spec.Template.Spec.Containers[0], "TABIJI_METRICS_ADDR", "metrics", src.metricsGET)
	})
	t.Run("MigratesBeforeInstallAndUpgrade", func(t *testing.T) { checkMigrateHook(t, r) })
	t.Run("FilesComeFromMountedSecrets", func(t *testing.T) {
		for _, d := range []*appsv1.Deployment{api, worker} {
			checkFiles(t, d.Name, d.Spec.Template.Spec)
		}
	})
	t.Run("ReferencesResolve", func(t *testing.T) { checkReferences(t, r) })
	t.Run("TemporalSettings", func(t *testing.T) { checkTemporal(t, vals, api.Spec.Template.Spec.Containers[0]) })
	t.Run("ShipsTheRulesAndDashboard", func(t *testing.T) { checkShipped(t, r) })
}

// podSpecs are the pod templates of Deployments and Jobs.
func podSpecs(o object) []corev1.PodSpec {
	switch obj := o.obj.(type) {
	case *appsv1.Deployment:
		return []corev1.PodSpec{obj.Spec.Template.Spec}
	case *batchv1.Job:
		return []corev1.PodSpec{obj.Spec.Template.Spec}
	}
	return nil
}

var envReference = regexp.MustCompile(`\$\(([A-Z_][A-Z0-9_]*)\)`)

// checkEnv: every variable is one the container's command reads (OTEL_*
// ones: one Tabiji's tracing reads; others only as $(NAME) in another
// variable's value), and every secret comes from the existing Secret.
func checkEnv(t *testing.T, source string, ctr corev1.Container, src tabijiSource, secret string) {
	t.Helper()
	if len(ctr.Args) == 0 {
		t.Errorf("%s: container %s runs no tabiji command", source, ctr.Name)
		return
	}
	cmd := ctr.Args[0]
	reads, ok := src.env[cmd]
	if !ok {
		t.Errorf("%s: container %s runs `tabiji %s`, which is no command", source, ctr.Name, cmd)
		return
	}
	referenced := map[string]bool{}
	for _, e := range ctr.Env {
		for _, m := range envReference.FindAllStringSubmatch(e.Value, -1) {
			referenced[m[1]] = true
		}
	}
	seen := map[string]bool{}
	for _, e := range ctr.Env {
		if seen[e.Name] {
			t.Errorf("%s: %s is set twice in `tabiji %s`", source, e.Name, cmd)
		}
		seen[e.Name] = true
		switch {
		case strings.HasPrefix(e.Name, "OTEL_"):
			if !src.otel[e.Name] {
				t.Errorf("%s: %s is no variable Tabiji's tracing reads", source, e.Name)
			}
		case !reads[e.Name] && !referenced[e.Name]:
			t.Errorf("%s: `tabiji %s` does not read %s", source, cmd, e.Name)
		}
		if slices.Contains(secretVariables, e.Name) {
			ref := e.ValueFrom
			if e.Value != "" || ref == nil || ref.SecretKeyRef == nil || ref.SecretKeyRef.Name != secret || ref.SecretKeyRef.Key != e.Name {
				t.Errorf("%s: %s must come from key %s of Secret %s, not %+v", source, e.Name, e.Name, secret, e)
			}
		}
	}
	for _, need := range []string{"DATABASE_URL", "TABIJI_LOG_FORMAT"} {
		if !seen[need] {
			t.Errorf("%s: `tabiji %s` gets no %s", source, cmd, need)
		}
	}
	if cmd != "migrate" {
		for _, need := range []string{"TABIJI_SECRETS_KEY", "TEMPORAL_ADDRESS", "TABIJI_TASK_QUEUE", "TABIJI_METRICS_ADDR"} {
			if !seen[need] {
				t.Errorf("%s: `tabiji %s` gets no %s", source, cmd, need)
			}
		}
	}
}

func envValue(ctr corev1.Container, name string) string {
	for _, e := range ctr.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// checkProbes: readiness and liveness ask paths the process serves, on the
// container port the address variable makes it listen on.
func checkProbes(t *testing.T, ctr corev1.Container, addrVar, portName string, served map[string]bool) {
	t.Helper()
	_, port, err := net.SplitHostPort(envValue(ctr, addrVar))
	if err != nil {
		t.Fatalf("%s: %s = %q is no address: %v", ctr.Name, addrVar, envValue(ctr, addrVar), err)
	}
	var containerPort string
	for _, p := range ctr.Ports {
		if p.Name == portName {
			containerPort = strconv.Itoa(int(p.ContainerPort))
		}
	}
	if containerPort != port {
		t.Errorf("%s: port %s is %q, but %s makes it listen on %s", ctr.Name, portName, containerPort, addrVar, port)
	}
	probes := map[string]*corev1.Probe{"readiness": ctr.ReadinessProbe, "liveness": ctr.LivenessProbe}
	if ctr.StartupProbe != nil {
		probes["startup"] = ctr.StartupProbe
	}
	for kind, probe := range probes {
		if probe == nil || probe.HTTPGet == nil {
			t.Errorf("%s has no HTTP %s probe", ctr.Name, kind)
			continue
		}
		if !served[probe.HTTPGet.Path] {
			t.Errorf("%s: the %s probe asks %s, which the process does not serve (it serves %v)", ctr.Name, kind, probe.HTTPGet.Path, slices.Sorted(maps.Keys(served)))
		}
		if probe.HTTPGet.Port.String() != portName {
			t.Errorf("%s: the %s probe asks port %s, want %s", ctr.Name, kind, probe.HTTPGet.Port.String(), portName)
		}
	}
	if ctr.ReadinessProbe != nil && ctr.LivenessProbe != nil && ctr.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Errorf("%s: readiness asks %s, want /readyz (Postgres and Temporal answer)", ctr.Name, ctr.ReadinessProbe.HTTPGet.Path)
	}
}

// checkMigrateHook: `tabiji migrate` is a Job hook run before install and
// upgrade, replaced on each run.
func checkMigrateHook(t *testing.T, r rendered) {
	t.Helper()
	var job *batchv1.Job
	var hook *release.Hook
	for _, o := range r.hooks {
		if j, ok := o.obj.(*batchv1.Job); ok {
			job, hook = j, o.hook
		}
	}
	if job == nil {
		t.Fatal("the chart has no Job hook")
	}
	for _, ev := range []release.HookEvent{release.HookPreInstall, release.HookPreUpgrade} {
		if !slices.Contains(hook.Events, ev) {
			t.Errorf("the migrate Job does not run on %s (it runs on %v)", ev, hook.Events)
		}
	}
	if !slices.Contains(hook.DeletePolicies, release.HookBeforeHookCreation) {
		t.Error("the migrate Job is not replaced before it runs again: an upgrade would fail on the old Job")
	}
	if args := job.Spec.Template.Spec.Containers[0].Args; !slices.Equal(args, []string{"migrate"}) {
		t.Errorf("the migrate Job runs tabiji %v", args)
	}
	if job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("the migrate Job's restart policy is %q", job.Spec.Template.Spec.RestartPolicy)
	}
}

// checkFiles: every variable naming a file under /etc/tabiji names a file
// that a Secret volume mounts there.
func checkFiles(t *testing.T, name string, spec corev1.PodSpec) {
	t.Helper()
	volumes := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = v
	}
	ctr := spec.Containers[0]
	for _, e := range ctr.Env {
		if !strings.HasPrefix(e.Value, "/etc/tabiji/") {
			continue
		}
		found := false
		for _, m := range ctr.VolumeMounts {
			v := volumes[m.Name]
			if path.Dir(e.Value) != m.MountPath || v.Secret == nil {
				continue
			}
			for _, item := range v.Secret.Items {
				found = found || item.Path == path.Base(e.Value)
			}
		}
		if !found {
			t.Errorf("%s: %s=%s is no file of a mounted Secret", name, e.Name, e.Value)
		}
	}
}

// checkTemporal: the address and namespace are the values', and TLS is
// the one asked for: mTLS files, an API key, or none.
func checkTemporal(t *testing.T, vals map[string]any, api corev1.Container) {
	t.Helper()
	temporal, _ := vals["temporal"].(map[string]any)
	tls, _ := temporal["tls"].(map[string]any)
	apiKey, _ := temporal["apiKey"].(map[string]any)
	if want, _ := temporal["address"].(string); want != "" && envValue(api, "TEMPORAL_ADDRESS") != want {
		t.Errorf("TEMPORAL_ADDRESS = %q, want %q", envValue(api, "TEMPORAL_ADDRESS"), want)
	}
	if want, _ := temporal["namespace"].(string); want != "" && envValue(api, "TEMPORAL_NAMESPACE") != want {
		t.Errorf("TEMPORAL_NAMESPACE = %q, want %q", envValue(api, "TEMPORAL_NAMESPACE"), want)
	}
	has := func(name string) bool {
		return slices.ContainsFunc(api.Env, func(e corev1.EnvVar) bool { return e.Name == name })
	}
	mtls, _ := tls["enabled"].(bool)
	if has("TEMPORAL_TLS_CERT") != mtls || has("TEMPORAL_TLS_KEY") != mtls {
		t.Errorf("mTLS asked: %v; TEMPORAL_TLS_CERT set: %v, TEMPORAL_TLS_KEY set: %v", mtls, has("TEMPORAL_TLS_CERT"), has("TEMPORAL_TLS_KEY"))
	}
	key, _ := apiKey["enabled"].(bool)
	if has("TEMPORAL_API_KEY") != key {
		t.Errorf("API key asked: %v; TEMPORAL_API_KEY set: %v", key, has("TEMPORAL_API_KEY"))
	}
}

// checkShipped: the PrometheusRule holds the rule file's groups, the
// dashboard ConfigMap the dashboard's JSON, byte for byte.
func checkShipped(t *testing.T, r rendered) {
	t.Helper()
	for _, o := range r.all {
		switch obj := o.obj.(type) {
		case *monitoringv1.PrometheusRule:
			raw, err := os.ReadFile(alertsFile)
			if err != nil {
				t.Fatal(err)
			}
			var file monitoringv1.PrometheusRuleSpec
			if err := yaml.UnmarshalStrict(raw, &file); err != nil {
				t.Fatalf("%s is not a PrometheusRule spec: %v", alertsFile, err)
			}
			got, _ := yaml.Marshal(obj.Spec)
			want, _ := yaml.Marshal(file)
			if string(got) != string(want) {
				t.Errorf("PrometheusRule %s differs from %s", obj.Name, alertsFile)
			}
		case *corev1.ConfigMap:
			raw, err := os.ReadFile(dashboardFile)
			if err != nil {
				t.Fatal(err)
			}
			if got := obj.Data[filepath.Base(dashboardFile)]; got != strings.TrimSuffix(string(raw), "\n") {
				t.Errorf("ConfigMap %s does not hold %s as it is", obj.Name, dashboardFile)
			}
		}
	}
}
