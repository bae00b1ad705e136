package htmlrewrite

// The tokenizer alone cannot tell where a <script> or a raw-text element starts: inside
// <svg> and <math> the tree builder keeps the tokenizer out of its raw-text states and
// lets CDATA sections through. treeState follows just enough of the tree builder to know
// whether the current node is foreign: a bounded stack of open elements, foreign ones and
// HTML ones, where HTML end tags pop to their element (which may close an <svg> left
// open inside it). Of the implied end tags only those that can close foreign content are
// followed: an open <p> closed by a block start tag, and a table cell, row or row group
// by the next one. An element left on the stack by mistake can only make a later end
// tag close more, which leaves foreign content sooner: the safe side, since a script
// taken for an HTML one is held back rather than let through.

type tagID uint8

const (
	tOther tagID = iota
	tHTML
	tHead
	tBody
	tScript
	tImg
	tImage
	tIframe
	tNoscript
	tStyle
	tXmp
	tNoembed
	tNoframes
	tTextarea
	tTitle
	tPlaintext
	tSvg
	tMath
	tFont
	tAnnotationXML
	tMglyph
	tMalignmark
	tForeignObject
	tDesc
	tMathText // mi, mo, mn, ms, mtext
	tBrP      // br and p: as end tags in foreign content they leave it too
	tTable
	tTemplate
	tCell  // td, th
	tRow   // tr
	tGroup // tbody, thead, tfoot
	tCaption
	tScopeMarker  // applet, marquee, object
	tVoid         // elements without content
	tVoidBreakout // embed, hr, meta: void, and they leave foreign content
	tBlockBreak   // start tags that leave foreign content and close an open <p>
	tBreakout     // the other start tags that leave foreign content
	tBlock        // other start tags that close an open <p>
	tButton
)

// tagIDs maps the tag names that matter to their tagID.
var tagIDs = map[string]tagID{
	"html":           tHTML,
	"head":           tHead,
	"body":           tBody,
	"script":         tScript,
	"img":            tImg,
	"image":          tImage,
	"iframe":         tIframe,
	"noscript":       tNoscript,
	"style":          tStyle,
	"xmp":            tXmp,
	"noembed":        tNoembed,
	"noframes":       tNoframes,
	"textarea":       tTextarea,
	"title":          tTitle,
	"plaintext":      tPlaintext,
	"svg":            tSvg,
	"math":           tMath,
	"font":           tFont,
	"annotation-xml": tAnnotationXML,
	"mglyph":         tMglyph,
	"malignmark":     tMalignmark,
	"foreignobject":  tForeignObject,
	"desc":           tDesc,
	"mi":             tMathText,
	"mo":             tMathText,
	"mn":             tMathText,
	"ms":             tMathText,
	"mtext":          tMathText,
	"br":             tBrP,
	"p":              tBrP,
	"table":          tTable,
	"template":       tTemplate,
	"td":             tCell,
	"th":             tCell,
	"tr":             tRow,
	"tbody":          tGroup,
	"thead":          tGroup,
	"tfoot":          tGroup,
	"caption":        tCaption,
	"applet":         tScopeMarker,
	"marquee":        tScopeMarker,
	"object":         tScopeMarker,
	"area":           tVoid,
	"base":           tVoid,
	"basefont":       tVoid,
	"bgsound":        tVoid,
	"col":            tVoid,
	"frame":          tVoid,
	"input":          tVoid,
	"keygen":         tVoid,
	"link":           tVoid,
	"param":          tVoid,
	"source":         tVoid,
	"track":          tVoid,
	"wbr":            tVoid,
	"embed":          tVoidBreakout,
	"hr":             tVoidBreakout,
	"meta":           tVoidBreakout,
	"blockquote":     tBlockBreak,
	"center":         tBlockBreak,
	"dd":             tBlockBreak,
	"div":            tBlockBreak,
	"dl":             tBlockBreak,
	"dt":             tBlockBreak,
	"h1":             tBlockBreak,
	"h2":             tBlockBreak,
	"h3":             tBlockBreak,
	"h4":             tBlockBreak,
	"h5":             tBlockBreak,
	"h6":             tBlockBreak,
	"li":             tBlockBreak,
	"listing":        tBlockBreak,
	"menu":           tBlockBreak,
	"ol":             tBlockBreak,
	"pre":            tBlockBreak,
	"ul":             tBlockBreak,
	"b":              tBreakout,
	"big":            tBreakout,
	"code":           tBreakout,
	"em":             tBreakout,
	"i":              tBreakout,
	"nobr":           tBreakout,
	"ruby":           tBreakout,
	"s":              tBreakout,
	"small":          tBreakout,
	"span":           tBreakout,
	"strong":         tBreakout,
	"strike":         tBreakout,
	"sub":            tBreakout,
	"sup":            tBreakout,
	"tt":             tBreakout,
	"u":              tBreakout,
	"var":            tBreakout,
	"address":        tBlock,
	"article":        tBlock,
	"aside":          tBlock,
	"details":        tBlock,
	"dialog":         tBlock,
	"dir":            tBlock,
	"fieldset":       tBlock,
	"figcaption":     tBlock,
	"figure":         tBlock,
	"footer":         tBlock,
	"form":           tBlock,
	"header":         tBlock,
	"hgroup":         tBlock,
	"main":           tBlock,
	"nav":            tBlock,
	"search":         tBlock,
	"section":        tBlock,
	"summary":        tBlock,
	"button":         tButton,
}

