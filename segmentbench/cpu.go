package segmentbench

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times on Linux.
const clockTicks = 100

// serverCPU reads the CPU time (user + system) that a local Postgres
// server's processes have used so far: the postmaster's children, parallel
// workers included. A count's share of it is what the count would take on
// an idle machine, however busy this one is. ok is false when the server
// is not on this machine or its files cannot be read.
type serverCPU struct{ postmaster int }

func newServerCPU(ctx context.Context, pool *pgxpool.Pool) (serverCPU, bool) {
	var dir string
	if err := pool.QueryRow(ctx, `SHOW data_directory`).Scan(&dir); err != nil {
		return serverCPU{}, false
	}
	f, err := os.Open(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return serverCPU{}, false
	}
	defer f.Close() //nolint:errcheck // opened for reading: the scanner reports any error
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return serverCPU{}, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
	return serverCPU{postmaster: pid}, err == nil
}

// used is the CPU time of the postmaster's children.
func (s serverCPU) used() time.Duration {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var ticks int64
	for _, path := range stats {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// Fields after the command (which may hold spaces) start at ") ".
		i := strings.LastIndex(string(raw), ") ")
		if i < 0 {
			continue
		}
		f := strings.Fields(string(raw)[i+2:])
		if len(f) < 13 || f[1] != strconv.Itoa(s.postmaster) {
			continue
		}
		utime, _ := strconv.ParseInt(f[11], 10, 64)
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += utime + stime
	}
	return time.Duration(ticks) * time.Second / clockTicks
}
