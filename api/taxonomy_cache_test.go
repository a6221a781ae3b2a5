package api

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/taxonomy"
)

func TestTaxonomyCache(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	for _, ws := range []string{"a", "b"} {
		if err := st.EnsureWorkspace(ctx, ws, ws); err != nil {
			t.Fatal(err)
		}
	}
	apply := func(ws string, events ...string) {
		t.Helper()
		sheet := &taxonomy.Taxonomy{UnknownEvents: taxonomy.Reject}
		for _, e := range events {
			sheet.Events = append(sheet.Events, taxonomy.EventDef{Name: e})
		}
		if err := st.ReplaceTaxonomy(ctx, ws, sheet); err != nil {
			t.Fatal(err)
		}
	}
	known := func(c *taxonomyCache, ws, event string) bool {
		t.Helper()
		tx, err := c.Get(ctx, ws)
		if err != nil {
			t.Fatal(err)
		}
		return tx.CheckEvent(event, nil).Action == taxonomy.ActionAllow
	}

	t.Run("KeepsAWorkspaceUntilInvalidated", func(t *testing.T) {
		c := newTaxonomyCache(st, time.Hour)
		apply("a", "cart_add")
		apply("b", "purchase")
		first, err := c.Get(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := c.Get(ctx, "a"); again != first {
			t.Error("a second get loaded the taxonomy again")
		}
		apply("a", "cart_add", "sign_up")
		if known(c, "a", "sign_up") {
			t.Error("the cache reloaded before its time without an invalidate")
		}
		c.Invalidate("a")
		if !known(c, "a", "sign_up") {
			t.Error("invalidate did not reload the workspace")
		}
		if known(c, "b", "cart_add") || !known(c, "b", "purchase") {
			t.Error("workspace b got a's taxonomy")
		}
	})

	t.Run("ReloadsAfterItsTTL", func(t *testing.T) {
		c := newTaxonomyCache(st, 0)
		apply("a", "one")
		if !known(c, "a", "one") {
			t.Fatal("not loaded")
		}
		apply("a", "two")
		if !known(c, "a", "two") {
			t.Error("an expired entry was served")
		}
	})

	t.Run("IsSafeForConcurrentUse", func(t *testing.T) {
		c := newTaxonomyCache(st, time.Millisecond)
		apply("a", "cart_add")
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				for range 50 {
					if i%4 == 0 {
						c.Invalidate("a")
					}
					tx, err := c.Get(ctx, "a")
					if err != nil {
						t.Error(err)
						return
					}
					if tx.CheckEvent("cart_add", map[string]any{"x": 1}).Action != taxonomy.ActionAllow {
						t.Error("wrong verdict")
						return
					}
				}
			})
		}
		wg.Wait()
	})
}
