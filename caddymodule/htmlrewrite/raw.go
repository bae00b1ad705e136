package htmlrewrite

import (
	"bytes"
	"sync"
)

// An HTML <script> without src, or a <style>, is held with its text until its end tag,
// so that Block sees the whole of it before its start tag is decided. When it is longer
// than the hold limit:
//
//   - A script is decided on its first window (start tag and text to the limit): held
//     back whole when that matches. Otherwise the start tag goes out, and the text is
//     shown to Block in windows of the hold limit that overlap by a quarter of it (at
//     most 1 KiB), so that a marker of up to that length is never cut in two. When a
//     later window matches, the script is cut where that window starts: "--></script>"
//     ends it (from any script data state), and the rest goes into
//     <script type="text/plain" data-consent="CAT" data-consent-cut>, opened in the
//     tokenizer state the text was in there, so that browsers read the rest as before.
//     The script's start already ran... into a syntax error, mostly: what ran is what no
//     window matched.
//   - A style is decided on its first window's URLs, as a short one is on all of them
//     (keepActive). Then its start goes out, and each later URL is held from its first
//     character until its end and shown to Block on its own; a matched one is made inert
//     in place by "data:," written before it (a data: URL loads nothing).
//
// A style whose URLs Block holds back stays a style sheet: each such URL is made inert in
// place, and the start tag says so for the activation script (data-consent="CAT"
// data-consent-inert="": with a value, so that a page's "=..." after it stays an attribute
// of its own), which gives back the URLs of the categories granted. Its other rules apply
// before consent too: a page that inlines a vendor's CSS next to its own keeps its own.
// Only a style that Block would hold back for something else (an attribute of its start
// tag, a marker in its text outside the URLs) is held back whole (type="text/plain",
// its @import URLs made inert for browsers' preload scanners).

type rawKind uint8

const (
	rawScript rawKind = iota + 1
	rawStyle
)

type rawState struct {
	kind      rawKind
	a         analysis
	cssOn     bool // the CSS scanner sees the style's text
	streaming bool // after a style's first window: URLs are held one at a time
	skipURL   bool // the URL in progress was already decided (at the hold limit)
	blocked   bool // a style held back while its text streams: its @import URLs are made inert
	manyURLs  bool // a style has more URLs than maxCSSSpans: decided whole
	sc        cssScanner
	// Script windows: the tokenizer state where the next window starts (recorded at
	// the mark, the limit less the overlap), and where the current one started.
	marked     bool
	markState  state
	markK      int
	markLen    int
	startState state
	startK     int
}

// overlap is how much consecutive windows of a long script share.
func (r *Rewriter) overlap() int {
	return min(1024, r.maxHold/4)
}

// markAt is where in the chunk the capture reaches its mark.
func (rs *rawState) markAt(r *Rewriter) int {
	if rs.kind != rawScript {
		return 1 << 62
	}
	rel := r.maxHold - r.overlap()
	if r.capWhy == capRaw {
		rel = max(rel, r.capTagLen)
	}
	return r.capStart + rel - len(r.hold)
}

// startRaw holds a script or style start tag with its text.
func (r *Rewriter) startRaw(tag []byte, a *analysis, kind rawKind) {
	r.capWhy = capRaw
	r.capTagLen = len(tag)
	r.raw = rawState{kind: kind, a: *a, sc: r.raw.sc}
}

// cssMayLoad reports whether CSS text may have a URL in it: a '(' after url, src or set
// (image-set), an '@' before an i (@import), or a backslash (an escape can spell any of
// these). Most styles have none, and are not tokenized.
func cssMayLoad(css []byte) bool {
	if bytes.IndexByte(css, '\\') >= 0 {
		return true
	}
	for i := 0; ; {
		j := bytes.IndexByte(css[i:], '(')
		if j < 0 {
			break
		}
		i += j + 1
		if k := i - 1; k >= 3 {
			w := css[k-3 : k]
			if eqFold(w, "url") || eqFold(w, "src") || eqFold(w, "set") {
				return true
			}
		}
	}
	for i := 0; ; {
		j := bytes.IndexByte(css[i:], '@')
		if j < 0 {
			return false
		}
		i += j + 1
		if i < len(css) && (css[i]|0x20 == 'i' || css[i] == '\\') {
			return true
		}
	}
}

