package sso

import (
	"context"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/hashicorp/golang-lru/v2/expirable"
)

// A provider's discovery document (and the key set go-oidc reads through
// it, refreshed on an unknown key id) is reused for discoveryTTL, so a
// login does not fetch it twice; at most discoveryCacheSize issuers are
// kept, the least recently used dropped first.
const (
	discoveryTTL       = 10 * time.Minute
	discoveryCacheSize = 256
)

// discoveries are the providers discovered lately, by issuer.
type discoveries struct {
	once sync.Once
	lru  *expirable.LRU[string, discovered]
}

// discovered is a provider and when its document was read (by the
// service's clock, so tests can move it).
type discovered struct {
	p  *oidc.Provider
	at time.Time
}

func (s *Service) cache() *expirable.LRU[string, discovered] {
	s.discovered.once.Do(func() {
		s.discovered.lru = expirable.NewLRU[string, discovered](discoveryCacheSize, nil, discoveryTTL)
	})
	return s.discovered.lru
}

// provider returns the issuer's provider, discovered at most discoveryTTL
// ago (the sign-in flow's calls); a failed discovery is not kept.
func (s *Service) provider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	now := s.now()
	if d, ok := s.cache().Get(issuer); ok && !now.Before(d.at) && now.Sub(d.at) < discoveryTTL {
		return d.p, nil
	}
	return s.rediscover(ctx, issuer)
}

// rediscover reads the issuer's discovery document now and keeps the
// provider for the next logins (Configure's call: settings are checked
// against the provider as it is).
func (s *Service) rediscover(ctx context.Context, issuer string) (*oidc.Provider, error) {
	p, err := s.discover(ctx, issuer)
	if err != nil {
		s.cache().Remove(issuer)
		return nil, err
	}
	s.cache().Add(issuer, discovered{p: p, at: s.now()})
	return p, nil
}
