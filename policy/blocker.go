package policy

import (
	"bytes"
	"html"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/consentgate/consentgate/internal/dataurl"
)

// BlockerForElement finds the blocker that holds back an element, given what
// the rewriter or the guard knows of it: its tag name, every URL it would
// load, resolved as a browser resolves them (against the document's <base
// href> when there is one, else the page), and its inline content. Inline
// content is a script's text, a style's CSS, or the document an iframe,
// object or embed shows from srcdoc or a data: or javascript: URL: such a
// document is held back when it carries a blocker's marker or names a
// blocker's host anywhere (it would load from it). Code — a script's text, a
// style's CSS — is held back by markers only: naming a host in code is what a
// site's own code does too, and every URL a style sheet loads is in urls
// already, but for a data: style sheet in it, which is read for host names: its
// own @import would load from them (blockerInDataSheets).
func (p *Policy) BlockerForElement(tag string, urls []string, base, pageHost string, inline []byte) (*Blocker, bool) {
	// A relative <base href> is relative to the page; a base that loads
	// nothing from a host (data:, javascript:) makes relative URLs fail.
	relativeTo := baseHost(base, pageHost)
	style := tag == "style"
	for _, u := range urls {
		if u == "" {
			continue
		}
		host := srcHost(u, relativeTo)
		if host == "" {
			continue
		}
		if i, ok := p.lookupHost(host); ok {
			return &p.Blockers[i], true
		}
	}
	if len(inline) == 0 {
		return nil, false
	}
	if b, ok := p.BlockerFor("", pageHost, inline); ok {
		return b, true
	}
	if style {
		return p.blockerInDataSheets(inline)
	}
	if tag == "script" {
		// Code is held back by its markers (SPEC §5) only.
		return nil, false
	}
	return p.blockerNamedIn(inline)
}

// blockerInDataSheets finds a blocker host named in a data: style sheet
// that a style sheet's text imports (`@import url("data:text/css,@import
// url(https://tracker/)")`: the imported sheet's own imports load). The
// rewriter leaves data: URLs out of a style's URLs, since they load nothing
// from a host themselves. The text is read as CSS reads it: character
// references undone first (an SVG <style> is markup), then CSS escapes.
// Only data: URLs of a text type can be style sheets; fonts and images are
// not decoded.
func (p *Policy) blockerInDataSheets(css []byte) (*Blocker, bool) {
	if !mayImport(css) {
		return nil, false // most style sheets: nothing to decode
	}
	if hasCharRef(css) {
		css = []byte(html.UnescapeString(string(css)))
	}
	if bytes.IndexByte(css, '\\') >= 0 {
		css = cssUnescape(css)
	}
	if !containsImport(css) {
		return nil, false // only an @import makes a data: URL a style sheet
	}
	for i := 0; ; {
		j := bytes.IndexByte(css[i:], ':')
		if j < 0 {
			return nil, false
		}
		colon := i + j
		i = colon + 1
		if colon < 4 || !bytes.EqualFold(css[colon-4:colon], []byte("data")) {
			continue
		}
		start := colon - 4
		end := len(css)
		if start > 0 && (css[start-1] == '"' || css[start-1] == '\'') {
			if k := bytes.IndexByte(css[colon:], css[start-1]); k >= 0 {
				end = colon + k
			}
		} else if k := bytes.IndexAny(css[colon:], ")\"' \t\n\f\r"); k >= 0 {
			end = colon + k
		}
		meta, _, _ := bytes.Cut(css[colon+1:end], []byte(","))
		if !isTextType(string(meta)) {
			continue
		}
		if doc, ok := dataPayload(string(css[start:end])); ok {
			if b, ok := p.blockerNamedIn(doc); ok {
				return b, true
			}
		}
	}
}

// hasCharRef reports whether b has a character reference (&#...; or
// &name;), not merely an & (CSS nesting uses it).
func hasCharRef(b []byte) bool {
	for i := bytes.IndexByte(b, '&'); i >= 0 && i+1 < len(b); {
		k := i + 1
		if b[k] == '#' {
			return true
		}
		for k < len(b) && ('a' <= b[k] && b[k] <= 'z' || 'A' <= b[k] && b[k] <= 'Z' || '0' <= b[k] && b[k] <= '9') {
			k++
		}
		if k > i+1 && k < len(b) && b[k] == ';' {
			return true
		}
		next := bytes.IndexByte(b[i+1:], '&')
		if next < 0 {
			return false
		}
		i += 1 + next
	}
	return false
}

