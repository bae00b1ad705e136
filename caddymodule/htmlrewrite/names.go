package htmlrewrite

import "hash/maphash"

// tagID names a tag name the rewriter knows; every known name has its own ID, so an
// ID identifies a name exactly. tOther is any other name.
type tagID uint16

// The names the code refers to. The other known names (tagNames below) get IDs after
// these; they only carry properties.
const (
	tOther tagID = iota
	tA
	tAddress
	tAnimate
	tAnnotationXML
	tApplet
	tArea
	tAudio
	tB
	tBase
	tBody
	tBr
	tButton
	tCaption
	tCol
	tColgroup
	tDd
	tDesc
	tDiv
	tDt
	tEmbed
	tFeImage
	tFont
	tForeignObject
	tForm
	tFrame
	tFrameset
	tHTML
	tHead
	tHr
	tIframe
	tImage
	tImg
	tInput
	tLi
	tLink
	tMalignmark
	tMath
	tMglyph
	tMi
	tMn
	tMo
	tMs
	tMtext
	tMarquee
	tNoembed
	tNoframes
	tNoscript
	tObject
	tOptgroup
	tOption
	tP
	tPlaintext
	tRb
	tRp
	tRt
	tRtc
	tRuby
	tScript
	tSelect
	tSet
	tSource
	tStyle
	tSvg
	tTable
	tTbody
	tTd
	tTemplate
	tTextarea
	tTfoot
	tTh
	tThead
	tTitle
	tTr
	tTrack
	tUse
	tVideo
	tXmp
	numNamedTags
)

// props are what the tree builder of the HTML standard does with an element of the HTML
// namespace with this name.
type props uint32

const (
	pBreakout    props = 1 << iota // a start tag in foreign content leaves it
	pClosesP                       // a start tag closes a <p> in button scope
	pVoid                          // no content: never on the stack
	pSpecial                       // the "special" category
	pScope                         // ends the search for an element "in scope"
	pTableScope                    // ends the search "in table scope"
	pImplied                       // popped by "generate implied end tags"
	pFormatting                    // end tag runs the adoption agency
	pBlockEnd                      // end tag: pop to the element when it is in scope
	pHeading                       // h1 to h6
	pFramesetOff                   // a start tag clears frameset-ok
	pRaw                           // raw text or RCDATA: its end tag is found by the tokenizer
)

// namesInOrder lists the names of the constants above, in their order.
var namesInOrder = [numNamedTags]string{
	"", "a", "address", "animate", "annotation-xml", "applet", "area", "audio", "b", "base",
	"body", "br", "button", "caption", "col", "colgroup", "dd", "desc", "div", "dt",
	"embed", "feimage", "font", "foreignobject", "form", "frame", "frameset", "html", "head", "hr",
	"iframe", "image", "img", "input", "li", "link", "malignmark", "math", "mglyph", "mi",
	"mn", "mo", "ms", "mtext", "marquee", "noembed", "noframes", "noscript", "object", "optgroup",
	"option", "p", "plaintext", "rb", "rp", "rt", "rtc", "ruby", "script", "select",
	"set", "source", "style", "svg", "table", "tbody", "td", "template", "textarea", "tfoot",
	"th", "thead", "title", "tr", "track", "use", "video", "xmp",
}

// otherNames are further names the tree builder treats specially, or common enough
// that a lookup is cheaper than hashing them.
var otherNames = []string{
	"abbr", "acronym", "article", "aside", "basefont", "bdi", "bdo", "bgsound", "big", "blink",
	"blockquote", "canvas", "center", "cite", "code", "data", "datalist", "del", "details",
	"dfn", "dialog", "dir", "dl", "em", "fieldset", "figcaption", "figure", "footer",
	"h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "i", "ins", "kbd", "keygen",
	"label", "legend", "listing", "main", "map", "mark", "menu", "meta", "meter", "nav",
	"nobr", "ol", "output", "param", "picture", "pre", "progress", "q", "s", "samp",
	"search", "section", "slot", "small", "span", "strike", "strong", "sub", "summary",
	"sup", "time", "tt", "u", "ul", "var", "wbr",
	// SVG and MathML
	"g", "path", "rect", "circle", "ellipse", "line", "polygon", "polyline", "text",
	"tspan", "textpath", "defs", "symbol", "lineargradient", "radialgradient", "stop",
	"pattern", "clippath", "mask", "filter", "marker", "switch", "view", "metadata",
	"animatemotion", "animatetransform", "mpath", "annotation", "semantics", "mrow",
	"mfrac", "msqrt", "mroot", "mstyle", "msub", "msup", "msubsup", "munder", "mover",
}

