package htmlrewrite

import (
	"bytes"

	"github.com/consentgate/consentgate/internal/dataurl"
)

// Site optimisers (LiteSpeed Cache, Autoptimize, WP Rocket) defer inline scripts by
// moving their text into a base64 data: URL: <script defer src="data:text/javascript;
// base64,...">. A large inline script makes that start tag longer than the hold limit,
// and held back whole, for want of its end, the site's own script would not run for any
// visitor who has not chosen. Instead, as for the text of a long inline script, the
// payload is decoded as it streams and shown to Block in windows of the hold limit that
// overlap (so that a marker is never cut in two):
//
//   - the first window (the start tag to the limit, with the payload so far) decides as
//     before: matched, the script is held back whole;
//   - otherwise the start tag goes out, and when a later window matches, a "!" is written
//     into the rest of the URL. That is no base64 character, so the data: URL fails to
//     decode (the Fetch standard's forgiving-base64, which browsers follow) and the script
//     loads nothing and runs nothing: unlike inline text, a script from a URL runs only
//     once the whole of it has arrived.
//
// A style sheet inlined the same way (<link rel=stylesheet href="data:text/css;base64,
// ...">) streams too: its payload goes through the CSS scanner, which keeps its state
// across windows, and each window is shown to Block with the URLs that ended in it, as
// the whole payload of a short one is; a match spoils the URL the same way, and the
// style sheet, which applies only once it has all arrived, loads nothing. Any <link>
// with such an href is read so, whatever its rel and wherever that stands: the rel may
// come after the href, or be changed by a script (a preload made a style sheet once it
// has loaded), and a data: URL is fetched whole before anything in it is used.
//
// Only a base64 data: URL streams: a percent-encoded one can be spoilt by no character
// in all contexts, so it stays held back (Partial). The payload is decoded as browsers
// decode it: character references, then (the URL parser) tabs and newlines dropped, then
// percent-escapes, then forgiving-base64; what cannot decode makes the URL fail, and
// then nothing needs watching.

// dataURL follows the src of a long <script> (or the href of a long style sheet
// <link>) whose value is a base64 data: URL (capDataURL).
type dataURL struct {
	a       analysis
	ref     []byte // an unfinished character reference, raw, shortened
	pct     []byte // an unfinished percent-escape: '%' and at most one hex digit
	quad    [4]byte
	nq      int    // base64 characters of the quantum being read
	pad     bool   // '=' seen: only white space may follow
	dead    bool   // the URL fails to decode (or a window matched): nothing to watch
	text    []byte // decoded payload not shown to Block yet, after the overlap of the last window
	dec     []byte // scratch: the characters of the URL after references
	refText []byte // scratch: a reference's decoded text
	// A link's payload goes through the CSS scanner, which keeps its state from window
	// to window: each URL is decided when it ends. fed is how much of text (its
	// overlap) the scanner has had.
	css bool
	sc  cssScanner
	fed int
}

