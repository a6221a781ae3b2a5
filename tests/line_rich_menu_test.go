package tests

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/richmenus"
	"github.com/tabiji/tabiji/routing"
)

// runSweeperWith runs the sweeper with jobs until the test ends.
func (s *stack) runSweeperWith(jobs ...routing.Job) {
	s.t.Helper()
	sw := routing.NewSweeper(routing.Deps{Store: s.store, Temporal: s.temporal, TaskQueue: taskQueue})
	sw.Every, sw.MinAge, sw.Jobs = 100*time.Millisecond, 200*time.Millisecond, jobs
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sw.Run(ctx) }()
	s.t.Cleanup(func() { stop(); <-done })
}

func (s *stack) tier(user, tier string) {
	s.t.Helper()
	s.segment("/v1/identify", fmt.Sprintf(`{"userId":%q,"traits":{"tier":%q}}`, user, tier))
}

// TestRichMenuPerSegment: on the real stack, a rule links its rich menu to
// the LINE users of the segment's members (those in it when the rule is
// set, and those who join), through LINE's bulk link checked against LINE's
// description; a customer who leaves is unlinked, one in two rules' segments
// keeps the other menu, a run with nothing to do calls LINE for nothing, and
// LINE failing only delays links, and deleting the rule unlinks everyone it linked.
func TestRichMenuPerSegment(t *testing.T) {
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s, resolver := startLINEStackWithSettings(t, sg, ln)
	syncer := &richmenus.Syncer{Store: s.store, LINE: resolver.LINE}
	s.runSweeperWith(routing.Job{Name: "rich menus", Run: syncer.SyncAll})
	vipMenu, newMenu := "richmenu-"+fmt.Sprintf("%032x", 1), "richmenu-"+fmt.Sprintf("%032x", 2)
	for seg, trait := range map[string]string{"rm_vip": "tier", "rm_new": "first_order"} {
		s.call("POST", "/v1/segments", "admin", map[string]any{"id": seg, "name": seg, "definition": map[string]any{
			"condition": map[string]any{"trait": map[string]any{"name": trait, "op": "eq", "value": seg}}}}, http.StatusCreated, nil)
	}
	users := map[string]string{}
	for i, c := range []string{"rm_early", "rm_a", "rm_b", "rm_c", "rm_both"} {
		users[c] = lineUser(400 + i)
		s.call("POST", "/v1/identify", "write", map[string]any{"userId": c, "messageId": "rm-id-" + c,
			"traits": map[string]any{"lineUserId": users[c]}}, http.StatusOK, nil)
	}
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "rm_noline", "messageId": "rm-id-noline"}, http.StatusOK, nil)
	s.tier("rm_early", "rm_vip") // in the segment before the rule
	linked := func(c, menu string) func() bool { return func() bool { return ln.RichMenuOf(users[c]) == menu } }

	t.Run("BadRulesAreRefusedNamingTheField", func(t *testing.T) {
		var p struct{ Errors []struct{ Field string } }
		s.call("PUT", "/v1/line/rich-menus/rm_vip", "admin", map[string]any{"richMenuId": "vip-menu"}, http.StatusBadRequest, &p)
		if len(p.Errors) != 1 || p.Errors[0].Field != "richMenuId" {
			t.Errorf("errors = %+v", p.Errors)
		}
		s.call("PUT", "/v1/line/rich-menus/rm_nope", "admin", map[string]any{"richMenuId": vipMenu}, http.StatusNotFound, nil)
		s.call("DELETE", "/v1/line/rich-menus/rm_nope", "admin", nil, http.StatusNotFound, nil)
	})
	t.Run("MembersBeforeAndAfterTheRuleGetTheMenuInBulk", func(t *testing.T) {
		s.call("PUT", "/v1/line/rich-menus/rm_vip", "admin", map[string]any{"richMenuId": vipMenu}, http.StatusOK, nil)
		s.sweepsDone("ws_default/trigger/segment/rm_vip", 1)
		eventually(t, 20*time.Second, "the early member's menu", linked("rm_early", vipMenu))
		for _, c := range []string{"rm_a", "rm_b", "rm_c", "rm_noline"} {
			s.tier(c, "rm_vip")
		}
		for _, c := range []string{"rm_a", "rm_b", "rm_c"} {
			eventually(t, 20*time.Second, c+"'s menu", linked(c, vipMenu))
		}
		links := 0
		for _, r := range ln.Requests() {
			if r.Path == "/v2/bot/richmenu/bulk/link" {
				links++
			}
		}
		if links > 4 || len(ln.Invalid()) > 0 {
			t.Errorf("%d link requests for 4 users (invalid: %v)", links, ln.Invalid())
		}
		var out struct {
			RichMenus []struct {
				Segment, RichMenuID string
				Linked              int
			}
		}
		s.call("GET", "/v1/line/rich-menus", "admin", nil, http.StatusOK, &out)
		if len(out.RichMenus) != 1 || out.RichMenus[0].Linked != 4 {
			t.Errorf("rules = %+v, want rm_vip with 4 linked", out.RichMenus)
		}
	})
	t.Run("ARunWithNothingToDoCallsLINEForNothing", func(t *testing.T) {
		before := len(ln.Requests())
		res, err := syncer.Sync(context.Background(), "default")
		if err != nil || res != (richmenus.Result{}) || len(ln.Requests()) != before {
			t.Errorf("idle run = %+v, %v; %d new requests", res, err, len(ln.Requests())-before)
		}
	})
	t.Run("LeavingTheSegmentUnlinks", func(t *testing.T) {
		s.tier("rm_a", "gold")
		eventually(t, 20*time.Second, "rm_a's menu unlinked", linked("rm_a", ""))
		if ln.RichMenuOf(users["rm_b"]) != vipMenu {
			t.Error("rm_b lost the menu")
		}
	})
	t.Run("ErasureUnlinksTheMenuAndForgetsTheUser", func(t *testing.T) {
		lineID := lineUser(450)
		s.call("POST", "/v1/identify", "write", map[string]any{"userId": "rm_erased", "messageId": "rm-id-erased",
			"traits": map[string]any{"lineUserId": lineID}}, http.StatusOK, nil)
		s.tier("rm_erased", "rm_vip")
		eventually(t, 20*time.Second, "rm_erased's menu", func() bool { return ln.RichMenuOf(lineID) == vipMenu })
		s.call("DELETE", "/v1/profiles/rm_erased", "admin", nil, http.StatusOK, nil)
		eventually(t, 20*time.Second, "the erased customer's menu unlinked at LINE", func() bool { return ln.RichMenuOf(lineID) == "" })
		eventually(t, 20*time.Second, "the LINE user forgotten", func() bool {
			return s.queryInt(`SELECT count(*) FROM line_rich_menu_members WHERE line_user_id = '`+lineID+`' OR customer_id = 'rm_erased'`) == 0
		})
	})
	t.Run("ACustomerInTwoRulesKeepsTheOtherMenu", func(t *testing.T) {
		s.call("PUT", "/v1/line/rich-menus/rm_new", "admin", map[string]any{"richMenuId": newMenu}, http.StatusOK, nil)
		s.sweepsDone("ws_default/trigger/segment/rm_new", 1)
		s.tier("rm_both", "rm_vip")
		eventually(t, 20*time.Second, "rm_both's VIP menu", linked("rm_both", vipMenu))
		s.segment("/v1/identify", `{"userId":"rm_both","traits":{"first_order":"rm_new"}}`) // in both segments now
		eventually(t, 20*time.Second, "rm_both's new-customer menu", linked("rm_both", newMenu))
		eventually(t, 20*time.Second, "rm_both linked by both rules", func() bool {
			var out struct{ RichMenus []struct{ Linked int } }
			s.call("GET", "/v1/line/rich-menus", "admin", nil, http.StatusOK, &out)
			return len(out.RichMenus) == 2 && out.RichMenus[0].Linked == 1 && out.RichMenus[1].Linked == 4
		})
		s.segment("/v1/identify", `{"userId":"rm_both","traits":{"first_order":"done"}}`) // leaves rm_new only
		eventually(t, 20*time.Second, "rm_both back on the VIP menu", linked("rm_both", vipMenu))
	})
	t.Run("ALINEOutageDelaysLinksAndLosesNone", func(t *testing.T) {
		ln.FailNext(http.StatusInternalServerError, nil, 3)
		s.tier("rm_a", "rm_vip") // back in the segment while LINE fails
		eventually(t, 20*time.Second, "rm_a's menu after the outage", linked("rm_a", vipMenu))
		eventually(t, 20*time.Second, "rm_a recorded once", func() bool {
			var out struct {
				RichMenus []struct {
					Segment string
					Linked  int
				}
			}
			s.call("GET", "/v1/line/rich-menus", "admin", nil, http.StatusOK, &out)
			return len(out.RichMenus) == 2 && out.RichMenus[1].Segment == "rm_vip" && out.RichMenus[1].Linked == 5
		})
		if len(ln.Invalid()) > 0 {
			t.Errorf("invalid requests: %v", ln.Invalid())
		}
	})
	t.Run("DeletingTheRuleUnlinksEveryone", func(t *testing.T) {
		s.call("DELETE", "/v1/line/rich-menus/rm_vip", "admin", nil, http.StatusNoContent, nil)
		for _, c := range []string{"rm_early", "rm_a", "rm_b", "rm_c", "rm_both"} {
			eventually(t, 20*time.Second, c+"'s menu unlinked", linked(c, ""))
		}
	})
}
