package workflows

import (
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// The journey's own metrics, emitted through the worker's SDK metrics
// handler (which skips replays, so a run counts once however often its
// history is replayed) into the process's Prometheus registry (package
// metrics), beside the SDK's namespace, task_queue and workflow_type
// labels. Journeys and workspaces label them: their number is what
// marketers make, not what customers do.
const (
	// MetricRunsEntered counts runs started (not continued as new).
	MetricRunsEntered = "tabiji_journey_runs_entered_total"
	// MetricRunsEnded counts runs ended, by outcome (outcomeLabel).
	MetricRunsEnded = "tabiji_journey_runs_ended_total"
	// MetricQuietHours counts sends that fell in quiet hours, by action:
	// wait (held until they end) or skip.
	MetricQuietHours = "tabiji_journey_quiet_hours_total"
)

// metrics is the run's metrics handler, labelled with its journey.
func (r *journeyRun) metrics(ctx workflow.Context) client.MetricsHandler {
	return workflow.GetMetricsHandler(ctx).WithTags(map[string]string{
		"workspace": r.in.WorkspaceID, "journey": r.in.JourneyID,
	})
}

// outcomeLabel bounds a run's outcome for a label: an exit node's id (the
// outcome of a run that reached it) is "exit".
func outcomeLabel(outcome string) string {
	switch outcome {
	case OutcomeCancelled, OutcomeExitCriteria, OutcomeGoal, OutcomeArchived, OutcomeCostLimit:
		return outcome
	}
	return "exit"
}
