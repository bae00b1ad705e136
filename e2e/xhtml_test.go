//go:build browser

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// An XHTML page (application/xhtml+xml) is read by the browser's XML parser,
// which stops at the first error and shows it in place of the rest of the
// page. What the proxy inserts — the guard, the banner, the placeholders — must
// be well-formed XML there (the probe of 2026-11-29: the banner's bare
// attributes and unclosed <link>/<input> made Chromium show a parser error and
// lose the page after it).
const xhtmlPage = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<title>XHTML</title>
<script>window.ran = [];</script>
</head>
<body>
<h1>An XHTML page</h1>
<script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>
<script>window.ran.push('inline tracker'); gtag('config', 'G-1');</script>
<iframe src="https://www.googletagmanager.com/ns.html?id=GTM-1" width="300" height="200" title="held"></iframe>
<p id="end">The end of the page.</p>
</body>
</html>
`

func TestXHTMLPageKeepsWorking(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xhtml+xml; charset=utf-8")
		fmt.Fprint(w, xhtmlPage)
	}))
	defer up.Close()
	site := fmt.Sprintf("http://localhost:%d", proxyWithPolicy(t, up.URL, "", "../caddymodule/testdata/policy.yaml"))

	ctx := startChromium(t)
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	type state struct {
		ParserErrors int
		End          bool
		Ran          []string
		Held         int
		Placeholders int
	}
	const read = `({ParserErrors: document.getElementsByTagName('parsererror').length, End: !!document.getElementById('end'),
		Ran: window.ran || [], Held: document.querySelectorAll('script[data-consent][type="text/plain"]').length,
		Placeholders: document.querySelectorAll('[data-cg-ph]').length})`

	freshVisit(t, tctx, site+"/page.xhtml")
	got := evalJS[state](t, tctx, read)
	if got.ParserErrors != 0 || !got.End || len(got.Ran) != 0 || got.Held != 2 || got.Placeholders != 1 {
		t.Fatalf("the XHTML page, no consent: %+v; want no parser error, the whole page, the trackers held and a placeholder for the frame", got)
	}
	// The banner's form works there too: accept, and the page comes back
	// with its trackers let in and no banner.
	run(t, tctx, chromedp.Click(inBanner(`button[value="accept_all"]`)))
	waitNavigated(t, tctx, `(window.ran || []).length == 1`)
	got = evalJS[state](t, tctx, read)
	banner := evalJS[bool](t, tctx, `!document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`)
	if got.ParserErrors != 0 || !got.End || got.Held != 0 || got.Placeholders != 0 || banner {
		t.Errorf("the XHTML page after accepting: %+v, banner %v; want the trackers in and no banner", got, banner)
	}
}
