package htmlrewrite

import (
	"bytes"
	"html"
	"strings"
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
	to         string
}

// neutralise writes into out the tag with the consent attributes added after the tag
// name and every attribute named in from renamed to the matching name in to. Every
// duplicate is renamed too: the first of the remaining ones would otherwise take effect.
func (r *Rewriter) neutralise(tag []byte, script bool, cat string, from, to []string) []byte {
	ne := tagNameEnd(tag)
	r.renam = r.renam[:0]
	for i := ne; ; {
		a, next, ok := nextAttr(tag, i)
		if !ok {
			break
		}
		for k, f := range from {
			if eqFold(tag[a.nameStart:a.nameEnd], f) {
				r.renam = append(r.renam, rename{a.nameStart, a.nameEnd, to[k]})
				break
			}
		}
		i = next
	}
	out := append(r.out[:0], tag[:ne]...)
	if script {
		out = append(out, ` type="text/plain"`...)
	}
	out = append(out, ` data-consent="`...)
	out = appendAttrEscaped(out, cat)
	out = append(out, '"')
	pos := ne
	for _, rn := range r.renam {
		out = append(out, tag[pos:rn.start]...)
		out = append(out, rn.to...)
		pos = rn.end
	}
	out = append(out, tag[pos:]...)
	r.out = out
	return out
}

func appendAttrEscaped(out []byte, s string) []byte {
	for i := range len(s) {
		switch c := s[i]; c {
		case '&':
			out = append(out, "&amp;"...)
		case '"':
			out = append(out, "&quot;"...)
		default:
			out = append(out, c)
		}
	}
	return out
}

// decodeAttr returns an attribute value as the DOM has it: character references decoded
// the attribute-value way (a named reference without ';' followed by '=' or an
// alphanumeric stays as written, so "?a=1&copy=2" keeps its "&copy"), CR LF and CR as LF,
// NUL as U+FFFD.
func decodeAttr(v []byte) string {
	if bytes.IndexByte(v, '&') < 0 && bytes.IndexByte(v, '\r') < 0 && bytes.IndexByte(v, 0) < 0 {
		return string(v)
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); {
		c := v[i]
		switch c {
		case '\r':
			b.WriteByte('\n')
			i++
			if i < len(v) && v[i] == '\n' {
				i++
			}
			continue
		case 0:
			b.WriteString("\uFFFD")
			i++
			continue
		case '&':
			if n := charRef(v[i:], &b); n > 0 {
				i += n
				continue
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

// charRef decodes the character reference at the start of s ("&...") into b and returns
// its length, or 0 when s does not start with one.
func charRef(s []byte, b *strings.Builder) int {
	if len(s) < 2 {
		return 0
	}
	if s[1] == '#' {
		j := 2
		hex := j < len(s) && (s[j] == 'x' || s[j] == 'X')
		if hex {
			j++
		}
		d := j
		for j < len(s) && (isDigit(s[j]) || hex && isHexLetter(s[j])) {
			j++
		}
		if j == d {
			return 0
		}
		if j < len(s) && s[j] == ';' {
			j++
		}
		// html.UnescapeString applies the numeric-reference fix-ups (NUL, surrogates,
		// windows-1252 C1 range, out of range).
		b.WriteString(html.UnescapeString(string(s[:j])))
		return j
	}
	j := 1
	for j < len(s) && isAlnum(s[j]) {
		j++
	}
	if j == 1 {
		return 0
	}
	name := string(s[:j])
	if j < len(s) && s[j] == ';' {
		// UnescapeString also decodes a legacy prefix ("&notx;" as "¬x;"); in an
		// attribute value that prefix is followed by an alphanumeric and stays as written.
		d := html.UnescapeString(name + ";")
		if d != name+";" && !(len(d) >= 2 && d[len(d)-1] == ';' && isAlnum(d[len(d)-2])) {
			b.WriteString(d)
			return j + 1
		}
		return 0
	}
	if j < len(s) && s[j] == '=' {
		return 0
	}
	// Without ';' only the legacy names decode, and only when the whole alphanumeric run
	// is the name: otherwise an alphanumeric follows the name.
	if d := html.UnescapeString(name); d != name && utf8.RuneCountInString(d) == 1 {
		b.WriteString(d)
		return j
	}
	return 0
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
