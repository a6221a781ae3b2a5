package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/cli"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// TestTaxonomyCLI runs tabiji taxonomy and tabiji quarantine in this
// process through an API on a fresh database (no journey is active, so
// replay needs no Temporal).
func TestTaxonomyCLI(t *testing.T) {
	ctx := context.Background()
	c := cliStack(t)
	c.workspace(t, "shop", "Shop")
	admin, st, srv, cliRun := c.adminKey(t, "shop"), c.store, c.api, runTabiji
	run := func(args ...string) (string, error) { return c.onAPI(admin, args...) }
	sheet := "../examples/taxonomy.example.yaml"

	t.Run("ApplyPrintsTheDiffAndDryRunChangesNothing", func(t *testing.T) {
		out, err := run("taxonomy", "apply", "-f", sheet, "--workspace", "shop", "--dry-run")
		if err != nil || !strings.Contains(out, "+ events.purchase\n") || !strings.Contains(out, "dry run: 11 changes to workspace shop, nothing applied") {
			t.Fatalf("dry run = %v\n%s", err, out)
		}
		if tx, _ := st.Taxonomy(ctx, "shop"); len(tx.Events) != 0 {
			t.Fatalf("the dry run applied: %+v", tx.Events)
		}
		out, err = run("taxonomy", "apply", "-f", sheet, "--workspace", "shop")
		if err != nil || !strings.Contains(out, "applied 11 changes to workspace shop") {
			t.Fatalf("apply = %v\n%s", err, out)
		}
		if tx, _ := st.Taxonomy(ctx, "shop"); len(tx.Events) != 5 {
			t.Errorf("applied %d events, want 5", len(tx.Events))
		}
	})

	t.Run("ExportThenApplyChangesNothing", func(t *testing.T) {
		for _, format := range []string{"yaml", "csv"} {
			out, err := run("taxonomy", "export", "--workspace", "shop", "--format", format)
			if err != nil {
				t.Fatalf("export %s: %v\n%s", format, err, out)
			}
			file := writeFile(t, "sheet."+format, out)
			if out, err := run("taxonomy", "apply", "-f", file, "--workspace", "shop"); err != nil || !strings.Contains(out, "applied 0 changes") {
				t.Errorf("re-apply of the %s export = %v\n%s", format, err, out)
			}
		}
	})

	t.Run("ABadSheetNamesTheFieldAndChangesNothing", func(t *testing.T) {
		data, _ := os.ReadFile(sheet)
		bad := writeFile(t, "bad.yaml", strings.Replace(string(data), "type: integer", "type: int", 1))
		out, err := run("taxonomy", "apply", "-f", bad, "--workspace", "shop")
		if err == nil || !strings.Contains(err.Error(), "events[1].properties[2].type") {
			t.Errorf("bad sheet = %v\n%s", err, out)
		}
		if _, err := run("taxonomy", "apply", "-f", sheet, "--workspace", "nowhere"); err == nil || !strings.Contains(err.Error(), `no workspace "nowhere"`) {
			t.Errorf("missing workspace = %v", err)
		}
	})

	t.Run("AnAppliedSheetHoldsAtTheAPIAtOnce", func(t *testing.T) {
		// The API caches each workspace's taxonomy for 5 s: a sheet written
		// to the database behind its back would let unknown events in until
		// then; applied through the API, the next event meets it.
		if err := st.EnsureWorkspace(ctx, "mall", "Mall"); err != nil {
			t.Fatal(err)
		}
		mallAdmin, _, err := st.CreateKey(ctx, "mall", store.RoleAdmin, "cli test")
		if err != nil {
			t.Fatal(err)
		}
		write, _, err := st.CreateKey(ctx, "mall", store.RoleWrite, "cli test")
		if err != nil {
			t.Fatal(err)
		}
		track := func(event, id string) {
			body := `{"userId":"ann","event":"` + event + `","messageId":"` + id + `"}`
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/v1/track", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+write)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				t.Fatalf("track %s: %d", event, resp.StatusCode)
			}
		}
		track("made_up", "mall-1") // no taxonomy yet: allowed, and now cached
		out, err := cliRun("taxonomy", "apply", "-f", sheet, "--api-url", srv.URL, "--admin-key", mallAdmin)
		if err != nil || !strings.Contains(out, "applied 11 changes to workspace mall") {
			t.Fatalf("apply = %v\n%s", err, out)
		}
		track("made_up", "mall-2") // unknownEvents: quarantine
		q, _, err := st.ListQuarantined(ctx, "mall", store.QuarantineFilter{Limit: 10})
		if err != nil || len(q) != 1 || q[0].MessageID != "mall-2" {
			t.Errorf("quarantined = %+v, %v; want mall-2 alone", q, err)
		}
	})

	t.Run("QuarantineListReplayDrop", func(t *testing.T) {
		v := []taxonomy.Violation{{Field: "properties.total", Rule: "required", Message: "is required"}}
		for _, id := range []string{"cli-1", "cli-2"} {
			e := store.Event{WorkspaceID: "shop", MessageID: id, Type: "track", UserID: "ben", Name: "purchase",
				Properties: json.RawMessage(`{"order_id":"o-9","currency":"JPY"}`), Timestamp: time.Now()}
			if err := st.QuarantineEvent(ctx, e, v); err != nil {
				t.Fatal(err)
			}
		}
		out, err := run("quarantine", "list", "--workspace", "shop", "--limit", "1")
		if err != nil || !strings.Contains(out, "cli-1") || strings.Contains(out, "cli-2") || !strings.Contains(out, "properties.total required") || !strings.Contains(out, "more: --after ") {
			t.Errorf("list = %v\n%s", err, out)
		}
		if _, err := run("quarantine", "list", "--after", "bogus"); err == nil || !strings.Contains(err.Error(), "--after is not a cursor this command printed") {
			t.Errorf("list after a bad cursor = %v", err)
		}
		out, err = run("quarantine", "drop", "cli-2", "--workspace", "shop")
		if err != nil || !strings.Contains(out, "cli-2: dropped") {
			t.Errorf("drop = %v\n%s", err, out)
		}
		if _, err := run("quarantine", "drop", "cli-2", "--workspace", "shop"); err == nil {
			t.Error("dropping a missing event succeeded")
		}

		replay := func() (string, error) {
			var out bytes.Buffer
			err := cli.Run(ctx, []string{"quarantine", "replay", "cli-1", "--api-url", srv.URL, "--admin-key", admin}, &out, &out)
			return out.String(), err
		}
		// Still missing its total: not replayed, and the command fails.
		if out, err := replay(); err == nil || !strings.Contains(out, "properties.total") {
			t.Errorf("replay of an invalid event = %v\n%s", err, out)
		}
		// Once the taxonomy no longer requires it, the replay lets it in.
		tx, _ := st.Taxonomy(ctx, "shop")
		for i := range tx.Events {
			if tx.Events[i].Name == "purchase" {
				tx.Events[i].OnInvalid = taxonomy.Allow
			}
		}
		if err := st.ReplaceTaxonomy(ctx, "shop", tx); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "the API's taxonomy cache to expire", func() bool {
			out, err := replay()
			return err == nil && strings.Contains(out, "cli-1: replayed")
		})
		e, err := st.GetEvent(ctx, "shop", "cli-1")
		if err != nil || !strings.Contains(string(e.Violations), "properties.total") {
			t.Errorf("replayed event = %+v, %v: want it stored, flagged with its violation", e, err)
		}
	})
}
