package htmlrewrite

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math/bits"
)

// state is a tokenizer state of the HTML Living Standard (13.2.5), merged where the
// difference cannot move a tag boundary: DOCTYPE is scanned as a bogus comment (both end
// at the first '>'), RCDATA as RAWTEXT, and the comment states that only report parse
// errors are left out.
type state uint8

const (
	sData state = iota
	sTagOpen
	sEndTagOpen
	sTagName
	sBeforeAttrName
	sAttrName
	sAfterAttrName
	sBeforeAttrValue
	sAttrValueDQ
	sAttrValueSQ
	sAttrValueUnq
	sAfterAttrValueQ
	sSelfClosing
	sMarkupDecl
	sCommentStart
	sCommentStartDash
	sComment
	sCommentEndDash
	sCommentEnd
	sCommentEndBang
	sBogusComment
	sCDATA
	sCDATABracket
	sCDATAEnd
	sRawText
	sRawLT
	sRawEndName
	sScript
	sScriptLT
	sScriptEndName
	sScriptEscStart
	sScriptEscStartDash
	sScriptEsc
	sScriptEscDash
	sScriptEscDashDash
	sScriptEscLT
	sScriptEscEndName
	sScriptDblEscStart
	sScriptDblEsc
	sScriptDblEscDash
	sScriptDblEscDashDash
	sScriptDblEscLT
	sScriptDblEscEnd
	sPlaintext
)

type tokenizer struct {
	state       state
	isEnd       bool
	selfClosing bool
	foreign     bool // the start tag being scanned is foreign content
	cdata       bool // sMarkupDecl: matching "[CDATA[" rather than "--"
	id          tagID
	key         uint64 // the name's identity on the stack of open elements; 0: none
	nameLen     int    // may exceed len(name): then only the hashes know the whole name
	name        [16]byte
	hash        uint64 // FNV-1a, for the table of known names
	mh          maphash.Hash
	k           int    // characters of the awaited name matched so far
	rawName     string // the raw-text element whose end tag is awaited
}

func (t *tokenizer) resetName() {
	t.nameLen = 0
	t.hash = fnvOffset
	t.mh.Reset()
}

// addName adds a character of a tag name, lower-cased; NUL is U+FFFD in the name, as
// the tokenizer of the standard makes it.
func (t *tokenizer) addName(c byte) {
	if c == 0 {
		t.addName(0xEF)
		t.addName(0xBF)
		t.addName(0xBD)
		return
	}
	c = lower(c)
	if t.nameLen < len(t.name) {
		t.name[t.nameLen] = c
	}
	t.nameLen++
	t.hash = (t.hash ^ uint64(c)) * fnvPrime
	t.mh.WriteByte(c)
}

// nameID looks the name read up to now up.
func (t *tokenizer) nameID() {
	if t.nameLen > len(t.name) {
		t.id = tOther
	} else {
		t.id = lookupTag(t.hash, t.name[:t.nameLen])
	}
	t.key = nameKey(t.id, t.name[:], t.nameLen, &t.mh)
}

// Character classes for the tokenizer's inner loops.
const (
	cSpace       = 1 << iota // \t \n \f \r and space
	cTagNameEnd              // space / >
	cAttrNameEnd             // space / > =
	cUnquotedEnd             // space >
)

var class = func() (c [256]uint8) {
	for _, b := range []byte("\t\n\f\r ") {
		c[b] = cSpace | cTagNameEnd | cAttrNameEnd | cUnquotedEnd
	}
	c['/'] = cTagNameEnd | cAttrNameEnd
	c['>'] = cTagNameEnd | cAttrNameEnd | cUnquotedEnd
	c['='] = cAttrNameEnd
	c[0] = cNUL
	return c
}()

const cNUL = 1 << 4 // in a tag name: U+FFFD, which only the state machine spells out

// wantCapture reports whether a tag starting now may need holding back: for an
// insertion, for Block, or for the attributes the tree builder or Doc depend on.
func (r *Rewriter) wantCapture() bool {
	return r.headIn || r.bodyIn || r.block != nil || r.tree.inForeign() || r.tree.framesetOK ||
		!r.langDone || !r.baseDone
}

