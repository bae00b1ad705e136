package htmlrewrite

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"slices"
	"strings"

	"github.com/consentgate/consentgate/internal/dataurl"
)

// fastTag handles the tag whose '<' is at lt in one go when it is complete in p: most
// tags of a page. It reports false, having changed nothing, when the state machine must
// do it. stop is tagEnd's report.
func (r *Rewriter) fastTag(p []byte, lt int) (next int, ok, stop bool) {
	i := lt + 1
	isEnd := false
	if i < len(p) && p[i] == '/' {
		isEnd = true
		i++
	}
	if i == len(p) || !isAlpha(p[i]) {
		return 0, false, false
	}
	// The name, lower-cased: its first 8 bytes packed into a word, read 8 at a time
	// where the input has them.
	start := i
	var w uint64
	if i+8 <= len(p) {
		x := binary.LittleEndian.Uint64(p[i:])
		k := 8
		if m := nameEnds(x); m != 0 {
			k = bits.TrailingZeros64(m) / 8
		}
		if c := byte(x >> (8 * k)); k < 8 && c < ' ' && c != '\t' && c != '\n' && c != '\f' && c != '\r' {
			// NUL or a control character other than whitespace: read it the long way.
			return 0, false, false
		}
		w = lowerWord(x)
		if k < 8 {
			w &= 1<<(8*k) - 1
		}
		i += k
	} else {
		for i < len(p) && i-start < 8 {
			c := p[i]
			if class[c]&(cTagNameEnd|cNUL) != 0 {
				break
			}
			if c-'A' < 26 {
				c += 'a' - 'A'
			}
			w |= uint64(c) << (8 * (i - start))
			i++
		}
	}
	for i < len(p) && class[p[i]]&(cTagNameEnd|cNUL) == 0 {
		i++
	}
	n := i - start
	if i == len(p) || p[i] == 0 || n > 64 {
		return 0, false, false
	}
	nameEnd := i
	next, st, selfClosing, bits := tagRestBits(p, i)
	if st != sData || next-lt > r.maxHold {
		return 0, false, false
	}
	if r.pend.active && next > r.emitFrom+r.maxHold-len(r.pend.tag)-len(r.pend.out)-len(r.hold) {
		return 0, false, false
	}
	t := &r.tok
	var id tagID
	var key uint64
	if n <= 8 {
		id = lookupShort(w)
		switch {
		case id != tOther:
			key = uint64(id)
		case n <= 7:
			key = w | uint64(0x40|n)<<56
		default:
			key = r.longKey(p[start:nameEnd])
		}
	} else {
		key = r.longKey(p[start:nameEnd])
		id = t.id
	}
	t.isEnd, t.id, t.key, t.nameLen = isEnd, id, key, n
	t.selfClosing = selfClosing

	// Most tags need no more than the stack of open elements: an HTML tag with no
	// special rule of the tree builder, not one the rewriter looks into, where nothing
	// is to be inserted before it.
	if tr := &r.tree; !tr.foreignTop && tr.frameset == 0 {
		plain := false
		if isEnd {
			plain = !r.bodyIn || id != tBody
		} else if !r.headIn && plainStartTag[id] && bits&(aStyle|aBackground|aPing) == 0 {
			top := tr.top()
			plain = top == nil || !top.is(tTemplate)
		}
		if plain {
			if isEnd {
				tr.endHTML(id, key)
			} else {
				tr.startPlain(id, key)
			}
			if tr.pendingGone || tr.lost {
				r.afterTree(p, next, lt)
			}
			return next, true, r.failed || r.pend.active
		}
	}

	if r.wantCapture() {
		r.beginCapture(lt, capName)
	}
	if n <= len(t.name) {
		for k := range n {
			c := p[start+k]
			if c-'A' < 26 {
				c += 'a' - 'A'
			}
			t.name[k] = c
		}
	}
	r.nameKnown(p, nameEnd)
	t.selfClosing = selfClosing
	r.attrBits = bits | aKnown
	stop = r.tagEnd(p, next)
	r.attrBits = 0
	return next, true, stop
}

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// nameEnds marks (in the high bit of each byte) the bytes of x that may end a tag name:
// '/', '>' and those up to 0x20 (the whitespace among them, NUL, other controls). Only the
// lowest mark is exact, which is the one wanted.
func nameEnds(x uint64) uint64 {
	le20 := (x - 0x21*lo8) &^ x & hi8
	slash := x ^ ('/' * lo8)
	gt := x ^ ('>' * lo8)
	return le20 | (slash-lo8)&^slash&hi8 | (gt-lo8)&^gt&hi8
}

// lowerWord lower-cases the ASCII letters of the 8 bytes of x.
func lowerWord(x uint64) uint64 {
	t := x &^ hi8
	upper := (t + (0x80-'A')*lo8) &^ (t + (0x80-'Z'-1)*lo8) &^ x & hi8
	return x | upper>>2
}

