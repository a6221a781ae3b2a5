package segmentbench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tabiji/tabiji/store"
)

// Result is one segment's timing.
type Result struct {
	ID      string
	Members int64
	Runs    []time.Duration
	CPU     []time.Duration // Postgres CPU time per run, when the server is local
}

// Median is the middle run.
func (r Result) Median() time.Duration {
	s := slices.Clone(r.Runs)
	slices.Sort(s)
	return s[len(s)/2]
}

// CountExamples saves every segment file of dir ({id, name, description,
// definition}, as in examples/segments) in the workspace and counts each
// runs times, printing a line per segment to w.
func CountExamples(ctx context.Context, st *store.Store, pool *pgxpool.Pool, workspace, dir string, runs int, w io.Writer) ([]Result, error) {
	cpu, haveCPU := newServerCPU(ctx, pool)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no segment files (*.json) in %s", dir)
	}
	var out []Result
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var g store.Segment
		var file struct {
			ID, Name, Description string
			Definition            json.RawMessage
		}
		if err := json.Unmarshal(raw, &file); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		g = store.Segment{ID: file.ID, Name: file.Name, Description: file.Description, Definition: file.Definition}
		if _, err := st.CreateSegment(ctx, workspace, g); err != nil {
			if _, err := st.UpdateSegment(ctx, workspace, g); err != nil {
				return nil, fmt.Errorf("save %s: %w", file.ID, err)
			}
		}
		r := Result{ID: file.ID}
		for range runs {
			before := cpu.used()
			start := time.Now()
			n, err := st.CountSegment(ctx, workspace, file.ID)
			if err != nil {
				return nil, err
			}
			r.Runs, r.Members = append(r.Runs, time.Since(start)), n
			if haveCPU {
				r.CPU = append(r.CPU, cpu.used()-before)
			}
		}
		fmt.Fprintf(w, "%-28s %9d members  median %7s  runs %v", r.ID, r.Members, r.Median().Round(time.Millisecond), rounded(r.Runs))
		if haveCPU {
			fmt.Fprintf(w, "  postgres cpu %v", rounded(r.CPU))
		}
		fmt.Fprintln(w)
		out = append(out, r)
	}
	return out, nil
}

func rounded(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}
