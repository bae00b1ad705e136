package htmlrewrite

import "bytes"

// Browsers run with scripting enabled, so for them <noscript> content is raw text that
// ends at the first "</noscript"; a browser with scripting disabled parses it as markup,
// and that is where tracking pixels in <noscript> load. The rewriter does both: it scans
// the content as markup (and neutralises what it finds there), but ends it where a
// scripting browser does, whatever the markup scan is in the middle of, so that nothing
// after the noscript is misread. What the markup in it did to the stack of open elements
// is undone at its end: scripting browsers never saw it.
type noscriptState struct {
	active bool
	match  int // bytes of "</noscript" seen
	saved  treeState
}

const noscriptEnd = "</noscript"

// startNoscript begins a noscript's content.
func (r *Rewriter) startNoscript() {
	r.noscr = noscriptState{active: true, saved: r.tree}
	r.saved = append(r.saved[:0], r.tree.frames...)
}

// noscriptStep looks for the end of the noscript at i. It returns how far the markup
// scan may go, or done when the noscript ended there.
func (r *Rewriter) noscriptStep(p []byte, i int) (end int, done bool) {
	ns := &r.noscr
	if ns.match == 0 {
		j := bytes.IndexByte(p[i:], '<')
		if j < 0 {
			return len(p), false
		}
		if j > 0 {
			return i + j, false
		}
	}
	// Byte by byte from a '<' on, so that the markup scan sees each one after us.
	c := p[i]
	switch {
	case ns.match == len(noscriptEnd):
		if isSpace(c) || c == '/' || c == '>' {
			r.endNoscript(p, i)
			return 0, true
		}
		ns.match = 0
	case ns.match == 0:
		ns.match = 1
	case lower(c) == noscriptEnd[ns.match]:
		ns.match++
	default:
		ns.match = 0
	}
	if ns.match == 0 && c == '<' {
		ns.match = 1
	}
	return i + 1, false
}

func (r *Rewriter) endNoscript(p []byte, i int) {
	// A foreign element held since inside the noscript ends with it.
	r.endPending(p, i-len(noscriptEnd))
	saved := r.noscr.saved
	frames := append(r.tree.frames[:0], r.saved...)
	r.tree = saved
	r.tree.frames = frames
	r.noscr = noscriptState{}
	// A construct cut off by the end of the noscript passes unchanged.
	r.release()
	r.raw = rawState{sc: r.raw.sc}
	r.tail = tailState{}
	t := &r.tok
	t.isEnd = true
	t.resetName()
	for i := 2; i < len(noscriptEnd); i++ {
		t.addName(noscriptEnd[i])
	}
	t.state = sTagName
}
