package caddymodule

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// iso2022JP is x/text's ISO-2022-JP with the one part it reads otherwise than
// browsers: JIS-Roman, switched to by ESC ( J. x/text reads it as ASCII, but
// the WHATWG Encoding standard, which browsers follow, reads 0x5C there as ¥
// (U+00A5) and 0x7E as ‾ (U+203E): a price "¥1000" in a Japanese shop's
// legacy page would come back from the rewriter as "\1000". The decoder reads
// JIS-Roman runs itself and hands everything else to x/text's; the encoder
// writes ¥ and ‾ back in JIS-Roman, which x/text's cannot encode at all.
type iso2022JP struct{}

func (iso2022JP) NewDecoder() *encoding.Decoder {
	return &encoding.Decoder{Transformer: &jisRomanDecoder{inner: japanese.ISO2022JP.NewDecoder()}}
}

// NewEncoder writes what ISO-2022-JP has no character for (the banner's å,
// a U+FFFD the decoder made) as a character reference, as x/net's
// html/charset does for every legacy encoding.
func (iso2022JP) NewEncoder() *encoding.Encoder {
	return encoding.HTMLEscapeUnsupported(&encoding.Encoder{Transformer: &jisRomanEncoder{inner: japanese.ISO2022JP.NewEncoder()}})
}

var (
	escRoman = []byte("\x1b(J")
	escASCII = []byte("\x1b(B")
	yen      = "\u00a5" // ¥, JIS-Roman 0x5C
	overline = "\u203e" // ‾, JIS-Roman 0x7E
)

type jisRomanDecoder struct {
	inner transform.Transformer
	roman bool
}

func (d *jisRomanDecoder) Reset() {
	d.inner.Reset()
	d.roman = false
}

func (d *jisRomanDecoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		if d.roman {
			// Until the next escape sequence, as the WHATWG decoder's Roman
			// state: ASCII but for 0x5C and 0x7E; SO, SI and bytes above
			// 0x7F are errors.
			b := src[nSrc]
			if b == 0x1b {
				d.roman = false
				continue
			}
			var out string
			switch {
			case b == 0x5c:
				out = yen
			case b == 0x7e:
				out = overline
			case b == 0x0e || b == 0x0f || b >= utf8.RuneSelf:
				out = "\ufffd"
			}
			if out == "" {
				if nDst == len(dst) {
					return nDst, nSrc, transform.ErrShortDst
				}
				dst[nDst] = b
				nDst++
			} else {
				if nDst+len(out) > len(dst) {
					return nDst, nSrc, transform.ErrShortDst
				}
				nDst += copy(dst[nDst:], out)
			}
			nSrc++
			continue
		}
		rest := src[nSrc:]
		i := bytes.Index(rest, escRoman)
		segment, eof := rest, atEOF
		if i >= 0 {
			// x/text's decoder reads what comes before the switch; it
			// ends there, as the escape sequence ends any character.
			segment, eof = rest[:i], true
		} else if !atEOF {
			// An ESC or ESC ( at the end may be the start of ESC ( J.
			if k := partialSuffix(rest, escRoman); k > 0 {
				segment = rest[:len(rest)-k]
				if len(segment) == 0 {
					return nDst, nSrc, transform.ErrShortSrc
				}
			}
		}
		nd, ns, err := d.inner.Transform(dst[nDst:], segment, eof)
		nDst += nd
		nSrc += ns
		if err != nil {
			return nDst, nSrc, err
		}
		if ns < len(segment) {
			return nDst, nSrc, transform.ErrShortSrc
		}
		if i >= 0 {
			nSrc += len(escRoman)
			d.roman = true
		} else if len(segment) < len(rest) {
			return nDst, nSrc, transform.ErrShortSrc
		}
	}
	return nDst, nSrc, nil
}

