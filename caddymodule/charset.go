package caddymodule

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
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
// browser reads it as before. The encoding is chosen as Chromium chooses it
// (decideEncoding), and where the browser could read the page otherwise than
// the proxy did — a declaration past the bytes the stage decides on, another
// browser's detector — the page is made to say what the proxy read (a first
// <meta charset="iso-2022-jp">, or its ESC bytes as SUB). The header cannot:
// it has gone out before the body's first bytes get here.

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
	// neutral: the page is scanned as it is but its encoding is not the
	// header's, so a browser may still read it as ISO-2022-JP (a <meta> or
	// an XML declaration further on, a detector): every ESC byte goes as
	// SUB (see neutralESC).
	neutral bool
	// xml: the rewriter reads the page as XML (xhtml, svg, xml), which a
	// browser decodes by XML's rules: a BOM, the Content-Type charset, the
	// XML declaration, else UTF-8 — no <meta>, no detector.
	xml bool
}

// charsetOut sits after the rewriter: it passes bytes through, or encodes
// UTF-8 back into the page's encoding.
type charsetOut struct {
	next stage
	enc  io.WriteCloser
}

func newCharsetStages(headerCharset string, xml bool, rewrite func(out stage) stage, next stage, legacy *bool) *charsetStage {
	out := &charsetOut{next: next}
	if legacy != nil {
		// Until the encoding is known (a flush passes the page's start on
		// before), text we insert goes as character references, which read
		// the same in every encoding.
		*legacy = true
	}
	return &charsetStage{next: rewrite(out), out: out, headerCharset: headerCharset, xml: xml, legacy: legacy}
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
// on. A page the proxy reads as ISO-2022-JP without the header saying so
// gets a <meta charset="iso-2022-jp"> first (after its doctype), which the
// browser takes before any other <meta>, an XML declaration or its
// detector; one the proxy reads as it is without the header saying so has
// its ESC bytes written as SUB, so no later declaration or guess can switch
// the browser to ISO-2022-JP's two-byte mode.
func (c *charsetStage) decideOn(first []byte) error {
	c.decided = true
	xml := c.xml
	d := decideEncoding(first, c.headerCharset, xml)
	insert := -1
	if d.name == "iso-2022-jp" && d.how != byHeader && !xml {
		switch {
		case c.sent == 0:
			insert = metaInsertAt(first)
		case d.how == byMeta && d.metaEnd <= docStart:
			// The start went out before the encoding was known (a
			// flush); a <meta> in the first 1024 bytes is what every
			// browser reads before anything else.
		default:
			// Said past the first 1024 bytes, or by an XML declaration a
			// <meta> may yet override, and the start has gone out: read
			// as it is, with its escapes made harmless.
			d = encodingDecision{}
		}
	}
	enc, textSafe := d.encoding()
	if c.legacy != nil {
		*c.legacy = !textSafe
	}
	if enc != nil {
		c.dec = transform.NewWriter(writerOnly{c.next}, enc.NewDecoder())
		c.out.enc = transform.NewWriter(writerOnly{c.out.next}, enc.NewEncoder())
	} else if !xml && d.how != byHeader && d.how != byBOM {
		c.neutral = true
	}
	rest := first[c.sent:]
	c.buf, c.sent = nil, 0
	if insert >= 0 {
		if _, err := c.write(rest[:insert]); err != nil {
			return err
		}
		if _, err := c.write(iso2022JPMeta); err != nil {
			return err
		}
		rest = rest[insert:]
	}
	_, err := c.write(rest)
	return err
}

var iso2022JPMeta = []byte(`<meta charset="iso-2022-jp">`)

func (c *charsetStage) write(p []byte) (int, error) {
	if c.dec != nil {
		return c.dec.Write(p)
	}
	if c.neutral && bytes.IndexByte(p, 0x1b) >= 0 {
		if _, err := c.next.Write(neutralESC(p)); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.next.Write(p)
}

// neutralESC copies p with every ESC byte (0x1B) as SUB (0x1A). In every
// encoding a browser reads a page as, other than ISO-2022-JP, both are
// control characters and no part of another character, which HTML, CSS,
// JavaScript and URL parsers (and the rewriter) treat alike — not a space,
// a letter or markup, shown as nothing —, so the page reads and shows the
// same; and without escape sequences ISO-2022-JP reads it as ASCII.
func neutralESC(p []byte) []byte {
	q := bytes.Clone(p)
	for i, b := range q {
		if b == 0x1b {
			q[i] = 0x1a
		}
	}
	return q
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

// partialBOM: b is the start of a byte order mark, not all of one, or of
// an XML declaration in UTF-16 (which Chromium reads as UTF-16).
func partialBOM(b []byte) bool {
	if len(b) > 0 && len(b) < len(xmlUTF16LE) && (bytes.HasPrefix(xmlUTF16LE, b) || bytes.HasPrefix(xmlUTF16BE, b)) {
		return true
	}
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
	return bytes.HasPrefix(b, []byte{0xfe, 0xff}) || bytes.HasPrefix(b, []byte{0xff, 0xfe}) ||
		bytes.HasPrefix(b, xmlUTF16LE) || bytes.HasPrefix(b, xmlUTF16BE)
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

// How the encoding was decided.
const (
	byNothing    = iota // undeclared: read as it is (windows-1252, the browser's guess)
	byBOM               // a byte order mark: final in every browser
	byHeader            // the Content-Type charset: final but for a BOM
	byXMLPattern        // an XML declaration in UTF-16: Chromium's, final
	byXMLDecl           // the encoding of an XML declaration
	byMeta              // a <meta> charset, as Chromium finds it
)

// encodingDecision is the page's encoding as the proxy reads it: name is
// html/charset's canonical name ("" undeclared).
type encodingDecision struct {
	name    string
	how     int
	metaEnd int // for byMeta: where the <meta> ends
}

// encoding: enc is the encoding when the scanner cannot read the page as it
// is (UTF-16, ISO-2022-JP), else nil. textSafe says whether UTF-8 text we
// insert reads as it should: the page is declared UTF-8, or enc's encoder
// writes what it lacks as character references. A page that declares
// nothing may be read as UTF-8 or as the visitor's locale's legacy encoding
// (windows-1252 in much of the world): not safe.
func (d encodingDecision) encoding() (enc encoding.Encoding, textSafe bool) {
	switch d.name {
	case "utf-16le":
		if d.how == byBOM {
			return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), true
		}
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), true
	case "utf-16be":
		if d.how == byBOM {
			return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), true
		}
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), true
	case "iso-2022-jp":
		return iso2022JP{}, true
	}
	return nil, d.name == "utf-8" && d.how != byNothing
}

