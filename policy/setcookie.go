package policy

import (
	"iter"
	"strconv"
	"strings"
	"time"
)

// SetCookie is a Set-Cookie header value split as a browser splits it
// (RFC 6265bis section 5.6), not as net/http does: Go's parser rejects names
// browsers keep (`foo` without `=` is a nameless cookie that the browser later
// sends as `foo`; RFC 6265bis also keeps `=_ga=1`, sent back as `_ga=1`, which
// Chromium refuses), so a filter built on it would let exactly the evasive
// ones through.
type SetCookie struct {
	Name, Value string
	// Valid is false when a browser ignores the header entirely (a control
	// character, or neither name nor value, or over 4096 bytes, or a tab
	// inside the name or value, which Chromium refuses).
	Valid bool
	attrs string // everything from the first ';', as sent
}

// ParseSetCookie splits a Set-Cookie header value.
func ParseSetCookie(h string) SetCookie {
	var sc SetCookie
	ctl, tab := controls(h)
	if ctl {
		// Browsers abort on any control character but horizontal tab.
		return sc
	}
	pair := h
	if semi := strings.IndexByte(h, ';'); semi >= 0 {
		pair, sc.attrs = h[:semi], h[semi:]
	}
	if eq := strings.IndexByte(pair, '='); eq >= 0 {
		sc.Name, sc.Value = trimWSP(pair[:eq]), trimWSP(pair[eq+1:])
	} else {
		sc.Value = trimWSP(pair)
	}
	sc.Valid = (sc.Name != "" || sc.Value != "") && len(sc.Name)+len(sc.Value) <= 4096 &&
		(!tab || !strings.Contains(sc.Name, "\t") && !strings.Contains(sc.Value, "\t"))
	return sc
}

// Storable reports whether a browser can hold a cookie of this name: one with a
// control character or a tab in it is refused whatever comes with it, so there is
// nothing to expire either.
func Storable(name string) bool {
	ctl, tab := controls(name)
	return !ctl && !tab
}

// controls reports whether s has a control character other than a tab, and
// whether it has a tab. It reads eight bytes at a time (a header is read on
// every response) and looks at single bytes only in a word that has one.
func controls(s string) (ctl, tab bool) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8] // one bounds check, and the compiler loads the word at once
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		del := x ^ 0x7f*ones
		// A byte below 0x20, or a byte equal to 0x7f (a zero byte of del).
		if (x-0x20*ones)&^x&highs != 0 || (del-ones)&^del&highs != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\t':
			tab = true
		case c < 0x20 || c == 0x7f:
			return true, tab
		}
	}
	return false, tab
}