// longKey looks up a name of more than 8 bytes (or an unknown one of 8) and returns its
// key; it sets r.tok.id.
func (r *Rewriter) longKey(name []byte) uint64 {
	var low [64]byte
	h := uint64(fnvOffset)
	for k, c := range name {
		if c-'A' < 26 {
			c += 'a' - 'A'
		}
		low[k] = c
		h = (h ^ uint64(c)) * fnvPrime
	}
	n := len(name)
	id := tOther
	if n <= 16 {
		id = lookupTag(h, low[:n])
	}
	r.tok.id = id
	if id != tOther {
		return uint64(id)
	}
	return maphash.Bytes(nameSeed, low[:n]) | unknownName
}

// plainStartTag marks the names whose start tag, in HTML content, only closes a <p> (or
// a heading) and is pushed or not: no sink, no raw text, no rule of its own.
var plainStartTag = func() (m [numNamedTags + 256]bool) {
	for id := tagID(0); int(id) < len(tagProps); id++ {
		m[id] = true
	}
	for _, id := range []tagID{tHTML, tHead, tBody, tFrameset, tCaption, tColgroup, tCol,
		tTbody, tThead, tTfoot, tTr, tTd, tTh, tTable, tForm, tLi, tDd, tDt, tButton, tSelect,
		tInput, tHr, tOption, tOptgroup, tRb, tRtc, tRp, tRt, tSvg, tMath, tFrame, tImage,
		tBase, tTemplate, tScript, tStyle, tIframe, tImg, tVideo, tAudio, tSource, tTrack,
		tObject, tEmbed, tLink, tNoscript, tNoembed, tNoframes, tTextarea, tTitle, tXmp,
		tPlaintext, tMeta} {
		m[id] = false
	}
	return m
}()

// aKnown: attrBits says which attribute names the tag has (it was read whole).
const aKnown = 1 << 7

// mayLoad reports whether a start tag may load something, so that it is worth
// analysing: a sink, or an element with a style attribute (or an SVG presentation
// attribute) that holds a '(' or a character reference, or a legacy background or ping.
func (r *Rewriter) mayLoad(id tagID, ns uint8, tag []byte) bool {
	if _, sink := sinkTag(id, ns); sink || r.attrBits&aKnown == 0 {
		return true
	}
	paren := func() bool { return bytes.IndexByte(tag, '(') >= 0 || bytes.IndexByte(tag, '&') >= 0 }
	if ns != nsHTML {
		return paren()
	}
	bits := r.attrBits
	switch {
	case bits&aStyle != 0 && paren():
		return true
	case bits&aBackground != 0:
		switch id {
		case tBody, tTable, tThead, tTbody, tTfoot, tTr, tTd, tTh:
			return true
		}
	case bits&aPing != 0:
		return id == tA || id == tArea
	}
	return false
}

// nameDone is called when the name of a tag is complete, at the character after it.
func (r *Rewriter) nameDone(p []byte, i int) {
	r.tok.nameID()
	r.nameKnown(p, i)
}

// nameKnown decides, from a tag's name, whether it is held and what goes before it.
func (r *Rewriter) nameKnown(p []byte, i int) {
	t := &r.tok
	t.state = sBeforeAttrName
	t.selfClosing = false
	if t.isEnd {
		if r.capturing {
			// A </body> in a template or a select is ignored by browsers, and what
			// went before it would be inert or an option: BodyEnd waits for the end,
			// where they are ended first (backToMarkup).
			if r.bodyIn && t.id == tBody && !r.noscr.active && r.tree.counts[cntTemplate] == 0 && r.tree.counts[cntSelect] == 0 {
				r.bodyIn = false
				r.insertBefore(p, r.cfg.BodyEnd(r.doc))
			}
			r.release()
		}
		return
	}
	t.foreign = r.tree.foreignFor(t.id) && !t.id.has(pBreakout)
	r.headAt = false
	// A noscript start tag comes first, so no start tag in one is ever the first.
	if r.headIn && t.id != tHTML {
		if t.id == tHead && !t.foreign {
			r.headAt = true
		} else {
			head := r.insertHead()
			if r.capturing {
				r.insertBefore(p, head)
			} else {
				r.write(head)
			}
		}
	}
	if !r.capturing {
		return
	}
	if r.block != nil || r.needsAttrs() {
		r.capWhy = capTag
		return
	}
	r.release()
}

// metaCSP adds the policy of a <meta http-equiv="Content-Security-Policy"> to Doc
// (http-equiv is matched ASCII case-insensitively, as browsers match it).
func (r *Rewriter) metaCSP(tag []byte) {
	v, ok := findAttr(tag, "http-equiv")
	if !ok {
		return
	}
	var equiv string
	equiv, r.scratch = decodeAttr(v, r.scratch)
	if !eqFold([]byte(equiv), "content-security-policy") {
		return
	}
	if c, ok := findAttr(tag, "content"); ok {
		var policy string
		policy, r.scratch = decodeAttr(c, r.scratch)
		r.doc.CSP = append(r.doc.CSP, policy)
	}
}

// needsAttrs reports whether the start tag being scanned has attributes the tree
// builder or Doc depend on.
func (r *Rewriter) needsAttrs() bool {
	t := &r.tok
	if t.foreign {
		return t.id == tFont || t.id == tAnnotationXML
	}
	switch t.id {
	case tHTML:
		return !r.langDone
	case tBase:
		return !r.baseDone
	case tInput:
		return r.tree.framesetOK
	}
	return false
}

