package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

func TestSessions(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	if err := st.EnsureWorkspace(ctx, "w", "W"); err != nil {
		t.Fatal(err)
	}
	_, key, err := st.CreateKey(ctx, "w", store.RoleAdmin, "admin")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ATokenFindsItsKeyUntilClosed", func(t *testing.T) {
		token, err := st.OpenSession(ctx, key, time.Hour)
		if err != nil || len(token) != 43 {
			t.Fatalf("token %q, %v", token, err)
		}
		if k, err := st.SessionKey(ctx, token); err != nil || k.ID != key.ID || k.WorkspaceID != "w" {
			t.Fatalf("session key = %+v, %v", k, err)
		}
		if err := st.CloseSession(ctx, token); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SessionKey(ctx, token); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after close: %v, want ErrNotFound", err)
		}
	})
	t.Run("AnExpiredSessionIsGone", func(t *testing.T) {
		token, err := st.OpenSession(ctx, key, -time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.SessionKey(ctx, token); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired session: %v, want ErrNotFound", err)
		}
	})
	t.Run("RevokingTheKeyEndsItsSessions", func(t *testing.T) {
		_, other, err := st.CreateKey(ctx, "w", store.RoleAdmin, "other")
		if err != nil {
			t.Fatal(err)
		}
		token, err := st.OpenSession(ctx, other, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.RevokeKey(ctx, "w", other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SessionKey(ctx, token); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session of a revoked key: %v, want ErrNotFound", err)
		}
	})
}
