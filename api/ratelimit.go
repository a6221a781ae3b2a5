package api

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// Rate is a token bucket: PerSecond requests a second on average and Burst
// at once. A zero PerSecond is no limit.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Limits are the API's abuse limits. The zero value limits nothing, as the
// tests want; `tabiji api` and `tabiji dev` set generous ones.
type Limits struct {
	Ingest Rate // per key, on the ingestion routes (a batch is one request)
	Manage Rate // per key, on management routes and the report pages
	// Login is per remote address and per key tried on POST /ui/login.
	Login Rate
}

// keyedLimiter keeps one golang.org/x/time/rate limiter per key (an API
// key's id, a remote address). A limiter idle long enough to be full again
// is forgotten, which changes nothing for its key and bounds the memory an
// attacker can make it hold by the keys seen within that time.
type keyedLimiter struct {
	rate Rate
	idle time.Duration // how long a limiter takes to refill completely

	mu    sync.Mutex
	byKey map[string]*limiterEntry
	swept time.Time
}

type limiterEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

// newKeyedLimiter returns nil (which allows everything) for no limit.
func newKeyedLimiter(r Rate) *keyedLimiter {
	if r.PerSecond <= 0 {
		return nil
	}
	r.Burst = max(r.Burst, 1)
	refill := time.Duration(float64(r.Burst) / r.PerSecond * float64(time.Second))
	return &keyedLimiter{rate: r, idle: max(refill, time.Minute), byKey: map[string]*limiterEntry{}}
}

// allow takes a token for key, or says how long until one is there.
func (k *keyedLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	if k == nil {
		return true, 0
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.sweep(now)
	e := k.byKey[key]
	if e == nil {
		e = &limiterEntry{lim: rate.NewLimiter(rate.Limit(k.rate.PerSecond), k.rate.Burst)}
		k.byKey[key] = e
	}
	e.seen = now
	r := e.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep forgets the limiters idle for longer than a refill, at most once a
// refill period.
func (k *keyedLimiter) sweep(now time.Time) {
	if now.Sub(k.swept) < k.idle {
		return
	}
	k.swept = now
	for key, e := range k.byKey {
		if now.Sub(e.seen) > k.idle {
			delete(k.byKey, key)
		}
	}
}

// limitByKey answers 429 with Retry-After when the request's key (set by
// auth or uiSession) is over its rate.
func limitByKey(l *keyedLimiter, what string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if ok, wait := l.allow(actor(c), time.Now()); !ok {
			tooMany(c, wait, "this key is over its "+what+" rate: retry after the Retry-After seconds")
			return
		}
		c.Next()
	}
}

// tooMany answers 429 with Retry-After in whole seconds (at least one).
func tooMany(c *gin.Context, wait time.Duration, detail string) {
	c.Header("Retry-After", retryAfter(wait))
	problem(c, http.StatusTooManyRequests, detail)
}

func retryAfter(wait time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
}