// styleURLs runs the CSS scanner over a style's text held from its start, whose first
// byte is at absolute offset off, collecting its URLs into r.urls.
func (r *Rewriter) styleURLs(text []byte, off int64) {
	r.importAt = r.importAt[:0]
	r.cssSpans, r.raw.manyURLs = r.cssSpans[:0], false
	r.raw.sc.reset(r.maxHold)
	if cssMayLoad(text) {
		r.raw.sc.feed(text, off, r)
	}
}

// streamText follows the text of a script or style whose start tag has gone out
// unchanged without being seen whole (it was longer than the hold limit).
func (r *Rewriter) streamText(p []byte, i int, kind rawKind, a *analysis, blocked bool) {
	r.raw = rawState{kind: kind, a: *a, sc: r.raw.sc, blocked: blocked}
	switch kind {
	case rawScript:
		r.release()
		r.beginCapture(i, capWindow)
		r.raw.startState = sScript
	case rawStyle:
		r.release()
		r.raw.cssOn = true
		r.raw.streaming = true
		r.raw.sc.reset(r.maxHold)
	}
}

// markReached records the tokenizer state at a script window's mark.
func (r *Rewriter) markReached(i int) {
	r.raw.marked = true
	r.raw.markState = r.tok.state
	r.raw.markK = r.tok.k
	r.raw.markLen = r.capturedLen(i)
}

// rawOverflow is called when a held script or style reaches the hold limit at i.
func (r *Rewriter) rawOverflow(p []byte, i int) {
	if r.raw.kind == rawScript && !r.raw.marked {
		r.markReached(i)
		return
	}
	switch {
	case r.raw.kind == rawScript && r.capWhy == capRaw:
		all := r.captured(p, i)
		a := &r.raw.a
		if cat := r.ask(a, r.urls, all[r.capTagLen:], false); cat != "" {
			r.renameFor(all[:r.capTagLen], a)
			r.replace(p, i, r.neutralise(all[:r.capTagLen], a, cat), all[r.capTagLen:])
			r.raw = rawState{sc: r.raw.sc}
			return
		}
		r.nextWindow(p, i)
	case r.raw.kind == rawScript:
		all := r.captured(p, i)
		if cat := r.ask(&r.raw.a, nil, all, false); cat != "" {
			r.cut(p, i, cat)
			return
		}
		r.nextWindow(p, i)
	case r.raw.kind == rawStyle && r.capWhy == capRaw:
		all := r.captured(p, i)
		a := &r.raw.a
		// The scanner goes through all of the window (whether it may load or not: it
		// must be where the text is when the rest streams through it).
		r.importAt = r.importAt[:0]
		r.cssSpans, r.raw.manyURLs = r.cssSpans[:0], false
		r.raw.sc.reset(r.maxHold)
		base := r.capAbs() + int64(r.capTagLen)
		r.raw.sc.feed(all[r.capTagLen:], base, r)
		// A URL the window ends in is decided when it ends, as any later one.
		text := all[r.capTagLen:]
		if r.raw.sc.inURL {
			text = text[:r.raw.sc.urlStart-base]
		}
		if pieces, cat := r.keepActive(a, text, base); cat != "" {
			r.raw.streaming, r.raw.cssOn = true, true
			tag := r.markInert(all[:r.capTagLen], cat)
			if !r.raw.sc.inURL {
				r.replaceKept(p, i, tag, pieces, nil)
				return
			}
			if len(r.hold) == 0 {
				r.flushTo(p, r.capStart)
			}
			r.writeKept(tag, pieces)
			r.emitCapturedDrop(p, i, r.capTagLen+len(text))
			r.capWhy = capURL
			return
		}
		if cat := r.ask(a, r.urls, all[r.capTagLen:], false); cat != "" {
			r.renameFor(all[:r.capTagLen], a)
			// The rest streams through the scanner, which keeps its @import URLs
			// inert; one that has begun stays held.
			r.raw.streaming, r.raw.cssOn, r.raw.blocked = true, true, true
			if r.raw.sc.inURL && r.raw.sc.imported {
				start := int(r.raw.sc.urlStart - r.capAbs())
				r.importAt = r.importAt[:len(r.importAt)-1] // that one is made inert when it ends
				text := r.inertImports(all[r.capTagLen:start], r.capAbs()+int64(r.capTagLen))
				if len(r.hold) == 0 {
					r.flushTo(p, r.capStart)
				}
				r.write(r.neutralise(all[:r.capTagLen], a, cat))
				r.write(text)
				r.emitCapturedDrop(p, i, start)
				r.capWhy = capURL
				return
			}
			text := r.inertImports(all[r.capTagLen:], r.capAbs()+int64(r.capTagLen))
			r.replace(p, i, r.neutralise(all[:r.capTagLen], a, cat), text)
			return
		}
		// From here on, URL by URL; one that has begun stays held.
		r.raw.streaming = true
		r.raw.cssOn = true
		if r.raw.sc.inURL {
			start := int(r.raw.sc.urlStart - r.capAbs())
			r.emitCaptured(p, i, start)
			r.capWhy = capURL
			return
		}
		r.release()
	}
}

