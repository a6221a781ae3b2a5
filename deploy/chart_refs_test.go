package deploy_test

import (
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// checkReferences: autoscalers, budgets, Services, the ServiceMonitor and
// the Ingress point at what the chart renders.
func checkReferences(t *testing.T, r rendered) {
	t.Helper()
	var templates []corev1.PodTemplateSpec // every pod the release runs, the migrate Job's included
	for _, o := range r.all {
		switch obj := o.obj.(type) {
		case *appsv1.Deployment:
			templates = append(templates, obj.Spec.Template)
		case *batchv1.Job:
			templates = append(templates, obj.Spec.Template)
		}
	}
	podsOf := func(sel labels.Selector) []corev1.PodTemplateSpec {
		var out []corev1.PodTemplateSpec
		for _, p := range templates {
			if sel.Matches(labels.Set(p.Labels)) {
				out = append(out, p)
			}
		}
		return out
	}
	for _, o := range r.all {
		switch obj := o.obj.(type) {
		case *autoscalingv2.HorizontalPodAutoscaler:
			d := r.deployments[obj.Spec.ScaleTargetRef.Name]
			if d == nil || obj.Spec.ScaleTargetRef.Kind != "Deployment" {
				t.Errorf("%s scales %v, which the chart does not render", obj.Name, obj.Spec.ScaleTargetRef)
			} else if d.Spec.Replicas != nil {
				t.Errorf("Deployment %s sets replicas while %s scales it: every upgrade would reset the count", d.Name, obj.Name)
			}
		case *policyv1.PodDisruptionBudget:
			sel := labels.SelectorFromSet(obj.Spec.Selector.MatchLabels)
			if len(podsOf(sel)) != 1 {
				t.Errorf("%s selects the pods of %d templates, want one Deployment's", obj.Name, len(podsOf(sel)))
			}
		case *corev1.Service:
			pods := podsOf(labels.SelectorFromSet(obj.Spec.Selector))
			if len(pods) == 0 {
				t.Errorf("Service %s selects no pod", obj.Name)
			}
			for _, p := range obj.Spec.Ports {
				for _, pod := range pods {
					if !hasPort(pod, p.TargetPort.String()) {
						t.Errorf("Service %s targets port %s, which pods %v lack", obj.Name, p.TargetPort.String(), pod.Labels)
					}
				}
			}
		case *networkingv1.NetworkPolicy:
			sel := labels.SelectorFromSet(obj.Spec.PodSelector.MatchLabels)
			if n := len(podsOf(sel)); n != 2 {
				t.Errorf("NetworkPolicy %s fences the pods of %d templates, want the api's and the worker's", obj.Name, n)
			}
			checkNetworkPolicy(t, obj)
		case *monitoringv1.ServiceMonitor:
			checkServiceMonitor(t, r, obj)
		case *networkingv1.Ingress:
			checkIngress(t, r, obj)
		}
	}
}

func hasPort(pod corev1.PodTemplateSpec, name string) bool {
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == name {
				return true
			}
		}
	}
	return false
}

func checkServiceMonitor(t *testing.T, r rendered, sm *monitoringv1.ServiceMonitor) {
	t.Helper()
	sel := labels.SelectorFromSet(sm.Spec.Selector.MatchLabels)
	for _, svc := range r.services {
		if !sel.Matches(labels.Set(svc.Labels)) {
			continue
		}
		for _, ep := range sm.Spec.Endpoints {
			if !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == ep.Port }) {
				t.Errorf("ServiceMonitor %s scrapes port %q, which Service %s lacks", sm.Name, ep.Port, svc.Name)
			}
		}
		return
	}
	t.Errorf("ServiceMonitor %s selects no Service", sm.Name)
}

func checkIngress(t *testing.T, r rendered, ing *networkingv1.Ingress) {
	t.Helper()
	for _, rule := range ing.Spec.Rules {
		for _, p := range rule.HTTP.Paths {
			svc := r.services[p.Backend.Service.Name]
			if svc == nil || !slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool { return sp.Name == p.Backend.Service.Port.Name }) {
				t.Errorf("Ingress %s routes to %v, which the chart does not render", ing.Name, p.Backend.Service)
			}
			if svc != nil && strings.Contains(svc.Name, "metrics") {
				t.Errorf("Ingress %s routes to the metrics port, which has no authentication", ing.Name)
			}
		}
	}
}

// checkNetworkPolicy: the metrics port is open only to named peers.
func checkNetworkPolicy(t *testing.T, np *networkingv1.NetworkPolicy) {
	t.Helper()
	fenced := false
	for _, rule := range np.Spec.Ingress {
		for _, p := range rule.Ports {
			if p.Port != nil && p.Port.String() == "metrics" {
				fenced = len(rule.From) > 0
			}
		}
	}
	if !fenced {
		t.Errorf("NetworkPolicy %s leaves the metrics port open to every peer", np.Name)
	}
}