// jisRomanEncoder writes every escape sequence itself, so that it always
// knows the state the browser reads in: a browser's decoder takes two escape
// sequences with nothing between them as an error (U+FFFD), so the switch
// into and out of JIS-Roman must not add one next to another. x/text's
// encoder, reset before each character outside ASCII, only finds its bytes
// (and says when ISO-2022-JP has none).
type jisRomanEncoder struct {
	inner    transform.Transformer
	state    jisState
	otherEsc [3]byte // the escape of jisOther: kanji or katakana
	probe    [16]byte
}

type jisState uint8

const (
	jisASCII jisState = iota
	jisRoman
	jisOther // JIS X 0208 or half-width katakana, by x/text's escape
)

func (e *jisRomanEncoder) Reset() {
	e.inner.Reset()
	e.state = jisASCII
}

func (e *jisRomanEncoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	// switchTo writes esc unless the browser already reads in that state.
	switchTo := func(to jisState, esc []byte) bool {
		if e.state == to && (to != jisOther || bytes.Equal(esc, e.otherEsc[:])) {
			return true
		}
		if nDst+len(esc) > len(dst) {
			return false
		}
		nDst += copy(dst[nDst:], esc)
		e.state = to
		if to == jisOther {
			copy(e.otherEsc[:], esc)
		}
		return true
	}
	for nSrc < len(src) {
		r, size := rune(src[nSrc]), 1
		if r >= utf8.RuneSelf {
			if !atEOF && !utf8.FullRune(src[nSrc:]) {
				return nDst, nSrc, transform.ErrShortSrc
			}
			r, size = utf8.DecodeRune(src[nSrc:])
		}
		var out []byte
		switch {
		case r == 0xa5 || r == 0x203e:
			if !switchTo(jisRoman, escRoman) {
				return nDst, nSrc, transform.ErrShortDst
			}
			out = []byte{0x5c}
			if r == 0x203e {
				out[0] = 0x7e
			}
		case r < utf8.RuneSelf:
			// JIS-Roman shares ASCII but for these.
			if e.state != jisRoman || r == 0x5c || r == 0x7e || r == 0x0e || r == 0x0f || r == 0x1b {
				if !switchTo(jisASCII, escASCII) {
					return nDst, nSrc, transform.ErrShortDst
				}
			}
			out = src[nSrc : nSrc+1]
		case r == utf8.RuneError && size == 1:
			// A byte that is not UTF-8 (the raw bytes of a page passed on
			// before its encoding was known): x/text's encoder would wait
			// for the rest of it for ever. A character reference, in ASCII.
			if e.state == jisOther && !switchTo(jisASCII, escASCII) {
				return nDst, nSrc, transform.ErrShortDst
			}
			out = []byte("&#65533;")
		default:
			e.inner.Reset()
			n, _, ierr := e.inner.Transform(e.probe[:], src[nSrc:nSrc+size], false)
			switch {
			case ierr != nil:
				// No such character: the HTML escaper around this encoder
				// writes a character reference, in ASCII (which JIS-Roman
				// reads alike).
				if e.state == jisOther && !switchTo(jisASCII, escASCII) {
					return nDst, nSrc, transform.ErrShortDst
				}
				return nDst, nSrc, ierr
			case n > 3 && e.probe[0] == 0x1b:
				if !switchTo(jisOther, e.probe[:3]) {
					return nDst, nSrc, transform.ErrShortDst
				}
				out = e.probe[3:n]
			default:
				if !switchTo(jisASCII, escASCII) {
					return nDst, nSrc, transform.ErrShortDst
				}
				out = e.probe[:n]
			}
		}
		if nDst+len(out) > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += copy(dst[nDst:], out)
		nSrc += size
	}
	if atEOF && !switchTo(jisASCII, escASCII) {
		return nDst, nSrc, transform.ErrShortDst
	}
	return nDst, nSrc, nil
}

// partialSuffix is the length of the longest proper prefix of seq that b ends
// with.
func partialSuffix(b, seq []byte) int {
	for k := min(len(seq)-1, len(b)); k > 0; k-- {
		if bytes.HasSuffix(b, seq[:k]) {
			return k
		}
	}
	return 0
}
