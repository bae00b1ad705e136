package htmlrewrite

import "bytes"

// The value of a style attribute (or of an SVG presentation attribute such as fill) in a
// long start tag can itself be longer than the hold limit: a background image inlined as
// a 100 KB data: URL. Held back whole for want of its end, the element would lose its
// style for every visitor who has not chosen. Instead the value streams through the CSS
// scanner in windows of the hold limit, as the text of a long <style> does:
//
//   - The first window (the attribute's name and its value up to the limit) is decided on
//     the URLs it has, and on the start of a URL the limit cut when that fixes its host
//     (urlPrefix). Matched, the attribute is renamed, as any attribute that loads is.
//   - Otherwise the name and the value so far go out, and each later URL is decided on
//     its own when it ends; a matched one is made inert in place by "data:," written
//     before it (a data: URL loads nothing, and the declarations around it keep their
//     meaning). A URL a window ends in is decided on its start when that fixes its host,
//     or else held from its start; one whose host is still unknown after a whole window
//     is shown to Block as Partial, and made inert when that names a category.
//
// The value is decoded as the DOM has it: a character reference a window ends inside of
// is held for the next whole (a numeric one shortened, its leading zeros dropped, which
// browsers read the same), so that "data:," never goes into the middle of one.

// styleValue follows a long CSS attribute value (capStyleVal).
type styleValue struct {
	sc      cssScanner
	a       analysis    // the element, as Block is shown it
	fed     int         // bytes of the capture the scanner has seen
	urlAt   int         // where in the capture the URL in progress starts; -1: none, or decided
	refs    refTrack    // where the references fed lie in the capture
	first   bool        // the first window: a match renames the attribute
	cat     string      // the first window's match
	inserts []cssInsert // where "data:," goes in the capture
	dec     []byte      // a reference's decoded text
	rest    []byte      // what the capture keeps after a window went out
}

// styleValueEvents receives the CSS scanner's URLs for the value being streamed.
type styleValueEvents struct{ r *Rewriter }

func (e styleValueEvents) urlStart(at int64) {
	sv := &e.r.sv
	sv.urlAt = sv.refs.urlStart(at)
}

func (e styleValueEvents) urlEnd(u []byte, _, _ int64, _ bool) {
	r := e.r
	sv := &r.sv
	if sv.urlAt < 0 {
		return // decided on its start, at the end of a window
	}
	at := sv.urlAt
	sv.urlAt = -1
	r.urls = r.urls[:0]
	r.inline = r.inline[:0]
	r.addCSSURL(u, false)
	if len(r.urls) == 0 {
		return
	}
	r.styleValueMatched(at, r.ask(&sv.a, r.urls, nil, false))
}

// styleValueMatched records a URL at the capture's offset at that Block matched with cat.
func (r *Rewriter) styleValueMatched(at int, cat string) {
	sv := &r.sv
	switch {
	case cat == "":
	case sv.first:
		if sv.cat == "" {
			sv.cat = cat
		}
	default:
		r.debug("htmlrewrite: a URL in a long style attribute matched after the attribute had gone out: made inert in place")
		sv.inserts = append(sv.inserts, cssInsert{at: at, semi: sv.refs.urlOpen})
	}
}

// styleValueFirst decides the first window of a CSS attribute value cut by the hold limit
// at i: buf is the capture, the value starting at valStart. It returns the category of a
// URL in it that matched (the caller renames the attribute); otherwise it has sent the
// window on, less a URL it holds, and the rest of the value streams (capStyleVal).
func (r *Rewriter) styleValueFirst(p []byte, i int, buf []byte, valStart int) string {
	sv := &r.sv
	*sv = styleValue{
		sc: sv.sc, urlAt: -1, refs: newRefTrack(), first: true,
		a:       analysis{tag: r.tail.a.tag, id: r.tail.id, ns: r.tail.ns},
		inserts: sv.inserts[:0], dec: sv.dec[:0], rest: sv.rest[:0],
	}
	sv.sc.reset(r.maxHold)
	r.styleValueFeed(buf[valStart:], valStart, false)
	held := r.styleValueCut()
	if sv.cat != "" {
		return sv.cat
	}
	sv.first = false
	r.styleValueEmit(p, i, buf, held)
	return ""
}

// styleValueOverflow is called when the streamed value reaches the hold limit at i.
func (r *Rewriter) styleValueOverflow(p []byte, i int) {
	sv := &r.sv
	buf := r.captured(p, i)
	r.styleValueFeed(buf[sv.fed:], sv.fed, false)
	r.styleValueEmit(p, i, buf, r.styleValueCut())
}

