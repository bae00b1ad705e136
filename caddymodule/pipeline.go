package caddymodule

import (
	"io"
	"net/http"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/consentgate/consentgate/caddymodule/htmlrewrite"
)

// The body of a rewritten page flows through a chain of stages:
//
//	[decode] → [charset] → rewrite → [charset back] → coalesce → [encode] → client
//
// decode undoes the upstream's Content-Encoding layers; charset turns a page
// in an encoding that is not ASCII-compatible (UTF-16, ISO-2022-JP) into
// UTF-8 for the scanner and back; coalesce gathers the rewriter's small
// writes, so that the first write Caddy's encode sees is larger than its
// minimum_length (it decides on the first write whether to compress); encode
// compresses again what we decoded, in a coding the client accepts.
//
// Every stage runs in the caller's Write, Flush and Close; release abandons
// the chain without writing (the response was aborted) and returns pooled
// parts.
type stage interface {
	io.Writer
	// Flush writes what no later byte can change and flushes the connection.
	Flush() error
	// Close writes the rest; the stage is not used again.
	Close() error
	// release drops the response without writing anything more.
	release()
}

// sink is the end of the chain: the client connection.
type sink struct {
	w *caddyhttp.ResponseWriterWrapper
}

func (s sink) Write(p []byte) (int, error) { return s.w.Write(p) }

func (s sink) Flush() error {
	//nolint:bodyclose
	return http.NewResponseController(s.w).Flush()
}
func (s sink) Close() error { return nil }
func (s sink) release()     {}

// coalesceSize is what the coalescing stage holds at most between two
// writes of the upstream; the rewriter's hold is this much smaller than the
// 64 KiB a response may hold in all.
const coalesceSize = 4 << 10

// gatherSize is what the coalescing stage gathers at most within one write
// of the upstream (reverse_proxy copies 32 KiB at a time).
const gatherSize = 32 << 10

// coalesceStage gathers the rewriter's many small writes. All the output of
// one upstream write goes to the client in one write (each write is an HTTP
// chunk and one or two system calls), and what is left under coalesceSize
// when the upstream's write ends waits for more, so that the first write
// Caddy's encode sees is larger than its minimum_length. The gathering
// buffer is pooled and given back at the end of each upstream write
// (endWrite): a response waiting for its upstream keeps only the small one.
type coalesceStage struct {
	next stage
	buf  *[]byte // small (coalesceSize) between upstream writes, large (gatherSize) within one
}

var (
	coalescePool = sync.Pool{New: func() any { b := make([]byte, 0, coalesceSize); return &b }}
	gatherPool   = sync.Pool{New: func() any { b := make([]byte, 0, gatherSize); return &b }}
)

func newCoalesceStage(next stage) *coalesceStage {
	b := coalescePool.Get().(*[]byte)
	*b = (*b)[:0]
	return &coalesceStage{next: next, buf: b}
}

func (c *coalesceStage) Write(p []byte) (int, error) {
	if c.buf == nil {
		return c.next.Write(p) // after Close or release: nothing is gathered any more
	}
	n := len(p)
	buf := *c.buf
	if len(buf)+len(p) > cap(buf) && cap(buf) < gatherSize {
		// Gather in the large buffer until the upstream's write ends.
		large := gatherPool.Get().(*[]byte)
		*large = append((*large)[:0], buf...)
		c.put()
		c.buf, buf = large, *large
	}
	for len(buf)+len(p) > cap(buf) {
		if len(buf) == 0 && len(p) >= gatherSize {
			// Nothing gathered: a large piece goes out as it is.
			if _, err := c.next.Write(p); err != nil {
				return 0, err
			}
			return n, nil
		}
		// The buffer is filled before it goes out, so that no write is
		// small: what was gathered before a piece of nearly 32 KiB (the
		// page's start, the guard's tag) would otherwise go out alone, and
		// encode, which decides from the first write whether to compress,
		// would leave the page uncompressed.
		k := cap(buf) - len(buf)
		*c.buf = append(buf, p[:k]...)
		p = p[k:]
		if err := c.writeOut(); err != nil {
			return 0, err
		}
		buf = *c.buf
	}
	*c.buf = append(buf, p...)
	return n, nil
}

// endWrite is called when a write of the upstream has gone through the
// stages before this one: what was gathered goes out, unless it is less
// than coalesceSize, which waits in the small buffer.
func (c *coalesceStage) endWrite() error {
	if c.buf == nil {
		return nil
	}
	if len(*c.buf) >= coalesceSize {
		if err := c.writeOut(); err != nil {
			return err
		}
	}
	if cap(*c.buf) > coalesceSize {
		small := coalescePool.Get().(*[]byte)
		*small = append((*small)[:0], *c.buf...)
		c.put()
		c.buf = small
	}
	return nil
}

