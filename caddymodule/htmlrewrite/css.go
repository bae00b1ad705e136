package htmlrewrite

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// cssScanner finds the URLs a stylesheet or a style attribute would load, following the
// tokenizer of CSS Syntax Level 3 as far as it decides what is a URL: comments, strings
// (with escapes and line continuations), identifiers with escapes (so that u\72l( is
// url(), url tokens and the url() function with a string, @import with a string, and
// the strings of image-set() and -webkit-image-set(). It is pushed bytes in pieces and
// keeps its state in between, so a long <style> can be streamed through it.
//
// A URL is reported with where its text starts (after the opening quote, or at the first
// character of an unquoted url()), so that the rewriter can hold it back from there.
type cssScanner struct {
	st    cssState
	quote byte
	// ident is the identifier being read, lower-cased, escapes decoded; identLen may
	// exceed len(ident), then it matches none of the names that matter.
	ident    [24]byte
	identLen int
	// esc accumulates a hex escape: escN digits of value escV.
	escV rune
	escN int
	// context
	atImport   bool // after @import, before its URL, ; or {
	depth      int  // open parentheses
	setDepth   int  // depth of the innermost image-set(), 0 when none
	srcDepth   int  // depth of an open url() or src() function whose string is a URL
	afterIdent bool
	// tail is the identifier at the end of the previous piece (tailN may exceed its
	// length), tailPrev the byte before it.
	tail     [24]byte
	tailN    int
	tailPrev byte
	// the URL being read
	inURL     bool
	imported  bool // it is @import's
	urlStart  int64
	buf       []byte
	maxURL    int
	truncated bool
}

type cssState uint8

const (
	cssNormal cssState = iota
	cssSlash           // after '/'
	cssComment
	cssCommentStar
	cssString
	cssStringEsc // after '\' in a string
	cssStringHex // in a hex escape in a string
	cssIdent
	cssIdentEsc // after '\' in an identifier
	cssIdentHex
	cssAt        // after '@'
	cssURLSpace  // after "url(": whitespace before the URL or a quote
	cssURL       // in an unquoted url
	cssURLEsc    // after '\' in an unquoted url
	cssURLHex    // in a hex escape in an unquoted url
	cssURLEnd    // whitespace after an unquoted url, before ')'
	cssBadURL    // the remnants of a bad url, to ')'
	cssBadURLEsc // after '\' in the remnants of a bad url
	cssMinus     // after '-': an identifier may follow
)

// cssEvents receives what a cssScanner finds.
type cssEvents interface {
	// urlStart: the text of a URL starts at the absolute offset at.
	urlStart(at int64)
	// urlEnd: a URL ended before the absolute offset end (-1: at the end of the
	// text); url is its decoded text (valid during the call); imported: of @import.
	urlEnd(url []byte, start, end int64, imported bool)
}

func (c *cssScanner) reset(maxURL int) {
	*c = cssScanner{buf: c.buf[:0], maxURL: maxURL}
}

func isCSSSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f'
}

func isIdentChar(b byte) bool {
	return isAlnum(b) || b == '-' || b == '_' || b >= 0x80
}

func (c *cssScanner) identAdd(r rune) {
	if r < utf8.RuneSelf {
		if c.identLen < len(c.ident) {
			c.ident[c.identLen] = lower(byte(r))
		}
		c.identLen++
		return
	}
	c.identLen += len(c.ident) + 1 // non-ASCII: none of ours
}

func (c *cssScanner) identIs(s string) bool {
	return c.identLen == len(s) && string(c.ident[:len(s)]) == s
}

func (c *cssScanner) beginURL(at int64, ev cssEvents) {
	c.inURL = true
	c.imported = c.atImport
	c.urlStart = at
	c.buf = c.buf[:0]
	c.truncated = false
	if ev != nil {
		ev.urlStart(at)
	}
}

// urlAdd adds a character of the source to the URL: bytes as they are (UTF-8 or not),
// NUL as U+FFFD.
func (c *cssScanner) urlAdd(b byte) {
	if !c.inURL {
		return
	}
	if len(c.buf) >= c.maxURL {
		c.truncated = true
		return
	}
	if b == 0 {
		c.buf = append(c.buf, "\uFFFD"...)
		return
	}
	c.buf = append(c.buf, b)
}

// urlAddRune adds the code point of an escape to the URL.
func (c *cssScanner) urlAddRune(r rune) {
	if !c.inURL || len(c.buf) >= c.maxURL {
		return
	}
	if r == 0 {
		r = utf8.RuneError
	}
	c.buf = utf8.AppendRune(c.buf, r)
}

func (c *cssScanner) endURL(ev cssEvents, end int64) {
	if !c.inURL {
		return
	}
	c.inURL = false
	if ev != nil {
		ev.urlEnd(c.buf, c.urlStart, end, c.imported)
	}
	if c.atImport {
		c.atImport = false
	}
}

