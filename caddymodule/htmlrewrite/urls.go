package htmlrewrite

import (
	"bytes"
	"strings"
)

// srcsetURLs appends the URLs of a srcset attribute value to urls, split as the HTML
// standard's "parse a srcset attribute" does: candidates are separated by commas, a URL
// is a run of non-whitespace (commas at its end belong to the separator), and its
// descriptors run to the next comma outside parentheses.
func srcsetURLs(urls []string, v string) []string {
	i := 0
	for {
		for i < len(v) && (isSpace(v[i]) || v[i] == ',') {
			i++
		}
		if i == len(v) {
			return urls
		}
		j := i
		for j < len(v) && !isSpace(v[j]) {
			j++
		}
		u := v[i:j]
		i = j
		if strings.HasSuffix(u, ",") {
			u = strings.TrimRight(u, ",")
		} else {
			// Descriptors: to a comma that is not inside parentheses.
			paren := false
			for ; i < len(v); i++ {
				c := v[i]
				if c == '(' {
					paren = true
				} else if c == ')' {
					paren = false
				} else if c == ',' && !paren {
					i++
					break
				}
			}
		}
		if u != "" {
			urls = append(urls, u)
		}
	}
}

// urlScheme returns the scheme of a URL as the URL parser sees it (leading and trailing
// C0 controls and spaces stripped, tabs and newlines removed anywhere), lower case; ""
// when it has none.
func urlScheme(u string) string {
	var b [16]byte
	return string(b[:schemeOf(u, &b)])
}

// schemeOf writes the scheme of u, lower-cased, into b (as urlScheme reads it) and
// returns its length, 0 for none: for []byte without a string made.
func schemeOf[T string | []byte](u T, b *[16]byte) int {
	n := 0
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c == '\t' || c == '\n' || c == '\r' || n == 0 && c <= ' ' {
			continue
		}
		if c == ':' {
			if n == 0 || !isAlpha(b[0]) {
				return 0
			}
			return n
		}
		if !isAlnum(c) && c != '+' && c != '-' && c != '.' || n == len(b) {
			return 0
		}
		b[n] = lower(c)
		n++
	}
	return 0
}

// afterScheme returns what follows the first ':' of a URL, with tabs and newlines
// removed as the URL parser does.
func afterScheme(u string) string {
	i := strings.IndexByte(u, ':')
	rest := u[i+1:]
	if strings.ContainsAny(rest, "\t\n\r") {
		rest = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, rest)
	}
	return strings.TrimRight(rest, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
}

// urlPrefix decides a URL attribute whose value the hold limit cut after raw. When every
// value that begins with raw loads from the same host (or from none), it returns a URL
// naming that host — raw up to the end of its authority, the scheme of a URL that has no
// host (data:, javascript:), or the start of a relative URL — and true. A URL whose
// authority has not ended yet, or whose start could still turn into a scheme or "//",
// is undecided. The value is read as URL parsers read it: tabs and newlines dropped,
// leading spaces and control characters trimmed, backslashes as slashes.
func (r *Rewriter) urlPrefix(raw, buf []byte) (string, []byte, bool) {
	// A character reference the limit cut could still become any character.
	if k := bytes.LastIndexByte(raw, '&'); k >= 0 && bytes.IndexByte(raw[k:], ';') < 0 {
		raw = raw[:k]
	}
	var v string
	v, buf = r.decodeValue(raw, buf)
	u, ok := urlPrefixDecoded(v)
	return u, buf, ok
}

// urlPrefixDecoded is urlPrefix for a URL whose character references (or CSS escapes)
// are decoded already.
func urlPrefixDecoded(v string) (string, bool) {
	// The first 2 KiB decide any URL with a plausible authority; past them, undecided.
	c := make([]byte, 0, min(len(v), 2<<10))
	for k := 0; k < len(v) && len(c) < cap(c); k++ {
		switch ch := v[k]; {
		case ch == '\t' || ch == '\n' || ch == '\r':
		case ch <= ' ' && len(c) == 0:
		case ch == '\\':
			c = append(c, '/')
		default:
			c = append(c, ch)
		}
	}
	s := string(c)
	authority := func(from int) (string, bool) {
		rest := strings.TrimLeft(s[from:], "/")
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			return "", false
		}
		return s[:len(s)-len(rest)+end+1], true
	}
	switch {
	case s == "" || s == "/":
		return "", false
	case strings.HasPrefix(s, "//"):
		u, ok := authority(0)
		return u, ok
	}
	colon := strings.IndexByte(s, ':')
	slash := strings.IndexAny(s, "/?#")
	switch {
	case slash >= 0 && (colon < 0 || slash < colon):
		return s[:slash+1], true // relative: the page's host
	case colon < 0:
		if isSchemeStart(s) {
			return "", false // may still be "scheme:"
		}
		return s, true // relative
	}
	scheme := strings.ToLower(s[:colon])
	switch {
	case !isSchemeStart(scheme):
		return s[:colon+1], true // "a_b:c" is a relative path
	case scheme == "http" || scheme == "https":
		u, ok := authority(colon + 1)
		return u, ok
	}
	return s[:colon+1], true // no host: data:, javascript:, ...
}

// isSchemeStart reports whether s is, or may begin, a URL scheme: a letter, then
// letters, digits, '+', '-' or '.'.
func isSchemeStart(s string) bool {
	for i := 0; i < len(s); i++ {
		c := lower(s[i])
		if !(c >= 'a' && c <= 'z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}
