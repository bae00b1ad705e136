package htmlrewrite

import (
	"bytes"
	"encoding/binary"
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
	nameLen     int // may exceed len(name): then only the hash knows the whole name
	name        [16]byte
	hash        uint64
	k           int    // characters of the awaited name matched so far
	rawName     string // the raw-text element whose end tag is awaited
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func (t *tokenizer) resetName() {
	t.nameLen = 0
	t.hash = fnvOffset
}

func (t *tokenizer) addName(c byte) {
	c = lower(c)
	if t.nameLen < len(t.name) {
		t.name[t.nameLen] = c
	}
	t.nameLen++
	t.hash = (t.hash ^ uint64(c)) * fnvPrime
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
	return c
}()

// wantCapture reports whether a tag starting now may need holding back.
func (r *Rewriter) wantCapture() bool {
	return r.headIn || r.bodyIn || r.block != nil || r.tree.inForeign()
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
				if j < 0 {
					return end
				}
				i += j + 1
			}
			if next, ok, stop := r.fastTag(p, i); ok {
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
				end = min(end, r.capLimit())
				p = p[:end]
			}

		case sTagOpen:
			c := p[i]
			switch {
			case isAlpha(c):
				t.isEnd = false
				t.resetName()
				t.state = sTagName
			case c == '!':
				i++
				t.state = sMarkupDecl
				t.k = 0
				r.release()
			case c == '/':
				i++
				t.state = sEndTagOpen
			case c == '?':
				t.state = sBogusComment
				r.release()
			default:
				t.state = sData
				r.release()
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
			case c == '>':
				// "</>" is dropped by browsers: nothing to find in it.
				i++
				t.state = sData
				r.release()
			default:
				t.state = sBogusComment
				r.release()
			}

		case sTagName:
			n, h := t.nameLen, t.hash
			for i < end {
				c := p[i]
				if class[c]&cTagNameEnd != 0 {
					break
				}
				c = lower(c)
				if n < len(t.name) {
					t.name[n] = c
				}
				n++
				h = (h ^ uint64(c)) * fnvPrime
				i++
			}
			t.nameLen, t.hash = n, h
			if i == end {
				return i
			}
			r.nameDone(p, i)

		case sBeforeAttrName:
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
				t.state = sAttrName
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

		case sAttrValueUnq:
			for i < end && class[p[i]]&cUnquotedEnd == 0 {
				i++
			}
			if i == end {
				return i
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
				t.state = sCDATA
			}

		case sCDATAEnd:
			switch p[i] {
			case ']':
				i++
			case '>':
				i++
				t.state = sData
			default:
				t.state = sCDATA
			}

		case sRawText:
			j := bytes.IndexByte(p[i:end], '<')
			if j < 0 {
				return end
			}
			i += j + 1
			t.state = sRawLT

		case sRawLT:
			if p[i] == '/' {
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
					t.k++
					i++
				} else {
					t.state = sRawText
				}
				continue
			}
			if isSpace(c) || c == '/' || c == '>' {
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
	for {
		// Before attribute name; after a quoted value the same rules apply.
		for i < len(p) && class[p[i]]&cSpace != 0 {
			i++
		}
		if i == len(p) {
			return i, sBeforeAttrName, false
		}
		switch p[i] {
		case '>':
			return i + 1, sData, false
		case '/':
			i++
			if i == len(p) {
				return i, sSelfClosing, false
			}
			if p[i] == '>' {
				return i + 1, sData, true
			}
			continue
		}
		// Attribute name; its first character may be '='.
		i++
		for i < len(p) && class[p[i]]&cAttrNameEnd == 0 {
			i++
		}
		for i < len(p) && class[p[i]]&cSpace != 0 {
			i++
		}
		if i == len(p) {
			return i, sAfterAttrName, false
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
			return i, sBeforeAttrValue, false
		}
		switch q := p[i]; q {
		case '"', '\'':
			j := indexShort(p[i+1:], q)
			if j < 0 {
				if q == '\'' {
					return len(p), sAttrValueSQ, false
				}
				return len(p), sAttrValueDQ, false
			}
			i += j + 2
		case '>':
			return i + 1, sData, false
		default:
			for i < len(p) && class[p[i]]&cUnquotedEnd == 0 {
				i++
			}
			if i == len(p) {
				return i, sAttrValueUnq, false
			}
			if p[i] == '>' {
				return i + 1, sData, false
			}
		}
	}
}