// mayImport is what an @import needs before any decoding: an '@' that an
// identifier may follow ("import", an escape such as `@\69mport`, or a
// character reference), or a character reference that may be an '@'
// (numeric, or &commat;). A CSS escape cannot make the '@' itself
// (`\40import` is an identifier, not an at-rule), and no named reference
// is a letter; a style sheet with neither, the usual case, is not decoded.
func mayImport(b []byte) bool {
	// Two passes of IndexByte, which is vectorised; IndexAny is not.
	for i := 0; ; i++ {
		j := bytes.IndexByte(b[i:], '@')
		if j < 0 || i+j+1 == len(b) {
			break
		}
		i += j
		if c := b[i+1]; c == 'i' || c == 'I' || c == '\\' || c == '&' {
			return true
		}
	}
	for i := 0; ; i++ {
		j := bytes.IndexByte(b[i:], '&')
		if j < 0 || i+j+1 == len(b) {
			return false
		}
		i += j
		if b[i+1] == '#' || bytes.HasPrefix(b[i+1:], []byte("commat")) {
			return true
		}
	}
}

// containsImport reports whether b has "import" in any case, without
// lower-casing a copy of a large style sheet.
func containsImport(b []byte) bool {
	for i := 0; i+6 <= len(b); i++ {
		j := bytes.IndexAny(b[i:], "iI")
		if j < 0 {
			return false
		}
		i += j
		if i+6 <= len(b) && bytes.EqualFold(b[i:i+6], []byte("import")) {
			return true
		}
	}
	return false
}

// isTextType: a data: URL's media type (before the comma) is empty or text/*.
func isTextType(meta string) bool {
	mt, _, _ := strings.Cut(meta, ";")
	mt = strings.TrimSpace(mt)
	return mt == "" || len(mt) >= 5 && strings.EqualFold(mt[:5], "text/")
}

// cssUnescape undoes CSS escapes (CSS Syntax §4.3.7): a backslash and up to
// six hex digits (and one whitespace after them) is that code point, a
// backslash before a newline is nothing, before any other character that
// character.
func cssUnescape(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		i++
		n, cp := 0, rune(0)
		for n < 6 && i+n < len(b) && isHex(b[i+n]) {
			cp = cp<<4 | rune(unhex(b[i+n]))
			n++
		}
		switch {
		case n > 0:
			i += n
			if i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\f') {
				// the whitespace ends the escape
			} else if i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n' {
				i++
			} else {
				i--
			}
			if cp == 0 || cp > utf8.MaxRune || cp >= 0xD800 && cp <= 0xDFFF {
				cp = utf8.RuneError
			}
			out = utf8.AppendRune(out, cp)
		case b[i] == '\n' || b[i] == '\f':
		default:
			out = append(out, b[i])
		}
	}
	return out
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// dataPayload is the content of a data: URL, read as the rewriter reads it
// (internal/dataurl: percent-decoded, base64-decoded when its media type says
// so, left percent-decoded when that fails). ok is false for any other URL.
func dataPayload(u string) ([]byte, bool) {
	u = strings.TrimLeft(u, " \t\n\f\r")
	if len(u) < 5 || !strings.EqualFold(u[:5], "data:") {
		return nil, false
	}
	return dataurl.AppendPayload(nil, u[5:])
}

// blockerNamedIn finds a blocker host mentioned in a document's text, after
// undoing the character references and percent-encoding that would hide it
// from a plain search.
func (p *Policy) blockerNamedIn(text []byte) (*Blocker, bool) {
	if len(p.blockHosts) == 0 {
		return nil, false
	}
	s := string(text)
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	if strings.IndexByte(s, '%') >= 0 {
		if dec, err := url.PathUnescape(s); err == nil {
			s = dec
		}
	}
	lower := []byte(strings.ToLower(s))
	for host, i := range p.blockHosts {
		if bytes.Contains(lower, []byte(strings.TrimPrefix(host, "*."))) {
			return &p.Blockers[i], true
		}
	}
	return nil, false
}