// tagTable is tagIDs as an open-addressing table keyed by the name hash the tokenizer
// computes anyway, so that looking a tag up costs a few loads.
var tagTable = func() (t [512]struct {
	hash uint64
	id   tagID
}) {
	for name, id := range tagIDs {
		h := nameHash(name)
		i := h % uint64(len(t))
		for t[i].id != tOther {
			i = (i + 1) % uint64(len(t))
		}
		t[i].hash, t[i].id = h, id
	}
	return t
}()

func lookupTag(hash uint64) tagID {
	for i := hash % uint64(len(tagTable)); ; i = (i + 1) % uint64(len(tagTable)) {
		e := &tagTable[i]
		if e.hash == hash || e.id == tOther {
			return e.id
		}
	}
}

// breaksOut reports whether a start tag leaves foreign content (font only with a
// color, face or size attribute, which the caller checks).
func breaksOut(id tagID) bool {
	switch id {
	case tBreakout, tBlockBreak, tVoidBreakout, tBrP, tBody, tHead, tImg, tTable:
		return true
	}
	return false
}

const (
	nsHTML uint8 = iota
	nsSVG
	nsMath
)

// Frame kinds, as bits.
const (
	kIP         uint16 = 1 << iota // HTML integration point: start tags and text in it are HTML
	kMathText                      // MathML text integration point
	kAnnotation                    // annotation-xml without an HTML encoding: only <svg> is HTML in it
	kScope                         // ends the search for an element "in scope"
	kTableScope                    // ends the search for an element "in table scope"
	kCell                          // td, th
	kRow                           // tr
	kGroup                         // tbody, thead, tfoot
	kButton                        // ends the search for an element "in button scope"
	kP                             // p

	counted = kP | kCell | kRow | kGroup
)

type frame struct {
	hash uint64 // of the lower-cased tag name
	ns   uint8
	kind uint16
}

// maxFrames bounds the stack; when it is full the oldest half is forgotten, since the
// elements nearest the top are the ones that decide.
const maxFrames = 256

type treeState struct {
	frames []frame
	// How many frames have each counted kind, so that most searches for one are skipped.
	open kindCounts
	// The current node is foreign: kept up to date because every tag asks.
	foreignTop bool
}

// kindCounts counts frames by their counted kind.
type kindCounts struct{ p, cell, row, group int32 }

func (m *kindCounts) add(kind uint16, d int32) {
	if kind&counted == 0 {
		return
	}
	switch {
	case kind&kP != 0:
		m.p += d
	case kind&kCell != 0:
		m.cell += d
	case kind&kRow != 0:
		m.row += d
	default:
		m.group += d
	}
}

func (m *kindCounts) has(kind uint16) bool {
	switch kind {
	case kP:
		return m.p > 0
	case kCell:
		return m.cell > 0
	case kRow:
		return m.row > 0
	}
	return m.group > 0
}

func (t *treeState) top() (frame, bool) {
	if len(t.frames) == 0 {
		return frame{}, false
	}
	return t.frames[len(t.frames)-1], true
}

// foreignFor reports whether a start tag with this id is handled as foreign content.
func (t *treeState) foreignFor(id tagID) bool {
	if !t.foreignTop {
		return false
	}
	f := t.frames[len(t.frames)-1]
	if f.kind&kIP != 0 {
		return false
	}
	switch {
	case f.kind&kMathText != 0:
		return id == tMglyph || id == tMalignmark
	case f.kind&kAnnotation != 0:
		return id != tSvg
	}
	return true
}

// inForeign reports whether the current node is foreign: then <![CDATA[ starts a CDATA
// section, and a start tag may be foreign too.
func (t *treeState) inForeign() bool {
	return t.foreignTop
}

func (t *treeState) push(f frame) {
	if len(t.frames) == maxFrames {
		for _, g := range t.frames[:maxFrames/2] {
			t.open.add(g.kind, -1)
		}
		n := copy(t.frames, t.frames[maxFrames/2:])
		t.frames = t.frames[:n]
	}
	t.frames = append(t.frames, f)
	t.open.add(f.kind, 1)
	t.foreignTop = f.ns != nsHTML
}

