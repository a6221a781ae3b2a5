package cli

import (
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tabiji/tabiji/segmentbench"
)

// BenchCmd is `tabiji bench`: development benchmarks, hidden from the
// command list.
type BenchCmd struct {
	Segments BenchSegmentsCmd `cmd:"" help:"Generate customers and events (COPY, with progress) and time counting the example segments."`
}

// BenchSegmentsCmd is `tabiji bench segments`.
type BenchSegmentsCmd struct {
	DatabaseFlags
	Workspace string `name:"workspace" default:"bench" help:"Workspace to fill and count in (created when missing)."`
	Profiles  int    `name:"profiles" default:"1000000" help:"Customers to generate."`
	Events    int    `name:"events" default:"10000000" help:"Events to generate, over the last 400 days."`
	Generate  bool   `name:"generate" negatable:"" default:"true" help:"Generate the data first (--no-generate counts what a previous run left)."`
	Dir       string `name:"segments" default:"examples/segments" type:"existingdir" help:"Folder of segment files to save and count."`
	Runs      int    `name:"runs" default:"3" help:"Counts per segment; the median is reported."`
}

// Run generates the data set, then counts each segment.
func (c *BenchSegmentsCmd) Run(rc *runContext) error {
	st, err := openStore(rc.ctx, c.DatabaseFlags)
	if err != nil {
		return err
	}
	defer st.Close()
	pool, err := pgxpool.New(rc.ctx, c.DatabaseURL)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer pool.Close()
	if c.Generate {
		var n int
		if err := pool.QueryRow(rc.ctx, `SELECT count(*) FROM (SELECT 1 FROM profiles WHERE workspace_id = $1 LIMIT 1) x`, c.Workspace).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("workspace %q already has profiles: pass --no-generate to count them, or another --workspace", c.Workspace)
		}
		fmt.Fprintf(rc.stdout, "generating %d profiles and %d events in workspace %s\n", c.Profiles, c.Events, c.Workspace)
		cfg := segmentbench.Config{Workspace: c.Workspace, Profiles: c.Profiles, Events: c.Events, Now: time.Now(), Seed: 1}
		if err := segmentbench.Generate(rc.ctx, pool, cfg, rc.stdout); err != nil {
			return fmt.Errorf("generate: %w", err)
		}
	}
	_, err = segmentbench.CountExamples(rc.ctx, st, pool, c.Workspace, c.Dir, max(c.Runs, 1), rc.stdout)
	return err
}