// tagProps holds the HTML standard's lists, as properties.
var tagProps = func() []props {
	tp := make([]props, int(numNamedTags)+len(otherNames))
	set := func(p props, names ...string) {
		for _, n := range names {
			id := lookupName(n)
			if id == tOther {
				panic("htmlrewrite: unknown tag name " + n)
			}
			tp[id] |= p
		}
	}
	set(pBreakout, "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div",
		"dl", "dt", "em", "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i",
		"img", "li", "listing", "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s",
		"small", "span", "strong", "strike", "sub", "sup", "table", "tt", "u", "ul", "var")
	set(pClosesP, "address", "article", "aside", "blockquote", "center", "details",
		"dialog", "dir", "div", "dl", "fieldset", "figcaption", "figure", "footer",
		"header", "hgroup", "main", "menu", "nav", "ol", "p", "search", "section",
		"summary", "ul", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "listing", "form",
		"li", "dd", "dt", "plaintext", "table", "hr", "xmp")
	set(pVoid, "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr",
		"img", "image", "input", "keygen", "link", "meta", "param", "source", "track", "wbr")
	set(pSpecial, "address", "applet", "area", "article", "aside", "base", "basefont",
		"bgsound", "blockquote", "body", "br", "button", "caption", "center", "col",
		"colgroup", "dd", "details", "dir", "div", "dl", "dt", "embed", "fieldset",
		"figcaption", "figure", "footer", "form", "frame", "frameset", "h1", "h2", "h3",
		"h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "iframe", "img",
		"input", "keygen", "li", "link", "listing", "main", "marquee", "menu", "meta",
		"nav", "noembed", "noframes", "noscript", "object", "ol", "p", "param",
		"plaintext", "pre", "script", "search", "section", "select", "source", "style",
		"summary", "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead",
		"title", "tr", "track", "ul", "wbr", "xmp")
	set(pScope, "applet", "caption", "html", "table", "td", "th", "marquee", "object",
		"template", "select")
	set(pTableScope, "html", "table", "template")
	set(pImplied, "dd", "dt", "li", "optgroup", "option", "p", "rb", "rp", "rt", "rtc")
	set(pFormatting, "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small",
		"strike", "strong", "tt", "u")
	set(pBlockEnd, "address", "article", "aside", "blockquote", "button", "center",
		"details", "dialog", "dir", "div", "dl", "fieldset", "figcaption", "figure",
		"footer", "header", "hgroup", "listing", "main", "menu", "nav", "ol", "pre",
		"search", "section", "select", "summary", "ul", "applet", "marquee", "object")
	set(pHeading, "h1", "h2", "h3", "h4", "h5", "h6")
	set(pFramesetOff, "pre", "listing", "li", "dd", "dt", "button", "applet", "marquee",
		"object", "table", "area", "br", "embed", "img", "image", "keygen", "wbr", "hr",
		"textarea", "xmp", "iframe", "select", "template")
	set(pRaw, "script", "style", "iframe", "noembed", "noframes", "textarea", "title",
		"xmp", "plaintext", "noscript")
	return tp
}()

func (id tagID) has(p props) bool { return tagProps[id]&p != 0 }

// The name table: open addressing on the FNV-1a hash the tokenizer computes while it
// reads a name, verified against the name itself, so that no name can pass for another.
type nameEntry struct {
	hash uint64
	id   tagID
	n    uint8
	name [16]byte
}

