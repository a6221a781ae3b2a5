package tests

import (
	"fmt"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/tabiji/tabiji/workflows"
)

// TestACustomerWhoseIDIsNotASCIIEntersAndHearsEvents: the SDK copies the
// workflow ID into a gRPC header, which gRPC refuses outside printable
// ASCII, so a customer such as "顧客42" could enter no journey (every track
// answered 503 and the sweeper retried it forever). With the client's
// header interceptor (temporalheaders) the runs start and hear events.
func TestACustomerWhoseIDIsNotASCIIEntersAndHearsEvents(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	s.createActive("keyed", `{"entry":{"event":"cart_add","correlation_key":"properties.cart_id"},"nodes":[
		{"id":"wait","kind":"wait_for","events":[{"event":"purchase","next":"done"}],"timeout":"1h","on_timeout":"done"},
		{"id":"done","kind":"exit"}]}`)
	s.createActive("plain", `{"entry":{"event":"cart_add"},"nodes":[
		{"id":"wait","kind":"wait_for","events":[{"event":"purchase","next":"done"}],"timeout":"1h","on_timeout":"done"},
		{"id":"done","kind":"exit"}]}`)
	const customer = "顧客42 josé"
	q := fmt.Sprintf(`%s = "default" AND %s = %q AND ExecutionStatus = "Running"`,
		workflows.AttrWorkspace.GetName(), workflows.AttrCustomer.GetName(), customer)
	running := func() int64 {
		resp, err := s.temporal.CountWorkflow(t.Context(), &workflowservice.CountWorkflowExecutionsRequest{Query: q})
		if err != nil {
			t.Fatalf("count runs: %v", err)
		}
		return resp.GetCount()
	}
	s.trackProps(customer, "cart_add", "add-1", map[string]any{"cart_id": "カート1"})
	eventually(t, 30*time.Second, "a run in each journey", func() bool { return running() == 2 })
	s.track(customer, "purchase", "bought")
	eventually(t, 30*time.Second, "both runs to hear the purchase", func() bool { return running() == 0 })
}