// tagEnd is called after the '>' that ends a tag, at i. It reports whether the scan
// must stop there: a noscript began (its end is watched for), the document failed
// closed, or what is held behind a pending element changed (so the hold limit must be
// computed again).
func (r *Rewriter) tagEnd(p []byte, i int) bool {
	t := &r.tok
	t.state = sData
	if t.isEnd {
		tagStart := i
		if r.capturing {
			tagStart = r.capStart
			r.release()
		}
		if t.key != 0 {
			r.tree.end(t.id, t.key)
			r.afterTree(p, i, tagStart)
		}
		return r.failed || r.pend.active
	}
	return r.startTagDone(p, i) || r.pend.active
}

// afterTree acts on what a change of the stack of open elements did: a pending element
// popped is decided (before the tag at tagStart), a lost stack fails closed after i.
func (r *Rewriter) afterTree(p []byte, i, tagStart int) {
	if r.tree.pendingGone {
		r.tree.pendingGone = false
		if r.pend.active {
			r.decidePending(p, tagStart, false)
		}
	}
	if r.tree.lost && !r.failed && !r.lostAsked {
		r.lostAsked = true
		r.failClosed(p, i, "the stack of open elements outgrew its bound and cannot be followed")
	}
}

// startTagDone handles a start tag whose '>' is at i-1.
func (r *Rewriter) startTagDone(p []byte, i int) bool {
	t := &r.tok
	var tag []byte
	tagStart := i
	if r.capturing {
		tagStart = r.capStart
		tag = r.captured(p, i)
	}
	tail := r.tail
	partial := tail.active
	r.tail = tailState{}

	// Where the tree builder puts it.
	foreign := t.foreign
	var htmlEnc bool
	if foreign && tag != nil {
		switch t.id {
		case tFont:
			_, c := findAttr(tag, "color")
			_, f := findAttr(tag, "face")
			_, s := findAttr(tag, "size")
			foreign = !(c || f || s)
		case tAnnotationXML:
			v, _ := findAttr(tag, "encoding")
			var enc string
			enc, r.scratch = decodeAttr(v, r.scratch)
			htmlEnc = eqFoldString(enc, "text/html") || eqFoldString(enc, "application/xhtml+xml")
		}
	}
	ns := nsHTML
	if foreign {
		ns = r.tree.topNS()
	} else if r.tree.foreignFor(t.id) {
		r.tree.breakout()
		r.afterTree(p, i, tagStart)
		if r.failed {
			r.release()
			return true
		}
	}
	id := t.id
	if !foreign && id == tImage {
		id = tImg
	}
	inputHidden := false
	switch {
	case id != tInput || foreign || !r.tree.framesetOK:
	case partial:
		// What is held is the end of a long tag: its type was read at the limit.
		inputHidden = r.longInputHidden
	case tag != nil:
		v, _ := findAttr(tag, "type")
		var ty string
		ty, r.scratch = decodeAttr(v, r.scratch)
		inputHidden = eqFoldString(ty, "hidden")
	}
	r.longInputHidden = false

	// What the element is, before the tree is changed (its namespace, noscript,
	// template are those of where it starts).
	var a analysis
	if tag != nil && !partial && r.block != nil && r.mayLoad(id, ns, tag) {
		r.analyse(&a, tag, id, ns)
	}
	pending := a.pendingContent && !t.selfClosing

	res := inserted
	if foreign {
		if pending && r.pend.active {
			// One held foreign element at a time: the outer one is decided on what
			// it has, failing closed.
			r.debug("htmlrewrite: a foreign script or style inside another is held back")
			r.decidePending(p, tagStart, true)
		}
		r.tree.startForeign(id, t.key, t.selfClosing, htmlEnc, pending)
	} else {
		res = r.tree.startHTML(id, t.key, t.selfClosing, inputHidden)
	}
	r.afterTree(p, i, tagStart)
	if r.failed {
		r.release()
		return true
	}
	if res == ignored {
		r.release()
		return false
	}

	// Doc: the language and the base URL.
	if ns == nsHTML && !r.noscr.active && r.tree.counts[cntTemplate] == 0 && tag != nil {
		switch {
		case id == tHTML && !r.langDone:
			if v, ok := findAttr(tag, "lang"); ok {
				r.doc.Lang, r.scratch = decodeAttr(v, r.scratch)
				r.langDone = true
			}
		case id == tBase && !r.baseDone:
			if v, ok := findAttr(tag, "href"); ok {
				r.base, r.scratch = decodeAttr(v, r.scratch)
				r.baseDone = true
			}
		case id == tMeta && len(r.doc.CSP) < maxMetaCSP:
			r.metaCSP(tag)
		}
	}

	// The tokenizer state that follows, and the element's decision.
	switch {
	case ns != nsHTML:
		if pending {
			r.startPending(p, i, tag, &a)
			return true
		}
		r.decideElement(p, i, tag, &a)
	case id == tScript:
		t.state = sScript
		if a.holdText && r.capturing {
			r.startRaw(tag, &a, rawScript)
			return true
		}
		if partial && r.block != nil && !tail.blocked {
			// Its start went out unseen whole: its text is still looked at.
			r.streamText(p, i, rawScript, &tail.a, false)
			return true
		}
		r.decideElement(p, i, tag, &a)
	case id == tStyle:
		t.state, t.rawName = sRawText, "style"
		if a.holdText && r.capturing {
			r.startRaw(tag, &a, rawStyle)
			return true
		}
		if partial && r.block != nil {
			r.streamText(p, i, rawStyle, &tail.a, tail.blocked)
			return true
		}
		r.decideElement(p, i, tag, &a)
	case id.has(pRaw) && id != tNoscript:
		switch id {
		case tPlaintext:
			t.state = sPlaintext
		case tIframe, tXmp, tNoembed, tNoframes, tTextarea, tTitle:
			t.state, t.rawName = sRawText, namesInOrder[id]
			if id == tXmp || id == tTitle || id == tTextarea {
				t.rawName = rawNames[id]
			}
		}
		r.decideElement(p, i, tag, &a)
	case id == tNoscript:
		r.decideElement(p, i, tag, &a)
		if !r.noscr.active {
			r.startNoscript()
			return true
		}
	case id == tHead:
		r.decideElement(p, i, tag, &a)
		if r.headAt {
			r.headAt = false
			r.flushTo(p, i)
			r.write(r.insertHead())
		}
	default:
		r.decideElement(p, i, tag, &a)
	}
	return false
}

