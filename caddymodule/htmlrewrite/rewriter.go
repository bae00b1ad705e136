package htmlrewrite

import (
	"errors"
	"io"
)

// Doc is what the rewriter knows about the document when it inserts markup.
type Doc struct {
	// Lang is the decoded lang attribute of the document's <html> start tag (xml:lang
	// first in XML); "" when none was seen (yet).
	Lang string
	// CSP holds the decoded content of each <meta http-equiv="Content-Security-Policy">
	// seen so far (the first few; HTML only, not inside <template> or <noscript>): a
	// policy the page delivers in its markup, which binds what is inserted after it.
	CSP []string
}

// maxMetaCSP bounds Doc.CSP: a page has one such meta, rarely two.
const maxMetaCSP = 4

// Element is an element the rewriter asks the caller about: one that would load or run
// something.
type Element struct {
	// Tag is the lower-case local name: script, style, iframe, frame, img, image,
	// feimage, input, video, audio, source, track, object, embed, link, use, set,
	// animate, mglyph, xml-stylesheet, or any element with a style attribute (div, ...).
	Tag string
	// Src is the first URL in URLs; "" when there is none (inline content).
	Src string
	// URLs is every URL the element would load, decoded as the DOM has them, in the order
	// of its attributes (srcset candidates and CSS url() each count). data: and
	// javascript: URLs are not in it: their decoded payloads are in Inline. Only valid
	// during the call.
	URLs []string
	// Inline is what the element would run or show that is not behind a URL: the text of
	// a <script>, a <style> or a script's window of it (see the package documentation),
	// the decoded srcdoc of an iframe, the decoded payload of a data: or javascript: URL;
	// parts are separated by a line break. nil when there is none. Only valid during the
	// call.
	Inline []byte
	// Base is the decoded href of the document's first <base> with an href seen before
	// the element; "" when none.
	Base string
	// InNoscript: inside <noscript> (which scripting browsers do not read as markup).
	InNoscript bool
	// Foreign: an SVG or MathML element.
	Foreign bool
	// Width and Height are the element's attributes of those names, decoded, for the
	// elements that get placeholders (iframe, frame, video, audio, embed, object).
	Width, Height string
	// SpeculationRules: a <script type="speculationrules"> (the type compared as browsers
	// compare it: ASCII case-insensitive, spaces around it trimmed). Its Inline is not
	// code but JSON: the URLs its rules make the browser prefetch or prerender, and its
	// document rules fetch links of the page, named nowhere in it.
	SpeculationRules bool
	// Module: a <script type="module"> (the type compared as for SpeculationRules). Its
	// static imports are fetched by the browser's module loader, which no script on the
	// page (the guard) can intercept: the caller reads its Inline for the URLs it names,
	// not only for a script's markers.
	Module bool
	// ImportMap: a <script type="importmap">. Its Inline is not code but JSON mapping
	// module specifiers to the URLs a module that imports them loads.
	ImportMap bool
	// Partial: what decides the element (a start tag of a script, style or link, or one
	// attribute of another element's long tag) did not fit in the hold limit, so URLs and
	// Inline hold only what came before it. The rewriter cannot see the rest in time; the
	// caller should hold it back unless nothing it could be is blocked (fail closed). A
	// long tag's other attributes are asked about one by one, not as Partial (longtag.go).
	Partial bool
}

