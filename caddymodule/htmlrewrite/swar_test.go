package htmlrewrite

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// TestSWAR checks the word-at-a-time byte searches against byte-by-byte ones.
func TestSWARName(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for range 200000 {
		var b [8]byte
		for i := range b {
			switch rng.IntN(4) {
			case 0:
				b[i] = byte(rng.IntN(256))
			case 1:
				b[i] = "\t\n\f\r /> \x00\x01="[rng.IntN(11)]
			default:
				b[i] = "aZz09-:AQx\xc3\xa9"[rng.IntN(12)]
			}
		}
		x := binary.LittleEndian.Uint64(b[:])
		want := 8
		for i, c := range b {
			if c <= 0x20 || c == '/' || c == '>' {
				want = i
				break
			}
		}
		got := 8
		if m := nameEnds(x); m != 0 {
			got = bits.TrailingZeros64(m) / 8
		}
		if got != want {
			t.Fatalf("nameEnds(%q) = %d, want %d", b, got, want)
		}
		wantA := 8
		for i, c := range b {
			if c <= 0x20 || c == '/' || c == '>' || c == '=' {
				wantA = i
				break
			}
		}
		gotA := 8
		if m := attrNameEnds(x); m != 0 {
			gotA = bits.TrailingZeros64(m) / 8
		}
		if gotA != wantA {
			t.Fatalf("attrNameEnds(%q) = %d, want %d", b, gotA, wantA)
		}
		var lw [8]byte
		binary.LittleEndian.PutUint64(lw[:], lowerWord(x))
		for i, c := range b {
			if lower(c) != lw[i] {
				t.Fatalf("lowerWord(%q) = %q", b, lw)
			}
		}
	}
}

// TestSWARCSS checks the skip over plain stylesheet text against the stop bytes read
// byte by byte, on text dense in the bytes that stop it, from every start and along walks that
// move on from what it found by a few bytes (as the scanner does, which keeps the
// positions found between calls).
func TestSWARCSS(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	// The bytes CSS Syntax lets start a comment, a string, an escape, a function's
	// arguments or an at-rule, written out here rather than taken from the scanner.
	want := func(b []byte, i int) int {
		for i < len(b) && !bytes.ContainsRune([]byte("/\"'\\(@"), rune(b[i])) {
			i++
		}
		return i
	}
	for range 20000 {
		b := make([]byte, rng.IntN(80))
		dense := rng.IntN(8) + 1
		for i := range b {
			switch rng.IntN(dense + 2) {
			case 0:
				b[i] = byte(rng.IntN(256))
			case 1:
				b[i] = ("/\"'\\(@)){;" + "\x00\x80\xff")[rng.IntN(13)]
			default:
				b[i] = "a-z09 :#.\n\xc3\xa9"[rng.IntN(12)]
			}
		}
		for start := 0; start <= len(b); start++ {
			n := newCSSNext()
			if got := n.skip(b, start); got != want(b, start) {
				t.Fatalf("skip(%q, %d) = %d, want %d", b, start, got, want(b, start))
			}
		}
		n := newCSSNext()
		for i := 0; i <= len(b); {
			got := n.skip(b, i)
			if got != want(b, i) {
				t.Fatalf("walk: skip(%q, %d) = %d, want %d", b, i, got, want(b, i))
			}
			i = got + 1 + rng.IntN(4)
		}
	}
}