// dataURLFirst decides a <script> start tag that reached the hold limit at i inside a
// src that is a base64 data: URL, or a <link> one inside such an href, on the payload
// so far. It reports false when the tag is not such a one (the caller then
// decides it as a whole, as Partial).
func (r *Rewriter) dataURLFirst(p []byte, i int, tag []byte, id tagID) bool {
	if r.maxHold < minStreamHold || !inAttrValue(r.tok.state) {
		return false
	}
	r.attrs = parseAttrs(tag, r.attrs[:0])
	if len(r.attrs) == 0 {
		return false
	}
	last := r.attrs[len(r.attrs)-1]
	name, a := "src", analysis{tag: "script", id: tScript, ns: nsHTML, script: true, ask: true}
	if id == tLink {
		// Whatever the rel, which may come after href or change (a preload a script
		// turns into a style sheet once it has loaded), the payload is what the link
		// loads from: it is read as CSS, and as text that may name a host (a module's
		// imports), as a short one is.
		name, a = "href", analysis{tag: "link", id: tLink, ns: nsHTML, linkFetches: true, ask: true}
	}
	if !eqFold(tag[last.nameStart:last.nameEnd], name) {
		return false
	}
	for _, at := range r.attrs[:len(r.attrs)-1] {
		if eqFold(tag[at.nameStart:at.nameEnd], name) {
			return false // the first one counts, and it is complete
		}
	}
	sd := &r.sd
	*sd = dataURL{ref: sd.ref[:0], pct: sd.pct[:0], text: sd.text[:0], dec: sd.dec[:0], refText: sd.refText[:0], a: a, css: id == tLink, sc: sd.sc}
	sd.sc.reset(r.maxHold)
	// The header: "data:", a media type that says base64, a comma.
	sd.dec = sd.urlChars(sd.dec[:0], tag[last.valStart:], false)
	v := sd.dec
	for len(v) > 0 && v[0] <= ' ' {
		v = v[1:] // the URL parser trims C0 controls and spaces
	}
	comma := -1
	for k, c := range v {
		if c == ',' {
			comma = k
			break
		}
	}
	if comma < 0 || len(v) < len("data:") || !eqFold(v[:5], "data:") || !dataurl.Base64(string(v[5:comma])) {
		return false
	}
	sd.payload(v[comma+1:], false)
	if cat := r.dataURLAsk(false); cat != "" {
		var a analysis
		r.analyseAll(&a, tag, id, nsHTML)
		r.tail = tailState{active: true, id: id, ns: nsHTML, a: a}
		r.holdBackLong(p, i, tag, &a, cat)
		return true
	}
	r.debug("htmlrewrite: a <" + sd.a.tag + "> start tag with a data: URL is longer than the hold limit: its payload is checked as it streams")
	r.tail = tailState{active: true, checked: true, id: id, ns: nsHTML, a: sd.a}
	r.replace(p, i, tag)
	if !sd.dead {
		r.beginCapture(i, capDataURL)
	}
	return true
}

// dataURLOverflow is called when the window of the src value reaches the hold
// limit at i.
func (r *Rewriter) dataURLOverflow(p []byte, i int) {
	sd := &r.sd
	buf := r.captured(p, i)
	sd.dec = sd.urlChars(sd.dec[:0], buf, false)
	sd.payload(sd.dec, false)
	if cat := r.dataURLAsk(false); cat != "" {
		r.replace(p, i, buf, spoilBase64)
		return
	}
	r.replace(p, i, buf)
	if !sd.dead {
		r.beginCapture(i, capDataURL)
	}
}

// dataURLEnd is called when the src value ends at i (after its closing quote, or at
// the byte that ends an unquoted value).
func (r *Rewriter) dataURLEnd(p []byte, i int) {
	sd := &r.sd
	buf, n := r.valueEnd(p, i)
	sd.dec = sd.urlChars(sd.dec[:0], buf[:n], true)
	sd.payload(sd.dec, true)
	if cat := r.dataURLAsk(true); cat != "" {
		r.replace(p, i, buf[:n], spoilBase64, buf[n:])
		return
	}
	r.release()
}

// spoilBase64 is written into a base64 data: URL to make it fail.
var spoilBase64 = []byte("!")

// dataURLAsk shows Block the payload decoded since the last window (and the overlap
// kept from it, so that a marker is never cut in two), keeping the overlap for the next.
// A style sheet's payload goes through the CSS scanner instead, and Block is shown the
// URLs that ended in it (final: the URL ends here, and with it an open url()).
func (r *Rewriter) dataURLAsk(final bool) string {
	sd := &r.sd
	if sd.dead {
		return ""
	}
	var cat string
	if sd.css {
		r.urls = r.urls[:0]
		r.inline = r.inline[:0]
		col := urlCollector{r: r}
		sd.sc.feed(sd.text[sd.fed:], 0, &col)
		if final {
			sd.sc.finish(&col)
		}
		r.inlineSep()
		r.inline = append(r.inline, sd.text...)
		cat = r.ask(&sd.a, r.urls, r.inline, false)
	} else {
		cat = r.ask(&sd.a, nil, sd.text, false)
	}
	if cat != "" {
		r.debug("htmlrewrite: a window of a long data: URL matched after its start had gone out: the URL is made to fail")
		sd.dead = true
		return cat
	}
	if keep := r.overlap(); len(sd.text) > keep {
		sd.text = append(sd.text[:0], sd.text[len(sd.text)-keep:]...)
	}
	sd.fed = len(sd.text)
	return ""
}