// Config says what to insert and what to hold back. Every field may be left zero.
type Config struct {
	// Head is inserted right after the first <head> start tag; in a document without one,
	// right before the first start tag other than <html>; if neither ever comes, at Close
	// (before BodyEnd).
	Head func(Doc) []byte
	// BodyEnd is inserted right before the first </body> end tag that is real markup (not
	// in a comment, script, style, textarea, noscript, ...) and that browsers do not
	// ignore (in a template or a select); without one, at Close, after what ends the
	// construct the input ended in.
	BodyEnd func(Doc) []byte
	// Placeholder returns markup inserted immediately before the start tag of a held-back
	// iframe, frame, video, audio, embed or object of the HTML namespace that is not in
	// <noscript>. nil: none.
	Placeholder func(d Doc, e Element, category string) []byte
	// Block returns the category to hold the element back under; "" lets it pass.
	// nil: nothing is blocked.
	Block func(Element) string
	// XML scans the document as XML (image/svg+xml, application/xhtml+xml).
	XML bool
	// MaxHold is the most bytes held back at any time; 0 means 64 KiB. Values below 16 are
	// raised to 16, so that the tag names deciding an insertion always fit.
	MaxHold int
	// Debug, when set, is told when the rewriter fails closed.
	Debug func(msg string)
}

const (
	defaultMaxHold = 64 << 10
	minMaxHold     = 16
)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("htmlrewrite: write after Close")

// Rewriter rewrites one document on its way to an io.Writer. It is not safe for
// concurrent use.
type Rewriter struct {
	w       io.Writer
	cfg     Config
	block   func(Element) string
	maxHold int
	err     error
	closed  bool

	// Output bookkeeping for the chunk being scanned: p[emitFrom:] is not written yet.
	emitFrom int

	// Capture: the bytes of a construct whose output is not decided yet are
	// hold + p[capStart:i]. hold is non-empty only when the construct began in an
	// earlier Write, in which case nothing before it is pending.
	capturing bool
	capWhy    capture
	capStart  int
	capTagLen int // capRaw: length of the start tag within the captured bytes
	hold      []byte
	raw       rawState
	tail      tailState
	abs       int64  // the absolute offset of the chunk's first byte
	cssP      []byte // the chunk the CSS scanner is shown, for its events

	pend pending

	tok   tokenizer
	tree  treeState
	noscr noscriptState
	xml   xmlState

	doc      Doc
	langDone bool
	base     string
	baseDone bool

	headIn    bool // Head still to be inserted
	bodyIn    bool // BodyEnd still to be inserted
	headAt    bool // the start tag being scanned is <head>: insert Head after it
	failed    bool // failed closed: the rest is plain text to browsers
	lostAsked bool // Block was asked about a lost stack of open elements
	// longInputHidden: the <input> start tag being streamed past the hold limit said
	// type=hidden in what was held of it (inputTypeSeen).
	longInputHidden bool
	attrBits        uint8 // for a tag read whole by fastTag: aKnown and the names it has

	// Scratch space, kept across Reset.
	out     []byte
	scratch []byte
	inline  []byte
	urls    []string
	renam   []rename
	attrs   []attr
	words   []attrWord
	// roleWords: the names with a role analyse has met in the tag so far
	// (a duplicate's is dropped, as browsers drop it).
	roleWords []attrWord
	importAt  []int64 // where the @import URLs of a style being decided start
	cssSpans  []cssSpan
	parts     [][]byte // a style kept active, in the pieces it is written in (keepActive)
	ca        cssAttrs // the URLs of a short CSS attribute (keepCSSAttrs)
	saved     []frame
	synth     []byte     // an attribute of a long tag as a tag of its own; not kept across Reset
	sv        styleValue // a long CSS attribute value; not kept across Reset
	sd        dataURL    // a long data: URL of a script or style sheet; not kept across Reset
}

// New returns a Rewriter writing to w. cfg may be nil.
func New(w io.Writer, cfg *Config) *Rewriter {
	r := &Rewriter{}
	r.Reset(w, cfg)
	return r
}

