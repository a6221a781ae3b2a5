// Command temporalservice is the test cluster's Temporal: Temporal's own
// server and SQL schema tool, built from go.temporal.io/server at the version
// go.mod pins, so the end-to-end tests run the production shape (one process
// per service, Postgres persistence and visibility) without Docker.
//
//	temporalservice start --config-file F --service history
//	temporalservice sql-tool --plugin postgres12 --ep 127.0.0.1 -p 5432 -u tabiji --db temporal create
//
// start runs one service (frontend, history, matching or worker) from a
// server config file in Temporal's own format, as `temporal-server start
// --service` does; sql-tool is temporal-sql-tool, as the admin-tools image
// runs it. Only tests/ builds it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql" // the postgres12 plugin
	"go.temporal.io/server/temporal"
	"go.temporal.io/server/tools/sql"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "temporalservice:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: temporalservice start --config-file F --service S | temporalservice sql-tool ARGS")
	}
	switch args[0] {
	case "start":
		return start(args[1:])
	case "sql-tool":
		// temporal-sql-tool exits 1 itself when a command fails.
		return sql.RunTool(append([]string{"temporal-sql-tool"}, args[1:]...))
	}
	return fmt.Errorf("unknown command %q: want start or sql-tool", args[0])
}

// start runs one service until SIGINT or SIGTERM.
func start(args []string) error {
	fs := flag.NewFlagSet("start", flag.ContinueOnError)
	file := fs.String("config-file", "", "server config file (Temporal's format)")
	service := fs.String("service", "", "the service to run: frontend, history, matching or worker")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("parse flags: %w", err)
	}
	if *file == "" || *service == "" {
		return errors.New("start needs --config-file and --service")
	}
	cfg, err := config.Load(config.WithConfigFile(*file))
	if err != nil {
		return fmt.Errorf("load config %s: %w", *file, err)
	}
	logger := log.NewZapLogger(log.BuildZapLogger(cfg.Log))
	authorizer, err := authorization.GetAuthorizerFromConfig(&cfg.Global.Authorization)
	if err != nil {
		return fmt.Errorf("create authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&cfg.Global.Authorization, logger)
	if err != nil {
		return fmt.Errorf("create claim mapper: %w", err)
	}
	s, err := temporal.NewServer(
		temporal.ForServices([]string{*service}),
		temporal.WithConfig(cfg),
		temporal.WithLogger(logger),
		temporal.InterruptOn(temporal.InterruptCh()),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
	)
	if err != nil {
		return fmt.Errorf("create server: %w", err)
	}
	if err := s.Start(); err != nil {
		return fmt.Errorf("start %s: %w", *service, err)
	}
	return nil
}