// trimWSP trims spaces and tabs (a loop: strings.Trim builds a set per call,
// and this runs for every cookie of every request).
func trimWSP(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// Attr returns the value of the last attribute with that name (case-insensitive),
// as browsers let a later attribute override an earlier one.
func (sc SetCookie) Attr(name string) (value string, ok bool) {
	for rest := sc.attrs; rest != ""; {
		var a string
		a, rest = nextAttrOf(rest)
		k, v, _ := strings.Cut(a, "=")
		if equalFoldASCII(trimWSP(k), name) {
			value, ok = trimWSP(v), true
		}
	}
	return value, ok
}

// nextAttrOf cuts the first attribute off attrs, which is empty or ";"
// followed by the attributes not read yet.
func nextAttrOf(attrs string) (attr, rest string) {
	attr = attrs[1:]
	if i := strings.IndexByte(attr, ';'); i >= 0 {
		return attr[:i], attr[i:]
	}
	return attr, ""
}

// The attributes that set a cookie's lifetime.
const (
	attrOther = iota
	attrMaxAge
	attrExpires
)

// lifetimeAttr says whether an attribute (as sent, between two ';') is
// Max-Age or Expires, and its value. It reads only the attributes whose
// name has their length and first letter: Path, HttpOnly and the others are
// passed over unsplit (this runs for every attribute of every Set-Cookie).
func lifetimeAttr(a string) (which int, value string) {
	for len(a) > 0 && (a[0] == ' ' || a[0] == '\t') {
		a = a[1:]
	}
	// len("Max-Age") == len("Expires")
	if len(a) < len("Max-Age") || a[0]|0x20 != 'm' && a[0]|0x20 != 'e' {
		return attrOther, ""
	}
	k, v := a[:len("Max-Age")], trimWSP(a[len("Max-Age"):])
	if v != "" {
		if v[0] != '=' {
			return attrOther, "" // a longer name
		}
		v = trimWSP(v[1:])
	}
	switch {
	case equalFoldASCII(k, "Max-Age"):
		return attrMaxAge, v
	case equalFoldASCII(k, "Expires"):
		return attrExpires, v
	}
	return attrOther, ""
}

// Lifetime says how long a browser keeps the cookie: session=true for a
// session cookie; otherwise d (≤ 0 means it deletes the cookie). Max-Age wins
// over Expires, as in browsers. An unparseable attribute is ignored, as browsers do.
func (sc SetCookie) Lifetime(now time.Time) (d time.Duration, session bool) {
	// One pass for both attributes (the last of each counts, as in Attr).
	var maxAge, expires string
	var hasMaxAge, hasExpires bool
	for rest := sc.attrs; rest != ""; {
		var a string
		a, rest = nextAttrOf(rest)
		switch which, v := lifetimeAttr(a); which {
		case attrMaxAge:
			maxAge, hasMaxAge = v, true
		case attrExpires:
			expires, hasExpires = v, true
		}
	}
	if v, ok := maxAge, hasMaxAge; ok && isMaxAge(v) {
		if len(v) <= 18 && v[0] != '-' { // the common case, which cannot overflow
			var secs int64
			for i := 0; i < len(v); i++ {
				secs = secs*10 + int64(v[i]-'0')
			}
			switch {
			case secs <= 0:
				return 0, false
			case secs > int64((1<<63-1)/time.Second):
				return 1<<63 - 1, false
			}
			return time.Duration(secs) * time.Second, false
		}
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil { // out of range: a very large or very small number
			if strings.HasPrefix(v, "-") {
				return 0, false
			}
			return 1<<63 - 1, false
		}
		if secs > int64((1<<63-1)/time.Second) {
			return 1<<63 - 1, false
		}
		if secs <= 0 { // also keeps a large negative from overflowing into a long life
			return 0, false
		}
		return time.Duration(secs) * time.Second, false
	}
	if hasExpires {
		if t, ok := parseCookieDate(expires); ok {
			return t.Sub(now), false
		}
	}
	return 0, true
}

// equalFoldASCII compares attribute names as browsers do, ASCII
// case-insensitively: strings.EqualFold would also take "Expireſ" for
// "Expires", a name browsers ignore.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func isMaxAge(v string) bool {
	if v == "" {
		return false
	}
	if v[0] == '-' {
		v = v[1:]
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return v != ""
}

// parseCookieDate reads the date formats servers actually send. Browsers'
// algorithm is more lenient; a date we cannot read makes us treat the cookie
// as a session cookie for clamping, which keeps it rather than over-clamping,
// and Clamp adds a Max-Age that wins over any Expires anyway.
func parseCookieDate(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC1123, "Mon, 02-Jan-2006 15:04:05 MST", time.RFC850, time.ANSIC, "Mon, 02 Jan 2006 15:04:05 -0700"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// WithMaxAge returns the header with its lifetime set to d: every Max-Age and
// Expires attribute is dropped and one Max-Age added (a session duration
// drops them and adds nothing). Other attributes are kept as sent.
func (sc SetCookie) WithMaxAge(d time.Duration, session bool) string {
	var b strings.Builder
	b.Grow(len(sc.Name) + len(sc.Value) + len(sc.attrs) + len("; Max-Age=") + 20)
	b.WriteString(sc.Name)
	b.WriteByte('=')
	b.WriteString(sc.Value)
	for rest := sc.attrs; rest != ""; {
		var a string
		a, rest = nextAttrOf(rest)
		// Dropped: the lifetime, and what has no name (browsers ignore it).
		if which, _ := lifetimeAttr(a); which != attrOther {
			continue
		}
		if t := trimWSP(a); t == "" || t[0] == '=' {
			continue
		}
		b.WriteByte(';')
		b.WriteString(a)
	}
	if !session {
		var digits [20]byte
		b.WriteString("; Max-Age=")
		b.Write(strconv.AppendInt(digits[:0], int64(d/time.Second), 10))
	}
	return b.String()
}

// ExpireCookie is the Set-Cookie value that deletes a cookie the browser holds,
// HttpOnly ones included. Prefixed names must be deleted with the attributes
// their prefix demands or the browser ignores the deletion.
func ExpireCookie(name, domain string, secure bool) string {
	var b strings.Builder
	b.Grow(len(name) + len(domain) + len("=; Max-Age=0; Path=/; Domain=; Secure"))
	if name == "" {
		// A nameless cookie is replaced by a nameless header, which needs a
		// value without '=' ("=; ..." is ignored, "=x" refused by Chromium).
		b.WriteString("x; Max-Age=0; Path=/")
	} else {
		b.WriteString(name)
		b.WriteString("=; Max-Age=0; Path=/")
	}
	if domain != "" && !strings.HasPrefix(name, "__Host-") {
		b.WriteString("; Domain=")
		b.WriteString(domain)
	}
	if secure || strings.HasPrefix(name, "__Host-") || strings.HasPrefix(name, "__Secure-") {
		b.WriteString("; Secure")
	}
	return b.String()
}

// RequestCookie is one name=value pair of a Cookie request header, with the
// exact bytes it had, so that a filtered header keeps the rest as it was.
type RequestCookie struct {
	Name, Value string
	Raw         string
}

// RequestCookies yields each pair of a Cookie header, split as servers split
// it: on ';', the name before the first '=', white space trimmed. A pair
// without '=' has an empty name.
func RequestCookies(header string) iter.Seq[RequestCookie] {
	return func(yield func(RequestCookie) bool) {
		for header != "" {
			var part string
			if semi := strings.IndexByte(header, ';'); semi >= 0 {
				part, header = header[:semi], header[semi+1:]
			} else {
				part, header = header, ""
			}
			raw := trimWSP(part)
			if raw == "" {
				continue
			}
			rc := RequestCookie{Raw: raw}
			if eq := strings.IndexByte(raw, '='); eq >= 0 {
				rc.Name, rc.Value = trimWSP(raw[:eq]), trimWSP(raw[eq+1:])
			} else {
				rc.Value = raw
			}
			if !yield(rc) {
				return
			}
		}
	}
}