// inertImports returns text (whose first byte is at absolute offset base) with "data:,"
// written before each @import URL in r.importAt: a held-back style applies nothing, but
// browsers' preload scanners fetch what its @import rules name (Chromium does, whatever
// the style's type or media).
func (r *Rewriter) inertImports(text []byte, base int64) []byte {
	if len(r.importAt) == 0 {
		return text
	}
	out := make([]byte, 0, len(text)+6*len(r.importAt))
	pos := 0
	for _, at := range r.importAt {
		k := int(at - base)
		if k < pos || k > len(text) {
			continue
		}
		out = append(out, text[pos:k]...)
		out = append(out, "data:,"...)
		pos = k
	}
	out = append(out, text[pos:]...)
	r.importAt = r.importAt[:0]
	return out
}

// emitCapturedDrop drops the first n captured bytes (already written, rewritten) and
// keeps the rest captured.
func (r *Rewriter) emitCapturedDrop(p []byte, i, n int) {
	if len(r.hold) == 0 {
		r.emitFrom = r.capStart + n
		r.capStart += n
		return
	}
	all := r.captured(p, i)
	r.hold = append(r.hold[:0], all[n:]...)
	r.emitFrom = i
}

// capAbs is the absolute offset of the first captured byte.
func (r *Rewriter) capAbs() int64 {
	return r.abs + int64(r.capStart) - int64(len(r.hold))
}

// nextWindow lets a script window out up to its mark and holds the rest as the start
// of the next one.
func (r *Rewriter) nextWindow(p []byte, i int) {
	r.emitCaptured(p, i, r.raw.markLen)
	r.capWhy = capWindow
	r.raw.startState, r.raw.startK = r.raw.markState, r.raw.markK
	r.raw.marked = false
}

// cut ends a long script before the window that matched and puts the rest into a
// script that does not run.
func (r *Rewriter) cut(p []byte, i int, cat string) {
	r.debug("htmlrewrite: a long inline script matched after its start had gone out: cut there and the rest held back")
	all := r.captured(p, i)
	open := append([]byte(`--></script><script type="text/plain" data-consent="`), attrEscaped(cat)...)
	open = append(open, `" data-consent-cut>`...)
	open = append(open, scriptStatePrefix(r.raw.startState, r.raw.startK)...)
	r.replace(p, i, open, all)
	r.raw = rawState{sc: r.raw.sc}
}

