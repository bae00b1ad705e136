package htmlrewrite

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// markerBlock holds back what has "gtag(" in its inline content, and what cannot be
// seen whole, as the module does for an inline marker.
func markerBlock(e Element) string {
	if e.Partial || bytes.Contains(e.Inline, []byte("gtag(")) {
		return "c"
	}
	return ""
}

// dataScripts finds the src of each <script> of an HTML document as x/net/html reads it
// (the oracle decodes the references), with whether the script is held back.
func dataScripts(t *testing.T, doc string) (srcs []string, held []bool) {
	t.Helper()
	n, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range elements(n) {
		if e.Data != "script" {
			continue
		}
		ty, _ := attrVal(e.Attr, "type")
		src, _ := attrVal(e.Attr, "src")
		srcs = append(srcs, src)
		held = append(held, ty == "text/plain")
	}
	return srcs, held
}

// oracleDataPayload decodes a base64 data: URL with Go's libraries: the URL parser's
// dropping of tabs and newlines and trimming, url.PathUnescape, then base64 (white space
// dropped, padding optional). ok is false when browsers fail to decode it.
func oracleDataPayload(u string) (payload string, ok bool) {
	u = strings.Trim(strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(u), "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	_, body, found := strings.Cut(u, ",")
	if !found {
		return "", false
	}
	if s, err := url.PathUnescape(body); err == nil {
		body = s
	}
	body = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r' {
			return -1
		}
		return r
	}, body)
	dec, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(body, "="))
	return string(dec), err == nil
}

// TestLongDataScriptKeepsThePage: a script whose base64 data: src is longer than the hold
// limit (what site optimisers make of a large inline script) passes byte for byte when
// nothing in it matches, however it is written.
func TestLongDataScriptKeepsThePage(t *testing.T) {
	js := []byte(strings.Repeat("window.siteConfig = {a: 1, b: [2, 3]}; // ok\n", 2500))
	b64 := base64.StdEncoding.EncodeToString(js)
	cases := []string{
		`<script defer src="data:text/javascript;base64,` + b64 + `"></script><p>after`,
		`<script src='data:application/javascript; base64,` + b64 + `' id=s async></script>`,
		`<script type="module" src=data:text/javascript;base64,` + b64 + `></script>`,
		`<script src="data:text/javascript;base64,` + strings.ReplaceAll(b64, "+", "&#43;") + `"></script>`,
		`<script src="data:text/javascript;base64,` + strings.ReplaceAll(b64, "A", "%41") + `"></script>`,
		`<script data-x="` + strings.Repeat("x", 40) + `" src="data:text/javascript;base64,` + b64 + `"></script>`,
	}
	for k, in := range cases {
		for _, hold := range []int{0, minStreamHold, 100, 4096} {
			if hold == minStreamHold && k == len(cases)-1 {
				continue // the limit cuts data-x, before the src: decided whole
			}
			cfg := &Config{Block: markerBlock, MaxHold: hold}
			for _, n := range []int{len(in), 32 << 10, 7} {
				if got := rewriteInPieces(t, in, cfg, n); got != in {
					t.Errorf("case %d, MaxHold %d, writes of %d: %s", k, hold, n, firstDiff(got, in))
				}
			}
		}
	}
}

