package htmlrewrite

import (
	"slices"
	"strings"
	"testing"
)

// TestDocCSP: the policies of <meta http-equiv="Content-Security-Policy"> reach
// the insertions that follow them (decoded, http-equiv matched in ASCII case
// only), and no other meta, nor one inside <template> or <noscript>, nor one
// that only comes after the insertion, whatever write the page is cut into.
func TestDocCSP(t *testing.T) {
	for _, tc := range []struct {
		name, page string
		want       []string // Doc.CSP at BodyEnd
	}{
		{"one in head", `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="script-src 'nonce-abc'"><title>t</title></head><body><p>x</p></body></html>`,
			[]string{"script-src 'nonce-abc'"}},
		{"case and references", `<head><META HTTP-EQUIV="content-SECURITY-policy" CONTENT="script-src &#39;nonce-d&amp;e&#39;"></head><body></body>`,
			[]string{"script-src 'nonce-d&e'"}},
		{"two", `<head><meta http-equiv="Content-Security-Policy" content="a"><meta http-equiv="Content-Security-Policy" content="b"></head><body></body>`,
			[]string{"a", "b"}},
		{"other metas", `<head><meta http-equiv="refresh" content="5"><meta name="Content-Security-Policy" content="x"><meta http-equiv="Content-Security-Policy-Report-Only" content="y"><meta http-equiv="Content-Security-Polic&#x212A;" content="z"></head><body></body>`,
			nil},
		{"in template and noscript", `<head><template><meta http-equiv="Content-Security-Policy" content="t"></template><noscript><meta http-equiv="Content-Security-Policy" content="n"></noscript></head><body></body>`,
			nil},
		{"in a comment or script", `<head><!-- <meta http-equiv="Content-Security-Policy" content="c"> --><script>"<meta http-equiv='Content-Security-Policy' content='s'>"</script></head><body></body>`,
			nil},
		{"after the end of the body", `<head></head><body><p>x</p></body><meta http-equiv="Content-Security-Policy" content="late">`,
			nil},
	} {
		page := []byte(tc.page)
		// Every cut of the page into two writes, and the page whole.
		for cut := 0; cut <= len(page); cut++ {
			var got []string
			seen := false
			cfg := &Config{
				Head: fixed("<!--H-->"),
				BodyEnd: func(d Doc) []byte {
					got, seen = slices.Clone(d.CSP), true
					return []byte("<!--B-->")
				},
				Block: func(Element) string { return "" },
			}
			var out strings.Builder
			r := New(&out, cfg)
			if _, err := r.Write(page[:cut]); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Write(page[cut:]); err != nil {
				t.Fatal(err)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if !seen {
				t.Fatalf("%s: BodyEnd never asked", tc.name)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("%s, cut at %d: Doc.CSP %q, want %q", tc.name, cut, got, tc.want)
			}
		}
	}
}
