package tests

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

// TestSegmentsCLI runs tabiji segments in this process against an API on a
// fresh database (segments need no Temporal).
func TestSegmentsCLI(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	if err := st.EnsureWorkspace(ctx, "shop", "Shop"); err != nil {
		t.Fatal(err)
	}
	key, _, err := st.CreateKey(ctx, "shop", store.RoleAdmin, "admin")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: st}))
	t.Cleanup(srv.Close)
	for _, u := range []string{"a1", "a2", "a3"} {
		if _, err := st.ChangeProfile(ctx, "shop", u, store.ProfileChange{Set: map[string]any{"plan": "gold"}}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (string, error) {
		return runTabiji(append(args, "--api-url", srv.URL, "--admin-key", key)...)
	}
	if out, err := run("segments", "apply", "-f", "../examples/segments/bought_exactly_once.json"); err != nil || !strings.Contains(out, "Created segment bought_exactly_once: version 1.") {
		t.Fatalf("apply = %v\n%s", err, out)
	}
	if out, err := run("segments", "apply", "-f", "../examples/segments/no_purchase_90_days.json"); err != nil || !strings.Contains(out, "Created segment no_purchase_90_days: version 1 (time-dependent") {
		t.Fatalf("apply time-dependent = %v\n%s", err, out)
	}
	if out, err := run("segments", "apply", "-f", "../examples/segments/bought_exactly_once.json"); err != nil || !strings.Contains(out, "Updated segment bought_exactly_once: version 2.") {
		t.Fatalf("second apply = %v\n%s", err, out)
	}
	if out, err := run("segments", "list"); err != nil || !strings.Contains(out, "bought_exactly_once") || !strings.Contains(out, "no_purchase_90_days") {
		t.Errorf("list = %v\n%s", err, out)
	}
	if out, err := run("segments", "count", "bought_exactly_once"); err != nil || !strings.Contains(out, "bought_exactly_once: 0 members") {
		t.Errorf("count = %v\n%s", err, out)
	}
	gold := writeFile(t, "gold.json", `{"id":"gold","name":"Gold","definition":{"condition":{"trait":{"name":"plan","op":"eq","value":"gold"}}}}`)
	if _, err := run("segments", "apply", "-f", gold); err != nil {
		t.Fatal(err)
	}
	if out, err := run("segments", "members", "gold", "--limit", "2"); err != nil || out != "a1\na2\n# more: --after a2 (or --all)\n" {
		t.Errorf("members page = %v\n%q", err, out)
	}
	if out, err := run("segments", "members", "gold", "--limit", "2", "--all"); err != nil || out != "a1\na2\na3\n" {
		t.Errorf("members --all = %v\n%q", err, out)
	}
	if out, err := run("segments", "of", "a1"); err != nil || out != "gold\n" {
		t.Errorf("of = %v\n%q", err, out)
	}
	bad := writeFile(t, "bad.json", `{"id":"bad","name":"Bad","definition":{"condition":{"event":{"name":"purchase","count":{"op":"about","value":1}}}}}`)
	if out, err := run("segments", "apply", "-f", bad); err == nil || !strings.Contains(err.Error(), "definition.condition.event.count.op") {
		t.Errorf("bad apply = %v\n%s", err, out)
	}
	if out, err := run("segments", "delete", "gold"); err != nil || !strings.Contains(out, "Deleted segment gold.") {
		t.Errorf("delete = %v\n%s", err, out)
	}
	if _, err := run("segments", "show", "gold"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("show after delete = %v", err)
	}
}
