package htmlrewrite

import (
	"bytes"
	"html"
	"unicode/utf8"
)

// attr is one attribute of a complete start tag, as offsets into the tag.
type attr struct {
	nameStart, nameEnd int
	valStart, valEnd   int // equal when there is no value
}

// tagNameEnd returns the offset just after the tag name of a tag starting with '<'.
func tagNameEnd(tag []byte) int {
	i := 1
	for i < len(tag) && !isSpace(tag[i]) && tag[i] != '/' && tag[i] != '>' {
		i++
	}
	return i
}

// nextAttr parses the attribute starting at or after offset i of a complete start tag,
// following the tokenizer's attribute states; ok is false after the last one.
func nextAttr(tag []byte, i int) (a attr, next int, ok bool) {
	n := len(tag)
	for i < n && (isSpace(tag[i]) || tag[i] == '/') {
		i++
	}
	if i >= n || tag[i] == '>' {
		return a, n, false
	}
	a.nameStart = i
	i++ // the first character, even '=', belongs to the name
	for i < n && !isSpace(tag[i]) && tag[i] != '/' && tag[i] != '>' && tag[i] != '=' {
		i++
	}
	a.nameEnd = i
	for i < n && isSpace(tag[i]) {
		i++
	}
	a.valStart, a.valEnd = i, i
	if i >= n || tag[i] != '=' {
		return a, i, true
	}
	i++
	for i < n && isSpace(tag[i]) {
		i++
	}
	if i >= n {
		a.valStart, a.valEnd = i, i
		return a, i, true
	}
	switch q := tag[i]; q {
	case '"', '\'':
		j := bytes.IndexByte(tag[i+1:], q)
		if j < 0 {
			j = n - i - 1
		}
		a.valStart, a.valEnd = i+1, i+1+j
		return a, min(i+2+j, n), true
	case '>':
		a.valStart, a.valEnd = i, i
		return a, i, true
	}
	a.valStart = i
	for i < n && !isSpace(tag[i]) && tag[i] != '>' {
		i++
	}
	a.valEnd = i
	return a, i, true
}

// eqFold reports whether b equals the lower-case ASCII s, ignoring ASCII case.
func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// findAttr returns the value of the first attribute named name (lower case): browsers
// drop the later duplicates.
func findAttr(tag []byte, name string) (val []byte, found bool) {
	for i := tagNameEnd(tag); ; {
		a, next, ok := nextAttr(tag, i)
		if !ok {
			return nil, false
		}
		if eqFold(tag[a.nameStart:a.nameEnd], name) {
			return tag[a.valStart:a.valEnd], true
		}
		i = next
	}
}

type rename struct {
	start, end int
}

// parseAttrs appends the attributes of a start tag (complete or cut) to as.
func parseAttrs(tag []byte, as []attr) []attr {
	for i := tagNameEnd(tag); ; {
		a, next, ok := nextAttr(tag, i)
		if !ok {
			return as
		}
		as = append(as, a)
		i = next
	}
}

// renamed returns the name an attribute is renamed to: data-consent- and its name in
// lower case, with ':' as '-' (xlink:href becomes data-consent-xlink-href).
func renamed(name []byte) []byte {
	b := append(make([]byte, 0, len("data-consent-")+len(name)), "data-consent-"...)
	for _, c := range name {
		if c == ':' {
			c = '-'
		}
		b = append(b, lower(c))
	}
	return b
}

// neutralise returns the tag with the consent attributes added after the tag name —
// type="text/plain" for a script or a style, data-consent="CAT" for
// all — and every attribute in r.renam renamed (see renamed). Every duplicate is renamed
// too: the first of the remaining ones would otherwise take effect.
func (r *Rewriter) neutralise(tag []byte, a *analysis, cat string) []byte {
	ne := tagNameEnd(tag)
	rs := r.renam
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].start < rs[j-1].start; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
	out := append(r.out[:0], tag[:ne]...)
	if a.script || a.styleEl {
		out = append(out, ` type="text/plain"`...)
	}
	out = append(out, ` data-consent="`...)
	out = append(out, attrEscaped(cat)...)
	out = append(out, '"')
	pos := ne
	for _, rn := range rs {
		out = append(out, tag[pos:rn.start]...)
		out = append(out, renamed(tag[rn.start:rn.end])...)
		pos = rn.end
	}
	out = append(out, tag[pos:]...)
	r.out = out
	return out
}

// renameFor computes r.renam for a tag analysed earlier (the analysis is kept).
func (r *Rewriter) renameFor(tag []byte, a *analysis) {
	var tmp analysis
	urls, inline := r.urls, r.inline
	r.urls, r.inline = nil, nil
	r.analyse(&tmp, tag, a.id, a.ns)
	r.urls, r.inline = urls, inline
}

func attrEscaped(s string) []byte {
	var out []byte
	for i := range len(s) {
		switch c := s[i]; c {
		case '&':
			out = append(out, "&amp;"...)
		case '"':
			out = append(out, "&quot;"...)
		case '<':
			out = append(out, "&lt;"...)
		default:
			out = append(out, c)
		}
	}
	return out
}