// styleValueEnd is called when the streamed value ends at i (after its closing quote, or
// at the byte that ends an unquoted value).
func (r *Rewriter) styleValueEnd(p []byte, i int) {
	sv := &r.sv
	buf, n := r.valueEnd(p, i)
	r.styleValueFeed(buf[sv.fed:n], sv.fed, true)
	sv.sc.finish(styleValueEvents{r})
	r.replace(p, i, r.styleValueParts(buf)...)
}

// valueEnd returns the capture of an attribute value that ends at i (after its closing
// quote, or at the byte that ends an unquoted value), and where the value ends in it.
func (r *Rewriter) valueEnd(p []byte, i int) (buf []byte, n int) {
	buf = r.captured(p, i)
	n = len(buf)
	if r.tok.state == sAfterAttrValueQ {
		n-- // the quote
	}
	return buf, n
}

// styleValueCut decides the URL a window ends in, if any: on its start when that fixes
// its host; it reports whether the URL is to be held from its start instead.
func (r *Rewriter) styleValueCut() (held bool) {
	sv := &r.sv
	if !sv.sc.inURL || sv.urlAt < 0 {
		return false
	}
	at := sv.urlAt
	prefix, ok := urlPrefixDecoded(string(sv.sc.buf))
	switch {
	case ok:
		sv.urlAt = -1
		r.urls = r.urls[:0]
		r.inline = r.inline[:0]
		r.addCSSURL([]byte(prefix), false)
		if len(r.urls) > 0 {
			r.styleValueMatched(at, r.ask(&sv.a, r.urls, nil, false))
		}
		return false
	case at > 0:
		return true
	}
	// A whole window of URL without a host: what it is cannot be known.
	sv.urlAt = -1
	r.debug("htmlrewrite: a URL in a long style attribute is longer than the hold limit: Block decides it as partial")
	r.styleValueMatched(at, r.ask(&sv.a, nil, nil, true))
	return false
}

// styleValueEmit sends the window buf on, with "data:," before each matched URL, and
// keeps capturing what it holds: from the URL in progress when held.
func (r *Rewriter) styleValueEmit(p []byte, i int, buf []byte, held bool) {
	sv := &r.sv
	end := sv.fed // a reference the window ends inside of is held whole
	if held {
		end = sv.urlAt
	}
	sv.rest = append(sv.rest[:0], buf[end:sv.fed]...)
	sv.rest = appendShortRef(sv.rest, buf[sv.fed:])
	r.replace(p, i, r.styleValueParts(buf[:end])...)
	r.hold = append(r.hold[:0], sv.rest...)
	r.beginCapture(i, capStyleVal)
	sv.fed -= end
	sv.refs.lastEnd -= end
	if held {
		sv.urlAt = 0
	}
	sv.inserts = sv.inserts[:0]
}

// styleValueParts is b with "data:," before each of the matched URLs.
func (r *Rewriter) styleValueParts(b []byte) [][]byte {
	sv := &r.sv
	if len(sv.inserts) == 0 {
		return [][]byte{b}
	}
	parts := make([][]byte, 0, 2*len(sv.inserts)+1)
	from := 0
	for _, in := range sv.inserts {
		parts = append(parts, b[from:in.at], in.text())
		from = in.at
	}
	return append(parts, b[from:])
}

// cssInsert is where "data:," goes before a URL in a CSS attribute value: semi when the
// URL starts right after a character reference without its ';' ("&quot//host/x"),
// whose name "data" would continue ("&quotdata:," is no reference): the ';' goes first,
// and the reference reads as before.
type cssInsert struct {
	at   int
	semi bool
}

func (in cssInsert) text() []byte {
	if in.semi {
		return semiDataComma
	}
	return dataComma
}

var dataComma, semiDataComma = []byte("data:,"), []byte(";data:,")

// styleValueFeed shows v, the raw bytes at offset base of the capture, to the CSS
// scanner, character references decoded; final: the value ends with v. Unless final, it
// stops before a reference v may end inside of, which the next window decodes whole.
func (r *Rewriter) styleValueFeed(v []byte, base int, final bool) {
	sv := &r.sv
	var n int
	n, sv.dec = walkValue(v, final, sv.dec, func(piece []byte, at, end int, ref bool) {
		sv.refs.feeding(v, base, piece, at, end, ref)
		sv.sc.feed(piece, int64(base+at), styleValueEvents{r})
		sv.refs.at = -1
	})
	sv.fed = base + n
}

// refTrack places the URLs a CSS scanner finds in a value fed as walkValue walks it
// (each piece at its raw offset, a character reference decoded) back in the raw bytes.
type refTrack struct {
	// While a reference's decoded text is fed: where its raw bytes start, where its
	// decoded text ends (as the scanner counts) and where its raw bytes end; at is -1
	// while raw bytes are fed.
	at, decEnd, rawEnd int
	// The last reference fed: where its raw bytes end, and whether it has no ';' (a
	// URL that starts right after it gets one: "data:," would continue its name).
	lastEnd  int
	lastOpen bool
	urlOpen  bool // the last URL started right after such a reference
}

