package cli

import (
	"fmt"

	"github.com/tabiji/tabiji/worker"
)

// StickyCacheFlags size the workers' sticky workflow cache: the runs a
// worker process keeps in memory (about 5 KB a waiting run, measured in
// BENCHMARKS.md) so that their next task needs no replay of their history.
// A worker that keeps many runs waiting caps it and pays a replay when an
// evicted run wakes.
type StickyCacheFlags struct {
	StickyCacheSize int `name:"sticky-cache-size" env:"TABIJI_STICKY_CACHE_SIZE" default:"10000" help:"Workflow runs this process keeps in memory between their tasks (the Temporal SDK's sticky cache, shared by its workers); an evicted run replays its history when it wakes."`
}

// apply sets the size; it must run before the process creates any worker.
func (f StickyCacheFlags) apply() error {
	if err := worker.SetStickyCacheSize(f.StickyCacheSize); err != nil {
		return fmt.Errorf("--sticky-cache-size: %w", err)
	}
	return nil
}