// scriptStatePrefix is text that takes the script data state to s (with k characters of
// "script" matched, in the states that match it).
func scriptStatePrefix(s state, k int) string {
	name := "script"[:min(k, 6)]
	switch s {
	case sScriptLT:
		return "<"
	case sScriptEndName:
		return "</" + name
	case sScriptEscStart:
		return "<!"
	case sScriptEscStartDash:
		return "<!-"
	case sScriptEsc:
		return "<!--x"
	case sScriptEscDash:
		return "<!--x-"
	case sScriptEscDashDash:
		return "<!--x--"
	case sScriptEscLT:
		return "<!--x<"
	case sScriptEscEndName:
		return "<!--x</" + name
	case sScriptDblEscStart:
		if k > 6 {
			return "<!--x<scriptx"
		}
		return "<!--x<" + name
	case sScriptDblEsc:
		return "<!--x<script "
	case sScriptDblEscDash:
		return "<!--x<script -"
	case sScriptDblEscDashDash:
		return "<!--x<script --"
	case sScriptDblEscLT:
		return "<!--x<script <"
	case sScriptDblEscEnd:
		if k > 6 {
			return "<!--x<script </scriptx"
		}
		return "<!--x<script </" + name
	}
	return ""
}

// rawEnd decides a held script or style whose text ends at textEnd (in captured bytes),
// the capture reaching to i; p is nil at the end of input.
func (r *Rewriter) rawEnd(p []byte, i, textEnd int) {
	a := &r.raw.a
	switch {
	case r.capWhy == capURL:
		r.cssTokenEnd(p, i, false)
	case r.raw.kind == rawScript && r.capWhy == capRaw:
		all := r.captured(p, i)
		if cat := r.ask(a, r.urls, all[r.capTagLen:textEnd:textEnd], false); cat != "" {
			r.renameFor(all[:r.capTagLen], a)
			r.replace(p, i, r.neutralise(all[:r.capTagLen], a, cat), all[r.capTagLen:])
		} else {
			r.release()
		}
	case r.raw.kind == rawScript:
		all := r.captured(p, i)
		if textEnd == 0 {
			r.release()
		} else if cat := r.ask(a, nil, all[:textEnd:textEnd], false); cat != "" {
			r.cut(p, i, cat)
		} else {
			r.release()
		}
	case r.raw.kind == rawStyle && r.capWhy == capRaw:
		all := r.captured(p, i)
		text, base := all[r.capTagLen:textEnd:textEnd], r.capAbs()+int64(r.capTagLen)
		r.styleURLs(text, base)
		r.raw.sc.finish(r)
		if pieces, cat := r.keepActive(a, text, base); cat != "" {
			r.replaceKept(p, i, r.markInert(all[:r.capTagLen], cat), pieces, all[textEnd:])
		} else if cat := r.ask(a, r.urls, text, false); cat != "" {
			r.renameFor(all[:r.capTagLen], a)
			r.replace(p, i, r.neutralise(all[:r.capTagLen], a, cat), r.inertImports(all[r.capTagLen:], r.capAbs()+int64(r.capTagLen)))
		} else {
			r.release()
		}
	}
	r.raw = rawState{sc: r.raw.sc}
}

// scriptEnd is called at the character after "</script" that makes it an end tag.
func (r *Rewriter) scriptEnd(p []byte, i int) {
	if r.capturing && (r.capWhy == capRaw || r.capWhy == capWindow) {
		r.rawEnd(p, i, max(0, r.capturedLen(i)-len("</script")))
	}
	r.tok.rawEndTag()
}

// styleEnd is called at the character after "</style" that makes it an end tag.
func (r *Rewriter) styleEnd(p []byte, i int) {
	switch {
	case r.capturing && r.capWhy == capRaw:
		r.rawEnd(p, i, max(0, r.capturedLen(i)-len("</style")))
	case r.capturing && r.capWhy == capURL:
		r.cssTokenEnd(p, i, false)
	}
	r.raw = rawState{sc: r.raw.sc}
}