var rawNames = map[tagID]string{tXmp: "xmp", tTitle: "title", tTextarea: "textarea"}

func eqFoldString(s, lowerASCII string) bool {
	return eqFold([]byte(s), lowerASCII)
}

// decideElement asks Block about an analysed element whose start tag is captured, and
// neutralises it or lets it through; it ends the capture at i.
func (r *Rewriter) decideElement(p []byte, i int, tag []byte, a *analysis) {
	if !a.ask || tag == nil {
		r.release()
		return
	}
	if a.cssOnly {
		if out, ok := r.keepCSSAttrs(tag, a); ok {
			if out == nil {
				r.release()
			} else {
				r.replace(p, i, nil, out)
			}
			return
		}
	}
	cat := r.ask(a, r.urls, r.inlineOrNil(a), false)
	if cat == "" {
		r.release()
		return
	}
	var ph []byte
	if a.placeholder && !r.noscr.active && r.cfg.Placeholder != nil {
		ph = r.cfg.Placeholder(r.doc, r.element(a, r.urls, r.inlineOrNil(a), false), cat)
	}
	r.replace(p, i, ph, r.neutralise(tag, a, cat))
}

func (r *Rewriter) inlineOrNil(a *analysis) []byte {
	if !a.hasInline {
		if a.pendingContent {
			// A self-closed SVG script runs, with no text.
			return []byte{}
		}
		return nil
	}
	return r.inline
}

// element builds what Block is shown.
func (r *Rewriter) element(a *analysis, urls []string, inline []byte, partial bool) Element {
	if r.xml.expanded {
		partial, r.xml.expanded = true, false
	}
	e := Element{
		Tag:        a.tag,
		URLs:       urls,
		Inline:     inline,
		Base:       r.base,
		InNoscript: r.noscr.active,
		Foreign:    a.ns != nsHTML,
		Width:      a.width,
		Height:     a.height,
		Partial:    partial,

		SpeculationRules: a.scriptKind == kindSpeculation,
		Module:           a.scriptKind == kindModule,
		ImportMap:        a.scriptKind == kindImportMap,
	}
	if len(urls) > 0 {
		e.Src = urls[0]
	}
	return e
}

func (r *Rewriter) ask(a *analysis, urls []string, inline []byte, partial bool) string {
	return r.block(r.element(a, urls, inline, partial))
}

// topNS is the namespace a foreign start tag takes: its parent's.
func (t *treeState) topNS() uint8 {
	if f := t.top(); f != nil {
		return f.ns
	}
	return nsSVG
}

// ---- analysis of a start tag ----

// role is what an attribute means to the rewriter.
type role uint8

const (
	rNone        role = iota
	rURL              // a URL that loads (data: and javascript: load nothing)
	rDoc              // a URL that loads a document or a script: data: and javascript: payloads are inline
	rSrcset           // srcset candidates
	rSrcdoc           // inline document
	rPing             // space-separated URLs
	rCSS              // CSS declarations
	rCSSValue         // an SVG presentation attribute: a CSS value
	rAnim             // to, from, by, values of <set>/<animate>: URLs when the animated attribute is href
	rImageSrcset      // <link imagesrcset>: srcset when the link fetches
	rLinkHref         // <link href>: a URL when the link fetches
)

type analysis struct {
	tag            string
	id             tagID
	ns             uint8
	ask            bool // Block is to be asked (it loads or runs something)
	hasInline      bool
	holdText       bool       // an HTML script or style: held with its text
	pendingContent bool       // an SVG script or style: held until it ends
	scriptKind     scriptKind // a script of type module, importmap or speculationrules (Element's flags)
	script         bool       // neutralised with type="text/plain"
	styleEl        bool       // a style: neutralised with type="text/plain", its @import URLs made inert
	placeholder    bool
	cssOnly        bool // all it loads is in its CSS attributes' url()s: decided URL by URL
	linkFetches    bool
	animHref       bool
	width, height  string
	// renames: attribute name spans (offsets into the tag) to rename when neutralised
}