// TestLongDataScriptHoldsMarkers: a marker anywhere in the payload of a long data:
// script — in the first window, across two windows, at the end, with the URL spelled
// with references and percent-escapes the limit may cut — leaves no script in the output
// that runs with it: held back whole (type="text/plain"), or with a src that no longer
// decodes, as Go's base64 (the oracle) reads it. Nothing else changes.
func TestLongDataScriptHoldsMarkers(t *testing.T) {
	spell := []struct {
		name string
		f    func(b64 string) string
	}{
		{"plain", func(s string) string { return s }},
		{"references", func(s string) string {
			return strings.NewReplacer("+", "&#43;", "/", "&sol;", "Q", "&#x0000051;").Replace(s)
		}},
		{"percent", func(s string) string { return strings.NewReplacer("A", "%41", "g", "%67").Replace(s) }},
		{"spaces", func(s string) string { return strings.ReplaceAll(s, "w", "&#10;w") }},
	}
	var probs []string
	outputs := 0
	for _, sp := range spell {
		for _, at := range []int{0, 50, 97, 150, 203, 260, 333, 400, 497} {
			js := strings.Repeat("x", at) + "gtag('config','G-1');" + strings.Repeat("y", 500-at)
			in := `<p>a</p><script async src="data:text/javascript;base64,` + sp.f(base64.StdEncoding.EncodeToString([]byte(js))) + `"></script><p>b</p>`
			for hold := minStreamHold; hold <= len(in)+1; hold += 7 {
				outputs++
				out := rewriteInPieces(t, in, &Config{Block: markerBlock, MaxHold: hold}, len(in))
				if chunked := rewriteInPieces(t, in, &Config{Block: markerBlock, MaxHold: hold}, 5); chunked != out {
					probs = append(probs, fmt.Sprintf("%s, marker at %d, MaxHold %d: in writes of 5 bytes %q, in one %q", sp.name, at, hold, chunked, out))
				}
				srcs, held := dataScripts(t, out)
				if len(srcs) != 1 {
					probs = append(probs, fmt.Sprintf("%s, marker at %d, MaxHold %d: %d scripts in %q", sp.name, at, hold, len(srcs), out))
					continue
				}
				if payload, ok := oracleDataPayload(srcs[0]); !held[0] && ok && strings.Contains(payload, "gtag(") {
					probs = append(probs, fmt.Sprintf("%s, marker at %d, MaxHold %d: runs with the marker: %q", sp.name, at, hold, out))
				}
				back := strings.Replace(out, "!", "", 1)
				back = strings.Replace(back, ` type="text/plain" data-consent="c"`, "", 1)
				back = strings.Replace(back, "data-consent-src", "src", 1)
				if html.UnescapeString(back) != html.UnescapeString(in) {
					probs = append(probs, fmt.Sprintf("%s, marker at %d, MaxHold %d: more changed than the script: %q", sp.name, at, hold, out))
				}
			}
		}
	}
	if len(probs) > 0 {
		t.Errorf("%d problems; first:\n%s", len(probs), strings.Join(probs[:min(5, len(probs))], "\n"))
	}
	t.Logf("%d outputs checked", outputs)
}

// TestDataPayloadDecoding: the streamed decoding of a data: URL's body agrees with Go's
// libraries (oracleDataPayload) on valid bodies, cut anywhere, and fails where they do.
func TestDataPayloadDecoding(t *testing.T) {
	bodies := []string{
		base64.StdEncoding.EncodeToString([]byte("gtag('x'); var ü = 1;")),
		base64.RawStdEncoding.EncodeToString([]byte("ab")), "QUJD\tRE\nVG", "QU%4A%44", "QUJ&#x44;", "%QUJD", "QUJD=QUJD", "QUJDR", "QUJD!", "Q%4", "QQ==", "QUI=",
	}
	for _, body := range bodies {
		want, wantOK := oracleDataPayload("data:;base64," + html.UnescapeString(body))
		for cut := 0; cut <= len(body); cut++ {
			var sd dataURL
			sd.payload(sd.urlChars(nil, []byte(body[:cut]), false), false)
			sd.payload(sd.urlChars(nil, []byte(body[cut:]), true), true)
			if got := string(sd.text); !sd.dead != wantOK || wantOK && got != want {
				t.Errorf("%q cut at %d: %q (decodes %v), want %q (%v)", body, cut, got, !sd.dead, want, wantOK)
			}
		}
	}
}

