package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

func TestLineAccountLinks(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	now := time.Now().UTC()
	const user, other = "U00000000000000000000000000000001", "U00000000000000000000000000000002"
	issue := func(t *testing.T, token string, at time.Time) {
		t.Helper()
		if _, err := st.IssueLineLinkToken(ctx, "w", token, user, at); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("ANonceBoundToATokenLinksItsUserOnce", func(t *testing.T) {
		issue(t, "tok1", now)
		if _, err := st.BindLineLinkNonce(ctx, "w", "tok1", "cust_1", "nonce1", now); err != nil {
			t.Fatal(err)
		}
		l, err := st.UseLineLinkNonce(ctx, "w", "nonce1", user, now)
		if err != nil || l != (store.LineLink{LineUserID: user, CustomerID: "cust_1"}) {
			t.Fatalf("use = %+v, %v", l, err)
		}
		if _, err := st.UseLineLinkNonce(ctx, "w", "nonce1", user, now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second use: %v, want ErrNotFound", err)
		}
	})
	t.Run("ATokenBindsOneCustomerOnce", func(t *testing.T) {
		issue(t, "tok2", now)
		if _, err := st.BindLineLinkNonce(ctx, "w", "tok2", "cust_2", "nonce2", now); err != nil {
			t.Fatal(err)
		}
		if _, err := st.BindLineLinkNonce(ctx, "w", "tok2", "intruder", "nonce2b", now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second bind: %v, want ErrNotFound", err)
		}
	})
	t.Run("UnknownTokensAndOtherWorkspacesBindNothing", func(t *testing.T) {
		issue(t, "tok3", now)
		for _, tc := range []struct{ ws, token string }{{"w", "forged"}, {"other", "tok3"}} {
			if _, err := st.BindLineLinkNonce(ctx, tc.ws, tc.token, "c", "n-"+tc.ws+tc.token, now); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s/%s: %v, want ErrNotFound", tc.ws, tc.token, err)
			}
		}
	})
	t.Run("ExpiredTokensAndNoncesLinkNobody", func(t *testing.T) {
		issue(t, "tok4", now.Add(-11*time.Minute))
		if _, err := st.BindLineLinkNonce(ctx, "w", "tok4", "c", "nonce4", now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bind of an expired token: %v", err)
		}
		issue(t, "tok5", now)
		if _, err := st.BindLineLinkNonce(ctx, "w", "tok5", "c", "nonce5", now); err != nil {
			t.Fatal(err)
		}
		if _, err := st.UseLineLinkNonce(ctx, "w", "nonce5", user, now.Add(11*time.Minute)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("use after expiry: %v", err)
		}
	})
	t.Run("ANonceLinksOnlyTheUserItsTokenWasIssuedFor", func(t *testing.T) {
		issue(t, "tok6", now)
		if _, err := st.BindLineLinkNonce(ctx, "w", "tok6", "c", "nonce6", now); err != nil {
			t.Fatal(err)
		}
		if _, err := st.UseLineLinkNonce(ctx, "w", "nonce6", other, now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another user's use: %v", err)
		}
		if _, err := st.UseLineLinkNonce(ctx, "w", "nonce6", user, now); err != nil {
			t.Errorf("the right user after a wrong one: %v", err)
		}
	})
}
