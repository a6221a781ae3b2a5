package deploy_test

import (
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	release "helm.sh/helm/v4/pkg/release/v1"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// The oldest Kubernetes the chart supports (Chart.yaml's kubeVersion), which
// it renders for, and the newest the API types here know, whose
// deprecations lint checks for.
const (
	oldestKube = "v1.25.0"
	newestKube = "v1.37.0"
)

const (
	chartDir    = "helm"
	releaseName = "tabiji"
	namespace   = "shop"
)

// valuesCase is one way an operator installs the chart.
type valuesCase struct {
	name string
	file string         // a values file beside the chart, or "" for the defaults
	set  map[string]any // values on top, as --set would give them
}

var valuesCases = []valuesCase{
	{name: "Defaults"},
	{name: "SelfHosted", file: "values-self-hosted.yaml"},
	{name: "TemporalCloudMTLS", file: "values-cloud-mtls.yaml"},
	{name: "TemporalCloudAPIKey", file: "values-cloud-apikey.yaml"},
	{name: "PrivateCAAndFCMWithoutAutoscaling", file: "values-cloud-mtls.yaml", set: map[string]any{
		"temporal": map[string]any{"tls": map[string]any{"caKey": "ca.crt", "serverName": "temporal.internal"}},
		"fcm":      map[string]any{"credentialsKey": "fcm.json"},
		"api":      map[string]any{"autoscaling": map[string]any{"enabled": false}, "podDisruptionBudget": map[string]any{"enabled": false}},
		"worker":   map[string]any{"autoscaling": map[string]any{"enabled": false}},
	}},
}

// values reads the case's values as Helm would merge them over the chart's.
func (c valuesCase) values(t *testing.T) map[string]any {
	t.Helper()
	vals := map[string]any{}
	if c.file != "" {
		read, err := common.ReadValuesFile(filepath.Join(chartDir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		vals = read.AsMap()
	}
	return mergeValues(vals, c.set)
}

func mergeValues(dst, src map[string]any) map[string]any {
	out := maps.Clone(dst)
	for k, v := range src {
		if sub, ok := v.(map[string]any); ok {
			if have, ok := out[k].(map[string]any); ok {
				out[k] = mergeValues(have, sub)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// install renders the chart as `helm install --dry-run=client` (and
// `helm template`) does: Helm's install action, client only.
func install(vals map[string]any) (*release.Release, error) {
	ch, err := loader.LoadDir(chartDir)
	if err != nil {
		return nil, err
	}
	inst := action.NewInstall(action.NewConfiguration(action.ConfigurationSetLogger(slog.DiscardHandler)))
	inst.DryRunStrategy = action.DryRunClient
	inst.ReleaseName, inst.Namespace, inst.Replace = releaseName, namespace, true
	if inst.KubeVersion, err = common.ParseKubeVersion(oldestKube); err != nil {
		return nil, err
	}
	rel, err := inst.Run(ch, vals)
	if err != nil {
		return nil, err
	}
	return rel.(*release.Release), nil
}

// object is one rendered manifest, decoded.
type object struct {
	source string // the template it came from
	obj    runtime.Object
	hook   *release.Hook // nil for the release's own objects
}

// decoder decodes into Kubernetes' API types (and the Prometheus
// Operator's), strictly: an unknown or duplicated field is an error.
func decoder(t *testing.T) runtime.Decoder {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := monitoringv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
		kjson.SerializerOptions{Yaml: true, Strict: true})
}

// decodeAll decodes every manifest of the release and of its hooks.
func decodeAll(t *testing.T, rel *release.Release) []object {
	t.Helper()
	dec := decoder(t)
	var out []object
	add := func(manifest string, hook *release.Hook) {
		docs := releaseutil.SplitManifests(manifest)
		for _, key := range slices.Sorted(maps.Keys(docs)) {
			doc := docs[key]
			source := "?"
			if i := strings.Index(doc, "# Source: "); i >= 0 {
				source = strings.TrimSpace(strings.SplitN(doc[i+len("# Source: "):], "\n", 2)[0])
			}
			if strings.TrimSpace(strings.ReplaceAll(doc, "# Source: "+source, "")) == "" {
				continue
			}
			obj, gvk, err := dec.Decode([]byte(doc), nil, nil)
			if err != nil {
				t.Errorf("%s does not decode into Kubernetes' API types: %v\n%s", source, err, doc)
				continue
			}
			if gvk.Version == "" || gvk.Kind == "" {
				t.Errorf("%s has no apiVersion or kind", source)
			}
			out = append(out, object{source: source, obj: obj, hook: hook})
		}
	}
	add(rel.Manifest, nil)
	for _, h := range rel.Hooks {
		add(h.Manifest, h)
	}
	if len(out) == 0 {
		t.Fatal("the chart rendered nothing")
	}
	return out
}

func TestChart(t *testing.T) {
	src := readSource(t)
	for _, c := range valuesCases {
		t.Run(c.name, func(t *testing.T) {
			vals := c.values(t)
			t.Run("Lints", func(t *testing.T) {
				kube, err := common.ParseKubeVersion(newestKube)
				if err != nil {
					t.Fatal(err)
				}
				linter := lint.RunAll(chartDir, vals, namespace, lint.WithKubeVersion(kube))
				for _, m := range linter.Messages {
					if m.Severity >= support.WarningSev {
						t.Errorf("helm lint: %s", m)
					}
				}
			})
			rel, err := install(vals)
			if err != nil {
				t.Fatalf("helm install --dry-run: %v", err)
			}
			objs := decodeAll(t, rel)
			checkRelease(t, vals, objs, src)
		})
	}
}

// TestChartRefusesIncompleteTemporalTLS: mTLS without the certificate's
// Secret fails at install, naming the value, instead of starting pods that
// cannot reach Temporal.
func TestChartRefusesIncompleteTemporalTLS(t *testing.T) {
	_, err := install(map[string]any{"temporal": map[string]any{"tls": map[string]any{"enabled": true}}})
	if err == nil || !strings.Contains(err.Error(), "temporal.tls.existingSecret") {
		t.Fatalf("install with temporal.tls.enabled and no Secret: %v, want an error naming temporal.tls.existingSecret", err)
	}
}

// TestChartRefusesAnOpenMetricsFence: a NetworkPolicy with no peers would
// let every pod reach the metrics port, so the install fails instead.
func TestChartRefusesAnOpenMetricsFence(t *testing.T) {
	_, err := install(map[string]any{"metrics": map[string]any{"networkPolicy": map[string]any{"enabled": true}}})
	if err == nil || !strings.Contains(err.Error(), "metrics.networkPolicy.from") {
		t.Fatalf("install with a NetworkPolicy and no peers: %v, want an error naming metrics.networkPolicy.from", err)
	}
}

// TestChartCapsTheStickyCache: the worker gets TABIJI_STICKY_CACHE_SIZE
// from worker.stickyCacheSize, the SDK's 10,000 by default; the API, which
// runs no workflow, gets none.
func TestChartCapsTheStickyCache(t *testing.T) {
	for _, c := range []struct {
		vals map[string]any
		want string
	}{
		{nil, "10000"},
		{map[string]any{"worker": map[string]any{"stickyCacheSize": 2000}}, "2000"},
	} {
		rel, err := install(c.vals)
		if err != nil {
			t.Fatalf("helm install --dry-run %v: %v", c.vals, err)
		}
		r := index(t, decodeAll(t, rel))
		worker, api := r.deployments[releaseName+"-worker"], r.deployments[releaseName+"-api"]
		if got := envValue(worker.Spec.Template.Spec.Containers[0], "TABIJI_STICKY_CACHE_SIZE"); got != c.want {
			t.Errorf("values %v: worker's TABIJI_STICKY_CACHE_SIZE = %q, want %q", c.vals, got, c.want)
		}
		if got := envValue(api.Spec.Template.Spec.Containers[0], "TABIJI_STICKY_CACHE_SIZE"); got != "" {
			t.Errorf("the API has TABIJI_STICKY_CACHE_SIZE = %q; it runs no workflow", got)
		}
	}
}
