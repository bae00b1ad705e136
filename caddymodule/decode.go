package caddymodule

import (
	"bufio"
	"compress/flate"
	"compress/zlib"
	"errors"
	"io"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"go.uber.org/zap"
)

func canDecode(encoding string) bool {
	switch encoding {
	case "gzip", "x-gzip", "deflate", "br", "zstd":
		return true
	}
	return false
}

// decodingBody decompresses an upstream body before the rewriter. Decoders
// pull from a reader while the upstream pushes writes, so a goroutine runs
// the decoder on the other end of a pipe; a mutex keeps its writes to the
// client and the handler's flushes apart.
type decodingBody struct {
	plain *rewritingBody
	pw    *io.PipeWriter
	mu    sync.Mutex
	done  chan struct{}
	err   error // what the client side failed with, after done
}

func newDecodingBody(plain *rewritingBody, encoding string, logger *zap.Logger, path string) *decodingBody {
	pr, pw := io.Pipe()
	d := &decodingBody{plain: plain, pw: pw, done: make(chan struct{})}
	go func() {
		defer close(d.done)
		err := d.decode(encoding, pr)
		if err != nil && !errors.Is(err, io.EOF) {
			// A truncated or corrupt body: what was decoded went out, the
			// rest cannot be; the response ends there rather than failing.
			logger.Warn("compressed HTML could not be decoded to the end",
				zap.String("content_encoding", encoding), zap.String("path", path), zap.Error(err))
		}
		// Unblock an upstream still writing into the pipe.
		pr.CloseWithError(errDecodingStopped)
	}()
	return d
}

var errDecodingStopped = errors.New("consentgate: the compressed body could not be decoded")

func (d *decodingBody) decode(encoding string, src io.Reader) error {
	var dec io.Reader
	switch encoding {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(src)
		if err != nil {
			return err
		}
		dec = zr
	case "deflate":
		// HTTP's deflate is zlib-wrapped, but some servers send raw deflate.
		br := bufio.NewReader(src)
		if head, err := br.Peek(2); err == nil && isZlibHeader(head) {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return err
			}
			dec = zr
		} else {
			dec = flate.NewReader(br)
		}
	case "br":
		dec = brotli.NewReader(src)
	case "zstd":
		zr, err := zstd.NewReader(src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(8<<20))
		if err != nil {
			return err
		}
		defer zr.Close()
		dec = zr
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := dec.Read(buf)
		if n > 0 {
			d.mu.Lock()
			_, werr := d.plain.Write(buf[:n])
			d.mu.Unlock()
			if werr != nil {
				d.err = werr
				return nil
			}
		}
		if err != nil {
			return err
		}
	}
}

func isZlibHeader(h []byte) bool {
	return h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0
}

// Write hands compressed bytes to the decoder. Once decoding stopped on a
// corrupt body, further bytes are dropped, not failed: the upstream's copy
// must not turn into an error response for a body whose header is sent.
func (d *decodingBody) Write(p []byte) (int, error) {
	if _, err := d.pw.Write(p); err != nil {
		if d.clientErr() != nil {
			return 0, d.clientErr()
		}
		return len(p), nil
	}
	return len(p), nil
}

func (d *decodingBody) clientErr() error {
	select {
	case <-d.done:
		return d.err
	default:
		return nil
	}
}

// Flush releases what was decoded so far; bytes still inside the decoder
// follow with the next write.
func (d *decodingBody) Flush() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.plain.Flush()
}

func (d *decodingBody) Close() error {
	_ = d.pw.Close()
	<-d.done
	if d.err != nil {
		_ = d.plain.Close()
		return d.err
	}
	return d.plain.Close()
}
