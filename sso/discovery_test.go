package sso

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tabiji/tabiji/sso/ssotest"
)

// TestDiscoveryIsCachedPerIssuer: the sign-in flow reads an issuer's
// discovery document once per discoveryTTL (counted at the fake
// provider), each issuer apart; past the TTL, or when Configure checks
// settings, it is read again; a failed discovery is not kept.
func TestDiscoveryIsCachedPerIssuer(t *testing.T) {
	ctx := context.Background()
	a, b := ssotest.New(t, "c", "s"), ssotest.New(t, "c", "s")
	var mu sync.Mutex
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	s := &Service{Client: http.DefaultClient, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }}
	later := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	get := func(p *ssotest.Provider) {
		t.Helper()
		got, err := s.provider(ctx, p.Issuer())
		if err != nil || got.Endpoint().AuthURL != p.Issuer()+"/authorize" {
			t.Fatalf("provider(%s) = %v, %v", p.Issuer(), got, err)
		}
	}
	for range 5 {
		get(a)
	}
	get(b)
	if a.Discoveries() != 1 || b.Discoveries() != 1 {
		t.Fatalf("five logins at a and one at b fetched discovery %d and %d times, want once each", a.Discoveries(), b.Discoveries())
	}
	later(discoveryTTL - time.Second)
	if get(a); a.Discoveries() != 1 {
		t.Errorf("within the TTL discovery was fetched again (%d)", a.Discoveries())
	}
	later(2 * time.Second)
	if get(a); a.Discoveries() != 2 {
		t.Errorf("past the TTL discovery was not fetched again (%d)", a.Discoveries())
	}
	if _, err := s.rediscover(ctx, a.Issuer()); err != nil || a.Discoveries() != 3 {
		t.Errorf("Configure's discovery was not fetched afresh (%d, %v)", a.Discoveries(), err)
	}
	if get(a); a.Discoveries() != 3 {
		t.Errorf("the login after Configure fetched discovery again (%d)", a.Discoveries())
	}
	t.Run("AFailedDiscoveryIsNotKept", func(t *testing.T) {
		gone := ssotest.New(t, "c", "s")
		issuer := gone.Issuer()
		if _, err := s.provider(ctx, issuer); err != nil {
			t.Fatal(err)
		}
		gone.Close()
		later(discoveryTTL)
		for range 2 {
			if _, err := s.provider(ctx, issuer); err == nil {
				t.Error("a provider that stopped answering is still used past the TTL")
			}
		}
		if _, ok := s.cache().Get(issuer); ok {
			t.Error("a failed discovery left the issuer cached")
		}
	})
}