// hexEscape ends a hex escape and returns its code point.
func (c *cssScanner) hexEscape() rune {
	v := c.escV
	if v == 0 || v > utf8.MaxRune || v >= 0xD800 && v <= 0xDFFF {
		v = utf8.RuneError
	}
	c.escV, c.escN = 0, 0
	return v
}

func hexVal(b byte) (rune, bool) {
	switch {
	case isDigit(b):
		return rune(b - '0'), true
	case isHexLetter(b):
		return rune(b|0x20-'a') + 10, true
	}
	return 0, false
}

// stringIsURL reports whether a string starting now is a URL.
func (c *cssScanner) stringIsURL() bool {
	return c.atImport || c.srcDepth != 0 && c.srcDepth == c.depth || c.setDepth != 0 && c.setDepth == c.depth
}

// feed scans b, whose first byte is at absolute offset off, and reports URLs to ev.
func (c *cssScanner) feed(b []byte, off int64, ev cssEvents) {
	next := newCSSNext()
	for i := 0; i < len(b); i++ {
		ch := b[i]
		switch c.st {
		case cssNormal:
			// Most bytes of a stylesheet: skip what cannot start anything. The name
			// of a function is found by looking back from its '('.
			if m := c.stops(); m == stopAlways {
				i = next.skip(b, i)
			} else {
				for i < len(b) && cssStop[b[i]]&m == 0 {
					i++
				}
			}
			if i == len(b) {
				c.keepTail(b)
				return
			}
			c.normal(b, i, off, ev)
		case cssMinus:
			c.st = cssNormal
			if isIdentChar(ch) || ch == '\\' {
				c.identLen = 0
				c.identAdd('-')
				c.st = cssIdent
				i--
				continue
			}
			i--
		case cssSlash:
			if ch == '*' {
				c.st = cssComment
				continue
			}
			c.st = cssNormal
			i--
		case cssComment:
			if ch != '*' {
				j := bytes.IndexByte(b[i:], '*')
				if j < 0 {
					return
				}
				i += j
			}
			c.st = cssCommentStar
		case cssCommentStar:
			switch ch {
			case '/':
				c.st = cssNormal
			case '*':
			default:
				c.st = cssComment
			}
		case cssString:
			switch ch {
			case c.quote:
				c.st = cssNormal
				c.endURL(ev, off+int64(i))
			case '\\':
				c.st = cssStringEsc
			case '\n', '\r', '\f':
				// A bad string: it ends here and is no URL (nor is the rest of a
				// url() it was the argument of).
				c.inURL = false
				if c.srcDepth == c.depth {
					c.srcDepth = 0
				}
				c.st = cssNormal
				i--
			default:
				// The rest of a run of plain characters at once.
				j := i + 1
				for j < len(b) && !cssStringStop[b[j]] {
					j++
				}
				if c.inURL {
					if ch == 0 {
						c.urlAdd(0)
						j = i + 1
					} else {
						c.urlAddRun(b[i:j])
					}
				}
				i = j - 1
			}
		case cssStringEsc:
			switch {
			case ch == '\n' || ch == '\f':
				c.st = cssString
			case ch == '\r':
				c.st = cssString
				if i+1 < len(b) && b[i+1] == '\n' {
					i++
				}
			default:
				if v, ok := hexVal(ch); ok {
					c.escV, c.escN = v, 1
					c.st = cssStringHex
				} else {
					c.urlAdd(ch)
					c.st = cssString
				}
			}
		case cssStringHex, cssIdentHex, cssURLHex:
			if v, ok := hexVal(ch); ok && c.escN < 6 {
				c.escV = c.escV*16 + v
				c.escN++
				continue
			}
			r := c.hexEscape()
			switch c.st {
			case cssStringHex:
				c.urlAddRune(r)
				c.st = cssString
			case cssIdentHex:
				c.identAdd(r)
				c.st = cssIdent
			default:
				c.urlAddRune(r)
				c.st = cssURL
			}
			if !isCSSSpace(ch) {
				i-- // one whitespace after the escape belongs to it
			} else if ch == '\r' && i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		case cssIdent:
			switch {
			case isIdentChar(ch):
				c.identAdd(rune(ch))
			case ch == '\\':
				c.st = cssIdentEsc
			case ch == '(':
				c.function(off+int64(i), ev)
			default:
				if c.afterIdent {
					c.atKeyword()
				}
				c.st = cssNormal
				c.afterIdent = false
				i--
			}
		case cssIdentEsc:
			if ch == '\n' || ch == '\r' || ch == '\f' {
				// Not an escape: the identifier ended before the backslash.
				c.st = cssNormal
				i--
				continue
			}
			if v, ok := hexVal(ch); ok {
				c.escV, c.escN = v, 1
				c.st = cssIdentHex
			} else {
				c.identAdd(rune(ch))
				c.st = cssIdent
			}
		case cssAt:
			c.st = cssNormal
			if isIdentChar(ch) || ch == '\\' {
				c.identLen = 0
				c.st = cssIdent
				c.afterIdent = true // an at-keyword: see function and normal
				i--
			} else {
				i--
			}
		case cssURLSpace:
			switch {
			case isCSSSpace(ch):
			case ch == '"' || ch == '\'':
				// url("...") is a function whose string is the URL.
				c.depth++
				c.srcDepth = c.depth
				c.st = cssNormal
				i--
			case ch == ')':
				c.beginURL(off+int64(i), ev)
				c.endURL(ev, off+int64(i))
				c.st = cssNormal
			default:
				c.beginURL(off+int64(i), ev)
				c.st = cssURL
				i--
			}
		case cssURL:
			switch {
			case ch == ')':
				c.endURL(ev, off+int64(i))
				c.st = cssNormal
			case isCSSSpace(ch):
				c.st = cssURLEnd
			case ch == '\\':
				c.st = cssURLEsc
			case ch == '"' || ch == '\'' || ch == '(' || ch < 0x20 && ch != '\t' && ch != 0 || ch == 0x7f:
				// A bad url: browsers load nothing, but what was read is reported.
				c.endURL(ev, off+int64(i))
				c.st = cssBadURL
			default:
				c.urlAdd(ch)
			}
		case cssURLEsc:
			if ch == '\n' || ch == '\r' || ch == '\f' {
				c.endURL(ev, off+int64(i))
				c.st = cssBadURL
				continue
			}
			if v, ok := hexVal(ch); ok {
				c.escV, c.escN = v, 1
				c.st = cssURLHex
			} else {
				c.urlAdd(ch)
				c.st = cssURL
			}
		case cssURLEnd:
			switch {
			case isCSSSpace(ch):
			case ch == ')':
				c.endURL(ev, off+int64(i))
				c.st = cssNormal
			default:
				c.endURL(ev, off+int64(i))
				c.st = cssBadURL
				i--
			}
		case cssBadURL:
			switch ch {
			case ')':
				c.st = cssNormal
			case '\\':
				c.st = cssBadURLEsc
			}
		case cssBadURLEsc:
			c.st = cssBadURL
		}
	}
}