// hasToken reports whether an attribute value, a list of tokens separated by ASCII white
// space, has tok in any case (references in it are not decoded: a rel spelled with them
// is left to the whole-tag rule).
func hasToken(v []byte, tok string) bool {
	for _, f := range bytes.Fields(v) {
		if eqFold(f, tok) {
			return true
		}
	}
	return false
}

// urlChars appends the characters of the URL that raw (the next bytes of the attribute
// value) holds: character references decoded, tabs and newlines dropped (the URL parser
// drops them anywhere). A reference raw ends inside of waits for the next bytes, unless
// final.
func (sd *dataURL) urlChars(dst, raw []byte, final bool) []byte {
	in := raw
	if len(sd.ref) > 0 {
		in = append(append([]byte(nil), sd.ref...), raw...)
		sd.ref = sd.ref[:0]
	}
	var n int
	n, sd.refText = walkValue(in, final, sd.refText, func(piece []byte, _, _ int, _ bool) {
		for _, c := range piece { // a reference may stand for a tab or a newline too
			if c != '\t' && c != '\n' && c != '\r' {
				dst = append(dst, c)
			}
		}
	})
	if n < len(in) {
		sd.ref = appendShortRef(sd.ref[:0], in[n:])
	}
	return dst
}

// payload decodes URL characters of the data: URL's body (after its comma) into
// sd.text: percent-escapes, then forgiving-base64. final: the URL ends with them.
func (sd *dataURL) payload(chars []byte, final bool) {
	for _, c := range chars {
		sd.percentChar(c)
	}
	if !final || sd.dead {
		return
	}
	for _, b := range sd.pct {
		sd.base64Char(b) // an escape cut by the end is itself
	}
	sd.pct = sd.pct[:0]
	switch sd.nq {
	case 1:
		sd.dead = true // a lone character: the decoding fails
	case 2, 3:
		v := uint32(sd.quad[0])<<18 | uint32(sd.quad[1])<<12
		if sd.nq == 3 {
			v |= uint32(sd.quad[2]) << 6
		}
		sd.text = append(sd.text, byte(v>>16))
		if sd.nq == 3 {
			sd.text = append(sd.text, byte(v>>8))
		}
	}
}

// percentChar reads a character of the body: "%" and two hex digits are the byte they
// spell, any other character (a "%" that starts no escape too) is itself.
func (sd *dataURL) percentChar(c byte) {
	switch len(sd.pct) {
	case 1:
		if _, ok := hexVal(c); ok {
			sd.pct = append(sd.pct, c)
			return
		}
		sd.base64Char('%')
	case 2:
		if l, ok := hexVal(c); ok {
			h, _ := hexVal(sd.pct[1])
			sd.pct = sd.pct[:0]
			sd.base64Char(byte(h<<4 | l))
			return
		}
		sd.base64Char('%')
		sd.base64Char(sd.pct[1])
	}
	sd.pct = sd.pct[:0]
	if c == '%' {
		sd.pct = append(sd.pct, c)
		return
	}
	sd.base64Char(c)
}

// base64Char adds a character of the body to the forgiving-base64 decoding.
func (sd *dataURL) base64Char(c byte) {
	switch {
	case sd.dead:
		return
	case c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r':
		return
	case c == '=':
		sd.pad = true
		return
	}
	v, ok := base64Value(c)
	if !ok || sd.pad {
		// Not base64, or more after the padding: the URL fails, and the script with it.
		sd.dead = true
		return
	}
	sd.quad[sd.nq] = v
	sd.nq++
	if sd.nq == 4 {
		x := uint32(sd.quad[0])<<18 | uint32(sd.quad[1])<<12 | uint32(sd.quad[2])<<6 | uint32(sd.quad[3])
		sd.text = append(sd.text, byte(x>>16), byte(x>>8), byte(x))
		sd.nq = 0
	}
}

func base64Value(c byte) (byte, bool) {
	switch {
	case c >= 'A' && c <= 'Z':
		return c - 'A', true
	case c >= 'a' && c <= 'z':
		return c - 'a' + 26, true
	case c >= '0' && c <= '9':
		return c - '0' + 52, true
	case c == '+':
		return 62, true
	case c == '/':
		return 63, true
	}
	return 0, false
}
