package caddymodule

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/zlib"
	"errors"
	"io"
	"iter"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// contentCodings lists the codings of a Content-Encoding header in the order
// they were applied, lower case, "identity" left out. known is false when
// one is not a coding we (and browsers) decode: Chromium then renders the raw
// body, so the caller must read it raw too.
func contentCodings(values []string) (codings []string, known bool) {
	known = true
	for _, line := range values {
		for _, c := range strings.Split(line, ",") {
			c = strings.ToLower(strings.TrimSpace(c))
			switch c {
			case "", "identity":
			case "gzip", "x-gzip", "deflate", "br", "zstd":
				codings = append(codings, c)
			default:
				known = false
			}
		}
	}
	return codings, known
}

// decodeStage decompresses the body before the next stage. Decoders pull
// from a reader while the upstream pushes writes; instead of a goroutine per
// response, the decoder runs as a coroutine (iter.Pull): each Write hands it
// the bytes and resumes it until it has consumed them all, so decoded bytes
// reach the client only inside our own Write, Flush and Close calls, on the
// handler's goroutine, and never after ServeHTTP returned. release() stops a
// coroutine that is still waiting for input (an aborted response): its
// reader then fails, the decoder returns, and nothing more is written.
type decodeStage struct {
	next stage
	warn func(error)

	in      []byte // compressed bytes the decoder has not consumed yet
	eof     bool   // Close: no more input
	stopped bool   // release: the response was abandoned
	resume  func() (struct{}, bool)
	stop    func()
	done    bool  // the decoder returned
	err     error // the next stage failed (the client went away)
}

var errDecodingStopped = errors.New("consentgate: decoding stopped")

func newDecodeStage(codings []string, next stage, warn func(error)) *decodeStage {
	d := &decodeStage{next: next, warn: warn}
	d.resume, d.stop = iter.Pull(func(yield func(struct{}) bool) {
		d.run(codings, &inputReader{d: d, yield: yield})
	})
	return d
}

// inputReader gives the decoder what Write handed in, and suspends the
// coroutine when that is used up.
type inputReader struct {
	d     *decodeStage
	yield func(struct{}) bool
}

func (in *inputReader) Read(p []byte) (int, error) {
	d := in.d
	for len(d.in) == 0 {
		if d.stopped {
			return 0, errDecodingStopped
		}
		if d.eof {
			return 0, io.EOF
		}
		if !in.yield(struct{}{}) {
			d.stopped = true
			return 0, errDecodingStopped
		}
	}
	n := copy(p, d.in)
	d.in = d.in[n:]
	return n, nil
}

// run decodes until the stream ends, the input ends or fails, or the
// response is abandoned.
func (d *decodeStage) run(codings []string, src io.Reader) {
	r := io.Reader(src)
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			_ = c.Close()
		}
	}()
	// The last coding listed was applied last: it is undone first.
	for i := len(codings) - 1; i >= 0; i-- {
		dec, closer, err := newDecoder(codings[i], r)
		if err != nil {
			d.failed(err)
			return
		}
		if closer != nil {
			closers = append(closers, closer)
		}
		r = dec
	}
	buf := make([]byte, 16<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 && !d.stopped {
			if _, werr := d.next.Write(buf[:n]); werr != nil {
				d.err = werr
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				d.failed(err)
			}
			return
		}
	}
}

// failed reports a truncated or corrupt body: what was decoded went out, the
// rest cannot; the response ends there rather than failing.
func (d *decodeStage) failed(err error) {
	if !d.stopped && !errors.Is(err, errDecodingStopped) {
		d.warn(err)
	}
}

func newDecoder(coding string, src io.Reader) (io.Reader, io.Closer, error) {
	switch coding {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(src)
		return zr, nil, err
	case "deflate":
		// HTTP's deflate is zlib-wrapped, but some servers send raw deflate.
		br := bufio.NewReaderSize(src, 512)
		if head, err := br.Peek(2); err == nil && isZlibHeader(head) {
			zr, err := zlib.NewReader(br)
			return zr, nil, err
		}
		return flate.NewReader(br), nil, nil
	case "br":
		return brotli.NewReader(src), nil, nil
	case "zstd":
		// One decoder goroutine-free stream, a bounded window: an 8 MiB
		// window is what browsers accept.
		zr, err := zstd.NewReader(src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(8<<20))
		if err != nil {
			return nil, nil, err
		}
		return zr, closerFunc(zr.Close), nil
	}
	return nil, nil, errors.New("unknown content coding " + coding)
}

// decodedStart is what the first bytes of a compressed body decode to, at
// most n bytes, for sniffing its type as the browser will once it has
// decoded it; ok is false when they do not decode (an unknown coding, a
// corrupt start).
func decodedStart(codings []string, prefix []byte, n int) (start []byte, ok bool) {
	r := io.Reader(bytes.NewReader(prefix))
	for i := len(codings) - 1; i >= 0; i-- {
		dec, closer, err := newDecoder(codings[i], r)
		if err != nil {
			return nil, false
		}
		if closer != nil {
			defer closer.Close()
		}
		r = dec
	}
	start = make([]byte, n)
	got, err := io.ReadFull(r, start)
	if got == 0 && err != nil {
		return nil, false
	}
	return start[:got], true
}

type closerFunc func()

func (f closerFunc) Close() error { f(); return nil }

func isZlibHeader(h []byte) bool {
	return h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0
}

// Write hands compressed bytes to the decoder and runs it until it has used
// them. Once decoding stopped on a corrupt body, further bytes are dropped,
// not failed: the upstream's copy must not turn into an error response for a
// body whose header is sent.
func (d *decodeStage) Write(p []byte) (int, error) {
	if d.done {
		return len(p), d.err
	}
	d.in = p
	if _, more := d.resume(); !more {
		d.done = true
	}
	d.in = nil
	return len(p), d.err
}

// Flush: the decoder has consumed every byte written so far and written what
// it could decode from them.
func (d *decodeStage) Flush() error {
	if d.err != nil {
		return d.err
	}
	return d.next.Flush()
}

// Close ends the input, lets the decoder finish, then closes the next stage.
func (d *decodeStage) Close() error {
	if !d.done {
		d.eof = true
		d.resume()
		d.done = true
	}
	d.stop()
	if d.err != nil {
		d.next.release()
		return d.err
	}
	return d.next.Close()
}

// release abandons the response: the coroutine ends without writing.
func (d *decodeStage) release() {
	d.stopped = true
	d.stop()
	d.done = true
	d.next.release()
}
