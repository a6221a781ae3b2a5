package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

func TestProvisionRecords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	record := func(ws, step, customer string) {
		t.Helper()
		mustNot(t, b.store.RecordProvision(ctx, store.Provision{WorkspaceID: ws, StepKey: step, CustomerID: customer,
			JourneyID: "crm", Recipient: "Acme CRM", Host: "crm.example.com", Items: []string{"email", "order.total"}}))
	}
	record(wsA, "s1", "u_1")
	record(wsA, "s1", "u_1") // a retried step
	record(wsA, "s2", "u_2")
	record(wsA, "s3", "u_1")
	record(wsB, "s1", "u_1")
	customers := func(ps []store.Provision) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.CustomerID
		}
		return out
	}

	t.Run("RecordsEachStepOnceOldestFirst", func(t *testing.T) {
		all, next, err := b.store.Provisions(ctx, wsA, store.ProvisionFilter{})
		mustNot(t, err)
		if got := customers(all); !slices.Equal(got, []string{"u_1", "u_2", "u_1"}) || next != "" {
			t.Fatalf("records = %v next %q, want u_1 u_2 u_1 of %s only", got, next, wsA)
		}
		p := all[0]
		if p.Recipient != "Acme CRM" || p.Host != "crm.example.com" || !slices.Equal(p.Items, []string{"email", "order.total"}) ||
			p.JourneyID != "crm" || time.Since(p.ProvidedAt) > time.Minute {
			t.Errorf("record = %+v", p)
		}
	})
	t.Run("PagesAndFiltersByCustomerAndTime", func(t *testing.T) {
		page, next, err := b.store.Provisions(ctx, wsA, store.ProvisionFilter{Limit: 2})
		mustNot(t, err)
		rest, last, err := b.store.Provisions(ctx, wsA, store.ProvisionFilter{Limit: 2, After: next})
		mustNot(t, err)
		if len(page) != 2 || next == "" || len(rest) != 1 || last != "" {
			t.Errorf("pages = %d (next %q) then %d (next %q), want 2 then 1", len(page), next, len(rest), last)
		}
		mine, _, err := b.store.Provisions(ctx, wsA, store.ProvisionFilter{CustomerID: "u_1"})
		mustNot(t, err)
		future, _, err := b.store.Provisions(ctx, wsA, store.ProvisionFilter{Since: time.Now().Add(time.Hour)})
		mustNot(t, err)
		past, _, err := b.store.Provisions(ctx, wsA, store.ProvisionFilter{Until: time.Now().Add(-time.Hour)})
		mustNot(t, err)
		if len(mine) != 2 || len(future) != 0 || len(past) != 0 {
			t.Errorf("u_1 has %d records (want 2); %d since an hour ahead, %d until an hour ago (want none)", len(mine), len(future), len(past))
		}
		if _, _, err := b.store.Provisions(ctx, wsA, store.ProvisionFilter{After: "x"}); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("a bad cursor: %v, want ErrInvalidCursor", err)
		}
	})
	t.Run("ForgetsARefusedStep", func(t *testing.T) {
		record(wsB, "refused", "u_9")
		mustNot(t, b.store.ForgetProvision(ctx, wsB, "refused"))
		left, _, err := b.store.Provisions(ctx, wsB, store.ProvisionFilter{})
		mustNot(t, err)
		if got := customers(left); !slices.Equal(got, []string{"u_1"}) {
			t.Errorf("records of %s = %v, want u_1's only", wsB, got)
		}
	})
	t.Run("KeepsThemThroughAnErasureUnderTheHash", func(t *testing.T) {
		_, err := b.store.EraseCustomer(ctx, wsA, "u_1", []string{"u_1"}, "", 0)
		mustNot(t, err)
		all, _, err := b.store.Provisions(ctx, wsA, store.ProvisionFilter{})
		mustNot(t, err)
		if len(all) != 3 || !strings.HasPrefix(all[0].CustomerID, "erased:") || all[1].CustomerID != "u_2" ||
			all[2].CustomerID != all[0].CustomerID {
			t.Fatalf("records after erasing u_1 = %v, want u_1's two kept under its hash", customers(all))
		}
		byID, _, err := b.store.Provisions(ctx, wsA, store.ProvisionFilter{CustomerID: "u_1"})
		mustNot(t, err)
		if len(byID) != 2 || byID[0].CustomerID != all[0].CustomerID {
			t.Errorf("records found by the erased id = %v, want its two", customers(byID))
		}
		other, _, err := b.store.Provisions(ctx, wsB, store.ProvisionFilter{CustomerID: "u_1"})
		mustNot(t, err)
		if len(other) != 1 || other[0].CustomerID != "u_1" {
			t.Errorf("%s's records of its own u_1 = %v, want one, untouched", wsB, customers(other))
		}
	})
}
