package htmlrewrite

import (
	"strings"
	"testing"
	"time"
)

// Pathological but plausible markup must cost time linear in its size and
// memory within the hold limit (docs/REWRITER.md, "Bounds"). These inputs
// are the ones a probe found that did not: each case runs against a deadline
// a thousand times what the linear code needs, so a slow machine or the race
// detector do not fail it, and the superlinear code (minutes) does.

func runWithin(t *testing.T, name string, limit time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("%s: still running after %v (superlinear in the tag's attributes)", name, limit)
	}
}

// TestDuplicateAttributes: a start tag of thousands of duplicate attributes
// that load. Under the hold limit analyse looked through every attribute
// before each (quadratic); past it analyseAll renamed once per attribute,
// looking through every rename for each (cubic: 3.5 minutes for one 80 KB
// <script src=a src=a ...>). Every duplicate is still renamed, as browsers
// keep the first and the rest must not take its place.
func TestDuplicateAttributes(t *testing.T) {
	tracker := "https://www.google-analytics.com/x"
	for _, tc := range []struct {
		name, tag string
		n         int
	}{
		{"script over the hold", "script", 14000},
		{"script under the hold", "script src=" + tracker, 9000},
		{"img with a tracker over the hold", "img src=" + tracker, 14000},
		{"link over the hold", "link rel=stylesheet href=" + tracker, 14000},
		{"style over the hold", "style type=text/css", 14000},
	} {
		attr := " src=a"
		switch {
		case strings.HasPrefix(tc.tag, "link"):
			attr = " href=a"
		case strings.HasPrefix(tc.tag, "style"):
			attr = " type=a"
		}
		in := "<!DOCTYPE html><html><head></head><body><" + tc.tag + strings.Repeat(attr, tc.n) + ">"
		if strings.HasPrefix(tc.tag, "script") || strings.HasPrefix(tc.tag, "style") {
			in += "gtag('x')</" + strings.Fields(tc.tag)[0] + ">"
		}
		in += "<p>after</p></body></html>"
		var out []byte
		runWithin(t, tc.name, 30*time.Second, func() {
			out = rewriteAll(t, []byte(in), &Config{Block: func(e Element) string {
				if e.Partial || len(e.URLs) > 0 && strings.Contains(e.URLs[0], "google-analytics") || strings.Contains(string(e.Inline), "gtag(") {
					return "statistics"
				}
				return ""
			}})
		})
		// Held: every duplicate renamed (data-consent-src=a), none left live.
		if n := strings.Count(string(out), attr); n > 0 {
			t.Errorf("%s: %d duplicates left as they were", tc.name, n)
		}
		if !strings.Contains(string(out), `data-consent="statistics"`) || !strings.Contains(string(out), "<p>after</p>") {
			t.Errorf("%s: not held back, or the page after it lost (%d bytes out)", tc.name, len(out))
		}
	}
}

// TestXMLEntityExpansion: an entity of 60,000 bytes referenced 16,000
// times in a held SVG script, style or attribute expanded to a gigabyte of
// text for Block. The decoded text stops at xmlDecoded times the hold limit
// and the element is held back as partial (fail closed).
func TestXMLEntityExpansion(t *testing.T) {
	ent := `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY e "` + strings.Repeat("x", 60000) + `"><!ENTITY m "gtag(">]>`
	for _, tc := range []struct{ name, body string }{
		{"script", `<script>` + strings.Repeat("&e;", 16000) + `&m;</script>`},
		{"style", `<style>` + strings.Repeat("&e;", 16000) + `</style>`},
		{"image href", `<image href="` + strings.Repeat("&e;", 16000) + `"/>`},
		{"style attribute", `<g style="` + strings.Repeat("&e;", 16000) + `"/>`},
	} {
		in := ent + `<svg xmlns="http://www.w3.org/2000/svg">` + tc.body + `</svg>`
		largest, partial := 0, false
		var out []byte
		runWithin(t, tc.name, 30*time.Second, func() {
			out = rewriteAll(t, []byte(in), &Config{XML: true, Block: func(e Element) string {
				size := len(e.Inline)
				for _, u := range e.URLs {
					size += len(u)
				}
				largest = max(largest, size)
				partial = partial || e.Partial
				if e.Partial || strings.Contains(string(e.Inline), "gtag(") {
					return "statistics"
				}
				return ""
			}})
		})
		if limit := xmlDecoded * 64 << 10; largest > limit {
			t.Errorf("%s: Block was shown %d bytes, bound %d", tc.name, largest, limit)
		}
		if !partial {
			t.Errorf("%s: the element whose references expanded past the bound was not partial", tc.name)
		}
		// Held back, the attribute renamed: the browser expands it whole.
		if !strings.Contains(string(out), `data-consent="statistics"`) || strings.Contains(string(out), ` style="&e;`) || strings.Contains(string(out), ` href="&e;`) {
			t.Errorf("%s: not held back: %.300s", tc.name, out[len(ent):])
		}
	}
}
