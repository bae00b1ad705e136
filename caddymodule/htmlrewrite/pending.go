package htmlrewrite

import "bytes"

// A <script> or <style> of SVG is not raw text: its content is markup (character
// references, CDATA sections, comments, even elements). Its start tag is held until the
// element ends — its end tag, or whatever else pops it off the stack of open elements —
// together with everything after it (rewritten as usual), and decided on its text: the
// character data in it, references decoded, CDATA sections included, comments left out.
type pending struct {
	active     bool
	tag        []byte
	out        []byte // output after the start tag
	text       []byte // decoded text of the runs that ended
	run        []byte // raw text of the run in progress
	a          analysis
	urls       []string
	attrInline []byte
}

// startPending holds a foreign script or style whose start tag is captured up to i.
func (r *Rewriter) startPending(p []byte, i int, tag []byte, a *analysis) {
	if len(r.hold) == 0 {
		r.flushTo(p, r.capStart)
	}
	pd := &r.pend
	pd.active = true
	pd.tag = append(pd.tag[:0], tag...)
	pd.out = pd.out[:0]
	pd.text = pd.text[:0]
	pd.run = pd.run[:0]
	pd.a = *a
	pd.urls = append(pd.urls[:0], r.urls...)
	pd.attrInline = append(pd.attrInline[:0], r.inline...)
	r.capturing = false
	r.hold = r.hold[:0]
	r.emitFrom = i
}

// textHook reports whether text in the data state is looked at.
func (r *Rewriter) textHook() bool {
	return r.pend.active || r.tree.framesetOK && r.tree.frameset == 0 && !r.noscr.active
}

// text is a run of text (or part of one) in the data state.
func (r *Rewriter) text(b []byte) {
	if r.pend.active {
		r.pend.run = append(r.pend.run, b...)
	}
	if r.tree.framesetOK && !r.noscr.active {
		for _, c := range b {
			// A reference may stand for anything: it counts as text, as most do.
			if !isSpace(c) && c != 0 {
				r.tree.framesetOK = false
				break
			}
		}
	}
}

// textBreak ends a run of text: markup begins.
func (r *Rewriter) textBreak() {
	pd := &r.pend
	if !pd.active || len(pd.run) == 0 {
		return
	}
	if r.cfg.XML {
		pd.text = r.xmlDecode(pd.text, pd.run)
	} else {
		pd.text = appendDecodedText(pd.text, pd.run)
	}
	pd.run = pd.run[:0]
}

// addCDATA adds the content of a CDATA section to the text.
func (pd *pending) addCDATA(b []byte) {
	if !pd.active {
		return
	}
	for _, c := range b {
		if c == 0 {
			pd.text = append(pd.text, "\uFFFD"...)
		} else {
			pd.text = append(pd.text, c)
		}
	}
}

// appendDecodedText appends text as the DOM has it: character references decoded (the
// text way: legacy names without ';' decode even before an alphanumeric), CR LF and CR
// as LF, NUL as U+FFFD (foreign content keeps it, replaced).
func appendDecodedText(b, s []byte) []byte {
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '&':
			var n int
			if b, n = appendTextRef(b, s[i:]); n == 0 {
				b = append(b, '&')
				n = 1
			}
			i += n
		case '\r':
			b = append(b, '\n')
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case 0:
			b = append(b, "\uFFFD"...)
			i++
		default:
			b = append(b, c)
			i++
		}
	}
	return b
}

// decidePending decides the held foreign element: what it held up to upto in p goes
// behind it. partial: it did not end (hold limit, nesting), and Block is told so.
func (r *Rewriter) decidePending(p []byte, upto int, partial bool) {
	pd := &r.pend
	if !pd.active {
		return
	}
	if r.capturing {
		// What is captured comes after: only the bytes before it go behind.
		upto = min(upto, r.capStart)
		if len(r.hold) > 0 {
			upto = r.emitFrom
		}
	}
	if p != nil && upto > r.emitFrom {
		r.flushTo(p, upto)
	}
	r.textBreak()
	pd.active = false
	r.tree.clearPending()

	r.urls = append(r.urls[:0], pd.urls...)
	r.inline = append(r.inline[:0], pd.attrInline...)
	if pd.a.id == tStyle {
		r.addCSS(pd.text)
	}
	if len(r.inline) > 0 {
		r.inline = append(r.inline, '\n')
	}
	r.inline = append(r.inline, pd.text...)
	inline := r.inline
	if inline == nil {
		inline = []byte{}
	}
	cat := r.ask(&pd.a, r.urls, inline, partial)
	if cat == "" {
		r.writeOut(pd.tag)
		r.writeOut(pd.out)
	} else {
		var a analysis
		r.analyse(&a, pd.tag, pd.a.id, pd.a.ns)
		r.writeOut(r.neutralise(pd.tag, &a, cat))
		out := pd.out
		if pd.a.id == tStyle {
			// What a preload scanner reads is the markup as it is.
			var sc cssScanner
			sc.reset(r.maxHold)
			r.importAt = r.importAt[:0]
			col := importCollector{r: r, sc: &sc}
			// Only the text before the first nested element is read as
			// CSS: the elements in an SVG style are markup, already decided
			// on their own (an @import URL looked for in them would land in
			// their attributes).
			css := out
			for k := 0; k < len(css); k++ {
				j := bytes.IndexByte(css[k:], '<')
				if j < 0 {
					break
				}
				k += j
				// A tag, not a CDATA section or a comment (CSS in them is read).
				if k+1 < len(css) && (isASCIILetter(css[k+1]) || css[k+1] == '/') {
					css = css[:k]
					break
				}
			}
			sc.feed(css, 0, &col)
			out = r.inertImports(out, 0)
		}
		r.writeOut(out)
	}
	pd.tag, pd.out, pd.text, pd.run = pd.tag[:0], pd.out[:0], pd.text[:0], pd.run[:0]
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// importCollector records where a style's @import URLs start.
type importCollector struct {
	r  *Rewriter
	sc *cssScanner
}

func (c *importCollector) urlStart(at int64) {
	if c.sc.imported {
		c.r.importAt = append(c.r.importAt, at)
	}
}
func (c *importCollector) urlEnd([]byte, int64, int64, bool) {}

// endPending decides a held foreign element that ends with the input or a noscript.
func (r *Rewriter) endPending(p []byte, upto int) {
	if r.pend.active {
		r.decidePending(p, upto, false)
	}
}

// clearPending takes the pending mark off the frame, if it is still on the stack.
func (t *treeState) clearPending() {
	t.pendingGone = false
	for k := len(t.frames) - 1; k >= 0; k-- {
		if t.frames[k].flags&fPending != 0 {
			t.frames[k].flags &^= fPending
			return
		}
	}
}
