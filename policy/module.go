package policy

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"unicode/utf8"
)

// ModuleScript reads the text of a <script type="module"> for the hosts its imports load
// from. A module's static imports (`import "https://tracker/x.js"`) are fetched by the
// browser's module loader before any of it runs, where no script — the guard — can see
// them: so, unlike a classic script's code (held back by its markers only, see
// BlockerForElement), a module's text is read for URLs.
//
// blockers are the blockers of the hosts named by a URL in the text, each once, in the
// policy's order: what follows two slashes (`//host`, `https://host`; backslashes count as
// slashes, as URL parsers read them), or `http:` or `https:` directly (`https:host`, which
// a browser loads from host on a page of the other scheme), read as BlockerForElement reads
// a URL, once JavaScript's string escapes are undone (`\/`, `\\`, `\xHH`, `\uHHHH`,
// `\u{H…}`; so is JSON's). A host named without `//` is not a URL and does not count.
// Relative specifiers (`./x.js`) load from the module's base, the document's base URL (base,
// else pageHost): when that is a blocker's host, a module that imports anything names it.
func (p *Policy) ModuleScript(text []byte, base, pageHost string) []*Blocker {
	s := hostBlockers{p: p, relativeTo: baseHost(base, pageHost)}
	s.moduleText(text)
	return s.sorted()
}

// ImportMap reads the JSON of a <script type="importmap"> for the hosts it maps module
// specifiers to. An import map fetches nothing itself, but a module that imports a
// specifier it maps (`import "trk"`) loads the mapped URL, again where the guard cannot
// see it. blockers are the blockers of the hosts of its string values — each specifier's
// URL in "imports" and in every scope of "scopes", and any other — read as URLs, relative
// ones against the document's base URL (base, else pageHost), each once, in the policy's
// order. Keys are not read: a specifier or a scope that names a tracker's URL, mapped to
// the site's own, loads nothing from the tracker. A key written twice does not hide the
// value it had first (browsers take the last; each is read).
//
// A text that is not JSON as JSON.parse reads it is no import map to browsers (they
// ignore it): it is read as a module's text (ModuleScript), which holds back at most an
// element that does nothing. That is also how a window of an import map longer than the
// rewriter's hold limit, no complete JSON, is read.
func (p *Policy) ImportMap(text []byte, base, pageHost string) []*Blocker {
	s := hostBlockers{p: p, relativeTo: baseHost(base, pageHost)}
	if err := jsonStringValues(text, func(v string) { s.host(srcHost(v, s.relativeTo)) }); err != nil {
		s.moduleText(text)
	}
	return s.sorted()
}

// baseHost is the host relative URLs load from: base's, or the page's without one. A base
// that loads nothing from a host (data:, javascript:) gives "".
func baseHost(base, pageHost string) string {
	if base == "" {
		return pageHost
	}
	// A relative <base href> is relative to the page.
	return srcHost(base, pageHost)
}

// hostBlockers collects the blockers of the hosts a text names (speculation rules, import
// maps, module scripts), each once.
type hostBlockers struct {
	p          *Policy
	relativeTo string
	blockers   []*Blocker
}

// host records the blocker of a host, if any.
func (s *hostBlockers) host(h string) {
	if h == "" {
		return
	}
	i, ok := s.p.lookupHost(h)
	if !ok {
		return
	}
	b := &s.p.Blockers[i]
	for _, seen := range s.blockers {
		if seen == b {
			return
		}
	}
	s.blockers = append(s.blockers, b)
}

// sorted returns the blockers in the policy's order (maps are read in no fixed order).
func (s *hostBlockers) sorted() []*Blocker {
	slices.SortFunc(s.blockers, func(a, b *Blocker) int { return cmp.Compare(s.p.blockerIndex(a), s.p.blockerIndex(b)) })
	return s.blockers
}

// moduleText records the hosts of the URLs in a module's text (ModuleScript).
func (s *hostBlockers) moduleText(text []byte) {
	if bytes.IndexByte(text, '\\') >= 0 {
		text = jsUnescape(text)
	}
	for i := 0; i < len(text); i++ {
		j := bytes.IndexAny(text[i:], `/\:`)
		if j < 0 {
			break
		}
		i += j
		switch {
		case isSlash(text[i]):
			if i+1 >= len(text) || !isSlash(text[i+1]) {
				continue
			}
			from := i + 2
			for from < len(text) && isSlash(text[from]) {
				from++ // one URL for a run of slashes
			}
			i = s.urlAt(text, i, from) - 1
		case i+1 < len(text) && isSlash(text[i+1]):
			// "https://": the slashes are read next.
		default:
			if n := httpSchemeEnds(text[:i]); n > 0 {
				i = s.urlAt(text, i-n, i+1) - 1
			}
		}
	}
	if s.relativeTo != "" && bytes.Contains(text, []byte("import")) {
		// Relative specifiers load from the base.
		s.host(hostOnly(s.relativeTo))
	}
}