// Reset makes r rewrite a new document to w, keeping its buffers, so that Rewriters can
// be pooled.
func (r *Rewriter) Reset(w io.Writer, cfg *Config) {
	frames := r.tree.frames
	*r = Rewriter{
		w:        w,
		hold:     r.hold[:0],
		out:      r.out[:0],
		scratch:  r.scratch[:0],
		inline:   r.inline[:0],
		urls:     r.urls[:0],
		renam:    r.renam[:0],
		attrs:    r.attrs[:0],
		words:    r.words[:0],
		importAt: r.importAt[:0],
		cssSpans: r.cssSpans[:0],
		parts:    r.parts[:0],
		ca:       cssAttrs{sc: cssScanner{buf: r.ca.sc.buf[:0]}, spans: r.ca.spans[:0], held: r.ca.held[:0]},
		saved:    r.saved[:0],
		pend:     pending{tag: r.pend.tag[:0], out: r.pend.out[:0], text: r.pend.text[:0]},
		raw:      rawState{sc: cssScanner{buf: r.raw.sc.buf[:0]}},
		tok:      tokenizer{mh: r.tok.mh},
	}
	r.tree.reset(frames)
	r.tok.mh.SetSeed(nameSeed)
	if cfg != nil {
		r.cfg = *cfg
		r.block = cfg.Block
		r.maxHold = cfg.MaxHold
	}
	if r.maxHold == 0 {
		r.maxHold = defaultMaxHold
	}
	r.maxHold = max(r.maxHold, minMaxHold)
	r.headIn = r.cfg.Head != nil
	r.bodyIn = r.cfg.BodyEnd != nil
	if r.cfg.XML {
		r.xml.reset()
	}
}

// Write rewrites p and writes what can be decided; the rest (a partial tag, an inline
// script awaiting its end, ...) is held until a later Write, Flush or Close decides it.
// p is not retained.
func (r *Rewriter) Write(p []byte) (int, error) {
	if r.closed {
		return 0, ErrClosed
	}
	if r.err != nil {
		return 0, r.err
	}
	if r.cfg.XML {
		r.feedXML(p)
	} else {
		r.feed(p)
	}
	if r.err != nil {
		return 0, r.err
	}
	return len(p), nil
}

// Flush writes everything that no later byte can change. It does not flush the
// underlying writer.
func (r *Rewriter) Flush() error {
	if r.err == nil && r.capturing && r.capWhy == capName && !r.cfg.XML {
		r.decideEarly()
	}
	return r.err
}

// Close writes the rest, with the insertions still pending. The underlying writer is not
// closed.
func (r *Rewriter) Close() error {
	if r.closed {
		return r.err
	}
	r.closed = true
	if r.err != nil {
		// A write failed (the client went away): nothing more can reach it,
		// and what was being held may point into a chunk that is gone.
		return r.err
	}
	if r.cfg.XML {
		r.closeXML()
		return r.err
	}
	if r.capturing {
		// The end of input interrupts this construct, so the pending
		// insertions go before it: after it they would become part of it — the
		// attributes that complete a tag the browser would otherwise drop (a
		// truncated <script src=tracker... plus our markup makes a script that
		// loads), or the text of an unfinished script.
		r.endPending(nil, 0)
		r.writeInsertions()
		// At end of input an unfinished tag is dropped by browsers; an unfinished
		// script or style still counts, so it is decided on what it has.
		switch r.capWhy {
		case capRaw, capWindow:
			r.rawEnd(nil, 0, r.capturedLen(0))
		case capURL:
			r.cssTokenEnd(nil, 0, true)
		default:
			r.release()
		}
	}
	r.endPending(nil, 0)
	if r.headIn || r.bodyIn {
		if end, ok := r.backToMarkup(); ok {
			r.write(end)
		} else {
			r.headIn, r.bodyIn = false, false
		}
	}
	r.writeInsertions()
	return r.err
}