// Attribute names as words (see attrWord), for roleOf's switches.
var (
	wStyle       = attrWordOf("style")
	wHref        = attrWordOf("href")
	wXlinkHref   = attrWordOf("xlink:href")
	wSrc         = attrWordOf("src")
	wSrcset      = attrWordOf("srcset")
	wSrcdoc      = attrWordOf("srcdoc")
	wData        = attrWordOf("data")
	wPoster      = attrWordOf("poster")
	wImagesrcset = attrWordOf("imagesrcset")
	wBackground  = attrWordOf("background")
	wPing        = attrWordOf("ping")
	wTo          = attrWordOf("to")
	wFrom        = attrWordOf("from")
	wBy          = attrWordOf("by")
	wValues      = attrWordOf("values")
	// presentation attributes of SVG that take a url()
	svgURLAttrs = []attrWord{attrWordOf("fill"), attrWordOf("stroke"), attrWordOf("filter"),
		attrWordOf("mask"), attrWordOf("clip-path"), attrWordOf("marker-start"),
		attrWordOf("marker-mid"), attrWordOf("marker-end"), attrWordOf("cursor")}
)

// attrWord is an attribute name of up to 16 bytes, lower-cased, packed into two words
// (longer names, and names with a NUL, get a word that matches none of ours: packed,
// "src\x00" would be "src", but browsers read the NUL as U+FFFD, another name).
type attrWord [2]uint64

var noAttrWord = attrWord{^uint64(0), ^uint64(0)}

func attrWordOf(s string) attrWord { return attrWordFold([]byte(s)) }

func attrWordFold(name []byte) attrWord {
	var w attrWord
	if len(name) > 16 {
		return noAttrWord
	}
	for i, c := range name {
		if c-'A' < 26 {
			c += 'a' - 'A'
		}
		if c == 0 {
			return noAttrWord
		}
		w[i/8] |= uint64(c) << (8 * (i % 8))
	}
	return w
}

// roleOf returns an attribute's role on an element.
func roleOf(id tagID, ns uint8, name []byte) role {
	return roleOfWord(id, ns, attrWordFold(name))
}

func roleOfWord(id tagID, ns uint8, w attrWord) role {
	if w == wStyle {
		return rCSS
	}
	if ns == nsSVG {
		switch id {
		case tScript:
			if w == wHref || w == wXlinkHref || w == wSrc {
				return rDoc
			}
		case tImage, tFeImage, tUse:
			if w == wHref || w == wXlinkHref {
				return rURL
			}
		case tSet, tAnimate:
			if w == wTo || w == wFrom || w == wBy || w == wValues {
				return rAnim
			}
		}
		for _, s := range svgURLAttrs {
			if w == s {
				return rCSSValue
			}
		}
		return rNone
	}
	if ns == nsMath {
		if id == tMglyph && w == wSrc {
			return rURL
		}
		return rNone
	}
	switch id {
	case tScript:
		if w == wSrc || w == wHref || w == wXlinkHref {
			return rDoc
		}
	case tIframe:
		if w == wSrc {
			return rDoc
		}
		if w == wSrcdoc {
			return rSrcdoc
		}
	case tFrame, tEmbed:
		if w == wSrc {
			return rDoc
		}
	case tObject:
		if w == wData {
			return rDoc
		}
	case tImg, tSource:
		if w == wSrc {
			return rURL
		}
		if w == wSrcset {
			return rSrcset
		}
	case tInput, tAudio, tTrack:
		if w == wSrc {
			return rURL
		}
	case tVideo:
		if w == wSrc || w == wPoster {
			return rURL
		}
	case tLink:
		if w == wHref {
			return rLinkHref
		}
		if w == wImagesrcset {
			return rImageSrcset
		}
	case tBody, tTable, tThead, tTbody, tTfoot, tTr, tTd, tTh:
		if w == wBackground {
			return rURL
		}
	case tA, tArea:
		if w == wPing {
			return rPing
		}
	}
	return rNone
}

// sinkTag returns Element.Tag for the elements that are asked about whatever their
// attributes, and whether they are; the others are asked about only for their style.
func sinkTag(id tagID, ns uint8) (string, bool) {
	switch ns {
	case nsSVG:
		switch id {
		case tScript, tStyle, tImage, tFeImage, tUse, tSet, tAnimate:
			return namesInOrder[id], true
		}
	case nsMath:
		if id == tMglyph {
			return "mglyph", true
		}
	default:
		switch id {
		case tScript, tStyle, tIframe, tFrame, tImg, tInput, tVideo, tAudio, tSource, tTrack,
			tObject, tEmbed, tLink:
			return namesInOrder[id], true
		}
	}
	return "", false
}