// fastTag handles the tag whose '<' is at lt in one go when it is complete in p and
// nothing about it needs holding back: most tags of a page. It reports false, having
// changed nothing, when the state machine must do it. stop is tagEnd's report.
func (r *Rewriter) fastTag(p []byte, lt int) (next int, ok, stop bool) {
	i := lt + 1
	isEnd := false
	if i < len(p) && p[i] == '/' {
		isEnd = true
		i++
	}
	if i == len(p) || !isAlpha(p[i]) || r.headIn || r.tree.inForeign() {
		return 0, false, false
	}
	t := &r.tok
	h := uint64(fnvOffset)
	for i < len(p) {
		c := p[i]
		if class[c]&cTagNameEnd != 0 {
			break
		}
		h = (h ^ uint64(lower(c))) * fnvPrime
		i++
	}
	if i == len(p) {
		return 0, false, false
	}
	id := lookupTag(h)
	if isEnd && id == tBody && r.bodyIn {
		return 0, false, false
	}
	if !isEnd && r.block != nil && (id == tScript || id == tImg || id == tImage || id == tIframe) {
		return 0, false, false
	}
	next, st, selfClosing := tagRest(p, i)
	if st != sData {
		return 0, false, false
	}
	// t.name is only for Flush looking at a partial name: not needed here.
	t.isEnd, t.id, t.hash = isEnd, id, h
	t.selfClosing, t.foreign = selfClosing, false
	r.headAt = false
	return next, true, r.tagEnd(p, next)
}