// backToMarkup returns what ends the constructs the input ended inside of, so that what
// is inserted at its end is markup in the body, where browsers show it, as it would be
// after them: an unclosed comment, a <textarea> or <title>, a raw-text element, a
// noscript, a template, a select (a PHP fatal error, a template that forgot an end, a
// truncated page end anywhere). Browsers end them there too, so the document is the
// same but for the insertions. ok is false where nothing should be inserted: inside
// <plaintext> nothing ends, and an unfinished tag (a long one streamed) is dropped by
// browsers, which completing it would undo.
func (r *Rewriter) backToMarkup() (end []byte, ok bool) {
	t := &r.tok
	switch t.state {
	case sData:
	case sMarkupDecl, sBogusComment:
		end = append(end, '>')
	case sComment:
		end = append(end, "-->"...)
	case sCommentEndDash:
		end = append(end, "->"...)
	case sCommentStart, sCommentStartDash, sCommentEnd, sCommentEndBang:
		end = append(end, '>') // each of them ends the comment there
	case sCDATA, sCDATABracket, sCDATAEnd:
		end = append(end, "]]>"...)
	case sRawText, sRawLT, sRawEndName:
		end = append(append(append(end, "</"...), t.rawName...), '>')
	case sScript, sScriptLT, sScriptEndName, sScriptEscStart, sScriptEscStartDash, sScriptEsc,
		sScriptEscDash, sScriptEscDashDash, sScriptEscLT, sScriptEscEndName:
		end = append(end, "</script>"...)
	case sScriptDblEscStart, sScriptDblEsc, sScriptDblEscDash, sScriptDblEscDashDash, sScriptDblEscLT, sScriptDblEscEnd:
		end = append(end, "\n--></script>"...) // back to script data first, on a line of its own
	default:
		return nil, false
	}
	tree := &r.tree
	if r.noscr.active {
		// Scripting browsers read a noscript's content as text: nothing in it opened.
		end = append(end, "</noscript>"...)
		tree = &r.noscr.saved
	}
	for range tree.counts[cntTemplate] {
		end = append(end, "</template>"...)
	}
	if tree.counts[cntSelect] > 0 {
		end = append(end, "</select>"...)
	}
	return end, true
}

// writeInsertions writes Head and BodyEnd if they are still to come.
func (r *Rewriter) writeInsertions() {
	if r.headIn {
		r.headIn = false
		r.write(r.cfg.Head(r.doc))
	}
	if r.bodyIn {
		r.bodyIn = false
		r.write(r.cfg.BodyEnd(r.doc))
	}
}

func (r *Rewriter) insertHead() []byte {
	r.headIn = false
	return r.cfg.Head(r.doc)
}

// write sends b on: to the writer, or behind a pending element.
func (r *Rewriter) write(b []byte) {
	if r.err != nil || len(b) == 0 {
		return
	}
	if r.pend.active {
		r.pend.out = append(r.pend.out, b...)
		return
	}
	r.writeOut(b)
}

func (r *Rewriter) writeOut(b []byte) {
	if r.err != nil || len(b) == 0 {
		return
	}
	n, err := r.w.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	r.err = err
}

// flushTo writes the pending bytes of p up to j.
func (r *Rewriter) flushTo(p []byte, j int) {
	if j > r.emitFrom {
		r.write(p[r.emitFrom:j])
		r.emitFrom = j
	}
}

func (r *Rewriter) debug(msg string) {
	if r.cfg.Debug != nil {
		r.cfg.Debug(msg)
	}
}

// feed scans one chunk of HTML.
func (r *Rewriter) feed(p []byte) {
	defer func() { r.abs += int64(len(p)) }()
	r.emitFrom = 0
	i, n := 0, len(p)
	for i < n && r.err == nil {
		if r.failed {
			i = n
			break
		}
		end := n
		if lim, ok := r.limit(); ok {
			if i >= lim {
				r.overflow(p, i)
				continue
			}
			end = min(end, lim)
		}
		if r.noscr.active {
			e, done := r.noscriptStep(p, i)
			if done {
				continue
			}
			end = min(end, e)
		}
		i = r.scan(p, i, end)
	}
	if r.err != nil {
		return
	}
	r.chunkEnd(p)
}

