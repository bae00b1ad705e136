package caddymodule

import (
	"bytes"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// jisPages are ISO-2022-JP texts: JIS-Roman runs among ASCII, kanji (ESC $ B),
// half-width katakana (ESC ( I), a backslash and a tilde in ASCII, and
// escapes cut or unknown.
var jisPages = []string{
	"price \x1b(J\\1000 ~x\x1b(B and \\ ~ plain",
	"\x1b$B$3$s$K$A$O\x1b(J\\500\x1b$B@$3&\x1b(B.",
	"\x1b(J~\x1b(I12\x1b(J\\\x1b(B",
	"\x1b(J\\", // a document that ends in JIS-Roman
	"a\x1b(Jb\nc\\\x1b(B\\",
	"\x1b(J\x0e\xff\\\x1b(B",
	"\x1b(Q\\\x1b(J\\\x1b",
	"\x1b$B\x1b(J\\\x1b(Bz",
}

// TestJISRomanDecoding: what the WHATWG Encoding standard's ISO-2022-JP
// decoder gives (its Roman state: 0x5C is U+00A5, 0x7E is U+203E), checked
// in Chromium by TestISO2022JPPageReadsTheSame in e2e.
func TestJISRomanDecoding(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"price \x1b(J\\1000 ~x\x1b(B and \\ ~", "price ¥1000 ‾x and \\ ~"},
		{"\x1b$B$3$s\x1b(J\\5\x1b(B.", "こん¥5."},
		{"\x1b(J\\", "¥"},
		{"a\x1b(J\x0e\\", "a\ufffd¥"},
	} {
		got, _, err := transform.String(iso2022JP{}.NewDecoder(), tc.in)
		if err != nil || got != tc.want {
			t.Errorf("decode %q = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestJISRomanRoundTrip: a page decoded and encoded back reads the same,
// whatever the pieces it comes in; and but for JIS-Roman the decoder agrees
// with x/text's.
func TestJISRomanRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, page := range jisPages {
		text, _, err := transform.String(iso2022JP{}.NewDecoder(), page)
		if err != nil {
			t.Fatalf("decode %q: %v", page, err)
		}
		for round := range 20 {
			chunk := 1 + rng.IntN(5)
			if round == 0 {
				chunk = len(page)
			}
			if got := pieces(t, iso2022JP{}.NewDecoder(), page, chunk); got != text {
				t.Errorf("decode %q in pieces of %d = %q, want %q", page, chunk, got, text)
			}
			back := pieces(t, iso2022JP{}.NewEncoder(), text, chunk)
			again, _, err := transform.String(iso2022JP{}.NewDecoder(), back)
			// What ISO-2022-JP cannot encode comes back as a character
			// reference, which reads the same in HTML.
			if want := strings.ReplaceAll(text, "\ufffd", "&#65533;"); err != nil || again != want {
				t.Errorf("%q → %q → %q → %q (%v)", page, text, back, again, err)
			}
			if i := strings.Index(back, "\x1b"); i >= 0 && strings.Contains(back[i+3:], "\x1b") && regexp.MustCompile(`\x1b..\x1b`).MatchString(back[:len(back)-3]) {
				t.Errorf("%q: two escape sequences in a row before the end", back)
			}
		}
		if !bytes.Contains([]byte(page), escRoman) {
			plain, _, _ := transform.String(japanese.ISO2022JP.NewDecoder(), page)
			if plain != text {
				t.Errorf("without JIS-Roman %q: %q, x/text %q", page, text, plain)
			}
		}
	}
	// Encoded: ¥ and ‾ in JIS-Roman, backslash and tilde in ASCII, never
	// two escape sequences in a row (a browser reads U+FFFD between them),
	// and the page ends in ASCII.
	got, _, err := transform.String(iso2022JP{}.NewEncoder(), "¥1 ‾\\~こ¥ｱ¥")
	if want := "\x1b(J\\1 ~\x1b(B\\~\x1b$B$3\x1b(J\\\x1b(I1\x1b(J\\\x1b(B"; err != nil || got != want {
		t.Errorf("encode = %q, %v; want %q", got, err, want)
	}
}

// pieces runs s through t written in pieces of n bytes.
func pieces(t *testing.T, tr transform.Transformer, s string, n int) string {
	t.Helper()
	var out bytes.Buffer
	w := transform.NewWriter(&out, tr)
	for i := 0; i < len(s); i += n {
		if _, err := w.Write([]byte(s[i:min(i+n, len(s))])); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return out.String()
}

// TestJISRomanEncoderBadBytes: bytes that are not UTF-8 reach the encoder
// when a page's start went on as it was before its encoding was known; each
// is a character reference, and the encoder never waits for a rest that will
// not come (the page was cut after the guard before).
func TestJISRomanEncoderBadBytes(t *testing.T) {
	for _, in := range []string{"a\xe3b", "a\xc3", "a\xe3", "\x82z", "\x1b$B\xe3"} {
		got, _, err := transform.String(iso2022JP{}.NewEncoder(), "こ"+in)
		if err != nil || !strings.Contains(got, "&#65533;") {
			t.Errorf("%q: %q, %v", in, got, err)
		}
	}
}
