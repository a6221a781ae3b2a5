package activities

import (
	"context"
	"fmt"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/tabiji/tabiji/experiment"
)

// TestASettingsChangeAppliesToTheNextSend: two workers (two Activities,
// as two processes hold them) send for a workspace and keep its settings;
// the global control group is then set and removed as an API process
// would, in the database: each worker's next send follows each change.
func TestASettingsChangeAppliesToTheNextSend(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	var s testsuite.WorkflowTestSuite
	other := s.NewTestActivityEnvironment()
	other.RegisterActivity(New(b.store))
	workers := map[string]*testsuite.TestActivityEnvironment{"first": b.env, "second": other}
	inside := ""
	for i := 0; inside == ""; i++ {
		if id := fmt.Sprintf("u_%d", i); experiment.InGlobalControl(50, "default", id) {
			inside = id
		}
	}
	n := 0
	var a *Activities
	sendEach := func(status, reason string) {
		t.Helper()
		for name, env := range workers {
			n++
			in := sendInput()
			in.CustomerID, in.MessageID = inside, fmt.Sprintf("%s/%d", in.MessageID, n)
			v, err := env.ExecuteActivity(a.Send, in)
			if err != nil {
				t.Fatalf("%s worker: %v", name, err)
			}
			var res SendResult
			if err := v.Get(&res); err != nil {
				t.Fatal(err)
			}
			if res.Status != status || res.Reason != reason {
				t.Errorf("%s worker's send %d: %s %q, want %s %q", name, n, res.Status, res.Reason, status, reason)
			}
		}
	}
	sendEach(MessageRecorded, "")
	must(t, b.store.PutGlobalControl(ctx, "default", 50))
	sendEach(MessageSkipped, ReasonGlobalControl)
	must(t, b.store.PutGlobalControl(ctx, "default", 0))
	sendEach(MessageRecorded, "")
}
