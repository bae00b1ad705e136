package caddymodule

import (
	"bytes"
	"io"
	"strconv"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// The scanner reads bytes as ASCII, which every encoding a browser uses for
// HTML agrees with except two kinds: UTF-16 (two bytes per character: a
// "<script" is not the bytes "<script") and ISO-2022-JP, whose escape
// sequences switch to a two-byte mode where "<!--" is a kanji, so that the
// scanner would see a comment where the browser sees text and then a
// <script>. A page in one of those is decoded to UTF-8 for the scanner, and
// the rewritten page encoded back, so the response keeps its headers and the
// browser reads it as before. The encoding is chosen as browsers choose it:
// a BOM, else the Content-Type charset, else a <meta> in the first 1024
// bytes (HTML's prescan); a page that declares nothing but contains
// ISO-2022-JP escape sequences in its first 1024 bytes is taken as
// ISO-2022-JP, as a browser's detector would.

// charsetStage decides the page's encoding from its first bytes and, for one
// that is not ASCII-compatible, decodes it into the rewriter and makes out
// encode the rewriter's output back.
type charsetStage struct {
	next          stage // the rewriter
	out           *charsetOut
	headerCharset string
	legacy        *bool  // set on deciding: the page is not known to be UTF-8
	buf           []byte // the first bytes, until decided
	sent          int    // of buf, passed on before the decision (a flush, see Flush)
	decided       bool
	dec           io.WriteCloser // nil: bytes pass as they are
}

// charsetOut sits after the rewriter: it passes bytes through, or encodes
// UTF-8 back into the page's encoding.
type charsetOut struct {
	next stage
	enc  io.WriteCloser
}

func newCharsetStages(headerCharset string, rewrite func(out stage) stage, next stage, legacy *bool) *charsetStage {
	out := &charsetOut{next: next}
	if legacy != nil {
		// Until the encoding is known (a flush passes the page's start on
		// before), text we insert goes as character references, which read
		// the same in every encoding.
		*legacy = true
	}
	return &charsetStage{next: rewrite(out), out: out, headerCharset: headerCharset, legacy: legacy}
}

func (c *charsetStage) Write(p []byte) (int, error) {
	if c.decided {
		return c.write(p)
	}
	if c.sent > 0 {
		// Passed on as ASCII after a flush: so on until the prescan can
		// decide, or an escape sequence might switch to ISO-2022-JP's
		// two-byte mode.
		c.buf = append(c.buf, p...)
		if c.decidable(len(c.buf)) || bytes.IndexByte(p, 0x1b) >= 0 {
			if err := c.decide(); err != nil {
				return 0, err
			}
			return len(p), nil
		}
		c.sent = len(c.buf)
		return c.next.Write(p)
	}
	// The first write is usually enough to decide on: it is then not
	// copied (a 32 KiB copy per page otherwise).
	first := p
	if len(c.buf) > 0 || !c.decidable(len(p)) {
		c.buf = append(c.buf, p...)
		if !c.decidable(len(c.buf)) {
			return len(p), nil
		}
		first = c.buf
	}
	if err := c.decideOn(first); err != nil {
		return 0, err
	}
	return len(p), nil
}

// decidable: a declared charset needs only the BOM's bytes; otherwise the
// prescan looks at 1024 bytes.
func (c *charsetStage) decidable(n int) bool {
	if c.headerCharset != "" {
		return n >= 3
	}
	return n >= docStart
}

// decide decides on the bytes gathered so far (a flush, or the end).
func (c *charsetStage) decide() error { return c.decideOn(c.buf) }

// decideOn chooses the encoding from the page's first bytes and passes them
// on.
func (c *charsetStage) decideOn(first []byte) error {
	c.decided = true
	enc, textSafe := pageEncoding(first, c.headerCharset)
	if c.legacy != nil {
		*c.legacy = !textSafe
	}
	if enc != nil {
		c.dec = transform.NewWriter(writerOnly{c.next}, enc.NewDecoder())
		c.out.enc = transform.NewWriter(writerOnly{c.out.next}, enc.NewEncoder())
	}
	rest := first[c.sent:]
	c.buf, c.sent = nil, 0
	_, err := c.write(rest)
	return err
}

func (c *charsetStage) write(p []byte) (int, error) {
	if c.dec != nil {
		return c.dec.Write(p)
	}
	return c.next.Write(p)
}

// Flush passes on what it can before the encoding is decided: the upstream
// wants the page's start out now, but the prescan needs 1024 bytes (a
// <meta charset=iso-2022-jp> may come after the flush). Bytes before any
// escape sequence read the same in ISO-2022-JP as in ASCII, so they go on
// as they are and the decision waits; the start of a byte order mark waits
// for the mark's end. Anything else decides now.
func (c *charsetStage) Flush() error {
	if !c.decided {
		switch {
		case partialBOM(c.buf):
			return nil
		case c.headerCharset == "" && !nonASCIIStart(c.buf) && bytes.IndexByte(c.buf, 0x1b) < 0:
			if _, err := c.next.Write(c.buf[c.sent:]); err != nil {
				return err
			}
			c.sent = len(c.buf)
		default:
			if err := c.decide(); err != nil {
				return err
			}
		}
	}
	return c.next.Flush()
}

// partialBOM: b is the start of a byte order mark, not all of one.
func partialBOM(b []byte) bool {
	switch len(b) {
	case 1:
		return b[0] == 0xef || b[0] == 0xfe || b[0] == 0xff
	case 2:
		return b[0] == 0xef && b[1] == 0xbb
	}
	return false
}

// nonASCIIStart: b begins with a UTF-16 byte order mark, which decides at
// once.
func nonASCIIStart(b []byte) bool {
	return bytes.HasPrefix(b, []byte{0xfe, 0xff}) || bytes.HasPrefix(b, []byte{0xff, 0xfe})
}

func (c *charsetStage) Close() error {
	if !c.decided {
		if err := c.decide(); err != nil {
			c.next.release()
			return err
		}
	}
	if c.dec != nil {
		if err := c.dec.Close(); err != nil {
			c.next.release()
			return err
		}
	}
	return c.next.Close()
}

func (c *charsetStage) release() { c.next.release() }

func (o *charsetOut) Write(p []byte) (int, error) {
	if o.enc != nil {
		return o.enc.Write(p)
	}
	return o.next.Write(p)
}

func (o *charsetOut) Flush() error { return o.next.Flush() }

func (o *charsetOut) Close() error {
	if o.enc != nil {
		if err := o.enc.Close(); err != nil {
			o.next.release()
			return err
		}
	}
	return o.next.Close()
}

func (o *charsetOut) release() { o.next.release() }

// pageEncoding reads the page's encoding from its first bytes as a browser
// does (a BOM, the Content-Type charset, a <meta> in the first 1024 bytes;
// undeclared ISO-2022-JP by its escape sequences). enc is the encoding when
// the scanner cannot read the page as it is (UTF-16, ISO-2022-JP), else nil.
// textSafe says whether UTF-8 text we insert reads as it should: the page is
// declared UTF-8, or enc's encoder writes what it lacks as character
// references. A page that declares nothing may be read as UTF-8 or as the
// visitor's locale's legacy encoding (windows-1252 in much of the world): not
// safe.
func pageEncoding(head []byte, headerCharset string) (enc encoding.Encoding, textSafe bool) {
	switch {
	case bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), true
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), true
	case bytes.HasPrefix(head, []byte{0xef, 0xbb, 0xbf}):
		return nil, true
	}
	head = head[:min(len(head), docStart)]
	var name string
	declared := false
	if headerCharset != "" {
		_, name = charset.Lookup(headerCharset)
		declared = name != ""
	}
	if !declared {
		var certain bool
		_, name, certain = charset.DetermineEncoding(head, "")
		declared = certain || declaresCharset(head)
		if name != "iso-2022-jp" && !declared && hasISO2022Escapes(head) {
			name = "iso-2022-jp"
		}
	}
	switch name {
	case "utf-16le":
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), true
	case "utf-16be":
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), true
	case "iso-2022-jp":
		return iso2022JP{}, true
	}
	return nil, name == "utf-8" && declared
}

