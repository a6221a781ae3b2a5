package devtemporal

import (
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/server/chasm/lib/activity"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/temporal"
)

const clusterName = "active"

// startPlan is Options resolved: defaults applied, ports chosen, database prepared.
type startPlan struct {
	frontend         hostPort
	ui               *hostPort // nil: no UI
	internal         map[primitives.ServiceName]int
	namespace        string
	searchAttributes map[string]enums.IndexedValueType
	frontendHTTP     int // HTTP API (Nexus endpoints), on the frontend's IP
	sql              *config.SQL
	unlock           func() // releases the data dir
	logLevel         *slog.LevelVar
	logger           *slog.Logger // restricted to logLevel
	codecEndpoint    string
	codecLogin       string
}

// plan resolves o into a startPlan. It checks the ports before the database, so a second
// `tabiji dev` fails on its port without touching the first one's data.
func plan(o Options) (*startPlan, error) {
	p := &startPlan{
		namespace:        o.Namespace,
		searchAttributes: maps.Clone(o.SearchAttributes),
		logLevel:         new(slog.LevelVar),
		internal:         map[primitives.ServiceName]int{},
		codecEndpoint:    o.CodecEndpoint,
		codecLogin:       o.CodecLogin,
	}
	p.logLevel.Set(levelStarting)
	p.logger = quietLogger(o.Logger, p.logLevel)
	if p.namespace == "" {
		p.namespace = DefaultNamespace
	}
	if err := p.planPorts(o); err != nil {
		return nil, err
	}
	sql, unlock, err := prepareDatabase(o.DataDir, p.namespace, p.searchAttributes)
	if err != nil {
		return nil, err
	}
	p.sql, p.unlock = sql, unlock
	return p, nil
}

func (p *startPlan) planPorts(o Options) error {
	frontend, err := parseAddress(withDefault(o.FrontendAddress, DefaultFrontendAddress), "frontend")
	if err != nil {
		return err
	}
	if err := claimPort(&frontend, frontendPortHint); err != nil {
		return err
	}
	p.frontend = frontend
	if !strings.EqualFold(o.UIAddress, UIOff) {
		ui, err := parseAddress(withDefault(o.UIAddress, DefaultUIAddress), "Web UI")
		if err != nil {
			return err
		}
		if err := claimPort(&ui, uiPortHint); err != nil {
			return err
		}
		p.ui = &ui
	}
	// The frontend's HTTP API serves Nexus endpoints; without it the server warns on every start.
	httpPort, err := freePort(frontend.ip)
	if err != nil {
		return err
	}
	p.frontendHTTP = httpPort
	// History, matching and the worker service talk over gRPC even inside one process; they
	// stay on the loopback whatever the frontend binds.
	for _, svc := range []primitives.ServiceName{primitives.HistoryService, primitives.MatchingService, primitives.WorkerService} {
		port, err := freePort("127.0.0.1")
		if err != nil {
			return err
		}
		p.internal[svc] = port
	}
	return nil
}

// What to do when a port is taken, in terms of `tabiji dev` flags.
const (
	frontendPortHint = "stop the other Temporal server or pass --temporal-addr (TABIJI_TEMPORAL_ADDR)"
	uiPortHint       = "stop the other Temporal Web UI or pass --ui-addr (TABIJI_UI_ADDR)"
)

func withDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// newTemporalServer builds (but does not start) the server described by p.
func newTemporalServer(p *startPlan) (temporal.Server, error) {
	cfg := serverConfig(p)
	logger := serverLogger{l: p.logger}
	authorizer, err := authorization.GetAuthorizerFromConfig(&cfg.Global.Authorization)
	if err != nil {
		return nil, fmt.Errorf("devtemporal: create authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&cfg.Global.Authorization, logger)
	if err != nil {
		return nil, fmt.Errorf("devtemporal: create claim mapper: %w", err)
	}
	hosts := map[primitives.ServiceName]static.Hosts{
		primitives.FrontendService: static.SingleLocalHost(p.frontend.dial()),
	}
	for svc, port := range p.internal {
		hosts[svc] = static.SingleLocalHost(hostPort{ip: "127.0.0.1", port: port}.bind())
	}
	ts, err := temporal.NewServer(
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		// Static hosts: no ringpop membership, so no membership ports and no join delay.
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	)
	if err != nil {
		return nil, fmt.Errorf("devtemporal: create temporal server: %w", err)
	}
	return ts, nil
}

func serverConfig(p *startPlan) *config.Config {
	var cfg config.Config
	cfg.Global.Membership.MaxJoinDuration = 30 * time.Second
	cfg.Global.Membership.BroadcastAddress = "127.0.0.1"
	const store = "sqlite-default"
	cfg.Persistence.DefaultStore = store
	cfg.Persistence.VisibilityStore = store
	// One shard: SQLite has one writer connection, so more shards only add contention.
	cfg.Persistence.NumHistoryShards = 1
	cfg.Persistence.DataStores = map[string]config.DataStore{store: {SQL: p.sql}}
	cfg.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             p.frontend.dial(),
				HTTPAddress:            hostPort{ip: p.frontend.ip, port: p.frontendHTTP}.dial(),
				// Only used when the cluster metadata is first written; later starts keep
				// the stored ID.
				ClusterID: uuid.NewString(),
			},
		},
	}
	cfg.DCRedirectionPolicy.Policy = "noop"
	cfg.Services = map[string]config.Service{
		string(primitives.FrontendService): {RPC: config.RPC{GRPCPort: p.frontend.port, HTTPPort: p.frontendHTTP, BindOnIP: p.frontend.ip}},
	}
	for svc, port := range p.internal {
		cfg.Services[string(svc)] = config.Service{RPC: config.RPC{GRPCPort: port, BindOnIP: "127.0.0.1"}}
	}
	cfg.Archival.History.State = "disabled"
	cfg.Archival.Visibility.State = "disabled"
	cfg.NamespaceDefaults.Archival.History.State = "disabled"
	cfg.NamespaceDefaults.Archival.Visibility.State = "disabled"
	// The worker service (scanner, batcher, scheduler) dials the frontend as a client.
	cfg.PublicClient.HostPort = p.frontend.dial()
	return &cfg
}

// dynamicConfig is the server tuning for one process on SQLite.
func dynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// The transfer queue (workflow task -> matching, activity dispatch) polls the
		// database at most 20 times a second by default; at 1000, SignalWithStart to
		// activity start drops from ~51 ms to ~8 ms (p50, measured with an in-process worker).
		dynamicconfig.TransferProcessorMaxPollRPS.Key(): 1000,
		// Visibility (ListWorkflowExecutions, the UI's lists and counts, customer timelines)
		// is limited to 10 requests a second per namespace by default and the CLI dev server
		// raises it to 100; the UI refreshes lists and counts on its own while the API and
		// tests poll, and a throttled call only comes back as ResourceExhausted, so raise it
		// further. SQLite's one connection is the real limit.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 1000,

		// Defaults of the Temporal CLI dev server that still apply to server v1.32.1
		// (history.enableChasm and activity.enableStandalone are already on by default).
		// New search attributes and Nexus endpoints are visible at once.
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): true,
		dynamicconfig.ForceNexusEndpointRefreshOnRead.Key():         true,
		// ...which reads the database more often, so raise the persistence limits.
		dynamicconfig.FrontendPersistenceMaxQPS.Key(): 10000,
		dynamicconfig.HistoryPersistenceMaxQPS.Key():  45000,
		// One partition per task queue: one process serves them all, and a task queue's
		// rate limit (the per-channel send queues) is split among its partitions, so
		// with the default four a send queue ran at about half its configured rate.
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
		// Mutable-state cache of 8k workflows instead of 128k bounds memory.
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): 8096,
		// Standalone-activity operator commands and batch operations, as in the CLI.
		activity.EnableStandaloneActivityOperatorCommands.Key():                  true,
		dynamicconfig.FrontendEnableBatchOperationsForStandaloneActivities.Key(): true,
	}
}