// scan runs the tokenizer over p[i:end] and returns where it stopped: at end, or just
// after the start tag of a noscript, which the next scan must watch for its end.
func (r *Rewriter) scan(p []byte, i, end int) int {
	t := &r.tok
	// Nothing past end is looked at or written; the shorter slice lets the compiler
	// drop bounds checks.
	p = p[:end]
	for i < end {
		switch t.state {
		case sData:
			// Tags often follow each other: look at the next byte before searching.
			if p[i] != '<' {
				j := indexShort(p[i+1:end], '<')
				if r.textHook() {
					k := end
					if j >= 0 {
						k = i + 1 + j
					}
					r.text(p[i:k])
				}
				if j < 0 {
					return end
				}
				i += j + 1
			}
			if next, ok, stop := r.fastTag(p, i); ok {
				// A tag ends a run of text (references do not reach across it).
				if r.pend.active {
					r.textBreak()
				}
				i = next
				if stop {
					return i
				}
				continue
			}
			i++
			t.state = sTagOpen
			if r.wantCapture() {
				r.beginCapture(i-1, capName)
				if lim, _ := r.limit(); lim < end {
					end = lim
					p = p[:end]
				}
			}

		case sTagOpen:
			c := p[i]
			switch {
			case isAlpha(c):
				t.isEnd = false
				t.resetName()
				t.state = sTagName
				r.textBreak()
			case c == '!':
				i++
				t.state = sMarkupDecl
				t.k = 0
				r.release()
				r.textBreak()
			case c == '/':
				i++
				t.state = sEndTagOpen
			case c == '?':
				t.state = sBogusComment
				r.release()
				r.textBreak()
			default:
				t.state = sData
				r.release()
				if r.textHook() {
					r.text([]byte{'<'})
				}
			}

		case sEndTagOpen:
			c := p[i]
			switch {
			case isAlpha(c):
				t.isEnd = true
				t.resetName()
				t.state = sTagName
				if r.capturing && (!r.bodyIn || r.noscr.active) {
					r.release()
				}
				r.textBreak()
			case c == '>':
				// "</>" is dropped by browsers: nothing to find in it.
				i++
				t.state = sData
				r.release()
			default:
				t.state = sBogusComment
				r.release()
				r.textBreak()
			}

		case sTagName:
			for i < end {
				c := p[i]
				if class[c]&cTagNameEnd != 0 {
					break
				}
				t.addName(c)
				i++
			}
			if i == end {
				return i
			}
			r.nameDone(p, i)

		case sBeforeAttrName:
			if r.tail.blocked || r.tail.checked {
				// The rest of a long tag: each attribute is looked at (longtag.go).
				for i < end && class[p[i]]&cSpace != 0 {
					i++
				}
				if i == end {
					return i
				}
				switch p[i] {
				case '/':
					i++
					t.state = sSelfClosing
				case '>':
					i++
					if r.tagEnd(p, i) {
						return i
					}
				default:
					if !r.capturing {
						r.beginCapture(i, capAttr)
					}
					if lim, _ := r.limit(); lim < end {
						end = lim
						p = p[:end]
					}
					i++ // the first character, even '=', belongs to the name
					t.state = sAttrName
				}
				continue
			}
			var st state
			var sc bool
			if i, st, sc = tagRest(p, i); st != sData {
				t.state = st
				return i
			}
			t.selfClosing = sc
			if r.tagEnd(p, i) {
				return i
			}

		case sAttrName:
			for i < end && class[p[i]]&cAttrNameEnd == 0 {
				i++
			}
			if i == end {
				return i
			}
			if r.capturing && r.capWhy == capAttr {
				r.attrNameEnd(p, i)
			}
			if p[i] == '=' {
				i++
				t.state = sBeforeAttrValue
			} else {
				t.state = sAfterAttrName
			}

		case sAfterAttrName:
			for i < end && class[p[i]]&cSpace != 0 {
				i++
			}
			if i == end {
				return i
			}
			if p[i] != '=' && r.attrHeld() {
				r.tailAttrEnd(p, i)
			}
			switch p[i] {
			case '/':
				i++
				t.state = sSelfClosing
			case '=':
				i++
				t.state = sBeforeAttrValue
			case '>':
				i++
				if r.tagEnd(p, i) {
					return i
				}
			default:
				t.state = sBeforeAttrName
			}

		case sBeforeAttrValue:
			for i < end && class[p[i]]&cSpace != 0 {
				i++
			}
			if i == end {
				return i
			}
			switch p[i] {
			case '"':
				i++
				t.state = sAttrValueDQ
			case '\'':
				i++
				t.state = sAttrValueSQ
			case '>':
				if r.attrHeld() {
					r.tailAttrEnd(p, i)
				}
				i++
				if r.tagEnd(p, i) {
					return i
				}
			default:
				t.state = sAttrValueUnq
			}

		case sAttrValueDQ, sAttrValueSQ:
			q := byte('"')
			if t.state == sAttrValueSQ {
				q = '\''
			}
			j := indexShort(p[i:end], q)
			if j < 0 {
				return end
			}
			i += j + 1
			t.state = sAfterAttrValueQ
			if r.attrHeld() {
				r.tailAttrEnd(p, i)
			}

		case sAttrValueUnq:
			for i < end && class[p[i]]&cUnquotedEnd == 0 {
				i++
			}
			if i == end {
				return i
			}
			if r.attrHeld() {
				r.tailAttrEnd(p, i)
			}
			i++
			if p[i-1] == '>' {
				if r.tagEnd(p, i) {
					return i
				}
				continue
			}
			t.state = sBeforeAttrName

		case sAfterAttrValueQ:
			switch c := p[i]; {
			case isSpace(c):
				i++
				t.state = sBeforeAttrName
			case c == '/':
				i++
				t.state = sSelfClosing
			case c == '>':
				i++
				if r.tagEnd(p, i) {
					return i
				}
			default:
				t.state = sBeforeAttrName
			}

		case sSelfClosing:
			if p[i] == '>' {
				i++
				t.selfClosing = true
				if r.tagEnd(p, i) {
					return i
				}
				continue
			}
			t.state = sBeforeAttrName

		case sMarkupDecl:
			c := p[i]
			switch {
			case t.k == 0 && c == '-':
				t.cdata = false
				t.k = 1
				i++
			case t.k == 0 && c == '[' && r.tree.inForeign():
				t.cdata = true
				t.k = 1
				i++
			case t.k == 0:
				t.state = sBogusComment
			case !t.cdata:
				if c == '-' {
					i++
					t.state = sCommentStart
				} else {
					t.state = sBogusComment
				}
			case c == "[CDATA["[t.k]:
				i++
				t.k++
				if t.k == len("[CDATA[") {
					t.state = sCDATA
					r.textBreak()
				}
			default:
				t.state = sBogusComment
			}

		case sBogusComment:
			j := bytes.IndexByte(p[i:end], '>')
			if j < 0 {
				return end
			}
			i += j + 1
			t.state = sData

		case sCommentStart, sCommentStartDash:
			switch p[i] {
			case '-':
				i++
				if t.state == sCommentStart {
					t.state = sCommentStartDash
				} else {
					t.state = sCommentEnd
				}
			case '>':
				// <!--> and <!---> are whole comments.
				i++
				t.state = sData
			default:
				t.state = sComment
			}

		case sComment:
			j := bytes.IndexByte(p[i:end], '-')
			if j < 0 {
				return end
			}
			i += j + 1
			t.state = sCommentEndDash

		case sCommentEndDash:
			if p[i] == '-' {
				i++
				t.state = sCommentEnd
			} else {
				t.state = sComment
			}

		case sCommentEnd:
			switch p[i] {
			case '>':
				i++
				t.state = sData
			case '!':
				i++
				t.state = sCommentEndBang
			case '-':
				i++
			default:
				t.state = sComment
			}

		case sCommentEndBang:
			switch p[i] {
			case '-':
				i++
				t.state = sCommentEndDash
			case '>':
				// --!> ends a comment too.
				i++
				t.state = sData
			default:
				t.state = sComment
			}

		case sCDATA:
			j := bytes.IndexByte(p[i:end], ']')
			if r.pend.active {
				k := end
				if j >= 0 {
					k = i + j
				}
				r.pend.addCDATA(p[i:k])
			}
			if j < 0 {
				return end
			}
			i += j + 1
			t.state = sCDATABracket

		case sCDATABracket:
			if p[i] == ']' {
				i++
				t.state = sCDATAEnd
			} else {
				r.pend.addCDATA([]byte{']'})
				t.state = sCDATA
			}

		case sCDATAEnd:
			switch p[i] {
			case ']':
				r.pend.addCDATA([]byte{']'})
				i++
			case '>':
				i++
				t.state = sData
				r.textBreak()
			default:
				r.pend.addCDATA([]byte("]]"))
				t.state = sCDATA
			}

		case sRawText:
			j := bytes.IndexByte(p[i:end], '<')
			k := end
			if j >= 0 {
				k = i + j + 1
			}
			if r.raw.cssOn {
				// A style's text is shown to the CSS scanner as it goes; it may
				// start holding a URL, which bounds how far it may go at once.
				if got := r.cssText(p, i, k); got < k {
					return got
				}
			}
			if j < 0 {
				return end
			}
			i += j + 1
			t.state = sRawLT

		case sRawLT:
			if p[i] == '/' {
				if r.raw.cssOn && r.cssText(p, i, i+1) == i {
					return i
				}
				i++
				t.k = 0
				t.state = sRawEndName
			} else {
				t.state = sRawText
			}

		case sRawEndName:
			c := p[i]
			if t.k < len(t.rawName) {
				if lower(c) == t.rawName[t.k] {
					if r.raw.cssOn && r.cssText(p, i, i+1) == i {
						return i
					}
					t.k++
					i++
				} else {
					t.state = sRawText
				}
				continue
			}
			if isSpace(c) || c == '/' || c == '>' {
				if t.rawName == "style" {
					r.styleEnd(p, i)
				}
				t.rawEndTag()
			} else {
				t.state = sRawText
			}

		case sScript:
			j := bytes.IndexByte(p[i:end], '<')
			if j < 0 {
				return end
			}
			i += j + 1
			t.state = sScriptLT

		case sScriptLT:
			switch p[i] {
			case '/':
				i++
				t.k = 0
				t.state = sScriptEndName
			case '!':
				i++
				t.state = sScriptEscStart
			default:
				t.state = sScript
			}

		case sScriptEndName, sScriptEscEndName:
			c := p[i]
			back := sScript
			if t.state == sScriptEscEndName {
				back = sScriptEsc
			}
			if t.k < len("script") {
				if lower(c) == "script"[t.k] {
					t.k++
					i++
				} else {
					t.state = back
				}
				continue
			}
			if isSpace(c) || c == '/' || c == '>' {
				r.scriptEnd(p, i)
			} else {
				t.state = back
			}

		case sScriptEscStart, sScriptEscStartDash:
			if p[i] != '-' {
				t.state = sScript
				continue
			}
			i++
			if t.state == sScriptEscStart {
				t.state = sScriptEscStartDash
			} else {
				t.state = sScriptEscDashDash
			}

		case sScriptEsc, sScriptDblEsc:
			for i < end {
				c := p[i]
				if c == '-' || c == '<' {
					break
				}
				i++
			}
			if i == end {
				return i
			}
			dbl := t.state == sScriptDblEsc
			switch {
			case p[i] == '-' && dbl:
				t.state = sScriptDblEscDash
			case p[i] == '-':
				t.state = sScriptEscDash
			case dbl:
				t.state = sScriptDblEscLT
			default:
				t.state = sScriptEscLT
			}
			i++

		case sScriptEscDash, sScriptEscDashDash:
			switch p[i] {
			case '-':
				t.state = sScriptEscDashDash
			case '<':
				t.state = sScriptEscLT
			case '>':
				if t.state == sScriptEscDashDash {
					t.state = sScript
				} else {
					t.state = sScriptEsc
				}
			default:
				t.state = sScriptEsc
			}
			i++

		case sScriptDblEscDash, sScriptDblEscDashDash:
			switch p[i] {
			case '-':
				t.state = sScriptDblEscDashDash
			case '<':
				t.state = sScriptDblEscLT
			case '>':
				if t.state == sScriptDblEscDashDash {
					t.state = sScript
				} else {
					t.state = sScriptDblEsc
				}
			default:
				t.state = sScriptDblEsc
			}
			i++

		case sScriptEscLT:
			c := p[i]
			switch {
			case c == '/':
				i++
				t.k = 0
				t.state = sScriptEscEndName
			case isAlpha(c):
				t.k = 0
				t.state = sScriptDblEscStart
			default:
				t.state = sScriptEsc
			}

		case sScriptDblEscLT:
			if p[i] == '/' {
				i++
				t.k = 0
				t.state = sScriptDblEscEnd
			} else {
				t.state = sScriptDblEsc
			}

		case sScriptDblEscStart, sScriptDblEscEnd:
			c := p[i]
			start := t.state == sScriptDblEscStart
			switch {
			case isSpace(c) || c == '/' || c == '>':
				i++
				// "<script" enters the double-escaped state, "</script" leaves it.
				if (t.k == len("script")) == start {
					t.state = sScriptDblEsc
				} else {
					t.state = sScriptEsc
				}
			case isAlpha(c):
				i++
				if t.k < len("script") && lower(c) == "script"[t.k] {
					t.k++
				} else {
					t.k = len("script") + 1
				}
			case start:
				t.state = sScriptEsc
			default:
				t.state = sScriptDblEsc
			}

		case sPlaintext:
			return end
		}
	}
	return i
}