// asciiMarkup writes every character outside ASCII in b as a character
// reference when legacy is set (b is markup we insert: text and attribute
// values, no script or style text, where a reference would stay as it is).
func asciiMarkup(b []byte, legacy bool) []byte {
	if !legacy || !hasNonASCII(b) {
		return b
	}
	return appendCharRefs(make([]byte, 0, len(b)+len(b)/8), b)
}

// appendCharRefs appends b to dst with every character outside ASCII as a
// character reference; b may be dst's own start.
func appendCharRefs(dst, b []byte) []byte {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r < utf8.RuneSelf {
			dst = append(dst, b[0])
		} else {
			dst = append(dst, "&#"...)
			dst = strconv.AppendInt(dst, int64(r), 10)
			dst = append(dst, ';')
		}
		b = b[size:]
	}
	return dst
}

func hasNonASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// declaresCharset: "charset" in any case, without a lower-case copy.
func declaresCharset(head []byte) bool {
	for i := 0; i+len(charsetWord) <= len(head); i++ {
		if head[i]|0x20 == 'c' && bytes.EqualFold(head[i:i+len(charsetWord)], charsetWord) {
			return true
		}
	}
	return false
}

var charsetWord = []byte("charset")

// hasISO2022Escapes finds an ISO-2022-JP designation: ESC $ @, ESC $ B,
// ESC ( J, ESC ( I, ESC ( B.
func hasISO2022Escapes(b []byte) bool {
	for i := 0; i+2 < len(b); i++ {
		if b[i] != 0x1b {
			continue
		}
		switch string(b[i+1 : i+3]) {
		case "$@", "$B", "(J", "(I", "(B":
			return true
		}
	}
	return false
}