var nameTable = func() (t [1024]nameEntry) {
	add := func(name string, id tagID) {
		h := nameHash(name)
		i := h % uint64(len(t))
		for t[i].id != tOther {
			i = (i + 1) % uint64(len(t))
		}
		e := &t[i]
		e.hash, e.id, e.n = h, id, uint8(len(name))
		copy(e.name[:], name)
	}
	for id := tA; id < numNamedTags; id++ {
		add(namesInOrder[id], id)
	}
	for k, n := range otherNames {
		add(n, numNamedTags+tagID(k))
	}
	return t
}()

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func nameHash(s string) uint64 {
	h := uint64(fnvOffset)
	for i := range len(s) {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// KnownTag reports whether tag (lower case) is an element name the rewriter
// knows, as opposed to a custom element or a made-up name: a caller that
// counts elements by name keeps its label set bounded with it.
func KnownTag(tag string) bool { return tag == "xml-stylesheet" || lookupName(tag) != tOther }

// lookupName returns the ID of a lower-case name, tOther when it is not known.
func lookupName(s string) tagID {
	var b [16]byte
	if len(s) > len(b) {
		return tOther
	}
	copy(b[:], s)
	return lookupTag(nameHash(s), b[:len(s)])
}

// lookupTag returns the ID of the lower-case name with this hash.
func lookupTag(hash uint64, name []byte) tagID {
	if len(name) > 16 {
		return tOther
	}
	for i := hash % uint64(len(nameTable)); ; i = (i + 1) % uint64(len(nameTable)) {
		e := &nameTable[i]
		if e.id == tOther {
			return tOther
		}
		if e.hash == hash && int(e.n) == len(name) && string(e.name[:e.n]) == string(name) {
			return e.id
		}
	}
}

// nameSeed keys the hash that identifies names the table does not know: end tags are
// matched to open elements by it, and a collision a page could craft (as it could for
// FNV) would let it close an <svg> in our view but not in the browser's.
var nameSeed = maphash.MakeSeed()

const unknownName = 1 << 63

// nameKey identifies a name on the stack of open elements: its ID; for another name of
// up to 7 bytes the bytes themselves (with the length, so that no ID or hash can be
// equal); for a longer one its keyed hash.
func nameKey(id tagID, name []byte, n int, h *maphash.Hash) uint64 {
	switch {
	case id != tOther:
		return uint64(id)
	case n <= 7:
		return packName(name[:n]) | uint64(0x40|n)<<56
	}
	return h.Sum64() | unknownName
}

// packName packs a lower-case name of up to 8 bytes into a word, little-endian.
func packName(name []byte) uint64 {
	var w uint64
	for i, c := range name {
		w |= uint64(c) << (8 * i)
	}
	return w
}

// shortNames looks up the known names of up to 8 bytes by their packed form: cheaper
// than hashing them byte by byte.
var shortNames = func() (t [1024]struct {
	w  uint64
	id tagID
}) {
	add := func(name string, id tagID) {
		if len(name) > 8 {
			return
		}
		w := packName([]byte(name))
		i := shortSlot(w)
		for t[i].id != tOther {
			i = (i + 1) % uint64(len(t))
		}
		t[i].w, t[i].id = w, id
	}
	for id := tA; id < numNamedTags; id++ {
		add(namesInOrder[id], id)
	}
	for k, n := range otherNames {
		add(n, numNamedTags+tagID(k))
	}
	return t
}()

func shortSlot(w uint64) uint64 { return (w * 0x9E3779B97F4A7C15) >> 54 }

// lookupShort returns the ID of a known name of up to 8 bytes from its packed form.
func lookupShort(w uint64) tagID {
	for i := shortSlot(w); ; i = (i + 1) % uint64(len(shortNames)) {
		e := &shortNames[i]
		if e.w == w || e.id == tOther {
			return e.id
		}
	}
}

// tMeta is <meta>'s ID, a name of otherNames: only Doc reads it (Doc.CSP).
var tMeta = lookupName("meta")