// httpSchemeEnds is the length of the scheme http or https (any case) that b ends in, 0
// when it ends in neither or in a longer scheme ("xhttp" is another).
func httpSchemeEnds(b []byte) int {
	n := 4
	if len(b) >= 5 && b[len(b)-1]|0x20 == 's' {
		n = 5
	}
	if len(b) < n || !bytes.EqualFold(b[len(b)-n:len(b)-n+4], []byte("http")) {
		return 0
	}
	if len(b) > n {
		if c := b[len(b)-n-1]; 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.' {
			return 0
		}
	}
	return n
}

func isSlash(c byte) bool { return c == '/' || c == '\\' }

// urlAt records the host of the URL that starts at text[start], whose authority starts
// at from, and returns where the authority ends: at a character that ends it ('/', '\\',
// '?', '#') or that ends a string or a token of code (a quote, a space, a bracket, ...).
// Tabs and newlines, which URL parsers drop, do not end it; the URL up to the first of
// them is read too. (Each byte is read by one URL at most: the scan is linear.)
func (s *hostBlockers) urlAt(text []byte, start, from int) int {
	end, cut := from, -1
	for ; end < len(text); end++ {
		c := text[end]
		if c == '\t' || c == '\n' || c == '\r' {
			if cut < 0 {
				cut = end
			}
		} else if c == '/' || c == '\\' || c == '?' || c == '#' || urlEnds(c) {
			break
		}
	}
	s.host(srcHost(string(text[start:end]), ""))
	if cut >= 0 {
		s.host(srcHost(string(text[start:cut]), ""))
	}
	return max(end, from)
}

// urlEnds: a character that ends a URL written in code or JSON.
func urlEnds(c byte) bool {
	switch c {
	case '"', '\'', '`', ' ', '\f', '\v', '<', '>', '(', ')', '{', '}', ',', ';', '|', '^', 0:
		return true
	}
	return false
}

// jsUnescape undoes JavaScript's string escapes (ECMAScript §12.9.4), which JSON's are
// a part of: \xHH, \uHHHH (a surrogate pair as one code point), \u{H…}, a line
// continuation (nothing), \b \f \n \r \t \v \0 and any other character escaped as itself.
// A malformed escape is left as its character.
func jsUnescape(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		i++
		switch c := b[i]; c {
		case 'x':
			if i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
				out = utf8.AppendRune(out, rune(unhex(b[i+1])<<4|unhex(b[i+2])))
				i += 2
			} else {
				out = append(out, c)
			}
		case 'u':
			r, n := jsUnicodeEscape(b[i+1:])
			if n == 0 {
				out = append(out, c)
				break
			}
			i += n
			if utf16IsHigh(r) && i+2 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
				if lo, m := jsUnicodeEscape(b[i+3:]); m == 4 && lo >= 0xDC00 && lo <= 0xDFFF {
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
					i += 2 + m
				}
			}
			out = utf8.AppendRune(out, r)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case '\r':
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		case '\n':
			// a line continuation
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, '\v')
		case '0':
			out = append(out, 0)
		default:
			if c == 0xE2 && i+2 < len(b) && b[i+1] == 0x80 && (b[i+2] == 0xA8 || b[i+2] == 0xA9) {
				i += 2 // U+2028, U+2029: a line continuation
				break
			}
			out = append(out, c)
		}
	}
	return out
}

func utf16IsHigh(r rune) bool { return r >= 0xD800 && r <= 0xDBFF }

// jsUnicodeEscape reads what follows "\u": four hex digits or {hex digits}; n is how many
// bytes it took, 0 when it is none.
func jsUnicodeEscape(b []byte) (r rune, n int) {
	if len(b) > 0 && b[0] == '{' {
		k := 1
		for k < len(b) && isHex(b[k]) {
			if r <= utf8.MaxRune {
				r = r<<4 | rune(unhex(b[k])) // (leading zeros are allowed, any number)
			}
			k++
		}
		if k == 1 || k >= len(b) || b[k] != '}' || r > utf8.MaxRune {
			return 0, 0
		}
		return r, k + 1
	}
	if len(b) < 4 {
		return 0, 0
	}
	for k := range 4 {
		if !isHex(b[k]) {
			return 0, 0
		}
		r = r<<4 | rune(unhex(b[k]))
	}
	return r, 4
}

// jsonStringValues calls f with every string value of one JSON text (RFC 8259, as
// JSON.parse reads it), in order, not object keys: a key written twice is no error (the
// values of both are read), and nesting has no limit but the text's length. It fails
// on anything that is not one JSON value.
func jsonStringValues(text []byte, f func(string)) error {
	dec := json.NewDecoder(bytes.NewReader(text))
	// objects[k]: whether the k-th open container is an object; key: whether the next
	// token of the innermost object is a key.
	var objects []bool
	key := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if _, isString := tok.(string); key && isString {
			key = false
			continue
		}
		switch tok := tok.(type) {
		case json.Delim:
			switch tok {
			case '{', '[':
				objects = append(objects, tok == '{')
				key = tok == '{'
				continue
			}
			objects = objects[:len(objects)-1]
		case string:
			f(tok)
		}
		// A value ended: in an object, a key comes next.
		if len(objects) == 0 {
			break
		}
		key = objects[len(objects)-1]
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("json: data after the value")
	}
	return nil
}