func newRefTrack() refTrack { return refTrack{at: -1, lastEnd: -1} }

// feeding records the piece of v (at base) about to be fed.
func (t *refTrack) feeding(v []byte, base int, piece []byte, at, end int, ref bool) {
	t.at = -1
	if ref {
		t.at, t.decEnd, t.rawEnd = base+at, base+at+len(piece), base+end
		t.lastEnd, t.lastOpen = base+end, v[end-1] != ';'
	}
}

// urlStart returns where in the raw bytes a URL the scanner starts at at begins: one that
// starts after a reference, after its raw bytes; one that starts inside it, at the
// reference.
func (t *refTrack) urlStart(at int64) int {
	pos := int(at)
	if t.at >= 0 {
		if pos >= t.decEnd {
			pos = t.rawEnd
		} else {
			pos = t.at
		}
	}
	t.urlOpen = t.lastOpen && pos == t.lastEnd
	return pos
}

// walkValue walks the raw bytes v of an attribute value as the DOM decodes them: f gets
// each run of bytes that stand for themselves and each character reference's decoded
// text (ref), with where its raw bytes lie in v (at to end). Unless final, it stops
// before a reference v may end inside of (refUnfinished), which the caller keeps for the
// bytes that follow, and returns how far it got. buf is scratch for the references.
func walkValue(v []byte, final bool, buf []byte, f func(piece []byte, at, end int, ref bool)) (int, []byte) {
	k := 0
	for k < len(v) {
		amp := bytes.IndexByte(v[k:], '&')
		if amp < 0 {
			f(v[k:], k, len(v), false)
			return len(v), buf
		}
		amp += k
		if amp > k {
			f(v[k:amp], k, amp, false)
		}
		if !final && refUnfinished(v[amp:]) {
			return amp, buf
		}
		var n int
		if buf, n = appendCharRef(buf[:0], v[amp:]); n == 0 {
			f(v[amp:amp+1], amp, amp+1, false)
			k = amp + 1
			continue
		}
		f(buf, amp, amp+n, true)
		k = amp + n
	}
	return k, buf
}

// maxRefName is the length of the longest name of a character reference
// (CounterClockwiseContourIntegral) and then some: a longer run after '&' is none.
const maxRefName = 32

// refUnfinished reports whether s, which starts with '&', may be a character reference
// that bytes after s would continue.
func refUnfinished(s []byte) bool {
	j := 1
	if j < len(s) && s[j] == '#' {
		j++
		hex := j < len(s) && s[j]|0x20 == 'x'
		if hex {
			j++
		}
		for j < len(s) && (isDigit(s[j]) || hex && isHexLetter(s[j])) {
			j++
		}
		return j == len(s)
	}
	for j < len(s) && isAlnum(s[j]) {
		j++
	}
	return j == len(s) && j <= 1+maxRefName
}

// appendShortRef appends the unfinished reference ref, a numeric one shortened so that
// the next window has room for its end: its leading zeros after the first dropped, and
// its digits after the eighth (eight significant digits are already past the last code
// point, so the reference stays U+FFFD). What follows it then completes the same
// reference.
func appendShortRef(b, ref []byte) []byte {
	if len(ref) < 2 || ref[1] != '#' {
		return append(b, ref...)
	}
	j := 2
	if j < len(ref) && ref[j]|0x20 == 'x' {
		j++
	}
	b = append(b, ref[:j]...)
	digits := ref[j:]
	for len(digits) > 1 && digits[0] == '0' {
		digits = digits[1:]
	}
	return append(b, digits[:min(len(digits), 8)]...)
}

// minStreamHold is the least hold limit at which a CSS value streams: every unfinished
// reference (shortened) and the URL it may begin then fit in a window with room to spare.
// Below it (only tests use such limits) the value is held back, as Partial.
const minStreamHold = 64

// cssValueRole reports whether an attribute's role is a CSS value, which can stream.
func cssValueRole(ro role) bool {
	return ro == rCSS || ro == rCSSValue
}

