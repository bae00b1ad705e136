// Package dataurl reads the body of a data: URL as the Fetch standard's data: URL
// processor does, and Chromium with it. The HTML rewriter (what an element loads) and
// the policy (what a style sheet imports) read data: URLs with it, so that they cannot
// disagree.
package dataurl

import (
	"encoding/base64"
	"strings"
)

// Base64 reports whether a data: URL whose media type (what precedes its comma) is mt
// has a base64 body: mt without its surrounding ASCII white space ends in ';', any
// spaces, then "base64" in any case ("text/html; base64" is base64,
// "text/html;base64;a=b" is not).
func Base64(mt string) bool {
	mt = strings.TrimRight(mt, " \t\n\f\r")
	if len(mt) < 6 || !strings.EqualFold(mt[len(mt)-6:], "base64") {
		return false
	}
	return strings.HasSuffix(strings.TrimRight(mt[:len(mt)-6], " "), ";")
}

// AppendPercentDecoded appends s with %XX sequences decoded, as the URL standard's
// percent-decode does (an invalid sequence stays as written).
func AppendPercentDecoded(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) {
			h, ok1 := hexVal(s[i+1])
			l, ok2 := hexVal(s[i+2])
			if ok1 && ok2 {
				b = append(b, h<<4|l)
				i += 2
				continue
			}
		}
		b = append(b, c)
	}
	return b
}

// AppendPayload appends the decoded body of a data: URL (rest is what follows "data:"):
// percent-decoded, and base64-decoded when its media type says so (Base64). A body that
// is not valid base64 is appended percent-decoded as it is, so that nothing is hidden
// from whoever looks for what it names. ok is false when rest has no comma (no body).
func AppendPayload(b []byte, rest string) (_ []byte, ok bool) {
	mt, body, ok := strings.Cut(rest, ",")
	if !ok {
		return b, false
	}
	start := len(b)
	b = AppendPercentDecoded(b, body)
	if Base64(mt) {
		// Forgiving base64: ASCII white space is removed first.
		raw := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r' {
				return -1
			}
			return r
		}, string(b[start:]))
		raw = strings.TrimRight(raw, "=")
		if dec, err := base64.RawStdEncoding.DecodeString(raw); err == nil {
			b = append(b[:start], dec...)
		}
	}
	return b, true
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return c | 0x20 - 'a' + 10, true
	}
	return 0, false
}