func (c *coalesceStage) writeOut() error {
	if c.buf == nil || len(*c.buf) == 0 {
		return nil
	}
	_, err := c.next.Write(*c.buf)
	*c.buf = (*c.buf)[:0]
	return err
}

func (c *coalesceStage) Flush() error {
	if err := c.writeOut(); err != nil {
		return err
	}
	return c.next.Flush()
}

func (c *coalesceStage) Close() error {
	err := c.writeOut()
	c.put()
	if err != nil {
		c.next.release()
		return err
	}
	return c.next.Close()
}

func (c *coalesceStage) release() {
	c.put()
	c.next.release()
}

// put gives the buffer back to its pool.
func (c *coalesceStage) put() {
	if c.buf == nil {
		return
	}
	*c.buf = (*c.buf)[:0]
	if cap(*c.buf) > coalesceSize {
		gatherPool.Put(c.buf)
	} else {
		coalescePool.Put(c.buf)
	}
	c.buf = nil
}

// rewriteStage feeds the body through the HTML rewriter.
type rewriteStage struct {
	rw   *htmlrewrite.Rewriter
	next stage
}

var rewriterPool = sync.Pool{New: func() any { return htmlrewrite.New(nil, nil) }}

func newRewriteStage(cfg *htmlrewrite.Config, next stage) *rewriteStage {
	rwr := rewriterPool.Get().(*htmlrewrite.Rewriter)
	rwr.Reset(next, cfg)
	return &rewriteStage{rw: rwr, next: next}
}

func (s *rewriteStage) Write(p []byte) (int, error) { return s.rw.Write(p) }

func (s *rewriteStage) Flush() error {
	if err := s.rw.Flush(); err != nil {
		return err
	}
	return s.next.Flush()
}

func (s *rewriteStage) Close() error {
	err := s.rw.Close()
	s.put()
	if err != nil {
		s.next.release()
		return err
	}
	return s.next.Close()
}

func (s *rewriteStage) release() {
	s.put()
	s.next.release()
}

func (s *rewriteStage) put() {
	if s.rw != nil {
		s.rw.Reset(nil, nil)
		rewriterPool.Put(s.rw)
		s.rw = nil
	}
}

// encodeStage compresses the rewritten body again.
type encodeStage struct {
	coding string
	enc    encoder
	next   stage
}

type encoder interface {
	io.WriteCloser
	Flush() error
	Reset(io.Writer)
}

var encoderPools = map[string]*sync.Pool{
	"gzip": {New: func() any {
		w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
		return w
	}},
	"zstd": {New: func() any {
		// As Caddy's encode zstd: one goroutine-free encoder, a small window.
		w, _ := zstd.NewWriter(nil, zstd.WithWindowSize(128<<10), zstd.WithEncoderConcurrency(1), zstd.WithZeroFrames(true))
		return zstdEncoder{w}
	}},
}

type zstdEncoder struct{ *zstd.Encoder }

func (z zstdEncoder) Reset(w io.Writer) { z.Encoder.Reset(w) }

func newEncodeStage(coding string, next stage) *encodeStage {
	enc := encoderPools[coding].Get().(encoder)
	enc.Reset(writerOnly{next})
	return &encodeStage{coding: coding, enc: enc, next: next}
}

func (e *encodeStage) Write(p []byte) (int, error) { return e.enc.Write(p) }

func (e *encodeStage) Flush() error {
	if err := e.enc.Flush(); err != nil {
		return err
	}
	return e.next.Flush()
}

func (e *encodeStage) Close() error {
	err := e.enc.Close()
	e.put()
	if err != nil {
		e.next.release()
		return err
	}
	return e.next.Close()
}

func (e *encodeStage) release() {
	e.put()
	e.next.release()
}

func (e *encodeStage) put() {
	if e.enc != nil {
		e.enc.Reset(io.Discard)
		encoderPools[e.coding].Put(e.enc)
		e.enc = nil
	}
}

// outputCoding picks the coding of a rewritten page whose upstream body was
// compressed: the upstream's outermost one when the client accepts it and we
// can produce it, else gzip or zstd as the client accepts, else none.
func outputCoding(acceptEncoding []string, upstream []string) string {
	if n := len(upstream); n > 0 {
		last := upstream[n-1]
		if last == "x-gzip" {
			last = "gzip"
		}
		if encoderPools[last] != nil && acceptsEncoding(acceptEncoding, last) {
			return last
		}
	}
	for _, c := range []string{"gzip", "zstd"} {
		if acceptsEncoding(acceptEncoding, c) {
			return c
		}
	}
	return ""
}
