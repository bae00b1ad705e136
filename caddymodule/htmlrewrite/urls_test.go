package htmlrewrite

import (
	"slices"
	"testing"

	"github.com/consentgate/consentgate/internal/dataurl"
)

func TestSrcset(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"a.png", []string{"a.png"}},
		{"a.png 1x, b.png 2x", []string{"a.png", "b.png"}},
		{"  a.png   1x  ,b.png 2x,", []string{"a.png", "b.png"}},
		{"a.png,b.png", []string{"a.png,b.png"}},               // commas inside a URL belong to it
		{"a.png, b.png", []string{"a.png", "b.png"}},           // trailing commas end it
		{"a.png 1x,b.png", []string{"a.png", "b.png"}},         // a comma after descriptors separates
		{"a.png (x, y) 1x, b.png", []string{"a.png", "b.png"}}, // commas in parentheses do not
		{",,, a.png", []string{"a.png"}},
		{"https://c.example/i/c_fill,g_center/p.jpg 300w, /q.jpg 600w", []string{"https://c.example/i/c_fill,g_center/p.jpg", "/q.jpg"}},
		{"", nil},
	}
	for _, c := range cases {
		if got := srcsetURLs(nil, c.in); !slices.Equal(got, c.want) {
			t.Errorf("srcsetURLs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestURLScheme(t *testing.T) {
	cases := map[string]string{
		"javascript:x":       "javascript",
		"  JavaScript:x":     "javascript",
		"java\tscript:x":     "javascript",
		"\x01data:,x":        "data",
		"da\nta:,x":          "data",
		"/a:b":               "",
		"https://x/":         "https",
		"1http:x":            "",
		"#frag":              "",
		"java script:x":      "",
		"aaaaaaaaaaaaaaaaa:": "", // longer than any scheme that matters
	}
	for in, want := range cases {
		if got := urlScheme(in); got != want {
			t.Errorf("urlScheme(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPayloads(t *testing.T) {
	cases := []struct{ in, want string }{
		{"text/html,%3Cscript%3E", "<script>"},
		{"text/html;base64,PHNjcmlwdD4=", "<script>"},
		{"text/html;base64,PHNjc mlwdD4", "<script>"},   // whitespace in base64
		{"text/html;base64,%50HNjcmlwdD4=", "<script>"}, // percent-decoded first
		{"text/html;base64,!!!", "!!!"},                 // not base64: shown as it is
		// Base64 as Chromium reads the media type (checked in it): ';', any spaces, then
		// "base64" at its end, white space around it ignored.
		{"text/html; base64,PHNjcmlwdD4=", "<script>"},
		{"text/html ;BASE64 ,PHNjcmlwdD4=", "<script>"},
		{"text/html;  base64\f,PHNjcmlwdD4=", "<script>"},
		{"text/html;base64;charset=utf-8,PHNjcmlwdD4=", "PHNjcmlwdD4="},
		{"text/html;x=base64,PHNjcmlwdD4=", "PHNjcmlwdD4="},
		{"text/html;%62ase64,PHNjcmlwdD4=", "PHNjcmlwdD4="},
		{"no comma", ""},
	}
	for _, c := range cases {
		if got, _ := dataurl.AppendPayload(nil, c.in); string(got) != c.want {
			t.Errorf("AppendPayload(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// cssURLs collects what a cssScanner finds in text pushed in pieces of every size.
func cssURLs(t *testing.T, css string) []string {
	t.Helper()
	var want []string
	for size := 1; size <= len(css)+1; size++ {
		var sc cssScanner
		sc.reset(1 << 20)
		col := &cssCollect{}
		for i := 0; i < len(css); i += size {
			sc.feed([]byte(css[i:min(i+size, len(css))]), int64(i), col)
		}
		sc.finish(col)
		if size == 1 {
			want = col.urls
		} else if !slices.Equal(col.urls, want) {
			t.Errorf("%q in pieces of %d: %q, in bytes %q", css, size, col.urls, want)
		}
	}
	return want
}

type cssCollect struct{ urls []string }

func (c *cssCollect) urlStart(int64)                      {}
func (c *cssCollect) urlEnd(u []byte, _, _ int64, _ bool) { c.urls = append(c.urls, string(u)) }

func TestCSSURLs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`a{background:url(x.png)}`, []string{"x.png"}},
		{`a{background:URL( "x.png" )}`, []string{"x.png"}},
		{`a{background:url( 'x.png' )}`, []string{"x.png"}},
		{`a{background:url(  x.png  )}`, []string{"x.png"}},
		{`@import "a.css";@import url(b.css) screen;@import 'c.css'`, []string{"a.css", "b.css", "c.css"}},
		{`@IMPORT "a.css"`, []string{"a.css"}},
		{`@\69mport "a.css"`, []string{"a.css"}},
		{`a{b:u\72l(x.png)}`, []string{"x.png"}},
		{`a{b:\75 rl(x.png)}`, []string{"x.png"}},
		{`a{b:url(x\29 .png)}`, []string{"x).png"}},
		{`a{b:url("x\"y")}`, []string{`x"y`}},
		{"a{b:url(\"x\\\ny\")}", []string{"xy"}}, // line continuation in a string
		{`/* url(no.png) */a{b:url(yes.png)}`, []string{"yes.png"}},
		{`a{content:"url(no.png)"}`, nil},
		{`a{b:image-set("1x.png" 1x, url(2x.png) 2x)}`, []string{"1x.png", "2x.png"}},
		{`a{b:-webkit-image-set("1x.png" 1x)}`, []string{"1x.png"}},
		{`a{b:image-set(linear-gradient(red, blue) 1x, "p.png" 2x)}`, []string{"p.png"}},
		{`a{b:src("x.png")}`, []string{"x.png"}},
		{`a{b:myurl(no.png)}`, nil},
		{`a{b:url(x y)}`, []string{"x"}}, // a bad url: browsers load nothing, reported anyway
		{`a{b:url(x"y)}`, []string{"x"}},
		{`a{b:url(x.png`, []string{"x.png"}}, // cut off by the end of the text
		{"a{b:url(\"x.png\n\")}", nil},       // a bad string is no URL
		{`@font-face{src:url(f.woff2) format("woff2")}`, []string{"f.woff2"}},
		{`a{b:url()}`, []string{""}},
	}
	for _, c := range cases {
		if got := cssURLs(t, c.in); !slices.Equal(got, c.want) {
			t.Errorf("css %q: %q, want %q", c.in, got, c.want)
		}
	}
}