// pushForeign records a foreign start tag (not self-closing); it takes its parent's
// namespace.
func (t *treeState) pushForeign(id tagID, hash uint64, htmlEncoding bool) {
	f := frame{hash: hash, ns: t.frames[len(t.frames)-1].ns}
	switch {
	case f.ns == nsSVG && (id == tForeignObject || id == tDesc || id == tTitle):
		f.kind = kIP | kScope
	case f.ns == nsMath && id == tMathText:
		f.kind = kMathText | kScope
	case f.ns == nsMath && id == tAnnotationXML:
		f.kind = kAnnotation | kScope
		if htmlEncoding {
			f.kind = kIP | kScope
		}
	}
	t.push(f)
}

// breakout pops the foreign elements down to an integration point or an HTML element.
func (t *treeState) breakout() {
	n := len(t.frames)
	for n > 0 {
		f := t.frames[n-1]
		if f.ns == nsHTML || f.kind&(kIP|kMathText) != 0 {
			break
		}
		n--
	}
	t.truncate(n)
}

// find returns the index of the nearest frame in the HTML namespace with this hash (or,
// when hash is 0, with a kind in kind), not looking past a frame with a kind in stop;
// -1 when there is none.
func (t *treeState) find(hash uint64, kind, stop uint16) int {
	if hash == 0 && !t.open.has(kind) {
		return -1
	}
	for i := len(t.frames) - 1; i >= 0; i-- {
		f := &t.frames[i]
		if f.ns == nsHTML && (f.hash == hash || hash == 0 && f.kind&kind != 0) {
			return i
		}
		if f.kind&stop != 0 {
			return -1
		}
	}
	return -1
}

// startHTML records an HTML start tag.
func (t *treeState) startHTML(id tagID, hash uint64, selfClosing bool) {
	switch id {
	case tBlock, tBlockBreak, tBrP, tTable, tVoidBreakout, tPlaintext, tXmp:
		// These close an open <p> (<br> and <embed>, <meta> do not, and <table> only
		// outside quirks mode, which is taken as the rule).
		if hash != brHash && hash != embedHash && hash != metaHash {
			t.truncate(t.find(0, kP, kScope|kButton))
		}
	}
	switch id {
	case tSvg, tMath:
		if !selfClosing {
			ns := nsSVG
			if id == tMath {
				ns = nsMath
			}
			t.push(frame{hash: hash, ns: ns})
		}
	case tCell:
		// A new cell closes the open one, and whatever is open in it.
		t.truncate(t.find(0, kCell, kTableScope))
		t.push(frame{hash: hash, kind: kCell | kScope})
	case tRow:
		t.truncate(t.find(0, kRow, kTableScope))
		t.push(frame{hash: hash, kind: kRow})
	case tGroup:
		t.truncate(t.find(0, kGroup, kTableScope))
		t.push(frame{hash: hash, kind: kGroup})
	case tTable, tTemplate:
		t.push(frame{hash: hash, kind: kScope | kTableScope})
	case tCaption, tScopeMarker:
		t.push(frame{hash: hash, kind: kScope})
	case tButton:
		t.push(frame{hash: hash, kind: kButton})
	case tOther, tBreakout, tBlockBreak, tBlock, tBrP, tFont, tAnnotationXML, tMglyph,
		tMalignmark, tForeignObject, tDesc, tMathText:
		switch {
		case hash == pHash:
			t.push(frame{hash: hash, kind: kP})
		case hash != brHash:
			t.push(frame{hash: hash})
		}
	}
	// The rest are void, raw text (their end tag is found by the tokenizer), or never
	// popped (html, head, body).
}

var (
	brHash    = nameHash("br")
	pHash     = nameHash("p")
	embedHash = nameHash("embed")
	metaHash  = nameHash("meta")
)

func nameHash(s string) uint64 {
	h := uint64(fnvOffset)
	for i := range len(s) {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// end records an end tag.
func (t *treeState) end(id tagID, hash uint64) {
	f, ok := t.top()
	if !ok {
		return
	}
	if f.ns != nsHTML {
		if id == tBrP {
			t.breakout()
		} else {
			for i := len(t.frames) - 1; i >= 0; i-- {
				if t.frames[i].hash == hash {
					t.truncate(i)
					return
				}
				if i > 0 && t.frames[i-1].ns == nsHTML {
					break
				}
			}
		}
	}
	switch id {
	case tCell, tRow, tGroup, tTable, tCaption:
		t.truncate(t.find(hash, 0, kTableScope))
	case tTemplate:
		t.truncate(t.find(hash, 0, 0))
	default:
		t.truncate(t.find(hash, 0, kScope))
	}
}

// truncate pops the frames from index n on; n < 0 pops nothing.
func (t *treeState) truncate(n int) {
	if n < 0 || n >= len(t.frames) {
		return
	}
	for _, f := range t.frames[n:] {
		t.open.add(f.kind, -1)
	}
	t.frames = t.frames[:n]
	t.foreignTop = n > 0 && t.frames[n-1].ns != nsHTML
}