// chunkEnd keeps what the chunk leaves undecided.
func (r *Rewriter) chunkEnd(p []byte) {
	n := len(p)
	if r.capturing {
		if len(r.hold) == 0 {
			r.flushTo(p, r.capStart)
		}
		r.hold = append(r.hold, p[r.capStart:]...)
		r.capStart = 0
	} else {
		r.flushTo(p, n)
	}
	r.emitFrom = 0
}

type capture uint8

const (
	capName     capture = iota // a tag whose name decides an insertion or a capture
	capTag                     // a start tag whose attributes are needed
	capRaw                     // an inline script's or a style's start tag and text
	capWindow                  // an inline script's text after its first window
	capURL                     // a URL in a long style's text, after its first window
	capAttr                    // an attribute in the rest of a long tag (longtag.go)
	capStyleVal                // a window of a long CSS attribute value (stylevalue.go)
	capDataURL                 // a window of a long data: URL of a script or style sheet (dataurl.go)
)

func (r *Rewriter) beginCapture(at int, why capture) {
	r.capturing = true
	r.capStart = at
	r.capWhy = why
}

// limit returns where in the chunk the bytes held would reach the hold limit.
func (r *Rewriter) limit() (int, bool) {
	lim, ok := 0, false
	if r.capturing {
		lim, ok = r.capStart+r.maxHold-len(r.hold), true
		if (r.capWhy == capRaw || r.capWhy == capWindow) && !r.raw.marked {
			lim = min(lim, r.raw.markAt(r))
		}
	}
	if r.pend.active {
		// Everything since the pending element's start tag is held.
		pl := r.emitFrom + r.maxHold - len(r.pend.tag) - len(r.pend.out) - len(r.hold)
		if !ok || pl < lim {
			lim, ok = pl, true
		}
	}
	return lim, ok
}

func (r *Rewriter) capturedLen(i int) int {
	return len(r.hold) + i - r.capStart
}

// captured returns the captured bytes up to i as one slice.
func (r *Rewriter) captured(p []byte, i int) []byte {
	if len(r.hold) == 0 {
		return p[r.capStart:i]
	}
	r.hold = append(r.hold, p[r.capStart:i]...)
	r.capStart = i
	return r.hold
}

// release ends the capture, letting the captured bytes through unchanged.
func (r *Rewriter) release() {
	if !r.capturing {
		return
	}
	r.capturing = false
	if len(r.hold) > 0 {
		r.write(r.hold)
		r.hold = r.hold[:0]
		r.emitFrom = r.capStart
	}
}

// replace ends the capture at i, writing parts instead of the captured bytes.
func (r *Rewriter) replace(p []byte, i int, parts ...[]byte) {
	if len(r.hold) == 0 && p != nil {
		r.flushTo(p, r.capStart)
	}
	for _, b := range parts {
		r.write(b)
	}
	r.hold = r.hold[:0]
	r.emitFrom = i
	r.capturing = false
}

// emitCaptured writes the first n captured bytes (the capture reaching to i) and keeps
// the rest captured.
func (r *Rewriter) emitCaptured(p []byte, i, n int) {
	if len(r.hold) == 0 {
		r.flushTo(p, r.capStart+n)
		r.capStart += n
		return
	}
	all := r.captured(p, i)
	r.write(all[:n])
	r.hold = append(r.hold[:0], all[n:]...)
	// Everything of p before i is written or held: none of it is pending any more.
	r.emitFrom = i
}

// insertBefore writes b before the construct being captured.
func (r *Rewriter) insertBefore(p []byte, b []byte) {
	if len(r.hold) == 0 {
		r.flushTo(p, r.capStart)
	}
	r.write(b)
}

