package devtemporal

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// pollInterval paces the readiness checks; the server usually answers on the first or second.
const pollInterval = 25 * time.Millisecond

// waitReady returns once the frontend serves p.namespace and every search attribute of p
// is registered and usable in queries.
func waitReady(ctx context.Context, p *startPlan) error {
	c, err := client.NewLazyClient(client.Options{
		HostPort:  p.frontend.dial(),
		Namespace: p.namespace,
		Logger:    sdklog.NewStructuredLogger(p.logger),
	})
	if err != nil {
		return fmt.Errorf("devtemporal: create client: %w", err)
	}
	defer c.Close()
	err = poll(ctx, func(ctx context.Context) error {
		_, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: p.namespace})
		return err
	})
	if err != nil {
		return fmt.Errorf("devtemporal: wait for the frontend at %s: %w", p.frontend.dial(), err)
	}
	return ensureSearchAttributes(ctx, c, p.namespace, p.searchAttributes)
}

// ensureSearchAttributes adds the attributes of want the namespace lacks: a data dir made
// before an attribute existed gains it on the next start.
func ensureSearchAttributes(ctx context.Context, c client.Client, namespace string, want map[string]enums.IndexedValueType) error {
	if len(want) == 0 {
		return nil
	}
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("devtemporal: list search attributes: %w", err)
	}
	missing := map[string]enums.IndexedValueType{}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		have, ok := resp.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = want[name]
		case have != want[name]:
			return fmt.Errorf("devtemporal: search attribute %s is %s in namespace %q but %s is wanted: "+
				"a search attribute's type cannot change; use a new name or start from an empty data dir",
				name, have, namespace, want[name])
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	})
	if err != nil {
		return fmt.Errorf("devtemporal: add search attributes: %w", err)
	}
	return waitQueryable(ctx, c, namespace, slices.Sorted(maps.Keys(missing)))
}

// waitQueryable waits until the frontend's namespace cache (refreshed every 2 s) knows the
// new attributes: until then a workflow started with them is rejected.
func waitQueryable(ctx context.Context, c client.Client, namespace string, names []string) error {
	for _, name := range names {
		query := fmt.Sprintf("`%s` IS NULL", name)
		err := poll(ctx, func(ctx context.Context) error {
			_, err := c.WorkflowService().CountWorkflowExecutions(ctx, &workflowservice.CountWorkflowExecutionsRequest{
				Namespace: namespace,
				Query:     query,
			})
			return err
		})
		if err != nil {
			return fmt.Errorf("devtemporal: wait for search attribute %s: %w", name, err)
		}
	}
	return nil
}

// poll calls try until it succeeds or ctx ends: while the server comes up, any error may be
// transient (connection refused, namespace or search attribute not cached yet). Each try gets
// at most 5 s.
func poll(ctx context.Context, try func(context.Context) error) error {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		tryCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := try(tryCtx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}