// decodeAttr returns an attribute value as the DOM has it: character references decoded
// the attribute-value way (a named reference without ';' followed by '=' or an
// alphanumeric stays as written, so "?a=1&copy=2" keeps its "&copy"), CR LF and CR as LF,
// NUL as U+FFFD. buf is scratch space; the grown one is returned for reuse.
func decodeAttr(v, buf []byte) (string, []byte) {
	amp := bytes.IndexByte(v, '&')
	plain := bytes.IndexByte(v, '\r') < 0 && bytes.IndexByte(v, 0) < 0
	if amp < 0 && plain {
		return string(v), buf
	}
	buf = buf[:0]
	for i := 0; i < len(v); {
		if plain {
			// Only references: copy the runs between them whole.
			j := bytes.IndexByte(v[i:], '&')
			if j < 0 {
				buf = append(buf, v[i:]...)
				break
			}
			buf = append(buf, v[i:i+j]...)
			i += j
		}
		switch c := v[i]; c {
		case '\r':
			buf = append(buf, '\n')
			i++
			if i < len(v) && v[i] == '\n' {
				i++
			}
		case 0:
			buf = utf8.AppendRune(buf, utf8.RuneError)
			i++
		case '&':
			var n int
			if buf, n = appendCharRef(buf, v[i:]); n == 0 {
				buf = append(buf, '&')
				n = 1
			}
			i += n
		default:
			buf = append(buf, c)
			i++
		}
	}
	return string(buf), buf
}

// appendCharRef decodes the character reference at the start of s ("&...") onto b and
// returns its length, or 0 when s does not start with one.
func appendCharRef(b, s []byte) ([]byte, int) {
	if len(s) < 2 {
		return b, 0
	}
	if s[1] == '#' {
		j := 2
		hex := j < len(s) && s[j]|0x20 == 'x'
		if hex {
			j++
		}
		d := j
		var v rune
		for ; j < len(s); j++ {
			var digit rune
			switch c := s[j]; {
			case isDigit(c):
				digit = rune(c - '0')
			case hex && isHexLetter(c):
				digit = rune(c|0x20-'a') + 10
			default:
				goto done
			}
			if v <= utf8.MaxRune { // saturates: what is too big stays too big
				if hex {
					v = v*16 + digit
				} else {
					v = v*10 + digit
				}
			}
		}
	done:
		if j == d {
			return b, 0
		}
		if j < len(s) && s[j] == ';' {
			j++
		}
		return utf8.AppendRune(b, numericRef(v)), j
	}
	j := 1
	for j < len(s) && isAlnum(s[j]) {
		j++
	}
	if j == 1 {
		return b, 0
	}
	if j < len(s) && s[j] == ';' {
		// The references URLs are full of, without a map lookup.
		switch string(s[1:j]) {
		case "amp":
			return append(b, '&'), j + 1
		case "quot":
			return append(b, '"'), j + 1
		case "lt":
			return append(b, '<'), j + 1
		case "gt":
			return append(b, '>'), j + 1
		}
		// UnescapeString also decodes a legacy prefix ("&notx;" as "¬x;"); in an
		// attribute value that prefix is followed by an alphanumeric and stays as written.
		ref := string(s[:j+1])
		d := html.UnescapeString(ref)
		if d != ref && !(len(d) >= 2 && d[len(d)-1] == ';' && isAlnum(d[len(d)-2])) {
			return append(b, d...), j + 1
		}
		return b, 0
	}
	if j < len(s) && s[j] == '=' {
		return b, 0
	}
	// Without ';' only the legacy names decode, and only when the whole alphanumeric run
	// is the name: otherwise an alphanumeric follows the name.
	ref := string(s[:j])
	if d := html.UnescapeString(ref); d != ref && utf8.RuneCountInString(d) == 1 {
		return append(b, d...), j
	}
	return b, 0
}

// appendTextRef decodes the character reference at the start of s ("&...") the way text
// has it (a legacy name without ';' decodes whatever follows), or returns 0.
func appendTextRef(b, s []byte) ([]byte, int) {
	if len(s) >= 2 && s[1] == '#' {
		return appendCharRef(b, s)
	}
	j := 1
	for j < len(s) && isAlnum(s[j]) {
		j++
	}
	if j == 1 {
		return b, 0
	}
	if j < len(s) && s[j] == ';' {
		j++
	}
	ref := string(s[:j])
	d := html.UnescapeString(ref)
	if d == ref {
		return b, 0
	}
	return append(b, d...), j
}

// numericRef applies the standard's fix-ups to the value of a numeric character
// reference.
func numericRef(v rune) rune {
	if v >= 0x80 && v <= 0x9f {
		// The C1 controls are read as windows-1252, as the standard's table says.
		if r := c1Windows1252[v-0x80]; r != 0 {
			return r
		}
		return v
	}
	if v == 0 || v > utf8.MaxRune || v >= 0xd800 && v <= 0xdfff {
		return utf8.RuneError
	}
	return v
}

// c1Windows1252 is the standard's table for references to 0x80-0x9F; 0 means unchanged.
var c1Windows1252 = [32]rune{
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r'
}

func isAlpha(c byte) bool {
	return c|0x20 >= 'a' && c|0x20 <= 'z'
}

func isDigit(c byte) bool {
	return c >= '0' && c <= '9'
}

func isHexLetter(c byte) bool {
	return c|0x20 >= 'a' && c|0x20 <= 'f'
}

func isAlnum(c byte) bool {
	return isAlpha(c) || isDigit(c)
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
