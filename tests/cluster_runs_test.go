package tests

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// runsQuery finds the scenario's runs still going.
const runsQuery = "ExecutionStatus = 'Running' AND WorkflowType IN ('Journey', 'Broadcast')"

// temporalClient is one client for the scenario's queries, dialled once.
func (s *clusterScenario) temporalClient() client.Client {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tcl == nil {
		s.tcl = s.p.client()
	}
	return s.tcl
}

// stillRunning says which journey and broadcast runs are running and what
// each waits on (its pending activities with their attempt and last
// failure, its pending child workflows, and the last event of its history:
// a TimerStarted is a run waiting on a timer), for a failure message; ""
// when none is running.
func (s *clusterScenario) stillRunning() string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := s.temporalClient()
	list, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", PageSize: 20, Query: runsQuery})
	if err != nil {
		return fmt.Sprintf("list the running runs: %v", err)
	}
	var b strings.Builder
	for _, e := range list.GetExecutions() {
		id, run := e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId()
		fmt.Fprintf(&b, "\n%s %s (run %s, started %s):", e.GetType().GetName(), id, run, e.GetStartTime().AsTime().Format(time.TimeOnly))
		d, err := c.DescribeWorkflowExecution(ctx, id, run)
		if err != nil {
			fmt.Fprintf(&b, " describe: %v", err)
			continue
		}
		for _, a := range d.GetPendingActivities() {
			fmt.Fprintf(&b, "\n  activity %s (%s) %s attempt %d on %q, last heartbeat %s, scheduled %s, last failure: %s",
				a.GetActivityType().GetName(), a.GetActivityId(), a.GetState(), a.GetAttempt(), a.GetLastWorkerIdentity(),
				clock(a.GetLastHeartbeatTime().AsTime()), clock(a.GetScheduledTime().AsTime()), a.GetLastFailure().GetMessage())
		}
		for _, ch := range d.GetPendingChildren() {
			fmt.Fprintf(&b, "\n  child %s %s", ch.GetWorkflowTypeName(), ch.GetWorkflowId())
		}
		if wt := d.GetPendingWorkflowTask(); wt != nil {
			fmt.Fprintf(&b, "\n  workflow task %s attempt %d scheduled %s", wt.GetState(), wt.GetAttempt(), clock(wt.GetScheduledTime().AsTime()))
		}
		fmt.Fprintf(&b, "\n  history: %s", lastEvent(ctx, c, id, run))
	}
	if b.Len() == 0 {
		return ""
	}
	return fmt.Sprintf("%d runs still running at %s, the first %d:%s", s.runningCount(), clock(time.Now()), len(list.GetExecutions()), b.String())
}

// runningCount counts the scenario's runs still going, -1 when Temporal does not answer.
func (s *clusterScenario) runningCount() int64 {
	resp, err := s.temporalClient().CountWorkflow(context.Background(), &workflowservice.CountWorkflowExecutionsRequest{
		Namespace: "default", Query: runsQuery})
	if err != nil {
		s.t.Logf("count the running runs: %v", err)
		return -1
	}
	return resp.GetCount()
}

// lastEvent is the type and time of a run's last history event.
func lastEvent(ctx context.Context, c client.Client, id, run string) string {
	it := c.GetWorkflowHistory(ctx, id, run, false, 0)
	last := "none"
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return fmt.Sprintf("read: %v", err)
		}
		last = fmt.Sprintf("%d events, the last %s at %s", e.GetEventId(), e.GetEventType(), clock(e.GetEventTime().AsTime()))
	}
	return last
}

func clock(t time.Time) string {
	if t.IsZero() || t.Unix() <= 0 {
		return "never"
	}
	return t.Format("15:04:05.000")
}

// runsEnd waits for every journey and broadcast run to end; past within it
// fails saying which still run and what they wait on.
func (s *clusterScenario) runsEnd(within time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for s.runningCount() != 0 {
		if time.Now().After(deadline) {
			s.t.Fatalf("gave up after %v waiting for every run to end: %s", within, s.stillRunning())
		}
		time.Sleep(time.Second)
	}
}
