package policy

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Consent is the visitor's choice as the proxy sees it for one request.
type Consent struct {
	Given   bool // a valid choice for the current revision was found
	Granted Set  // always has necessary
	ID      string
	Time    time.Time
	// GPC is set when no choice was made and the browser sent Sec-GPC: 1,
	// which counts as refusing everything but necessary.
	GPC bool
}

// NoChoice is the consent of a visitor who has not chosen: necessary only.
func NoChoice() Consent { return Consent{Granted: 1} }

// Grants reports whether the category with index i is granted.
func (c Consent) Grants(i int) bool { return i == 0 || c.Granted.Has(i) }

// Codec reads and writes the own consent cookie (SPEC §4):
//
//	1.<revision>.<cat>:<cat>.<unix-seconds>.<id>[.<sig>]
//
// The separators are cookie-safe and survive the URL-decoding some backends
// apply to cookie values.
type Codec struct {
	Policy *Policy
	Secret []byte // when set, cookies must carry a valid signature
	Now    func() time.Time
	// macs keeps HMAC states keyed with Secret: making one hashes the key
	// twice and allocates, and a signed cookie is checked on every request.
	// Set Secret before the first use.
	macs sync.Pool
}

const (
	codecVersion = "1"
	idLen        = 22 // base64url of 16 bytes, no padding
	sigLen       = 22
	// maxCookieValue bounds the work on a hostile cookie; a real value with
	// every category of a large policy is a few hundred bytes.
	maxCookieValue = 1024
	// clockSkew tolerates consent stamped by another instance whose clock
	// runs ahead. Only a little: of several consent cookies the newest
	// counts, and a day's allowance let a planted cookie stamped in the
	// future beat every choice the visitor made for a day.
	clockSkew = 5 * time.Minute
)

func (c *Codec) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// NewerRevision reports the revision a value of the consent cookie's format
// names when it is newer than the policy's (a cookie of another policy, or
// of this one before a roll-back); ok is false otherwise.
func (c *Codec) NewerRevision(value string) (rev int, ok bool) {
	rest, found := strings.CutPrefix(value, codecVersion+".")
	if !found {
		return 0, false
	}
	digits, _, _ := strings.Cut(rest, ".")
	rev, err := strconv.Atoi(digits)
	if err != nil || len(digits) > 9 || digits != strconv.Itoa(rev) || rev <= c.Policy.Revision {
		return 0, false
	}
	return rev, true
}

// Decode reads a cookie value. Anything absent, malformed, unsigned when a
// signature is required, expired, or of another revision is no choice: a bad
// cookie must never be an error for the visitor.
func (c *Codec) Decode(value string) Consent {
	if value == "" || len(value) > maxCookieValue {
		return NoChoice()
	}
	var parts [6]string
	n := 0
	for rest := value; ; n++ {
		if n == len(parts) {
			return NoChoice()
		}
		dot := strings.IndexByte(rest, '.')
		if dot < 0 {
			parts[n] = rest
			n++
			break
		}
		parts[n], rest = rest[:dot], rest[dot+1:]
	}
	if n < 5 || parts[0] != codecVersion {
		return NoChoice()
	}
	if rev, err := strconv.Atoi(parts[1]); err != nil || rev != c.Policy.Revision || parts[1] != strconv.Itoa(rev) {
		return NoChoice()
	}
	secs, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil || secs <= 0 {
		return NoChoice()
	}
	stamp := time.Unix(secs, 0)
	now := c.now()
	if stamp.After(now.Add(clockSkew)) || now.Sub(stamp) > c.Policy.Consent.MaxAge.Len {
		return NoChoice()
	}
	id := parts[4]
	if len(id) != idLen || !isBase64URL(id) {
		return NoChoice()
	}
	if len(c.Secret) > 0 {
		if n != 6 || len(parts[5]) != sigLen {
			return NoChoice()
		}
		signed := value[:len(value)-len(parts[5])-1]
		var sig [sigBuf]byte
		if subtle.ConstantTimeCompare(c.appendSig(sig[:0], signed), []byte(parts[5])) != 1 {
			return NoChoice()
		}
	} else if n == 6 && (len(parts[5]) != sigLen || !isBase64URL(parts[5])) {
		return NoChoice()
	}
	granted := Set(1)
	for rest := parts[2]; rest != ""; {
		var id string
		id, rest, _ = strings.Cut(rest, ":")
		// A category the policy no longer has is simply not granted.
		if i := c.Policy.CategoryIndex(id); i >= 0 {
			granted |= 1 << i
		}
	}
	return Consent{Given: true, Granted: granted, ID: id, Time: stamp}
}

// Encode writes the cookie value for a choice, signing it when a secret is set.
func (c *Codec) Encode(cons Consent) string {
	var b strings.Builder
	b.WriteString(codecVersion)
	b.WriteByte('.')
	b.WriteString(strconv.Itoa(c.Policy.Revision))
	b.WriteByte('.')
	b.WriteString(strings.Join(c.Policy.IDs(cons.Granted|1), ":"))
	b.WriteByte('.')
	b.WriteString(strconv.FormatInt(cons.Time.Unix(), 10))
	b.WriteByte('.')
	b.WriteString(cons.ID)
	if len(c.Secret) > 0 {
		sig := c.sign(b.String())
		b.WriteByte('.')
		b.WriteString(sig)
	}
	return b.String()
}

// NewChoice makes a fresh consent with a new random id, stamped now.
func (c *Codec) NewChoice(granted Set) Consent {
	var raw [16]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails on supported platforms
	return Consent{Given: true, Granted: granted | 1, ID: base64.RawURLEncoding.EncodeToString(raw[:]), Time: c.now().Truncate(time.Second)}
}

func (c *Codec) sign(s string) string {
	var sig [sigBuf]byte
	return string(c.appendSig(sig[:0], s))
}

// sigBuf holds a signature's base64 before it is cut to sigLen.
const sigBuf = 44

// appendSig appends the signature of s: the HMAC-SHA256 in base64url, cut to
// sigLen characters. With dst of sigBuf capacity it allocates nothing.
func (c *Codec) appendSig(dst []byte, s string) []byte {
	m, ok := c.macs.Get().(*mac)
	if ok {
		m.h.Reset()
	} else {
		m = &mac{h: hmac.New(sha256.New, c.Secret)}
	}
	// The hash only reads what it is given: the string's bytes are handed
	// to it without the copy a conversion to []byte would allocate.
	m.h.Write(unsafe.Slice(unsafe.StringData(s), len(s)))
	dst = base64.RawURLEncoding.AppendEncode(dst, m.h.Sum(m.sum[:0]))[:len(dst)+sigLen]
	c.macs.Put(m)
	return dst
}

// mac is an HMAC state with room for its sum (a sum written to the stack
// would escape through the interface).
type mac struct {
	h   hash.Hash
	sum [sha256.Size]byte
}

func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