// tagRest scans the attributes of a tag from the before-attribute-name state, for as
// long as it can without going back to the state switch. It returns the index after the
// '>' that ends the tag and st == sData, or end and the state to resume in.
func tagRest(p []byte, i int) (next int, st state, selfClosing bool) {
	next, st, selfClosing, _ = tagRestBits(p, i)
	return
}

// Attribute names tagRestBits notes, whatever element they are on.
const (
	aStyle      = 1 << iota // style: CSS that may load
	aBackground             // background: a legacy image URL
	aPing                   // ping: URLs a link sends to
)

// tagRestBits is tagRest that also notes which of the attribute names that load on
// any element the tag has (the aStyle, aBackground and aPing bits).
func tagRestBits(p []byte, i int) (next int, st state, selfClosing bool, names uint8) {
	for {
		// Before attribute name; after a quoted value the same rules apply.
		for i < len(p) && class[p[i]]&cSpace != 0 {
			i++
		}
		if i == len(p) {
			return i, sBeforeAttrName, false, names
		}
		switch p[i] {
		case '>':
			return i + 1, sData, false, names
		case '/':
			i++
			if i == len(p) {
				return i, sSelfClosing, false, names
			}
			if p[i] == '>' {
				return i + 1, sData, true, names
			}
			continue
		}
		// Attribute name; its first character may be '='. Read 8 bytes at a time.
		ns := i
		i++
		for i+8 <= len(p) {
			m := attrNameEnds(binary.LittleEndian.Uint64(p[i:]))
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) / 8
			if class[p[i]]&cAttrNameEnd != 0 {
				break
			}
			i++ // a control character: part of the name
		}
		for i < len(p) && class[p[i]]&cAttrNameEnd == 0 {
			i++
		}
		switch i - ns {
		case 5:
			if eqFold(p[ns:i], "style") {
				names |= aStyle
			}
		case 10:
			if eqFold(p[ns:i], "background") {
				names |= aBackground
			}
		case 4:
			if eqFold(p[ns:i], "ping") {
				names |= aPing
			}
		}
		nameEnd := i
		for i < len(p) && class[p[i]]&cSpace != 0 {
			i++
		}
		if i == len(p) {
			if i == nameEnd {
				// The name may go on: a long tag's rest is read by attribute
				// (longtag.go), so the state must say so.
				return i, sAttrName, false, names
			}
			return i, sAfterAttrName, false, names
		}
		if p[i] != '=' {
			continue // '>', '/' or the next attribute's name
		}
		// Before attribute value.
		i++
		for i < len(p) && class[p[i]]&cSpace != 0 {
			i++
		}
		if i == len(p) {
			return i, sBeforeAttrValue, false, names
		}
		switch q := p[i]; q {
		case '"', '\'':
			j := indexShort(p[i+1:], q)
			if j < 0 {
				if q == '\'' {
					return len(p), sAttrValueSQ, false, names
				}
				return len(p), sAttrValueDQ, false, names
			}
			i += j + 2
		case '>':
			return i + 1, sData, false, names
		default:
			for i < len(p) && class[p[i]]&cUnquotedEnd == 0 {
				i++
			}
			if i == len(p) {
				return i, sAttrValueUnq, false, names
			}
			if p[i] == '>' {
				return i + 1, sData, false, names
			}
		}
	}
}