// analyse looks at a complete start tag: what it would load or run. It fills r.urls,
// r.inline and r.renam.
func (r *Rewriter) analyse(a *analysis, tag []byte, id tagID, ns uint8) {
	*a = analysis{id: id, ns: ns}
	r.urls = r.urls[:0]
	r.inline = r.inline[:0]
	r.renam = r.renam[:0]
	r.attrs = parseAttrs(tag, r.attrs[:0])
	r.words = r.words[:0]
	for _, at := range r.attrs {
		r.words = append(r.words, attrWordFold(tag[at.nameStart:at.nameEnd]))
	}
	r.roleWords = r.roleWords[:0]
	sink := false
	a.tag, sink = sinkTag(id, ns)

	// First the attributes that say what the others mean.
	executable := true
	typeSeen, langSeen, relSeen, nameSeen, wSeen, hSeen := false, false, false, false, false, false
	var language string
	for k, at := range r.attrs {
		w := r.words[k]
		if w[0]&0xff|0x20 != 't' && w[0]&0xff|0x20 != 'l' && w[0]&0xff|0x20 != 'r' &&
			w[0]&0xff|0x20 != 'a' && w[0]&0xff|0x20 != 'w' && w[0]&0xff|0x20 != 'h' {
			continue // none of the names below
		}
		name := tag[at.nameStart:at.nameEnd]
		val := tag[at.valStart:at.valEnd]
		switch {
		case id == tScript && !typeSeen && eqFold(name, "type"):
			typeSeen = true
			var ty string
			ty, r.scratch = r.decodeValue(val, r.scratch)
			executable, a.scriptKind = scriptTypeRuns(ty)
		case id == tScript && !langSeen && eqFold(name, "language"):
			langSeen = true
			language, r.scratch = r.decodeValue(val, r.scratch)
		case id == tLink && ns == nsHTML && !relSeen && eqFold(name, "rel"):
			relSeen = true
			var rel string
			rel, r.scratch = r.decodeValue(val, r.scratch)
			a.linkFetches = RelFetches(rel)
		case (id == tSet || id == tAnimate) && ns == nsSVG && !nameSeen && eqFold(name, "attributename"):
			nameSeen = true
			var an string
			an, r.scratch = r.decodeValue(val, r.scratch)
			a.animHref = an == "href" || an == "xlink:href"
		case !wSeen && placeholderTag(id, ns) && eqFold(name, "width"):
			wSeen = true
			a.width, r.scratch = r.decodeValue(val, r.scratch)
		case !hSeen && placeholderTag(id, ns) && eqFold(name, "height"):
			hSeen = true
			a.height, r.scratch = r.decodeValue(val, r.scratch)
		}
	}
	if id == tScript && !typeSeen && langSeen && language != "" {
		executable, _ = scriptTypeRuns("text/" + language)
	}
	if id == tScript && !executable {
		// A data block never runs and loads nothing.
		sink = false
	}

	hasSrc := false
	cssLoads, otherLoads := false, false
	for k, at := range r.attrs {
		name := tag[at.nameStart:at.nameEnd]
		ro := roleOfWord(id, ns, r.words[k])
		if ro == rNone || ro == rDoc && !sink {
			continue
		}
		// The names with a role are few and at most 16 bytes (words are
		// the names): the ones seen are a short list, where looking
		// through every attribute before made a tag of 10,000 duplicates
		// quadratic.
		if slices.Contains(r.roleWords, r.words[k]) {
			// Browsers drop a duplicate; it is renamed with the first, below, so
			// that it cannot take the first one's place.
			continue
		}
		r.roleWords = append(r.roleWords, r.words[k])
		val := tag[at.valStart:at.valEnd]
		n := len(r.urls)
		inl := len(r.inline)
		expanded := r.xml.expanded
		switch ro {
		case rURL:
			r.addURL(val, false)
		case rDoc:
			if id == tScript {
				hasSrc = hasSrc || ns == nsHTML && eqFold(name, "src") ||
					ns == nsSVG && (eqFold(name, "href") || eqFold(name, "xlink:href"))
			}
			r.addURL(val, true)
		case rLinkHref:
			if a.linkFetches {
				r.addURL(val, true)
			}
		case rSrcset:
			r.addSrcset(val)
		case rImageSrcset:
			if a.linkFetches {
				r.addSrcset(val)
			}
		case rSrcdoc:
			var s string
			s, r.scratch = r.decodeValue(val, r.scratch)
			r.addInline([]byte(s))
		case rPing:
			var s string
			s, r.scratch = r.decodeValue(val, r.scratch)
			for _, u := range bytes.Fields([]byte(s)) {
				r.urls = append(r.urls, string(u))
			}
		case rCSS, rCSSValue:
			if bytes.IndexByte(val, '(') >= 0 || bytes.IndexByte(val, '&') >= 0 {
				var s string
				s, r.scratch = r.decodeValue(val, r.scratch)
				r.addCSS([]byte(s))
			}
		case rAnim:
			if a.animHref {
				var s string
				s, r.scratch = r.decodeValue(val, r.scratch)
				for _, u := range bytes.Split([]byte(s), []byte(";")) {
					if u = bytes.TrimSpace(u); len(u) > 0 {
						r.urls = append(r.urls, string(u))
					}
				}
			}
		}
		if r.xml.expanded && !expanded {
			// Its entities expanded past what is read (xmlDecode): what
			// the rest says is not known, so it is renamed whatever it is.
			r.renameAll(tag, name)
			otherLoads = true
		} else if len(r.urls) > n || len(r.inline) > inl || ro == rDoc || ro == rLinkHref && a.linkFetches ||
			ro == rSrcset || ro == rImageSrcset && a.linkFetches || ro == rSrcdoc {
			r.renameAll(tag, name)
			if ro == rCSS || ro == rCSSValue {
				cssLoads = true
			} else {
				otherLoads = true
			}
		}
	}
	switch {
	case id == tScript && sink && ns == nsHTML && !hasSrc:
		a.holdText = true
	case id == tScript && sink && ns == nsSVG && !hasSrc:
		a.pendingContent = true
	case id == tStyle && ns == nsHTML:
		a.holdText = true
	case id == tStyle && ns == nsSVG:
		a.pendingContent = true
	}
	if len(r.urls) == 0 && len(r.inline) == 0 && !a.holdText && !a.pendingContent && !r.xml.expanded {
		return
	}
	if a.tag == "" {
		a.tag = lowerName(tag)
	}
	a.ask = true
	a.hasInline = len(r.inline) > 0
	if id == tScript && sink {
		a.script = true
		r.renameAll(tag, []byte("type"))
	}
	if id == tStyle {
		a.styleEl = true
		r.renameAll(tag, []byte("type"))
	}
	if a.animHref {
		r.renameAll(tag, []byte("attributename"))
	}
	a.placeholder = placeholderTag(id, ns)
	a.cssOnly = cssLoads && !otherLoads && len(r.inline) == 0 && !a.holdText && !a.pendingContent &&
		!a.script && !a.styleEl && !a.animHref
}

