//go:build browser

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/consentgate/consentgate/internal/testshared"
)

// charsetTracker is a fake tracker (stats.tracker.test, which the guard
// test policy blocks); hits lists the paths it was asked for.
type charsetTracker struct {
	mu   sync.Mutex
	hits []string
	port int
}

func newCharsetTracker(t *testing.T) *charsetTracker {
	tr := &charsetTracker{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr.mu.Lock()
		tr.hits = append(tr.hits, r.URL.Path)
		tr.mu.Unlock()
		w.Header().Set("Content-Type", "text/javascript")
	}))
	t.Cleanup(srv.Close)
	fmt.Sscanf(srv.URL[strings.LastIndexByte(srv.URL, ':')+1:], "%d", &tr.port)
	return tr
}

func (tr *charsetTracker) take() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	h := tr.hits
	tr.hits = nil
	return h
}

// visit loads url in Chromium and returns document.characterSet, the text
// of #t (if any) and the tracker's hits.
func (tr *charsetTracker) visit(t *testing.T, ctx context.Context, url string) (charset, text string, hits []string) {
	t.Helper()
	tr.take()
	run(t, ctx, chromedp.Navigate(url))
	time.Sleep(300 * time.Millisecond)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.characterSet, (document.getElementById('t')||{}).textContent || '']`))
	if err != nil {
		t.Fatal(err)
	}
	return got[0], got[1], tr.take()
}

// TestCharsetDeclarationsInChromium: pages whose encoding Chromium reads
// from a <meta> past the first 1024 bytes, from an XML declaration (in
// text/html too, and "<?x" in UTF-16), or guesses: through the proxy no
// tracker request reaches the fake tracker, in whatever encoding Chromium
// reads the page (before, each of these loaded the tracker through the
// proxy).
func TestCharsetDeclarationsInChromium(t *testing.T) {
	tr := newCharsetTracker(t)
	src := fmt.Sprintf("http://stats.tracker.test:%d/j.js", tr.port)
	trick := "<p \x1b$B=\"\x1b(B><script src=" + src + "></script><i title=\"\">y</i><p>end</p></body></html>"
	tail := `<meta charset="iso-2022-jp"><title>j</title></head><body>` + trick
	xhtml := `<?xml version="1.0" encoding="ISO-2022-JP"?>` + "\n" +
		`<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head><body><p>` + strings.Repeat("a", 2000) + `</p>` +
		"<p>x\x1b$B<!--\x1b(B</p><script src=\"" + src + "\"></script><p>end</p></body></html>"
	utf16 := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			b.WriteByte(s[i])
			b.WriteByte(0)
		}
		return b.String()
	}
	type page struct{ ctype, body string }
	pages := map[string]page{
		"/late-comment": {"text/html", "<!doctype html><html><head><!--" + strings.Repeat("a", 2000) + "-->" + tail},
		"/late-script":  {"text/html", "<!doctype html><html><head><script>var s='" + strings.Repeat("a", 3000) + "';</script>" + tail},
		"/xml-decl":     {"text/html", `<?xml version="1.0" encoding="ISO-2022-JP"?>` + "\n<html><head><title>j</title></head><body><!--" + strings.Repeat("a", 2000) + "-->" + trick},
		"/xml-utf16":    {"text/html", utf16(`<?xml version="1.0" encoding="UTF-16LE"?><html><head><title>j</title></head><body><p>` + strings.Repeat("a", 2000) + `</p><script src="` + src + `"></script></body></html>`)},
		"/page.xhtml":   {"application/xhtml+xml", xhtml},
		"/guess":        {"text/html", "<!doctype html><html><head><title>r</title></head><body><p title=\"x\x1b$B\"!\x1b(B><script src=" + src + "></script><i title=\"\">y</i><p>end</p></body></html>"},
	}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pg, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", pg.ctype)
		fmt.Fprint(w, pg.body)
	}))
	t.Cleanup(site.Close)
	// The same XHTML page from file_server too, which gives .xhtml no
	// charset (one Caddy config: loading another replaces the first).
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "page.xhtml"), []byte(xhtml), 0o644); err != nil {
		t.Fatal(err)
	}
	port, filePort := testshared.FreePort(t), testshared.FreePort(t)
	runCaddyfile(t, fmt.Sprintf(`{
	admin off
	grace_period 100ms
}
http://localhost:%d {
	cookie_consent {
		policy testdata/guard/policy.yaml
	}
	reverse_proxy %s
}
http://localhost:%d {
	cookie_consent {
		policy testdata/guard/policy.yaml
	}
	root * %s
	file_server
}
`, port, strings.TrimPrefix(site.URL, "http://"), filePort, dir), fmt.Sprint(filePort))

	ctx, cancel := context.WithTimeout(startChromium(t), 120*time.Second)
	defer cancel()
	for path := range pages {
		// Straight from the site Chromium loads the tracker: the page
		// means what the test says.
		if cs, _, hits := tr.visit(t, ctx, site.URL+path); len(hits) == 0 {
			t.Errorf("%s: straight from the site Chromium (%s) did not load the tracker: the page tests nothing", path, cs)
		}
		cs, _, hits := tr.visit(t, ctx, fmt.Sprintf("http://localhost:%d%s", port, path))
		if len(hits) > 0 {
			t.Errorf("%s: through the proxy Chromium read the page as %s and loaded %v", path, cs, hits)
		}
		t.Logf("%s: through the proxy Chromium reads %s", path, cs)
	}
	cs, _, hits := tr.visit(t, ctx, fmt.Sprintf("http://localhost:%d/page.xhtml", filePort))
	if len(hits) > 0 {
		t.Errorf("file_server's page.xhtml: Chromium read it as %s and loaded %v", cs, hits)
	}
}

// TestCharsetLegitLegacyPagesInChromium: what the proxy does to make
// Chromium read a page as it did leaves legitimate legacy pages as they
// were: an undeclared Shift_JIS page (Chromium's detector reads it), an
// ISO-2022-JP page by an early <meta>, an undeclared ISO-2022-JP page
// (which Chromium reads as windows-1252: its escapes, ESC, go as SUB, both
// control characters it shows as nothing) — the same encoding and text
// straight from the site and through the proxy.
func TestCharsetLegitLegacyPagesInChromium(t *testing.T) {
	tr := newCharsetTracker(t)
	pages := map[string]string{
		"/sjis": "<!doctype html><html><head><title>\x93\xfa\x96\x7b\x8c\xea</title></head><body><p id=t>" +
			strings.Repeat("\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\x81\x41\x90\xa2\x8a\x45\x81\x42\x93\xfa\x96\x7b\x8c\xea\x82\xcc\x83\x79\x81\x5b\x83\x57\x82\xc5\x82\xb7\x81\x42", 20) + "</p></body></html>",
		"/jis-meta": "<!doctype html><html lang=ja><head><meta charset=\"iso-2022-jp\"><title>t</title></head><body><p id=t>\x1b$B$3$s$K$A$O!\"@$3&!#F|K\\8l$N%Z!<%8$G$9!#\x1b(B \x1b(J\\1000\x1b(B</p></body></html>",
		"/jis-none": "<!doctype html><html lang=ja><head><title>t</title></head><body><p id=t>" +
			strings.Repeat("\x1b$B$3$s$K$A$O!\"@$3&!#F|K\\8l$N%Z!<%8$G$9!#\x1b(B ", 20) + "</p></body></html>",
	}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(site.Close)
	port := proxyWithPolicy(t, site.URL, "", "testdata/guard/policy.yaml")
	ctx, cancel := context.WithTimeout(startChromium(t), 60*time.Second)
	defer cancel()
	for path := range pages {
		dcs, dtext, _ := tr.visit(t, ctx, site.URL+path)
		pcs, ptext, _ := tr.visit(t, ctx, fmt.Sprintf("http://localhost:%d%s", port, path))
		t.Logf("%s: straight %s %.40q, through the proxy %s %.40q", path, dcs, dtext, pcs, ptext)
		if dcs != pcs || dtext != strings.ReplaceAll(ptext, "\x1a", "\x1b") {
			t.Errorf("%s: straight from the site Chromium reads %s %q, through the proxy %s %q", path, dcs, dtext, pcs, ptext)
		}
	}
}