// cssText shows p[from:to] of a style's text to the CSS scanner and returns how far it
// got: no further than a URL it starts holding may grow.
func (r *Rewriter) cssText(p []byte, from, to int) int {
	lim := to
	if r.capturing {
		lim = min(lim, r.capStart+r.maxHold-len(r.hold))
	} else {
		lim = min(lim, from+r.maxHold)
	}
	if r.pend.active {
		lim = min(lim, r.emitFrom+r.maxHold-len(r.pend.tag)-len(r.pend.out)-len(r.hold))
	}
	if lim <= from {
		return from
	}
	r.cssP = p
	r.raw.sc.feed(p[from:lim], r.abs+int64(from), r)
	r.cssP = nil
	return lim
}

// urlStart: the CSS scanner begins a URL.
func (r *Rewriter) urlStart(at int64) {
	switch {
	case r.raw.streaming && !r.capturing:
		r.beginCapture(int(at-r.abs), capURL)
	case !r.raw.streaming && r.raw.sc.imported:
		r.importAt = append(r.importAt, at)
	}
}

// urlEnd: the CSS scanner ends a URL whose text ends at end.
func (r *Rewriter) urlEnd(u []byte, start, end int64, imported bool) {
	if !r.raw.streaming {
		s := cssSpan{start: start, end: end, u0: len(r.urls), i0: len(r.inline)}
		r.addCSSURL(u, imported)
		s.u1, s.i1 = len(r.urls), len(r.inline)
		switch {
		case s.u1 == s.u0 && s.i1 == s.i0:
		case len(r.cssSpans) == maxCSSSpans:
			r.raw.manyURLs = true
		default:
			r.cssSpans = append(r.cssSpans, s)
		}
		return
	}
	if r.capturing && r.capWhy == capURL {
		r.cssTokenEnd(r.cssP, int(end-r.abs), false)
	}
	r.raw.skipURL = false
}

// cssTokenEnd decides a held URL of a streamed style: the capture reaches to i (p is
// nil at the end of input). At the hold limit (partial) what it has is shown to Block as
// partial.
func (r *Rewriter) cssTokenEnd(p []byte, i int, partial bool) {
	if r.raw.skipURL {
		r.release()
		return
	}
	if r.raw.blocked {
		// The style is held back: nothing in it applies, but browsers' preload
		// scanners still fetch what @import names.
		if r.raw.sc.imported {
			r.replace(p, i, []byte("data:,"), r.captured(p, i))
		} else {
			r.release()
		}
		return
	}
	r.urls = r.urls[:0]
	r.inline = r.inline[:0]
	r.addCSSURL(r.raw.sc.buf, r.raw.sc.imported)
	if len(r.urls) == 0 && len(r.inline) == 0 {
		r.release()
		return
	}
	cat := r.askCSSURL(&r.raw.a, r.urls, r.inline, partial)
	if partial {
		r.raw.skipURL = true
	}
	if cat == "" {
		r.release()
		return
	}
	r.debug("htmlrewrite: a URL in a long style matched after its start had gone out: made inert in place")
	r.replace(p, i, []byte("data:,"), r.captured(p, i))
}

// maxCSSSpans bounds the URLs of one style decided one by one (and the memory a pooled
// Rewriter keeps for them); a style with more is decided whole, as before.
const maxCSSSpans = 512

// cssSpan is a URL of a style whose text is held: where its text starts and ends
// (absolute offsets; end is -1 at the end of the text), what addCSSURL made of it
// (r.urls[u0:u1], r.inline[i0:i1]), and whether it is made inert.
type cssSpan struct {
	start, end     int64
	u0, u1, i0, i1 int
	inert          bool
}