// pageEncoding is decideEncoding's encoding for an HTML page.
func pageEncoding(head []byte, headerCharset string) (enc encoding.Encoding, textSafe bool) {
	return decideEncoding(head, headerCharset, false).encoding()
}

// decideEncoding reads the page's encoding from its first bytes (all the
// stage has when it decides) as Chromium does (Blink's TextResourceDecoder):
// a BOM; else the Content-Type charset; else, at the very start, an XML
// declaration in UTF-16 (<\0?\0x\0: UTF-16LE, \0<\0?\0x: UTF-16BE), or
// the encoding one in ASCII names — even in text/html —, which a <meta>
// charset overrides; the <meta> is looked for as Blink's
// HTMLMetaCharsetParser looks: in the first 1024 bytes, and further while
// only what a head holds came before. A <meta> or an XML declaration
// naming UTF-16 means UTF-8. An undeclared page with ISO-2022-JP escape
// sequences is guessed to be ISO-2022-JP. An XML document (xml) has no
// <meta> nor guess: undeclared, it is UTF-8.
func decideEncoding(head []byte, headerCharset string, xml bool) encodingDecision {
	switch {
	case bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return encodingDecision{name: "utf-16be", how: byBOM}
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}):
		return encodingDecision{name: "utf-16le", how: byBOM}
	case bytes.HasPrefix(head, []byte{0xef, 0xbb, 0xbf}):
		return encodingDecision{name: "utf-8", how: byBOM}
	}
	if headerCharset != "" {
		if _, name := charset.Lookup(headerCharset); name != "" {
			return encodingDecision{name: name, how: byHeader}
		}
	}
	switch {
	case bytes.HasPrefix(head, xmlUTF16LE):
		return encodingDecision{name: "utf-16le", how: byXMLPattern}
	case bytes.HasPrefix(head, xmlUTF16BE):
		return encodingDecision{name: "utf-16be", how: byXMLPattern}
	}
	d := encodingDecision{}
	if name := xmlDeclEncoding(head); name != "" {
		d = encodingDecision{name: name, how: byXMLDecl}
	}
	if xml {
		if d.how == byNothing {
			d.name = "utf-8"
		}
		return d
	}
	if name, end := metaCharset(head); name != "" {
		return encodingDecision{name: name, how: byMeta, metaEnd: end}
	}
	return d
}