// indexShort is bytes.IndexByte for searches that often end within a few bytes, where
// the call costs more than the search: it looks at the first 16 bytes 8 at a time in a
// word, and leaves longer searches to bytes.IndexByte (vector instructions).
func indexShort(b []byte, c byte) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	cc := uint64(c) * lo
	i := 0
	for ; i+8 <= len(b) && i < 16; i += 8 {
		x := binary.LittleEndian.Uint64(b[i:]) ^ cc
		if m := (x - lo) &^ x & hi; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	if i+8 <= len(b) {
		if j := bytes.IndexByte(b[i:], c); j >= 0 {
			return i + j
		}
		return -1
	}
	for ; i < len(b); i++ {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// attrNameEnds marks the bytes of x that may end an attribute name: '/', '>', '=' and
// those up to 0x20; only the lowest mark is exact.
func attrNameEnds(x uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	le20 := (x - 0x21*lo) &^ x & hi
	slash, gt, eq := x^('/'*lo), x^('>'*lo), x^('='*lo)
	return le20 | (slash-lo)&^slash&hi | (gt-lo)&^gt&hi | (eq-lo)&^eq&hi
}

// rawEndTag turns the end tag that closes a raw-text element into an ordinary end
// tag whose name has been read.
func (t *tokenizer) rawEndTag() {
	t.isEnd = true
	t.id = tOther
	t.key = 0 // closes the HTML element, which is not on the stack
	t.nameLen = 0
	t.state = sBeforeAttrName
}
