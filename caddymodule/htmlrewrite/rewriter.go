package htmlrewrite

import (
	"errors"
	"io"
)

// Element is a tag the rewriter asks the caller about.
type Element struct {
	Tag        string // "script", "iframe" or "img", lower case
	Src        string // the src attribute value, character references decoded; "" when absent
	Inline     []byte // <script> without src: its text (at most the hold limit); nil otherwise. Only valid during the call.
	InNoscript bool   // inside <noscript>
}

// Config says what to insert and what to hold back.
type Config struct {
	// Head is inserted right after the first <head> start tag; in a document without one,
	// right before the first start tag other than <html>; if neither ever comes, at Close
	// (before BodyEnd).
	Head []byte
	// BodyEnd is inserted right before the first </body> end tag that is real markup (not in
	// a comment, script, style, textarea, noscript, ...); without one, at Close.
	BodyEnd []byte
	// Block returns the category to hold the element back under; "" lets it pass.
	// nil: nothing is blocked.
	Block func(Element) string
	// MaxHold is the most bytes held back at any time; 0 means 64 KiB. Values below 16 are
	// raised to 16, so that the tag names deciding an insertion always fit.
	MaxHold int
}

const (
	defaultMaxHold = 64 << 10
	minMaxHold     = 16
)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("htmlrewrite: write after Close")

// Rewriter rewrites one HTML document on its way to an io.Writer. It is not safe for
// concurrent use.
type Rewriter struct {
	w       io.Writer
	head    []byte
	bodyEnd []byte
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
	capTagLen int // capScript: length of the start tag within the captured bytes
	hold      []byte

	tok     tokenizer
	tree    treeState
	out     []byte // scratch for rewritten tags
	scratch []byte // scratch for decoding attribute values
	renam   []rename
	noscr   noscriptState
	headIn  bool // Head still to be inserted
	bodyIn  bool // BodyEnd still to be inserted
	headAt  bool // the start tag being scanned is <head>: insert Head after it
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
	*r = Rewriter{
		w:       w,
		hold:    r.hold[:0],
		out:     r.out[:0],
		scratch: r.scratch[:0],
		renam:   r.renam[:0],
		tree:    treeState{frames: r.tree.frames[:0]},
	}
	if cfg != nil {
		r.head = cfg.Head
		r.bodyEnd = cfg.BodyEnd
		r.block = cfg.Block
		r.maxHold = cfg.MaxHold
	}
	if r.maxHold == 0 {
		r.maxHold = defaultMaxHold
	}
	r.maxHold = max(r.maxHold, minMaxHold)
	r.headIn = len(r.head) > 0
	r.bodyIn = len(r.bodyEnd) > 0
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
	r.feed(p)
	if r.err != nil {
		return 0, r.err
	}
	return len(p), nil
}

// Flush writes everything that no later byte can change. It does not flush the
// underlying writer.
func (r *Rewriter) Flush() error {
	if r.err == nil && r.capturing && r.capWhy == capName {
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
	if r.capturing {
		// The end of input interrupts this construct, so the pending
		// insertions go before it: after it they would become part of it — the
		// attributes that complete a tag the browser would otherwise drop (a
		// truncated <script src=tracker... plus our markup makes a script that
		// loads), or the text of an unfinished script.
		r.writeInsertions()
		// At end of input an unfinished tag is dropped by browsers; an unfinished
		// inline script still runs, so it is decided on what it has.
		if r.capWhy == capScript {
			r.decideScript(nil, 0, r.capturedLen(0))
		} else {
			r.release()
		}
	}
	r.writeInsertions()
	return r.err
}

// writeInsertions writes Head and BodyEnd if they are still to come.
func (r *Rewriter) writeInsertions() {
	if r.headIn {
		r.headIn = false
		r.write(r.head)
	}
	if r.bodyIn {
		r.bodyIn = false
		r.write(r.bodyEnd)
	}
}

func (r *Rewriter) write(b []byte) {
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

// feed scans one chunk.
func (r *Rewriter) feed(p []byte) {
	r.emitFrom = 0
	i, n := 0, len(p)
	for i < n && r.err == nil {
		end := n
		if r.capturing {
			lim := r.capLimit()
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
	if r.capturing {
		if len(r.hold) == 0 {
			r.flushTo(p, r.capStart)
		}
		r.hold = append(r.hold, p[r.capStart:]...)
		r.capStart = 0
	} else {
		r.flushTo(p, n)
	}
}

type capture uint8

const (
	capName   capture = iota // a tag whose name decides an insertion or a capture
	capTag                   // a start tag whose attributes are needed
	capScript                // an inline script start tag and its text
)

func (r *Rewriter) beginCapture(at int, why capture) {
	r.capturing = true
	r.capStart = at
	r.capWhy = why
}

// capLimit is where in the chunk the capture reaches the hold limit.
func (r *Rewriter) capLimit() int {
	return r.capStart + r.maxHold - len(r.hold)
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
	if len(r.hold) == 0 {
		r.flushTo(p, r.capStart)
	}
	for _, b := range parts {
		r.write(b)
	}
	r.hold = r.hold[:0]
	r.emitFrom = i
	r.capturing = false
}

// insertBefore writes b before the construct being captured.
func (r *Rewriter) insertBefore(p []byte, b []byte) {
	if len(r.hold) == 0 {
		r.flushTo(p, r.capStart)
	}
	r.write(b)
}

// overflow is called when the capture would exceed the hold limit at i.
func (r *Rewriter) overflow(p []byte, i int) {
	switch r.capWhy {
	case capName:
		// With MaxHold >= 16 the name is longer than html, head or body.
		if !r.tok.isEnd && r.headIn {
			r.headIn = false
			r.insertBefore(p, r.head)
		}
		r.release()
	case capTag:
		// An over-long tag passes through unchanged.
		r.release()
	case capScript:
		r.decideScript(p, i, r.capturedLen(i))
	}
}

// decideEarly releases a partial tag name that no later byte can make matter, so that
// Flush can write it. A start tag while Head is pending stays held: where Head goes
// depends on whether the tag is ever completed.
func (r *Rewriter) decideEarly() {
	t := &r.tok
	if t.state != sTagName {
		return
	}
	name := []byte("-") // longer than any name that matters: matches none below
	if t.nameLen <= len(t.name) {
		name = t.name[:t.nameLen]
	}
	if t.isEnd {
		if !r.bodyIn || r.noscr.active || !isPrefix(name, "body") {
			r.release()
		}
		return
	}
	if r.headIn || r.tree.foreignFor(tOther) {
		// font and annotation-xml need their attributes; any foreign tag may be one.
		return
	}
	if r.block != nil && (isPrefix(name, "script") || isPrefix(name, "img") ||
		isPrefix(name, "image") || isPrefix(name, "iframe")) {
		return
	}
	r.release()
}

func isPrefix(b []byte, s string) bool {
	return len(b) <= len(s) && string(b) == s[:len(b)]
}
