package tests

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
)

// cpuMark is the CPU time spent so far by this process (the embedded
// server, the workers and the benchmark) and by the Postgres cluster's
// processes. Under load from other programs wall-clock rates swing; CPU
// time per entry is what one more entry costs the machine, load or not.
type cpuMark struct{ proc, pg time.Duration }

// cpuNow reads the process's rusage and sums the utime and stime of every
// Postgres process that pg_stat_activity lists (the backends and the
// background writers); a backend that started since the previous mark
// counts from zero.
func cpuNow(b *testing.B, dbURL string) cpuMark {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	m := cpuMark{proc: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), `SELECT pid FROM pg_stat_activity`)
	if err != nil {
		b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		b.Fatal(err)
	}
	for _, pid := range pids {
		m.pg += procCPU(pid)
	}
	return m
}

// procCPU is a process's utime+stime from /proc (0 when it is gone).
func procCPU(pid int32) time.Duration {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(int(pid)) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// reportCPU reports the CPU time per operation since m0: this process's,
// Postgres's, and both.
func reportCPU(b *testing.B, dbURL string, m0 cpuMark, n int) {
	m := cpuNow(b, dbURL)
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(n) }
	b.ReportMetric(per(m.proc-m0.proc), "cpu-ms/op")
	b.ReportMetric(per(m.pg-m0.pg), "pg-cpu-ms/op")
	b.ReportMetric(per(m.proc-m0.proc+m.pg-m0.pg), "total-cpu-ms/op")
}

// sendCounter counts the Send activities the journey worker completes, so
// the benchmark paces entries without polling Postgres (which would cost
// the journey CPU the baseline's atomic counter does not).
type sendCounter struct {
	interceptor.InterceptorBase
	done atomic.Int64
}

func (c *sendCounter) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &sendCounted{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, c: c}
}

type sendCounted struct {
	interceptor.ActivityInboundInterceptorBase
	c *sendCounter
}

func (s *sendCounted) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	res, err := s.Next.ExecuteActivity(ctx, in)
	if err == nil && activity.GetInfo(ctx).ActivityType.Name == "Send" {
		s.c.done.Add(1)
	}
	return res, err
}