// cssStop marks the bytes that may start something that matters; identifiers are not
// among them (see normal). ')' matters only in a function that is followed (stopParen),
// ';' and '{' only after @import (stopImport).
var cssStop = func() (t [256]uint8) {
	for _, b := range cssAlways {
		t[b] = stopAlways
	}
	t[')'] = stopParen
	t[';'], t['{'] = stopImport, stopImport
	return t
}()

const (
	stopAlways uint8 = 1 << iota
	stopParen
	stopImport
)

// cssNext finds the next stopAlways byte of cssStop in one piece fed to the scanner.
// In a stylesheet these bytes are a few in a thousand (one in 380 in the 531 KB of
// breitbart.html's inline styles), and skipping to them was the scanner's whole cost:
// the next 8 bytes are looked at in a word (stops often come close together), and past
// them each stop byte's next position is found with bytes.IndexByte (vector
// instructions) and kept until the scan has passed it, so a piece is searched about
// once per stop byte rather than byte by byte.
type cssNext [len(cssAlways)]int

// cssAlways are the bytes that may always start something that matters (cssStop's
// stopAlways; cssAlwaysStops looks for the same in a word).
var cssAlways = [...]byte{'/', '"', '\'', '\\', '(', '@'}

// newCSSNext is a cssNext for a new piece: no position known.
func newCSSNext() cssNext { return cssNext{-1, -1, -1, -1, -1, -1} }

