package tests

import "text/template"

// clusterConfig is each service's server config, in the format of the
// module's config/development-postgres12.yaml; only the ports of the history
// host differ between the two history processes.
var clusterConfig = template.Must(template.New("config").Parse(`log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: {{.Shards}}
  datastores:
    postgres-default:
      sql:
        pluginName: postgres12
        databaseName: {{.DBs.temporal}}
        connectAddr: "{{.PG.Host}}:{{.PG.Port}}"
        connectProtocol: tcp
        user: {{.PG.User}}
        password: "{{.PG.Password}}"
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
    postgres-visibility:
      sql:
        pluginName: postgres12
        databaseName: {{.DBs.visibility}}
        connectAddr: "{{.PG.Host}}:{{.PG.Port}}"
        connectProtocol: tcp
        user: {{.PG.User}}
        password: "{{.PG.Password}}"
        maxConns: 4
        maxIdleConns: 4
        maxConnLifetime: 1h
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
  frontend:
    rpc: {grpcPort: {{index .Frontend 0}}, membershipPort: {{index .Frontend 1}}, httpPort: {{index .Frontend 2}}, bindOnIP: 127.0.0.1}
  history:
    rpc: {grpcPort: {{index .History 0}}, membershipPort: {{index .History 1}}, bindOnIP: 127.0.0.1}
  matching:
    rpc: {grpcPort: {{index .Matching 0}}, membershipPort: {{index .Matching 1}}, bindOnIP: 127.0.0.1}
  worker:
    rpc: {grpcPort: {{index .Worker 0}}, membershipPort: {{index .Worker 1}}, bindOnIP: 127.0.0.1}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:{{index .Frontend 0}}"
      httpAddress: "127.0.0.1:{{index .Frontend 2}}"
dcRedirectionPolicy:
  policy: noop
archival:
  history: {state: disabled}
  visibility: {state: disabled}
namespaceDefaults:
  archival:
    history: {state: disabled}
    visibility: {state: disabled}
publicClient:
  hostPort: "127.0.0.1:{{index .Frontend 0}}"
dynamicConfigClient:
  filepath: "{{.Dir}}/dynamic.yaml"
  pollInterval: 10s
`))

// clusterDynamicConfig is the cluster's dynamic config: the transfer queue
// polled often enough that a signal reaches a worker in milliseconds, search
// attributes seen as soon as tabiji adds them, and visibility calls (the
// tests count runs) not throttled at 10 a second.
const clusterDynamicConfig = `history.transferProcessorMaxPollRPS:
  - value: 1000
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
frontend.namespaceRPS.visibility:
  - value: 1000
`