// keepCSSAttrs decides an element whose only loads are the url()s in its CSS attributes
// (style, or an SVG presentation attribute such as fill) URL by URL, as a <style> kept
// active: "data:," written before each URL Block holds back, the declarations around it
// and the rest of the element left as they are and unmarked; the guard gives such URLs
// back when their category is granted, as it does those of a long value. Renamed whole,
// the element would lose all its inline style (a hero section's height, an ad slot's
// size) for a background image. out is nil when Block holds back none of its URLs.
//
// A value is read as the DOM has it, character references decoded; "data:," goes where a
// URL's raw bytes start (before a reference the URL starts inside of, after one it starts
// after). ok is false, nothing asked, when a value has a CR or a NUL (which the DOM
// changes, moving its URLs): the element is then decided whole, as before.
func (r *Rewriter) keepCSSAttrs(tag []byte, a *analysis) (out []byte, ok bool) {
	attrs := parseAttrs(tag, r.attrs[:0])
	r.attrs = attrs
	ca := &r.ca
	for _, at := range attrs {
		if v := tag[at.valStart:at.valEnd]; bytes.IndexByte(v, '\r') >= 0 || bytes.IndexByte(v, 0) >= 0 {
			if cssAttrIndex(a.id, a.ns, attrWordFold(tag[at.nameStart:at.nameEnd])) >= 0 {
				return nil, false
			}
		}
	}
	if len(r.urls) > maxCSSSpans {
		return nil, false
	}
	// Asked first, URL by URL: most are the page's own, and then nothing is written.
	ca.held = ca.held[:0]
	some := false
	for k := range r.urls {
		h := r.ask(a, r.urls[k:k+1], nil, false) != ""
		ca.held = append(ca.held, h)
		some = some || h
	}
	if !some {
		return nil, true
	}
	ca.urls, ca.next, ca.spans, ca.bad = r.urls, 0, ca.spans[:0], false
	var seen [16]bool // style and the SVG presentation attributes (cssAttrIndex)
	for _, at := range attrs {
		w := attrWordFold(tag[at.nameStart:at.nameEnd])
		k := cssAttrIndex(a.id, a.ns, w)
		if k < 0 || seen[k] {
			continue // not a CSS attribute, or a duplicate the browser drops
		}
		seen[k] = true
		v := tag[at.valStart:at.valEnd]
		ca.sc.reset(r.maxHold)
		base := at.valStart
		// Fed as the long value is (styleValueFeed): each piece at its raw offset in
		// the start tag, a character reference decoded, and a URL starting in or
		// after one placed at it or after its raw bytes.
		ca.refs = newRefTrack()
		_, r.scratch = walkValue(v, true, r.scratch, func(piece []byte, at, end int, ref bool) {
			ca.refs.feeding(v, base, piece, at, end, ref)
			ca.sc.feed(piece, int64(base+at), ca)
			ca.refs.at = -1
		})
		ca.sc.finish(ca)
	}
	if ca.bad || ca.next != len(r.urls) {
		// Not what analyse read (it never is): decided whole, its URLs asked about
		// once more.
		r.debug("htmlrewrite: the URLs of a CSS attribute read twice differ: the element is decided whole")
		return nil, false
	}
	out = r.out[:0]
	pos := 0
	for _, s := range ca.spans {
		if !ca.held[s.u] {
			continue
		}
		out = append(out, tag[pos:s.at.at]...)
		out = append(out, s.at.text()...)
		pos = s.at.at
	}
	out = append(out, tag[pos:]...)
	r.out = out
	return out, true
}

// cssAttrIndex says which CSS attribute w is: 0 for style, 1 + its index in svgURLAttrs
// for an SVG presentation attribute, -1 for any other.
func cssAttrIndex(id tagID, ns uint8, w attrWord) int {
	switch roleOfWord(id, ns, w) {
	case rCSS:
		return 0
	case rCSSValue:
		for k, s := range svgURLAttrs {
			if w == s {
				return k + 1
			}
		}
	}
	return -1
}

// cssAttrs follows the URLs of the CSS attributes of a start tag for keepCSSAttrs: where
// in the tag each one that loads starts, matched in order with the URLs analyse found
// (urls), whose strings Block is shown again (no string made twice).
type cssAttrs struct {
	sc    cssScanner
	urls  []string // analyse's: the element's URLs, each that loads, in order
	next  int      // the next of them
	bad   bool     // a URL not the one analyse found
	urlAt int      // where the URL in progress starts in the start tag
	refs  refTrack // where the references fed lie in the start tag
	spans []cssAttrSpan
	held  []bool // per URL: Block holds it back
}

type cssAttrSpan struct {
	at cssInsert
	u  int // its text in r.urls
}

func (c *cssAttrs) urlStart(at int64) {
	c.urlAt = c.refs.urlStart(at)
}

func (c *cssAttrs) urlEnd(u []byte, _, _ int64, _ bool) {
	switch {
	case !cssURLLoads(u):
	case c.next >= len(c.urls) || string(u) != c.urls[c.next]:
		c.bad = true
	default:
		c.spans = append(c.spans, cssAttrSpan{at: cssInsert{at: c.urlAt, semi: c.refs.urlOpen}, u: c.next})
		c.next++
	}
}