// skip returns the index of the first stopAlways byte of b at or after i, len(b) when
// there is none. b must be the same piece on every call, and i never smaller than before.
func (n *cssNext) skip(b []byte, i int) int {
	if i+8 <= len(b) {
		if m := cssAlwaysStops(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		i += 8
	}
	next := len(b)
	for k, p := range n {
		if p < i {
			p = len(b)
			if j := bytes.IndexByte(b[i:], cssAlways[k]); j >= 0 {
				p = i + j
			}
			n[k] = p
		}
		next = min(next, p)
	}
	return next
}

// cssAlwaysStops marks (in the high bit of each byte) the bytes of x that are
// stopAlways in cssStop: / " ' \ ( @. Only the lowest mark is exact, which is the one
// wanted.
func cssAlwaysStops(x uint64) uint64 {
	slash, dq, sq := x^('/'*lo8), x^('"'*lo8), x^('\''*lo8)
	bs, paren, at := x^('\\'*lo8), x^('('*lo8), x^('@'*lo8)
	return ((slash-lo8)&^slash | (dq-lo8)&^dq | (sq-lo8)&^sq |
		(bs-lo8)&^bs | (paren-lo8)&^paren | (at-lo8)&^at) & hi8
}

// stops is the mask of cssStop that applies now.
func (c *cssScanner) stops() uint8 {
	m := stopAlways
	if c.depth > 0 {
		m |= stopParen
	}
	if c.atImport {
		m |= stopImport
	}
	return m
}

// cssStringStop marks the bytes a string cannot just take.
var cssStringStop = func() (t [256]bool) {
	for _, b := range []byte("\"'\\\n\r\f\x00") {
		t[b] = true
	}
	return t
}()

func (c *cssScanner) urlAddRun(b []byte) {
	if room := c.maxURL - len(c.buf); len(b) > room {
		b = b[:max(room, 0)]
		c.truncated = true
	}
	c.buf = append(c.buf, b...)
}

// keepTail keeps the identifier characters at the end of b (with those kept before, if
// b is all identifier), for a '(' or '\\' at the start of the next piece to look back at.
func (c *cssScanner) keepTail(b []byte) {
	k := len(b)
	for k > 0 && isIdentChar(b[k-1]) {
		k--
	}
	if k > 0 {
		c.tailN, c.tailPrev = 0, b[k-1]
	}
	for _, ch := range b[k:] {
		if c.tailN < len(c.tail) {
			c.tail[c.tailN] = lower(ch)
		}
		c.tailN++
	}
}

// identBefore reads the identifier that ends just before b[i] (continuing the kept tail
// when it starts b) into c.ident, and returns the byte before it (0 if unknown).
func (c *cssScanner) identBefore(b []byte, i int) byte {
	k := i
	for k > 0 && isIdentChar(b[k-1]) && i-k <= len(c.ident) {
		k--
	}
	c.identLen = 0
	prev := byte(0)
	switch {
	case k > 0:
		prev = b[k-1]
	case c.tailN > 0:
		for _, ch := range c.tail[:min(c.tailN, len(c.tail))] {
			c.identAdd(rune(ch))
		}
		if c.tailN > len(c.tail) {
			c.identLen += len(c.ident) + 1
		}
		prev = c.tailPrev
	default:
		prev = c.tailPrev
	}
	for _, ch := range b[k:i] {
		c.identAdd(rune(ch))
	}
	return prev
}

// normal handles a byte that may start a token that matters, at b[i].
func (c *cssScanner) normal(b []byte, i int, off int64, ev cssEvents) {
	at := off + int64(i)
	ch := b[i]
	defer func() { c.tailN, c.tailPrev = 0, ch }()
	switch ch {
	case '/':
		c.st = cssSlash
	case '"', '\'':
		c.quote = ch
		c.st = cssString
		if c.stringIsURL() {
			c.beginURL(at+1, ev)
		}
	case '\\':
		// An escape in an identifier (or one that starts it): read it the slow way,
		// with what came before it.
		if c.identBefore(b, i) == '@' {
			c.afterIdent = true
		} else {
			c.afterIdent = false
		}
		c.st = cssIdentEsc
	case '(':
		if c.identBefore(b, i) == '@' || c.identLen == 0 {
			if c.depth > 0 {
				c.depth++
			}
			return
		}
		c.function(at, ev)
	case ')':
		if c.depth > 0 {
			if c.depth == c.setDepth {
				c.setDepth = 0
			}
			if c.depth == c.srcDepth {
				c.srcDepth = 0
			}
			c.depth--
		}
	case '@':
		c.st = cssAt
	case ';', '{':
		c.atImport = false
	}
}

// function handles '(' after an identifier.
func (c *cssScanner) function(at int64, ev cssEvents) {
	c.st = cssNormal
	// Parentheses are counted only inside the functions whose strings are URLs.
	if c.afterIdent {
		// "@name(" is not a function.
		c.afterIdent = false
		if c.depth > 0 {
			c.depth++
		}
		return
	}
	switch {
	case c.identIs("url"):
		c.st = cssURLSpace
	case c.identIs("src"):
		c.depth++
		c.srcDepth = c.depth
	case c.identIs("image-set") || c.identIs("-webkit-image-set"):
		c.depth++
		c.setDepth = c.depth
	default:
		if c.depth > 0 {
			c.depth++
		}
	}
}

// atKeyword is called when an at-keyword's name ends.
func (c *cssScanner) atKeyword() {
	if c.identIs("import") {
		c.atImport = true
	}
}

// finish ends the scan at the end of the text: an open URL ends there.
func (c *cssScanner) finish(ev cssEvents) {
	switch c.st {
	case cssStringHex, cssURLHex:
		c.urlAddRune(c.hexEscape())
	}
	if c.inURL {
		c.endURL(ev, -1)
	}
}
