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
	"unicode/utf8"

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

// maxRecordField bounds what a consent record copies from the request: a
// 15 KB User-Agent must not become 15 KB of log per record.
const maxRecordField = 512

// Records are written for visitors, who may be hostile: a client posting
// choices as fast as it can wrote 10,000 records (9 MB) a second, pushing the
// genuine ones out of a rotated log. Per public client address (clientKey),
// the consent endpoint takes a burst of choiceBurst choices, then one per
// choiceEvery — a visitor chooses a few times a visit, and many visitors
// behind one address (an office, a carrier's NAT) still get through — and
// answers 429 past it, recording nothing (a choice without its record is not
// made). GPC records, written on page views, are bounded the same way, more
// tightly: they record a signal, not a choice. An address that is not public
// (loopback, private, link-local) is not limited: it is most often a proxy in
// front whose address stands for every visitor (trusted_proxies not set),
// where a limit would refuse the choices of the whole site.
const (
	choiceBurst    = 60
	choiceEvery    = time.Second / 2
	gpcRecordBurst = 10
	gpcRecordEvery = time.Minute
)

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
		zap.String("url", cut(requestURL(r), maxRecordField)),
		zap.String("user_agent", cut(r.UserAgent(), maxRecordField)),
		zap.String("ip_hash", h.ipHash(r)),
		zap.Time("ts", c.Time),
	)
}

// cut shortens s to at most n bytes, at the start of a character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// recordGPC records that a visitor's Sec-GPC signal refused everything but
// necessary on their behalf (there is no consent id: no choice was made). It
// is written once per visitor (address hash and user agent) per period, not
// on every page view.
func (h *Handler) recordGPC(r *http.Request, c policy.Consent) {
	visitor := sha256.Sum256([]byte(h.ipHash(r) + "\x00" + r.UserAgent()))
	if now := time.Now(); h.gpcSeen.ok(string(visitor[:16]), now) && h.gpcRecords.allow(clientKey(r), now) {
		c.Time = time.Now().Truncate(time.Second)
		h.logRecord(r, c, "gpc")
	}
}

// requestURL is the page the choice was made on: the Referer when it is of
// the same origin, else the request's original URL without its query (which
// may carry personal data).
func requestURL(r *http.Request) string {
	origin := visitorOrigin(r)
	if ref := r.Referer(); strings.HasPrefix(ref, origin+"/") {
		if q := strings.IndexAny(ref, "?#"); q >= 0 {
			ref = ref[:q]
		}
		return ref
	}
	return origin + originalURL(r).Path
}

// onceEvery says yes to a key at most once per period. It remembers at most
// limit keys, each for one period: expired keys are swept once a period, and
// when the table is full of live ones it starts over (a flood of random
// names must not grow memory). Keys longer than maxOnceKey are hashed.
type onceEvery struct {
	mu        sync.Mutex
	period    time.Duration
	limit     int
	seen      map[string]time.Time
	lastSweep time.Time
}

const (
	undeclaredWarnEvery = 10 * time.Minute
	maxOnceKey          = 64
)

func newOnceEvery(period time.Duration, limit int) *onceEvery {
	return &onceEvery{period: period, limit: limit, seen: map[string]time.Time{}}
}

func (o *onceEvery) ok(key string, now time.Time) bool {
	if len(key) > maxOnceKey {
		sum := sha256.Sum256([]byte(key))
		key = string(sum[:16])
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if t, found := o.seen[key]; found && now.Sub(t) < o.period {
		return false
	}
	if now.Sub(o.lastSweep) >= o.period {
		for k, t := range o.seen {
			if now.Sub(t) >= o.period {
				delete(o.seen, k)
			}
		}
		o.lastSweep = now
	}
	if len(o.seen) >= o.limit {
		clear(o.seen)
	}
	// A copy: key may be a piece of a header, which it would keep alive.
	o.seen[strings.Clone(key)] = now
	return true
}