// xmlUTF16LE and xmlUTF16BE are "<?x" in UTF-16, which Chromium takes for
// the start of an XML declaration in UTF-16, BOM or not, in text/html too.
var (
	xmlUTF16LE = []byte("<\x00?\x00x\x00")
	xmlUTF16BE = []byte("\x00<\x00?\x00x")
)

// xmlDeclEncoding is the encoding an XML declaration at the very start of
// head names, as Blink reads it (CheckForXMLCharset, FindXMLEncoding):
// "<?xml" up to the first ">", in it "encoding", blanks (any byte up to
// a space, or above 0x7F), "=", blanks, a quoted label. UTF-16 is UTF-8
// (the declaration is in ASCII). "" when there is none or it names no
// encoding.
func xmlDeclEncoding(head []byte) string {
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return ""
	}
	end := bytes.IndexByte(head, '>')
	if end < 0 {
		return ""
	}
	decl := head[:end]
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return ""
	}
	i += len("encoding")
	blank := func() {
		for i < len(decl) && (decl[i] <= ' ' || decl[i] >= 0x80) {
			i++
		}
	}
	blank()
	if i >= len(decl) || decl[i] != '=' {
		return ""
	}
	i++
	blank()
	if i >= len(decl) || decl[i] != '"' && decl[i] != '\'' {
		return ""
	}
	q := decl[i]
	i++
	j := bytes.IndexByte(decl[i:], q)
	if j < 0 {
		return ""
	}
	return byteBasedEncoding(string(decl[i : i+j]))
}

// byteBasedEncoding is the encoding a label in a <meta> or an XML
// declaration stands for: UTF-16 is UTF-8 (the declaration was read as
// ASCII), x-user-defined windows-1252; "" for an unknown label.
func byteBasedEncoding(label string) string {
	_, name := charset.Lookup(label)
	switch name {
	case "utf-16le", "utf-16be":
		return "utf-8"
	case "x-user-defined":
		return "windows-1252"
	}
	return name
}

// metaHeadTags are the tags Blink's HTMLMetaCharsetParser takes for a head's:
// until another, it looks for a <meta> charset past the first 1024 bytes.
var metaHeadTags = map[string]bool{"script": true, "noscript": true, "style": true, "link": true, "meta": true, "object": true, "title": true, "base": true}

