//go:build browser

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestISO2022JPPageReadsTheSame: a legacy Japanese page in ISO-2022-JP, read
// by Chromium (the WHATWG decoder, the oracle) straight from the site and
// through the proxy, which decodes it for the rewriter and encodes it back:
// the text the visitor reads is the same — JIS-Roman's ¥ and ‾ (ESC ( J), the
// backslash and tilde of ASCII, kanji, half-width katakana, a byte the
// encoding has no character for — and the banner (Swedish, whose å ä ö
// ISO-2022-JP lacks) reads as it should.
func TestISO2022JPPageReadsTheSame(t *testing.T) {
	const body = "<p id=price>\x1b(J\\1000 ~ \x1b$B2A3J\x1b(B \\ ~ \x1b(I12\x1b(B \xff \x1b(J\\\x1b(B</p>"
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=iso-2022-jp")
		fmt.Fprint(w, "<!DOCTYPE html><html lang=ja><head><title>t</title></head><body>"+body+
			`<script src="https://www.googletagmanager.com/gtag/js"></script></body></html>`)
	}))
	t.Cleanup(site.Close)
	port := proxyInFront(t, site.URL, "")

	ctx, cancel := context.WithTimeout(startChromium(t), 60*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "sv"}}); err != nil {
		t.Fatal(err)
	}
	read := func(url string) string {
		t.Helper()
		run(t, ctx, chromedp.Navigate(url))
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('price').textContent`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	direct := read(site.URL + "/")
	if want := "¥1000 ‾ 価格 \\ ~ ｱｲ \ufffd ¥"; direct != want {
		// The oracle reads the page as the test means it; if not, the
		// comparison below says nothing.
		t.Fatalf("Chromium read the site's page as %q, want %q", direct, want)
	}
	proxied := read(fmt.Sprintf("http://localhost:%d/", port))
	if proxied != direct {
		t.Errorf("through the proxy Chromium reads %q, straight from the site %q", proxied, direct)
	}
	title, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('#cg')?.shadowRoot?.querySelector('#cg-title')?.textContent) || ''`))
	if want := "Vi använder kakor"; err != nil || title != want {
		t.Errorf("the banner's title reads %q (%v), want %q", title, err, want)
	}
}

// TestLegacyCharsetBanner: the banner's Swedish text (å, ä, ö) reads as it
// should in pages of a legacy encoding — by the Content-Type charset, by a
// <meta>, or declaring nothing (Chromium then guesses) — and the page's own
// text is unchanged (a probe saw "GodkÃ¤nn alla" on windows-1252 pages).
func TestLegacyCharsetBanner(t *testing.T) {
	pages := map[string]struct{ header, meta string }{
		"/header": {header: "text/html; charset=windows-1252"},
		"/meta":   {header: "text/html", meta: `<meta charset="iso-8859-1">`},
		"/none":   {header: "text/html"},
		"/utf8":   {header: "text/html; charset=utf-8"},
	}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pg, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", pg.header)
		own := "Caf\xe9 \xe5\xe4\xf6" // windows-1252
		if r.URL.Path == "/utf8" {
			own = "Café åäö"
		}
		fmt.Fprint(w, "<!DOCTYPE html><html lang=sv><head>"+pg.meta+"<title>t</title></head><body><p id=own>"+own+"</p></body></html>")
	}))
	t.Cleanup(site.Close)
	port := proxyInFront(t, site.URL, "")
	ctx, cancel := context.WithTimeout(startChromium(t), 60*time.Second)
	defer cancel()
	for path := range pages {
		run(t, ctx, chromedp.Navigate(fmt.Sprintf("http://localhost:%d%s", port, path)))
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.getElementById('own').textContent,
			(document.querySelector('#cg')?.shadowRoot?.querySelector('#cg-title')?.textContent) || '', document.characterSet]`))
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != "Café åäö" || got[1] != "Vi använder kakor" {
			t.Errorf("%s (read as %s): the page's text %q, the banner's title %q", path, got[2], got[0], got[1])
		}
	}
}