// askCSSURL asks Block about one URL of a style sheet: urls has it (or nothing, for a
// data: URL), payload is what an imported data: style sheet holds, whose own URLs load
// too and are shown with it.
func (r *Rewriter) askCSSURL(a *analysis, urls []string, payload []byte, partial bool) string {
	if len(payload) == 0 {
		return r.ask(a, urls, nil, partial)
	}
	n, m := len(r.urls), len(r.inline)
	r.addCSS(payload)
	cat := r.ask(a, append(urls[:len(urls):len(urls)], r.urls[n:]...), payload, partial)
	r.urls, r.inline = r.urls[:n], r.inline[:m]
	return cat
}

// keepActive decides a style whose text (its first byte at absolute offset base) is
// held, URL by URL (r.cssSpans; the URLs before the first span's are its start tag's).
// It returns the text in the pieces it is written in, "data:," before each URL Block
// holds back (in r.parts: no copy of a text of up to 64 KiB is made for the output),
// and the category of the first.
// cat is "" when Block holds back none of them, or when it would still hold the style
// back without them (an attribute of the start tag, a marker in the rest of the
// text): then the caller asks about the style whole. The pieces point into text.
func (r *Rewriter) keepActive(a *analysis, text []byte, base int64) (pieces [][]byte, cat string) {
	spans := r.cssSpans
	if len(spans) == 0 || r.raw.manyURLs {
		return nil, ""
	}
	for k := range spans {
		s := &spans[k]
		if c := r.askCSSURL(a, r.urls[s.u0:s.u1], r.inline[s.i0:s.i1], false); c != "" {
			s.inert = true
			if cat == "" {
				cat = c
			}
		}
	}
	if cat == "" {
		return nil, ""
	}
	pieces = r.parts[:0]
	pos := 0
	for _, s := range spans {
		if !s.inert {
			continue
		}
		start, end := int(s.start-base), len(text)
		if s.end >= 0 {
			end = int(s.end - base)
		}
		pieces = append(pieces, text[pos:start], dataComma, text[start:end])
		pos = end
	}
	pieces = append(pieces, text[pos:])
	r.parts = pieces
	// What the style would be held back for without the URLs made inert: the text
	// between them, put together in a pooled buffer.
	rest := restPool.Get().(*[]byte)
	b := (*rest)[:0]
	for k := 0; k < len(pieces); k += 3 {
		b = append(b, pieces[k]...)
	}
	held := r.ask(a, r.urls[:spans[0].u0], b, false) != ""
	*rest = b[:0]
	restPool.Put(rest)
	if held {
		clear(pieces)
		return nil, ""
	}
	return pieces, cat
}

// restPool holds the buffers keepActive puts a style's text together in, without its
// inert URLs, to ask about it: one is needed only for the moment of asking.
var restPool = sync.Pool{New: func() any { b := make([]byte, 0, defaultMaxHold); return &b }}

// writeKept writes a style kept active: its start tag marked inert and the pieces of
// its text (keepActive), then forgets the pieces, which point into the capture.
func (r *Rewriter) writeKept(tag []byte, pieces [][]byte) {
	r.write(tag)
	for _, b := range pieces {
		r.write(b)
	}
	clear(pieces)
}

// replaceKept replaces the capture (reaching to i) with a style kept active and tail.
func (r *Rewriter) replaceKept(p []byte, i int, tag []byte, pieces [][]byte, tail []byte) {
	if len(r.hold) == 0 && p != nil {
		r.flushTo(p, r.capStart) // as replace does, before what replaces the capture
	}
	r.writeKept(tag, pieces)
	r.replace(p, i, tail)
}

// markInert is a style's start tag with data-consent="CAT" data-consent-inert after its
// name: the activation script gives its inert URLs back on consent.
func (r *Rewriter) markInert(tag []byte, cat string) []byte {
	ne := tagNameEnd(tag)
	out := append(r.out[:0], tag[:ne]...)
	out = append(out, ` data-consent="`...)
	out = append(out, attrEscaped(cat)...)
	out = append(out, `" data-consent-inert=""`...)
	out = append(out, tag[ne:]...)
	r.out = out
	return out
}
