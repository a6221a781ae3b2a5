// Package deploy holds the tests of what deploy/ ships to operators: the
// Helm chart in helm/ (rendered and linted with Helm's own packages, every
// manifest decoded strictly into Kubernetes' API types) and the Prometheus
// alert rules and Grafana dashboard in helm/files/ (every expression parsed
// by Prometheus's own parser). They check the chart against Tabiji's code,
// read from the repository at test time: the variables each command reads,
// the paths its probes answer and the metrics it registers.
//
// It is a module of its own so that Helm's and Kubernetes' dependencies
// stay out of the tabiji binary's go.mod; `make test-unit` runs it.
package deploy
