//go:build browser

package htmlrewrite

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBrowserSinks loads pages in Chromium, from a server on loopback that records what
// is requested: every sink, as the page has it, requests its /t- URL; rewritten with
// every /t- URL (and the inline marker "track(") blocked, none does. So the neutralised
// forms hold in a real browser (its preload scanner included), and each case can fail.
func TestBrowserSinks(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium not found: install Debian's chromium to run the browser tests")
	}
	sinks := map[string]string{
		"script src":            `<script src="/t-script.js"></script>`,
		"inline script":         `<script>fetch("/t-inline"); function track() {}</script>`,
		"svg script href":       `<svg><script href="/t-svgscript.js"></script></svg>`,
		"svg script xlink:href": `<svg xmlns:xlink="http://www.w3.org/1999/xlink"><script xlink:href="/t-svgxlink.js"></script></svg>`,
		"svg inline script":     `<svg><script>fetch("/t-svginline"); function tr&#97;ck() {}</script></svg>`,
		"img srcset":            `<img srcset="/t-srcset.gif 1x">`,
		"picture source":        `<picture><source srcset="/t-source.webp"><img src="/ok.png"></picture>`,
		"svg image":             `<svg><image href="/t-image.png" width="5" height="5"/></svg>`,
		"feImage":               `<svg><filter id="f"><feImage href="/t-feimage.png"/></filter><rect width="5" height="5" filter="url(#f)"/></svg>`,
		"input image":           `<input type="image" src="/t-input.gif">`,
		"video poster":          `<video src="/t-video.mp4" poster="/t-poster.jpg"></video>`,
		"audio":                 `<audio src="/t-audio.mp3" preload="auto"></audio>`,
		"object":                `<object data="/t-object.html"></object>`,
		"embed":                 `<embed src="/t-embed.html">`,
		"link preload":          `<link rel="preload" href="/t-preload.js" as="script">`,
		"link stylesheet":       `<link rel="stylesheet" href="/t-sheet.css">`,
		"style attribute":       `<div style="background:url(/t-style.gif)">x</div>`,
		"style @import":         `<style>@import "/t-import.css"; body { background: url(/t-bg.gif) }</style>`,
		"svg style @import":     `<svg><style>@import url("/t-svgimport.css");</style></svg>`,
		"iframe srcdoc":         `<iframe srcdoc="&lt;img src=/t-srcdoc.gif&gt;"></iframe>`,
		"svg set href":          `<svg><image href="/ok2.png" width="5" height="5"><set attributeName="href" to="/t-set.png"/></image></svg>`,
		"svg use":               `<svg><use href="/t-use.svg#i"/></svg>`,
		"frame":                 `<frameset><frame src="/t-frame.html"></frameset>`,
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	var page []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			mu.Lock()
			w.Write(page)
			mu.Unlock()
			return
		}
		mu.Lock()
		seen[r.URL.Path] = true
		mu.Unlock()
		http.NotFound(w, r)
	}))
	defer srv.Close()

	load := func(doc []byte) map[string]bool {
		mu.Lock()
		page = doc
		seen = map[string]bool{}
		mu.Unlock()
		dir := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
			"--disable-quic", "--no-first-run", "--disable-background-networking",
			"--disable-component-update", "--disable-sync", "--user-data-dir="+dir,
			"--virtual-time-budget=3000", "--dump-dom", srv.URL+"/")
		cmd.Stdout, cmd.Stderr = nil, nil
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		got := map[string]bool{}
		for p := range seen {
			if strings.HasPrefix(p, "/t-") {
				got[p] = true
			}
		}
		return got
	}
	block := func(e Element) string {
		for _, u := range e.URLs {
			if strings.HasPrefix(u, "/t-") {
				return "marketing"
			}
		}
		if bytes.Contains(e.Inline, []byte("track(")) || bytes.Contains(e.Inline, []byte("/t-")) {
			return "marketing"
		}
		return ""
	}
	for name, markup := range sinks {
		t.Run(name, func(t *testing.T) {
			doc := []byte("<!DOCTYPE html><html><head></head><body>" + markup + "</body></html>")
			if strings.HasPrefix(markup, "<frameset") {
				doc = []byte("<!DOCTYPE html><html><head></head>" + markup + "</html>")
			}
			if got := load(doc); len(got) == 0 {
				t.Fatalf("as the page has it, nothing was requested: the case tests nothing")
			}
			out := rewriteAll(t, doc, &Config{Block: block})
			if got := load(out); len(got) > 0 {
				t.Errorf("rewritten, still requested %v:\n%s", got, out)
			}
		})
	}
}
