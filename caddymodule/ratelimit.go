package caddymodule

import (
	"net/netip"
	"sync"
	"time"
)

// A rateLimiter is a token bucket per client (clientKey) and, optionally, one
// for all clients together, with a bounded table: a full bucket is as good as
// none, so the idle ones are dropped when the table is full (and all of them
// if none is idle). It bounds what visitors can make the proxy write: guard
// reports, consent records.
type rateLimiter struct {
	mu        sync.Mutex
	clients   map[string]*bucket
	perSecond float64 // a client's refill
	burst     float64 // a client's bucket
	all       bucket
	allRate   float64 // 0: no bound on all clients together
	allBurst  float64
	// publicOnly: an address that is not public is not limited (see
	// localClient).
	publicOnly bool
}

// rateClients bounds the per-client table of every limiter.
const rateClients = 10000

func newRateLimiter(burst int, every time.Duration, allBurst int, allRate float64) *rateLimiter {
	return &rateLimiter{clients: map[string]*bucket{}, perSecond: float64(time.Second) / float64(every),
		burst: float64(burst), all: bucket{tokens: float64(allBurst)}, allRate: allRate, allBurst: float64(allBurst)}
}

type bucket struct {
	tokens float64
	last   time.Time
}

// take refills a bucket for the time passed and takes a token if there is one.
func (b *bucket) take(now time.Time, perSecond, burst float64) bool {
	if !b.last.IsZero() {
		b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*perSecond)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// allow takes a token of the client's bucket, and of the one for all.
func (l *rateLimiter) allow(key string, now time.Time) bool {
	if l.publicOnly && localClient(key) {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.clients[key]
	if b == nil {
		if len(l.clients) >= rateClients {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst}
		l.clients[key] = b
	}
	if !b.take(now, l.perSecond, l.burst) {
		return false
	}
	return l.allRate == 0 || l.all.take(now, l.allRate, l.allBurst)
}

// sweep forgets the clients whose bucket has filled up again; if none has,
// it forgets them all rather than grow.
func (l *rateLimiter) sweep(now time.Time) {
	full := time.Duration(l.burst / l.perSecond * float64(time.Second))
	for k, b := range l.clients {
		if now.Sub(b.last) >= full {
			delete(l.clients, k)
		}
	}
	if len(l.clients) >= rateClients {
		clear(l.clients)
	}
}

// localClient reports whether a clientKey is an address that is not public:
// loopback, private (RFC 1918, fc00::/7) or link-local. Such an address is
// most often a proxy in front (a load balancer, a CDN's edge, nginx on the same
// host) whose trusted_proxies Caddy was not given: it stands for every visitor.
func localClient(key string) bool {
	a, err := netip.ParseAddr(key)
	if err != nil {
		p, perr := netip.ParsePrefix(key) // an IPv6 /64
		if perr != nil {
			return false
		}
		a = p.Addr()
	}
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsUnspecified()
}

// A sharedBucket is one token bucket for everyone: a budget of log lines.
type sharedBucket struct {
	mu        sync.Mutex
	b         bucket
	perSecond float64
	burst     float64
}

func newSharedBucket(burst int, perSecond float64) *sharedBucket {
	return &sharedBucket{b: bucket{tokens: float64(burst)}, perSecond: perSecond, burst: float64(burst)}
}

func (s *sharedBucket) take(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.take(now, s.perSecond, s.burst)
}