// metaCharset finds the <meta> charset in head as Blink's
// HTMLMetaCharsetParser does: tokenized as HTML (a <meta> in a comment, a
// script, a style or a title is none), the first <meta charset> or
// <meta http-equiv=content-type content="...charset=..."> naming an
// encoding, in the first 1024 bytes and, while only a head's tags (and
// <html>, <head>) came before, past them. name is "" for none; end is where
// the <meta> ends.
func metaCharset(head []byte) (name string, end int) {
	z := html.NewTokenizer(bytes.NewReader(head))
	inHead := true
	consumed := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return "", 0
		}
		rawEnd := z.Raw()
		consumed += len(rawEnd)
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken || tt == html.EndTagToken {
			tag, hasAttr := z.TagName()
			// (string(tag) in comparisons and a map index copies nothing.)
			if tt != html.EndTagToken {
				if string(tag) == "noscript" {
					// Blink's parser reads it with scripting off: tags.
					z.NextIsNotRawText()
				}
				if string(tag) == "meta" && hasAttr && len(rawEnd) > 0 && rawEnd[len(rawEnd)-1] == '>' {
					if name := metaAttrsCharset(z); name != "" {
						return name, consumed
					}
				}
			}
			if !metaHeadTags[string(tag)] && (tt == html.EndTagToken || string(tag) != "html" && string(tag) != "head") {
				inHead = false
			}
		}
		if !inHead && consumed >= docStart {
			return "", 0
		}
	}
}

// metaAttrsCharset is the encoding the <meta> the tokenizer is at names
// (Blink's EncodingFromMetaAttributes), "" for none.
func metaAttrsCharset(z *html.Tokenizer) string {
	pragma, mode := false, 0
	var label string
	for {
		k, v, more := z.TagAttr()
		switch {
		case string(k) == "http-equiv":
			if strings.EqualFold(string(v), "content-type") {
				pragma = true
			}
		case label == "" && string(k) == "charset":
			label, mode = string(v), 1
		case label == "" && string(k) == "content":
			if label = contentCharset(string(v)); label != "" {
				mode = 2
			}
		}
		if !more {
			break
		}
	}
	if mode == 1 || mode == 2 && pragma {
		return byteBasedEncoding(strings.Trim(label, " \t\n\f\r"))
	}
	return ""
}

// contentCharset extracts the charset of a <meta content> (HTML's
// "extracting a character encoding from a meta element").
func contentCharset(s string) string {
	for {
		i := strings.Index(strings.ToLower(s), "charset")
		if i < 0 {
			return ""
		}
		s = strings.TrimLeft(s[i+len("charset"):], " \t\n\f\r")
		if !strings.HasPrefix(s, "=") {
			continue
		}
		s = strings.TrimLeft(s[1:], " \t\n\f\r")
		if s == "" {
			return ""
		}
		if q := s[0]; q == '"' || q == '\'' {
			if j := strings.IndexByte(s[1:], q); j >= 0 {
				return s[1 : 1+j]
			}
			return ""
		}
		if j := strings.IndexAny(s, " \t\n\f\r;"); j >= 0 {
			return s[:j]
		}
		return s
	}
}

// metaInsertAt is where our <meta charset> goes in a page's start: after its
// doctype (which must stay the first thing but for blanks, comments and an
// XML declaration, or the page is in quirks mode), else at the start, and
// never after an ESC byte.
func metaInsertAt(b []byte) int {
	i := 0
	for i < len(b) {
		switch {
		case b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r' || b[i] == '\f':
			i++
			continue
		case bytes.HasPrefix(b[i:], []byte("<!--")):
			j := bytes.Index(b[i+4:], []byte("-->"))
			if j < 0 {
				return 0
			}
			i += 4 + j + 3
			continue
		case bytes.HasPrefix(b[i:], []byte("<?")):
			j := bytes.IndexByte(b[i:], '>')
			if j < 0 {
				return 0
			}
			i += j + 1
			continue
		case len(b)-i >= 9 && bytes.EqualFold(b[i:i+9], []byte("<!doctype")):
			j := bytes.IndexByte(b[i:], '>')
			if j < 0 {
				return 0
			}
			end := i + j + 1
			if esc := bytes.IndexByte(b[:end], 0x1b); esc >= 0 {
				return 0
			}
			return end
		}
		break
	}
	return 0
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