// FuzzDataScript: TestLongDataScriptHoldsMarkers on any script text, spelled in the URL
// any way (references, percent-escapes, white space where the bits of spell say), as a
// <script> or (bit 8) a module preload <link>, at a hold limit from 64 to 319 bytes, in
// one write and in writes of 5 bytes.
func FuzzDataScript(f *testing.F) {
	f.Add("var a = 1; gtag('js', new Date());", uint8(0), uint8(0))
	f.Add(strings.Repeat("x", 300)+"gtag(", uint8(7), uint8(40))
	f.Add("gta\ng(", uint8(3), uint8(255))
	f.Add(strings.Repeat("import './a.js';\n", 20)+"gtag(", uint8(9), uint8(20))
	f.Fuzz(func(t *testing.T, js string, spell, hold uint8) {
		b64 := base64.StdEncoding.EncodeToString([]byte(js))
		if spell&1 != 0 {
			b64 = strings.NewReplacer("+", "&#43;", "/", "&sol;", "Z", "&#x005A;").Replace(b64)
		}
		if spell&2 != 0 {
			b64 = strings.NewReplacer("A", "%41", "n", "%6e").Replace(b64)
		}
		if spell&4 != 0 {
			b64 = strings.ReplaceAll(b64, "Q", " Q&#10;")
		}
		in := `<script src="data:text/javascript;base64,` + b64 + `"></script>`
		if spell&8 != 0 {
			// A link's payload is shown to Block as text too (a module's imports).
			in = `<link href="data:text/javascript;base64,` + b64 + `" rel=modulepreload>`
		}
		cfg := &Config{Block: markerBlock, MaxHold: minStreamHold + int(hold)}
		out := rewriteInPieces(t, in, cfg, len(in))
		if chunked := rewriteInPieces(t, in, cfg, 5); chunked != out {
			t.Fatalf("in writes of 5 bytes %q, in one %q", chunked, out)
		}
		var srcs []string
		var held []bool
		if spell&8 != 0 {
			n, err := html.Parse(strings.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range elements(n) {
				if e.Data == "link" {
					href, ok := attrVal(e.Attr, "href")
					srcs, held = append(srcs, href), append(held, !ok)
				}
			}
		} else {
			srcs, held = dataScripts(t, out)
		}
		if len(srcs) != 1 {
			t.Fatalf("%d scripts in %q", len(srcs), out)
		}
		if payload, ok := oracleDataPayload(srcs[0]); !held[0] && ok && strings.Contains(payload, "gtag(") {
			t.Fatalf("loads with the marker: %q", out)
		}
	})
}

// TestLongDataStyleSheet: a <link> whose href is a base64 data: URL longer than the hold
// limit — rel=stylesheet before or after it, or a preload a script makes a style sheet —
// passes byte for byte when nothing in its CSS loads from a blocked host, and when a URL
// of one comes after the first window, the URL is made to fail: as x/net/html, Go's
// base64 and the oracle's CSS reading (modelCSS) read the output, no style sheet loads
// from the tracker. A URL the windows cut is decided whole.
func TestLongDataStyleSheet(t *testing.T) {
	font := "url(data:font/woff2;base64," + strings.Repeat("d09GMgABAAAA", 600) + ")"
	// A URL in a string is no URL: in every window's overlap, so that reading an
	// overlap twice would find one.
	quoted := strings.Repeat(`.q::after{content:"url(//trk.example/x)"}`+"\n"+strings.Repeat(".f{margin:0;padding:0}\n", 20), 12)
	sheet := "body{margin:0}\n@font-face{font-family:f;src:" + font + "}\n.a{background:url(/img/a.png) no-repeat}\n"
	links := []string{
		`<link rel="stylesheet" href="DATA" media=all><p>x</p>`,
		`<link href="DATA" rel="stylesheet" media=all><p>x</p>`,
		`<link rel="preload" as="style" href="DATA" onload="this.onload=null;this.rel='stylesheet'"><p>x</p>`,
	}
	link := func(form, css string, spell func(string) string) string {
		return strings.Replace(form, "DATA", "data:text/css;base64,"+spell(base64.StdEncoding.EncodeToString([]byte(css))), 1)
	}
	same := func(s string) string { return s }
	refs := func(s string) string { return strings.NewReplacer("+", "&#43;", "/", "&#x2F;").Replace(s) }
	for _, form := range links {
		for _, spell := range []func(string) string{same, refs} {
			in := link(form, sheet+quoted, spell)
			for _, hold := range []int{0, minStreamHold, 100, 4096} {
				if got := rewriteInPieces(t, in, &Config{Block: selectiveBlock, MaxHold: hold}, 7); got != in {
					t.Errorf("%.30s, MaxHold %d: %s", form, hold, firstDiff(got, in))
				}
			}
		}
	}
	var probs []string
	outputs := 0
	for k, at := range []int{0, 100, 2000, 7000} {
		form := links[k%len(links)]
		for _, tr := range []string{".t{background:url(//trk.example/p.gif)}", `.t{background:url("https://trk.example/` + strings.Repeat("q", 300) + `")}`} {
			css := sheet[:min(at, len(sheet))] + tr + sheet[min(at, len(sheet)):]
			for _, spell := range []func(string) string{same, refs} {
				in := link(form, css, spell)
				for hold := minStreamHold; hold <= len(in)+1; hold += 97 {
					outputs++
					out := rewriteInPieces(t, in, &Config{Block: selectiveBlock, MaxHold: hold}, len(in))
					// In writes of 5 bytes at every third limit (the slow part under -race;
					// FuzzRewrite checks chunking on any input).
					if (hold-minStreamHold)%(3*97) == 0 {
						if chunked := rewriteInPieces(t, in, &Config{Block: selectiveBlock, MaxHold: hold}, 5); chunked != out {
							probs = append(probs, fmt.Sprintf("tracker at %d, MaxHold %d: differs in writes of 5 bytes", at, hold))
						}
					}
					doc, err := html.Parse(strings.NewReader(out))
					if err != nil {
						t.Fatal(err)
					}
					for _, e := range elements(doc) {
						href, ok := attrVal(e.Attr, "href")
						if e.Data != "link" || !ok {
							continue
						}
						// (The trackers here are spelled plainly: a payload without the host
						// cannot load from it, and the oracle's CSS reading is the slow part.)
						payload, decodes := oracleDataPayload(href)
						if !decodes || !strings.Contains(payload, "trk.example") {
							continue
						}
						if u := strings.Join(modelCSS(payload), " "); strings.Contains(u, "trk.example") {
							probs = append(probs, fmt.Sprintf("tracker at %d, MaxHold %d: the style sheet loads %s", at, hold, u))
						}
					}
				}
			}
		}
	}
	if len(probs) > 0 {
		t.Errorf("%d problems; first:\n%s", len(probs), strings.Join(probs[:min(5, len(probs))], "\n"))
	}
	t.Logf("%d outputs checked", outputs)
}

// TestLongDataLinkNamesHosts: the payload of a long data: URL <link> is also shown to
// Block as text, as a short one's is, so a host it names after the first window — a
// module's import, which no CSS reading finds — makes the URL fail, whichever side of
// the href its rel stands on; without one it passes byte for byte.
func TestLongDataLinkNamesHosts(t *testing.T) {
	naming := func(e Element) string {
		if strings.Contains(strings.Join(e.URLs, " ")+string(e.Inline), "trk.example") {
			return "c"
		}
		return ""
	}
	module := func(tracker bool) string {
		js := "export const a = 1;\n" + strings.Repeat("// a comment that fills the module\n", 2000)
		if tracker {
			js += `import "https://trk.example/m.js";` + "\n"
		}
		return base64.StdEncoding.EncodeToString([]byte(js + strings.Repeat("// more\n", 200)))
	}
	for _, form := range []string{`<link rel="modulepreload" href="DATA"><p>x</p>`, `<link href="DATA" rel="modulepreload"><p>x</p>`} {
		for _, hold := range []int{minStreamHold, 1000, 4096, 0} {
			clean := strings.Replace(form, "DATA", "data:text/javascript;base64,"+module(false), 1)
			if got := rewriteInPieces(t, clean, &Config{Block: naming, MaxHold: hold}, 4096); got != clean {
				t.Errorf("%.30s, MaxHold %d, no tracker: %s", form, hold, firstDiff(got, clean))
			}
			in := strings.Replace(form, "DATA", "data:text/javascript;base64,"+module(true), 1)
			out := rewriteInPieces(t, in, &Config{Block: naming, MaxHold: hold}, 4096)
			doc, err := html.Parse(strings.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range elements(doc) {
				if href, ok := attrVal(e.Attr, "href"); e.Data == "link" && ok {
					if payload, decodes := oracleDataPayload(href); decodes && strings.Contains(payload, "trk.example") {
						t.Errorf("%.30s, MaxHold %d: the module that imports the tracker still loads", form, hold)
					}
				}
			}
		}
	}
}
