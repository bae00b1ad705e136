package htmlrewrite

// The tokenizer alone cannot tell where a <script> or a raw-text element starts: inside
// <svg> and <math> the tree builder keeps the tokenizer out of its raw-text states and
// lets CDATA sections through. treeState follows just enough of the tree builder for that:
// a stack of the open foreign elements, the way golang.org/x/net/html and browsers keep it.
// HTML elements opened inside an integration point (<foreignObject>, <desc>, <title>, <mi>,
// ...) are not tracked.

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
	tBrP      // br and p: as end tags they also leave foreign content
	tBreakout // the other start tags that leave foreign content
)

func lookupTag(name []byte) tagID {
	switch string(name) {
	case "html":
		return tHTML
	case "head":
		return tHead
	case "body":
		return tBody
	case "script":
		return tScript
	case "img":
		return tImg
	case "image":
		return tImage
	case "iframe":
		return tIframe
	case "noscript":
		return tNoscript
	case "style":
		return tStyle
	case "xmp":
		return tXmp
	case "noembed":
		return tNoembed
	case "noframes":
		return tNoframes
	case "textarea":
		return tTextarea
	case "title":
		return tTitle
	case "plaintext":
		return tPlaintext
	case "svg":
		return tSvg
	case "math":
		return tMath
	case "font":
		return tFont
	case "annotation-xml":
		return tAnnotationXML
	case "mglyph":
		return tMglyph
	case "malignmark":
		return tMalignmark
	case "foreignobject":
		return tForeignObject
	case "desc":
		return tDesc
	case "mi", "mo", "mn", "ms", "mtext":
		return tMathText
	case "br", "p":
		return tBrP
	case "b", "big", "blockquote", "center", "code", "dd", "div", "dl", "dt", "em",
		"embed", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "listing", "menu",
		"meta", "nobr", "ol", "pre", "ruby", "s", "small", "span", "strong", "strike", "sub",
		"sup", "table", "tt", "u", "ul", "var":
		return tBreakout
	}
	return tOther
}

// breaksOut reports whether a start tag leaves foreign content (font only with a
// color, face or size attribute, which the caller checks).
func breaksOut(id tagID) bool {
	switch id {
	case tBreakout, tBrP, tBody, tHead, tImg:
		return true
	}
	return false
}

const (
	nsSVG uint8 = iota + 1
	nsMath
)

const (
	ipNone       uint8 = iota
	ipHTML             // svg foreignObject, desc, title; math annotation-xml with an HTML encoding
	ipMathText         // math mi, mo, mn, ms, mtext
	ipAnnotation       // math annotation-xml without an HTML encoding: only <svg> is HTML there
)

type frame struct {
	hash uint64 // of the lower-cased tag name
	ns   uint8
	ip   uint8
}

// maxFrames bounds the memory a deeply nested document can make us use; deeper foreign
// elements are only counted.
const maxFrames = 512

type treeState struct {
	frames []frame
	deep   int // foreign elements open beyond maxFrames
}

// foreignFor reports whether a start tag with this id is handled as foreign content.
func (t *treeState) foreignFor(id tagID) bool {
	if t.deep > 0 {
		return true
	}
	n := len(t.frames)
	if n == 0 {
		return false
	}
	switch t.frames[n-1].ip {
	case ipHTML:
		return false
	case ipMathText:
		return id == tMglyph || id == tMalignmark
	case ipAnnotation:
		return id != tSvg
	}
	return true
}

// cdata reports whether <![CDATA[ starts a CDATA section.
func (t *treeState) cdata() bool {
	return len(t.frames) > 0
}

func (t *treeState) push(f frame) {
	if len(t.frames) >= maxFrames {
		t.deep++
		return
	}
	t.frames = append(t.frames, f)
}

// currentNS is the namespace a foreign start tag gets: its parent's.
func (t *treeState) currentNS() uint8 {
	if t.deep == 0 && len(t.frames) > 0 {
		return t.frames[len(t.frames)-1].ns
	}
	return nsSVG
}

// pushElement records a start tag (not self-closing) of an element in namespace ns.
func (t *treeState) pushElement(id tagID, hash uint64, ns uint8, htmlEncoding bool) {
	f := frame{hash: hash, ns: ns}
	switch {
	case ns == nsSVG && (id == tForeignObject || id == tDesc || id == tTitle):
		f.ip = ipHTML
	case ns == nsMath && id == tMathText:
		f.ip = ipMathText
	case ns == nsMath && id == tAnnotationXML:
		f.ip = ipAnnotation
		if htmlEncoding {
			f.ip = ipHTML
		}
	}
	t.push(f)
}

// breakout pops to the nearest integration point (or out of foreign content).
func (t *treeState) breakout() {
	t.deep = 0
	for n := len(t.frames); n > 0; n-- {
		if ip := t.frames[n-1].ip; ip == ipHTML || ip == ipMathText {
			break
		}
		t.frames = t.frames[:n-1]
	}
}

// end handles an end tag.
func (t *treeState) end(id tagID, hash uint64) {
	if t.deep > 0 {
		t.deep--
		return
	}
	if len(t.frames) == 0 {
		return
	}
	if id == tBrP {
		t.breakout()
		return
	}
	for i := len(t.frames) - 1; i >= 0; i-- {
		if t.frames[i].hash == hash {
			t.frames = t.frames[:i]
			return
		}
	}
}

func (t *treeState) truncate(n int) {
	t.deep = 0
	if n < len(t.frames) {
		t.frames = t.frames[:n]
	}
}