// indexShort is bytes.IndexByte for searches that usually end within a few dozen bytes,
// where the call costs more than the search: it looks at 8 bytes at a time in a word.
func indexShort(b []byte, c byte) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	cc := uint64(c) * lo
	i := 0
	for ; i+8 <= len(b) && i < 64; i += 8 {
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

// rawEndTag turns the end tag that closes a raw-text element into an ordinary end
// tag whose name has been read.
func (t *tokenizer) rawEndTag() {
	t.isEnd = true
	t.id = tOther
	t.hash = 0 // closes the HTML element, never a foreign one
	t.nameLen = 0
	t.state = sBeforeAttrName
}

// scriptEnd is called at the character after "</script" that makes it an end tag.
func (r *Rewriter) scriptEnd(p []byte, i int) {
	if r.capturing && r.capWhy == capScript {
		r.decideScript(p, i, r.capturedLen(i)-len("</script"))
	}
	r.tok.rawEndTag()
}

// nameDone is called when the name of a tag is complete, at the character after it.
func (r *Rewriter) nameDone(p []byte, i int) {
	t := &r.tok
	t.id = lookupTag(t.hash)
	t.state = sBeforeAttrName
	t.selfClosing = false
	if t.isEnd {
		if r.capturing {
			if r.bodyIn && t.id == tBody && !r.noscr.active {
				r.bodyIn = false
				r.insertBefore(p, r.bodyEnd)
			}
			r.release()
		}
		return
	}
	t.foreign = r.tree.foreignFor(t.id) && !breaksOut(t.id)
	r.headAt = false
	// A noscript start tag comes first, so no start tag in one is ever the first.
	if r.headIn && t.id != tHTML {
		if t.id == tHead {
			r.headAt = true
		} else {
			r.headIn = false
			if r.capturing {
				r.insertBefore(p, r.head)
			}
		}
	}
	if !r.capturing {
		return
	}
	switch {
	case t.foreign:
		if t.id == tFont || t.id == tAnnotationXML {
			r.capWhy = capTag
			return
		}
	case r.block != nil:
		switch t.id {
		case tScript, tImg, tImage, tIframe:
			r.capWhy = capTag
			return
		}
	}
	r.release()
}

// tagEnd is called after the '>' that ends a tag, at i. It reports whether a noscript
// began, which the scan must stop for.
func (r *Rewriter) tagEnd(p []byte, i int) bool {
	t := &r.tok
	t.state = sData
	if t.isEnd {
		if t.hash != 0 {
			r.tree.end(t.id, t.hash)
		}
		return false
	}
	var tag []byte
	if r.capturing {
		tag = r.captured(p, i)
	}
	if t.foreign {
		var breaks, htmlEnc bool
		if tag != nil {
			switch t.id {
			case tFont:
				_, c := findAttr(tag, "color")
				_, f := findAttr(tag, "face")
				_, s := findAttr(tag, "size")
				breaks = c || f || s
			case tAnnotationXML:
				v, _ := findAttr(tag, "encoding")
				var enc string
				enc, r.scratch = decodeAttr(v, r.scratch)
				htmlEnc = eqFoldString(enc, "text/html") || eqFoldString(enc, "application/xhtml+xml")
			}
			r.release()
		}
		if !breaks {
			if !t.selfClosing {
				r.tree.pushForeign(t.id, t.hash, htmlEnc)
			}
			return false
		}
	}
	if r.tree.foreignFor(t.id) {
		r.tree.breakout()
	}
	r.tree.startHTML(t.id, t.hash, t.selfClosing)
	switch t.id {
	case tScript:
		t.state = sScript
		if tag != nil {
			r.startScript(p, i, tag)
		}
	case tImg, tImage:
		if tag != nil {
			r.decideElement(p, i, tag, "img", imgFrom, imgTo)
		}
	case tIframe:
		t.state, t.rawName = sRawText, "iframe"
		if tag != nil {
			r.decideElement(p, i, tag, "iframe", iframeFrom, iframeTo)
		}
	case tStyle, tXmp, tNoembed, tNoframes, tTextarea, tTitle:
		t.state, t.rawName = sRawText, rawNames[t.id]
	case tPlaintext:
		t.state = sPlaintext
	case tNoscript:
		if !r.noscr.active {
			r.noscr = noscriptState{active: true, frames: len(r.tree.frames)}
			return true
		}
	case tHead:
		if r.headAt {
			r.headAt = false
			r.headIn = false
			r.flushTo(p, i)
			r.write(r.head)
		}
	}
	return false
}

var rawNames = [...]string{
	tStyle:    "style",
	tXmp:      "xmp",
	tNoembed:  "noembed",
	tNoframes: "noframes",
	tTextarea: "textarea",
	tTitle:    "title",
}

func eqFoldString(s, lowerASCII string) bool {
	return eqFold([]byte(s), lowerASCII)
}

var (
	scriptFrom = []string{"src", "type"}
	scriptTo   = []string{"data-consent-src", "data-consent-type"}
	imgFrom    = []string{"src", "srcset"}
	imgTo      = []string{"data-consent-src", "data-consent-srcset"}
	iframeFrom = []string{"src"}
	iframeTo   = []string{"data-consent-src"}
)

// startScript decides a <script src> at once; an inline script is held until its end.
func (r *Rewriter) startScript(p []byte, i int, tag []byte) {
	src, ok := findAttr(tag, "src")
	if !ok {
		r.capWhy = capScript
		r.capTagLen = len(tag)
		return
	}
	var s string
	s, r.scratch = decodeAttr(src, r.scratch)
	cat := r.block(Element{Tag: "script", Src: s, InNoscript: r.noscr.active})
	if cat == "" {
		r.release()
		return
	}
	r.replace(p, i, r.neutralise(tag, true, cat, scriptFrom, scriptTo))
}

// decideScript decides an inline script on the text held up to textEnd and ends the
// capture at i.
func (r *Rewriter) decideScript(p []byte, i, textEnd int) {
	all := r.captured(p, i)
	el := Element{Tag: "script", Inline: all[r.capTagLen:textEnd:textEnd], InNoscript: r.noscr.active}
	cat := r.block(el)
	if cat == "" {
		r.release()
		return
	}
	tag := r.neutralise(all[:r.capTagLen], true, cat, scriptFrom, scriptTo)
	r.replace(p, i, tag, all[r.capTagLen:])
}

func (r *Rewriter) decideElement(p []byte, i int, tag []byte, name string, from, to []string) {
	src, _ := findAttr(tag, "src")
	var s string
	s, r.scratch = decodeAttr(src, r.scratch)
	cat := r.block(Element{Tag: name, Src: s, InNoscript: r.noscr.active})
	if cat == "" {
		r.release()
		return
	}
	r.replace(p, i, r.neutralise(tag, false, cat, from, to))
}
