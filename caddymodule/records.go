package caddymodule

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/consentgate/consentgate/policy"
)

// processSalt salts IP hashes when no secret is configured. It lives as long
// as the process (config reloads keep it), so hashes of one visitor agree
// within a run but cannot be reversed by trying every address.
var processSalt = func() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}()

// ipHashSalt derives the salt from the secret when there is one, so that
// hashes stay comparable across restarts and across a cluster of proxies.
func ipHashSalt(secret []byte) []byte {
	if len(secret) == 0 {
		return processSalt
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("consentgate ip hash salt"))
	return m.Sum(nil)
}

// ipHash is the salted SHA-256 of the client address; the raw address is
// never logged with a consent record.
func (h *Handler) ipHash(r *http.Request) string {
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	// Caddy's client IP honours trusted_proxies; it is the visitor, not a CDN.
	if addr, ok := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string); ok && addr != "" {
		ip = addr
	}
	s := sha256.New()
	s.Write(h.ipSalt)
	s.Write([]byte(ip))
	return hex.EncodeToString(s.Sum(nil))
}

// logRecord writes a consent record (SPEC §8) on the records logger.
func (h *Handler) logRecord(r *http.Request, c policy.Consent, method string) {
	p := h.policy
	granted := p.IDs(c.Granted)
	var refused []string
	for i, cat := range p.Categories {
		if !c.Grants(i) {
			refused = append(refused, cat.ID)
		}
	}
	h.records.Info("consent",
		zap.String("id", c.ID),
		zap.Int("revision", p.Revision),
		zap.Strings("granted", granted),
		zap.Strings("refused", refused),
		zap.String("method", method),
		zap.String("url", requestURL(r)),
		zap.String("user_agent", r.UserAgent()),
		zap.String("ip_hash", h.ipHash(r)),
		zap.Time("ts", c.Time),
	)
}

// recordGPC records that a visitor's Sec-GPC signal refused everything but
// necessary on their behalf (there is no consent id: no choice was made). It
// is written once per visitor (address hash and user agent) per period, not
// on every page view.
func (h *Handler) recordGPC(r *http.Request, c policy.Consent) {
	if h.gpcSeen.ok(h.ipHash(r)+"\x00"+r.UserAgent(), time.Now()) {
		c.Time = time.Now().Truncate(time.Second)
		h.logRecord(r, c, "gpc")
	}
}

// requestURL is the page the choice was made on: the Referer when it is of
// the same origin, else the request URL without its query (which may carry
// personal data).
func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	origin := scheme + "://" + r.Host
	if ref := r.Referer(); strings.HasPrefix(ref, origin+"/") {
		if q := strings.IndexAny(ref, "?#"); q >= 0 {
			ref = ref[:q]
		}
		return ref
	}
	return origin + r.URL.Path
}

// onceEvery says yes to a key at most once per period, remembering at most
// limit keys (then it forgets them all: a flood of random cookie names must
// not grow memory without bound).
type onceEvery struct {
	mu     sync.Mutex
	period time.Duration
	limit  int
	seen   map[string]time.Time
}

const undeclaredWarnEvery = 10 * time.Minute

func newOnceEvery(period time.Duration, limit int) *onceEvery {
	return &onceEvery{period: period, limit: limit, seen: map[string]time.Time{}}
}

func (o *onceEvery) ok(key string, now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if t, found := o.seen[key]; found && now.Sub(t) < o.period {
		return false
	}
	if len(o.seen) >= o.limit {
		clear(o.seen)
	}
	o.seen[key] = now
	return true
}
