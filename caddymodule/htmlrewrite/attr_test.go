package htmlrewrite

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestDecodeAttr(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"a&amp;b", "a&b"},
		{"a&ampb", "a&ampb"},   // legacy name followed by an alphanumeric stays
		{"a&amp=b", "a&amp=b"}, // ... and by '='
		{"a&amp-b", "a&-b"},    // legacy name without ';' otherwise decodes
		{"?x=1&copy=2", "?x=1&copy=2"},
		{"&notit;", "&notit;"}, // a legacy prefix is not taken in an attribute
		{"&notin;", "∉"},
		{"&hellip", "&hellip"}, // not a legacy name: needs ';'
		{"&hellip;", "…"},
		{"&NotEqualTilde;", "≂̸"}, // two code points
		{"&#65;&#x42;&#X43", "ABC"},
		{"&#0;", "\uFFFD"},
		{"&#0", "\uFFFD"},
		{"&#x80;&#x81;&#159;", "€\u0081Ÿ"},
		{"&#xD800;", "\uFFFD"},
		{"&#x110000;", "\uFFFD"},
		{"&#99999999999999999999;", "\uFFFD"},
		{"&#;&#x;&#xg", "&#;&#x;&#xg"},
		{"&;&&", "&;&&"},
		{"a\r\nb\rc\x00", "a\nb\nc\uFFFD"},
	}
	for _, c := range cases {
		if got, _ := decodeAttr([]byte(c.in), nil); got != c.want {
			t.Errorf("decodeAttr(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIndexShort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		b := make([]byte, rng.IntN(150))
		for i := range b {
			b[i] = "ab<\"\x00\xff\x80"[rng.IntN(7)]
		}
		for _, c := range []byte("<\"\x00\xff\x80z") {
			if got, want := indexShort(b, c), bytes.IndexByte(b, c); got != want {
				t.Fatalf("indexShort(%q, %q) = %d, want %d", b, c, got, want)
			}
		}
	}
}