// placeholderTag reports whether a held-back element gets a placeholder.
func placeholderTag(id tagID, ns uint8) bool {
	if ns != nsHTML {
		return false
	}
	switch id {
	case tIframe, tFrame, tVideo, tAudio, tEmbed, tObject:
		return true
	}
	return false
}

// asciiEqualFold reports whether a and b are equal ignoring ASCII case (attribute names
// are lower-cased that way, and only that way).
func asciiEqualFold(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// lowerName returns a tag's name in lower case.
func lowerName(tag []byte) string {
	b := bytes.ToLower(tag[1:tagNameEnd(tag)])
	return string(b)
}

// addURL appends a URL attribute's decoded value; a data: or javascript: URL is no load:
// when doc, its payload is inline content.
func (r *Rewriter) addURL(val []byte, doc bool) {
	var s string
	s, r.scratch = r.decodeValue(val, r.scratch)
	switch urlScheme(s) {
	case "data":
		if doc {
			r.inlineSep()
			r.inline, _ = dataurl.AppendPayload(r.inline, afterScheme(s))
		}
		return
	case "javascript":
		if doc {
			r.inlineSep()
			r.inline = dataurl.AppendPercentDecoded(r.inline, afterScheme(s))
		}
		return
	}
	if s == "" {
		return
	}
	r.urls = append(r.urls, s)
}

func (r *Rewriter) addSrcset(val []byte) {
	var s string
	s, r.scratch = r.decodeValue(val, r.scratch)
	n := len(r.urls)
	r.urls = srcsetURLs(r.urls, s)
	// A srcset may name data: URLs: they load nothing.
	k := n
	for _, u := range r.urls[n:] {
		if sc := urlScheme(u); sc != "data" && sc != "javascript" {
			r.urls[k] = u
			k++
		}
	}
	r.urls = r.urls[:k]
}

func (r *Rewriter) addInline(b []byte) {
	r.inlineSep()
	r.inline = append(r.inline, b...)
}

// inlineSep separates inline parts with a line break.
func (r *Rewriter) inlineSep() {
	if len(r.inline) > 0 {
		r.inline = append(r.inline, '\n')
	}
}

// addCSS appends the URLs of CSS text (a style attribute's value).
func (r *Rewriter) addCSS(css []byte) {
	var sc cssScanner
	sc.reset(r.maxHold)
	col := urlCollector{r: r}
	sc.feed(css, 0, &col)
	sc.finish(&col)
}

// urlCollector appends the URLs a cssScanner finds to r.urls, leaving out the
// fragment-only ones, which refer to the document itself.
type urlCollector struct{ r *Rewriter }

func (c *urlCollector) urlStart(int64) {}
func (c *urlCollector) urlEnd(u []byte, _, _ int64, imported bool) {
	c.r.addCSSURL(u, imported)
}

// addCSSURL adds a URL a stylesheet loads; a data: URL loads nothing, but an imported
// stylesheet's payload can load more, so it goes into Inline (an image's cannot). One
// that is empty or only a fragment once the URL parser has stripped the C0 controls and
// spaces around it is the document itself, and is left out.
func (r *Rewriter) addCSSURL(u []byte, imported bool) {
	if imported {
		t := bytes.TrimFunc(u, func(c rune) bool { return c <= ' ' })
		if data, _ := cssURLScheme(t); data {
			r.inlineSep()
			r.inline, _ = dataurl.AppendPayload(r.inline, afterScheme(string(t)))
			return
		}
	}
	if cssURLLoads(u) {
		r.urls = append(r.urls, string(u))
	}
}

// cssURLLoads reports whether a URL of a style sheet loads: not one that is empty or a
// fragment once the C0 controls and spaces around it are stripped (the document
// itself), nor a data: or javascript: URL.
func cssURLLoads(u []byte) bool {
	t := bytes.TrimFunc(u, func(c rune) bool { return c <= ' ' })
	if len(t) == 0 || t[0] == '#' {
		return false
	}
	data, js := cssURLScheme(t)
	return !data && !js
}

// cssURLScheme says whether a trimmed URL is a data: or a javascript: URL: only a colon
// near the start can end a scheme (tabs and newlines aside).
func cssURLScheme(t []byte) (data, js bool) {
	if i := bytes.IndexByte(t, ':'); i >= 0 && (i <= 16 || t[0] <= ' ' || bytes.ContainsAny(t[:i], "\t\n\r")) {
		var b [16]byte
		s := b[:schemeOf(t, &b)]
		return string(s) == "data", string(s) == "javascript"
	}
	return false, false
}

// renameAll records every attribute named name (any case) for renaming.
//
// An attribute is recorded once: what this call adds is new (it visits each
// attribute once), so only what was there before is looked through — in a
// map when there is much of it. Looking through everything for every match
// made a tag of 10,000 duplicate attributes cost minutes (cubic, with
// analyseAll calling once per attribute).
func (r *Rewriter) renameAll(tag, name []byte) {
	before := r.renam[:len(r.renam):len(r.renam)]
	var had map[int]bool
	if len(before) > 16 {
		had = make(map[int]bool, len(before))
		for _, rn := range before {
			had[rn.start] = true
		}
	}
	for _, at := range r.attrs {
		n := tag[at.nameStart:at.nameEnd]
		if !asciiEqualFold(n, name) {
			continue
		}
		dup := had[at.nameStart]
		if had == nil {
			for _, rn := range before {
				if rn.start == at.nameStart {
					dup = true
					break
				}
			}
		}
		if !dup {
			r.renam = append(r.renam, rename{start: at.nameStart, end: at.nameEnd})
		}
	}
}

// scriptKind is what a script that runs is, where that changes what its text means.
type scriptKind uint8

const (
	kindClassic     scriptKind = iota // code (and webbundle)
	kindModule                        // code whose imports the module loader fetches
	kindImportMap                     // JSON mapping module specifiers to URLs
	kindSpeculation                   // JSON naming URLs to prefetch
)

// scriptTypeRuns reports whether a script with this type (or "text/"+language) runs or
// loads something: a JavaScript MIME type (parameters allowed, which is more than
// browsers allow), module, importmap (it redirects module loads), speculationrules (it
// prefetches), webbundle; the empty type. Anything else is a data block. kind says
// which of module, importmap and speculationrules it is (with parameters too: more
// than browsers, which read "module;x" as a data block, and so never less held).
func scriptTypeRuns(ty string) (runs bool, kind scriptKind) {
	ty = trimASCIISpace(ty)
	if i := strings.IndexByte(ty, ';'); i >= 0 {
		ty = trimASCIISpace(ty[:i])
	}
	var low [24]byte
	if len(ty) > len(low) {
		return false, kindClassic
	}
	for i := range len(ty) {
		low[i] = lower(ty[i])
	}
	switch string(low[:len(ty)]) {
	case "speculationrules":
		return true, kindSpeculation
	case "module":
		return true, kindModule
	case "importmap":
		return true, kindImportMap
	case "", "webbundle",
		"application/ecmascript", "application/javascript", "application/x-ecmascript",
		"application/x-javascript", "text/ecmascript", "text/javascript", "text/javascript1.0",
		"text/javascript1.1", "text/javascript1.2", "text/javascript1.3", "text/javascript1.4",
		"text/javascript1.5", "text/jscript", "text/livescript", "text/x-ecmascript",
		"text/x-javascript":
		return true, kindClassic
	}
	return false, kindClassic
}

func trimASCIISpace(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// RelFetches reports whether a link with this rel loads (or connects to) its
// target: unless every one of its keywords is one known to load nothing. It
// fails closed: a keyword it does not know (compression-dictionary, one made
// up tomorrow) fetches. The rewriter asks it of a <link rel>, the proxy of a
// Link header's rel (caddymodule/linkheader.go).
func RelFetches(rel string) bool {
	var low [24]byte
	for _, k := range bytes.Fields([]byte(rel)) {
		if len(k) > len(low) {
			return true
		}
		for i, c := range k {
			low[i] = lower(c)
		}
		switch string(low[:len(k)]) {
		case "alternate", "author", "bookmark", "canonical", "external", "help", "license",
			"next", "nofollow", "noopener", "noreferrer", "opener", "prev", "search", "tag",
			"me", "pingback", "shortlink", "edit", "archives", "first", "last", "index",
			"start", "up", "profile", "webmention", "hub", "amphtml", "privacy-policy",
			"terms-of-service", "openid.server", "openid.delegate", "openid2.provider",
			"openid2.local_id", "shortcut", "sitemap", "contents", "copyright", "chapter",
			"section", "subsection", "appendix", "glossary", "expect":
		default:
			return true
		}
	}
	return false
}

// decodeValue decodes an attribute value as the document's syntax has it (HTML, or
// XML with the entities of its internal subset).
func (r *Rewriter) decodeValue(v, buf []byte) (string, []byte) {
	if r.cfg.XML {
		buf = r.xmlDecode(buf[:0], v)
		return string(buf), buf
	}
	return decodeAttr(v, buf)
}