// overflow is called when the bytes held reach the hold limit at i.
func (r *Rewriter) overflow(p []byte, i int) {
	if r.pend.active {
		if pl := r.emitFrom + r.maxHold - len(r.pend.tag) - len(r.pend.out) - len(r.hold); i >= pl {
			r.debug("htmlrewrite: a foreign script or style is longer than the hold limit: held back unless Block lets a partial one pass")
			r.decidePending(p, i, true)
			return
		}
	}
	switch r.capWhy {
	case capName:
		// With MaxHold >= 16 the name is longer than html, head or body.
		if !r.tok.isEnd && r.headIn {
			r.insertBefore(p, r.insertHead())
		}
		if !r.tok.isEnd && r.block != nil {
			// A start tag whose name alone fills the hold limit: not one of ours,
			// but any element may carry a style attribute.
			r.tagOverflow(p, i)
			return
		}
		r.release()
	case capTag:
		r.tagOverflow(p, i)
	case capRaw, capWindow:
		r.rawOverflow(p, i)
	case capURL:
		r.cssTokenEnd(p, i, true)
	case capStyleVal:
		r.styleValueOverflow(p, i)
	case capDataURL:
		r.dataURLOverflow(p, i)
	case capAttr:
		if r.tail.checked {
			r.tailAttrOverflow(p, i)
			return
		}
		// Longer than the limit: no name of ours.
		r.release()
	}
}

// decideEarly releases a partial tag name that no later byte can make matter, so that
// Flush can write it. While Head or BodyEnd is still to be inserted, a tag stays held:
// if the input ends inside it, they go before it (after it they would become part of
// it); so does any start tag when Block is set (its attributes may need renaming).
func (r *Rewriter) decideEarly() {
	t := &r.tok
	if t.state != sTagName || r.headIn || r.bodyIn {
		return
	}
	name := []byte("-") // longer than any name that matters: matches none below
	if t.nameLen <= len(t.name) {
		name = t.name[:t.nameLen]
	}
	if !t.isEnd && (r.block != nil || r.tree.foreignFor(tOther) || r.needsStartTag(name)) {
		return
	}
	r.release()
}

// needsStartTag reports whether a start tag whose name begins with name may be one whose
// attributes the rewriter reads without Block: html (lang), base, input, frameset.
func (r *Rewriter) needsStartTag(name []byte) bool {
	return !r.langDone && isPrefix(name, "html") || !r.baseDone && isPrefix(name, "base") ||
		r.tree.framesetOK && (isPrefix(name, "input") || isPrefix(name, "frameset"))
}

func isPrefix(b []byte, s string) bool {
	return len(b) <= len(s) && string(b) == s[:len(b)]
}

// failClosed is the answer to a document whose structure the rewriter can no longer
// follow within its memory bound (why says where): Block is asked with Partial and Tag
// "" (the rest of the document); when it names a category, the rewriter inserts what is
// left to insert and then a <plaintext> element, after which browsers read the rest of
// the document as text (hidden), so that nothing in it can load or run. The <span>
// before it leaves any foreign content, so that <plaintext> is an HTML element. The
// markup goes before the construct being captured, if any, else at i.
func (r *Rewriter) failClosed(p []byte, i int, why string) {
	if r.block == nil || r.block(Element{Tag: "", Base: r.base, Partial: true}) == "" {
		r.debug("htmlrewrite: " + why + ": let through, as Block asked")
		return
	}
	r.debug("htmlrewrite: " + why + ": the rest of the document is held back")
	if r.capturing && len(r.hold) == 0 {
		i = r.capStart
	}
	if r.capturing && len(r.hold) > 0 {
		i = r.emitFrom
	}
	r.endPending(p, i)
	r.flushTo(p, i)
	var m []byte
	if r.bodyIn {
		r.bodyIn = false
		m = append(m, r.cfg.BodyEnd(r.doc)...)
	}
	if r.noscr.active {
		m = append(m, "</noscript>"...)
		r.noscr = noscriptState{}
	}
	m = append(m, `<span hidden><plaintext hidden>`...)
	r.write(m)
	r.release()
	r.failed = true
	r.tok.state = sPlaintext
}
