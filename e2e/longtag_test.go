//go:build browser

package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestLongTagsKeepThePage: start tags longer than the 64 KiB the proxy holds
// are common on real sites — an inline data: image, a JSON data attribute on
// a page builder's element. Through the real proxy, in Chromium, for a
// visitor who has not chosen (so trackers are held back): such elements show
// as the site made them, while a tracker URL after such an attribute is held
// (the sink matrix checks that no request reaches it).
func TestLongTagsKeepThePage(t *testing.T) {
	var pngBuf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 30, 20))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	if err := png.Encode(&pngBuf, img); err != nil {
		t.Fatal(err)
	}
	// An SVG of 40×30 padded past the hold limit, as a base64 data: URL.
	svg := `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><!--` + strings.Repeat("pad ", 25<<10) +
		`--><rect width="40" height="30" fill="red"/></svg>`
	dataURL := "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg))
	props := `{"items":[` + strings.Repeat(`{"title":"a &amp; b","url":"/p?a=1&amp;b=2"},`, 2000) + `{}]}`
	// Site optimisers defer inline scripts as base64 data: URLs; a large one is a start
	// tag longer than the hold limit.
	filler := "/*" + strings.Repeat("padding ", 10<<10) + "*/\n"
	cleanJS := base64.StdEncoding.EncodeToString([]byte(filler + "window.siteScriptRan = true;"))
	markedJS := base64.StdEncoding.EncodeToString([]byte(filler + "window.markedScriptRan = true; function gtag(){}; gtag('config', 'G-1');"))
	// The same for a style sheet inlined as a base64 data: URL.
	cssPad := "/*" + strings.Repeat("padding ", 10<<10) + "*/\n"
	cleanCSS := base64.StdEncoding.EncodeToString([]byte(cssPad + "#cssok{color:rgb(4, 5, 6)}"))
	trackerCSS := base64.StdEncoding.EncodeToString([]byte(cssPad + "#csstracker{color:rgb(7, 8, 9);background:url(http://stats.localhost/bg2.gif)}"))
	// rel after href, and a preload a script turns into a style sheet (as page-speed
	// plugins load CSS without blocking).
	hrefFirstCSS := base64.StdEncoding.EncodeToString([]byte(cssPad + "#csshreffirst{color:rgb(10, 11, 12)}"))
	preloadCSS := base64.StdEncoding.EncodeToString([]byte(cssPad + "#csspreload{color:rgb(13, 14, 15)}"))
	preloadTrackerCSS := base64.StdEncoding.EncodeToString([]byte(cssPad + "#csspreloadtracker{color:rgb(16, 17, 18);background:url(http://stats.localhost/bg3.gif)}"))
	preload := `" rel="preload" as="style" onload="this.onload=null;this.rel='stylesheet'">`
	page := `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Long tags</title></head><body>` +
		`<h1>Long tags</h1>` +
		`<img id="big" alt="inline image" src="` + dataURL + `">` +
		`<div id="props" data-props='` + props + `' style="color: rgb(1, 2, 3)">styled</div>` +
		`<img id="local" data-meta='` + props + `' src="/local.png" alt="local">` +
		`<img id="tracker" data-meta='` + props + `' src="http://stats.localhost/collect.gif" alt="">` +
		`<link rel="stylesheet" href="data:text/css;base64,` + cleanCSS + `">` +
		`<link rel="stylesheet" href="data:text/css;base64,` + trackerCSS + `">` +
		`<link href="data:text/css;base64,` + hrefFirstCSS + `" rel="stylesheet">` +
		`<link id="preloadok" href="data:text/css;base64,` + preloadCSS + preload +
		`<link href="data:text/css;base64,` + preloadTrackerCSS + preload +
		`<p id="cssok">a</p><p id="csstracker">b</p><p id="csshreffirst">c</p><p id="csspreload">d</p><p id="csspreloadtracker">e</p>` +
		`<script defer src="data:text/javascript;base64,` + cleanJS + `"></script>` +
		`<script defer src="data:text/javascript;base64,` + markedJS + `"></script>` +
		`<div id="hero" style="width:40px;height:30px;background-image:url(` + dataURL + `), url(http://stats.localhost/bg.gif)">hero</div>` +
		`</body></html>`
	if len(dataURL) < 70<<10 || len(props) < 70<<10 {
		t.Fatalf("the page's long attributes (%d, %d bytes) must be longer than the hold limit", len(dataURL), len(props))
	}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, page)
		case "/local.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(pngBuf.Bytes())
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(site.Close)
	port := proxyInFront(t, site.URL, "encode gzip")

	ctx, cancel := context.WithTimeout(startChromium(t), 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("http://localhost:%d/", port)),
		chromedp.WaitVisible(inBanner(`#cg-banner`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('big').complete && document.getElementById('local').complete`,
			chromedp.WithPollingTimeout(10*time.Second)),
		// The site's preload has loaded and been turned into a style sheet (the
		// other one, spoilt, fails).
		chromedp.Poll[chromedp.Void](`document.getElementById('preloadok').rel === 'stylesheet'`,
			chromedp.WithPollingTimeout(10*time.Second)),
	); err != nil {
		t.Fatal(err)
	}
	check := func(what, expr string) {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !ok {
			t.Errorf("%s: false", what)
		}
	}
	check("the inline data: image shows", fmt.Sprintf(`document.getElementById('big').naturalWidth === 40 && document.getElementById('big').getAttribute('src').length === %d && document.getElementById('big').getAttribute('src').startsWith('data:image/svg+xml;base64,')`, len(dataURL)))
	check("the element with a long JSON attribute keeps its style", `getComputedStyle(document.getElementById('props')).color === 'rgb(1, 2, 3)' && JSON.parse(document.getElementById('props').dataset.props).items.length === 2001`)
	check("an image after a long attribute loads from the site", `document.getElementById('local').naturalWidth === 30 && !document.getElementById('local').hasAttribute('data-consent')`)
	check("a tracker after a long attribute is held back", `!document.getElementById('tracker').hasAttribute('src') && document.getElementById('tracker').getAttribute('data-consent') === 'statistics'`)
	// A data: script longer than the hold limit streams: the site's runs, the one with
	// an inline marker after the first 64 KiB has its URL spoilt and runs nothing.
	check("a long data: script of the site runs", `window.siteScriptRan === true`)
	check("a long data: script with a marker after the limit does not run", `window.markedScriptRan === undefined && document.scripts.length > 0`)
	check("a long data: style sheet of the site applies", `getComputedStyle(document.getElementById('cssok')).color === 'rgb(4, 5, 6)'`)
	check("a long data: style sheet with a tracker URL after the limit loads nothing", `getComputedStyle(document.getElementById('csstracker')).color !== 'rgb(7, 8, 9)'`)
	check("a long data: style sheet whose rel comes after its href applies", `getComputedStyle(document.getElementById('csshreffirst')).color === 'rgb(10, 11, 12)'`)
	check("a long data: style sheet preloaded, then made a style sheet, applies", `getComputedStyle(document.getElementById('csspreload')).color === 'rgb(13, 14, 15)'`)
	check("a long preloaded data: style sheet with a tracker URL after the limit loads nothing", `getComputedStyle(document.getElementById('csspreloadtracker')).color !== 'rgb(16, 17, 18)'`)
	// A style longer than the hold limit streams: its inline image stays, a tracker's URL
	// after the first 64 KiB is made inert in place.
	check("a long inline style keeps its data: image, and a tracker URL in it loads nothing",
		`(() => { const bg = getComputedStyle(document.getElementById('hero')).backgroundImage;
			return document.getElementById('hero').hasAttribute('style') && getComputedStyle(document.getElementById('hero')).width === '40px' &&
				bg.startsWith('url("data:image/svg+xml;base64,') && bg.endsWith('url("data:,http://stats.localhost/bg.gif")') })()`)
}

// TestLongViewStateKeepsThePage: an ASP.NET WebForms page keeps its state in
// <input type="hidden" name="__VIEWSTATE" value="…">, often over 100 KB. On a
// page that has neither text nor a <body> tag before it, whether that input
// is hidden decides whether a later <frameset> replaces the body; the proxy
// reads its type at the hold limit instead of holding back the rest of the
// page. In Chromium, for a visitor who has not chosen: the form and the
// text after the long input show, the tracker after it is held back.
func TestLongViewStateKeepsThePage(t *testing.T) {
	viewState := strings.Repeat("/wEPDwUKMTY1NDU2MTA1MmRkVqz1Y3kQ", 4<<10)
	page := `<!DOCTYPE html><title>WebForms</title>` +
		`<form method="post" action="./" id="form1"><div class="aspNetHidden">` +
		`<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="` + viewState + `" /></div>` +
		`<p id="after">after the view state</p><input id="name" name="name" value="kept">` +
		`<img id="tracker" src="http://stats.localhost/collect.gif" alt=""></form>`
	ctx := openWithBanner(t, siteBehindProxy(t, map[string]string{"/": page}, "")+"/")
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.getElementById('__VIEWSTATE').value.length === %d &&
		document.getElementById('after').offsetHeight > 0 && document.getElementById('name').value === 'kept' &&
		!document.getElementById('tracker').hasAttribute('src') && document.getElementById('tracker').dataset.consent === 'statistics' &&
		document.querySelector('plaintext') === null`, len(viewState))))
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Error("the page after a long view state is not as the site made it, or its tracker is not held back")
	}
}

// TestBannerOnPagesThatEndBroken: legacy pages do not always end well — a PHP
// fatal error stops the page inside a <textarea> or a <select>, a template
// leaves a comment open, an upstream cuts a page short, a hidden or
// transformed wrapper is never closed. Browsers end those constructs at the
// end of the page; the proxy ends them before it inserts the banner there, so
// that the banner is markup in the body, and banner.js moves it out of a
// wrapper the body's end tag came inside of. In Chromium,
// for a visitor who has not chosen, the banner shows and can be used, and the
// page keeps what it showed.
func TestBannerOnPagesThatEndBroken(t *testing.T) {
	fatal := "<br />\n<b>Fatal error</b>:  Uncaught Error: Call to undefined function get_field() in /var/www/html/wp-content/themes/x/footer.php:12"
	pages := map[string]string{
		"/comment":  `<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><p id="shown">shown</p><!-- footer begins` + fatal,
		"/textarea": `<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><p id="shown">shown</p><form><textarea id="ta">typed` + fatal,
		"/select":   `<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><p id="shown">shown</p><form><select id="sel"><option>one` + fatal,
		"/title":    `<!DOCTYPE html><html lang="en"><head><p id="shown">shown</p><title>cut short`,
		// A wrapper never closed: </body> comes inside it.
		"/hidden-wrapper": `<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><p id="shown">shown</p>` +
			`<div style="display:none"><img src="/pixel.gif" alt=""></body></html>`,
		"/transformed-wrapper": `<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><p id="shown">shown</p>` +
			`<div style="transform:translateY(3000px)"><p>moved far down</p></body></html>`,
	}
	base := siteBehindProxy(t, pages, "encode gzip")
	for path := range pages {
		t.Run(path[1:], func(t *testing.T) {
			ctx := openWithBanner(t, base+path)
			// In the viewport, where the visitor sees it.
			inView, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(r => r.top >= 0 && r.bottom <= innerHeight + 1 && r.height > 0)(document.getElementById('cg').shadowRoot.querySelector('#cg-banner').getBoundingClientRect())`))
			if err != nil || !inView {
				t.Errorf("the banner is not in the viewport (%v)", err)
			}
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('shown').offsetHeight > 0 &&
				(!document.getElementById('ta') || document.getElementById('ta').value.startsWith('typed') && !document.getElementById('ta').value.includes('cg')) &&
				(!document.getElementById('sel') || document.getElementById('sel').options.length === 1)`))
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				t.Error("the page does not show what it showed without the proxy")
			}
		})
	}
}

// siteBehindProxy serves pages (path → HTML) from an upstream on loopback
// behind the proxy (with before in front of cookie_consent), and returns the
// proxy's base URL.
func siteBehindProxy(t *testing.T, pages map[string]string, before string) string {
	t.Helper()
	return siteBehindProxySeeing(t, pages, before, nil)
}

// siteBehindProxySeeing is siteBehindProxy with seen, when not nil, called
// with every request the site gets.
func siteBehindProxySeeing(t *testing.T, pages map[string]string, before string, seen func(*http.Request)) string {
	t.Helper()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen != nil {
			seen(r)
		}
		page, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	t.Cleanup(site.Close)
	return fmt.Sprintf("http://localhost:%d", proxyInFront(t, site.URL, before))
}

// openWithBanner opens url in a new Chromium, for a visitor who has not
// chosen, and waits until the banner's buttons can be used.
func openWithBanner(t *testing.T, url string) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(startChromium(t), 60*time.Second)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(inBanner(`#cg-banner button[value=reject_all]`))); err != nil {
		t.Fatalf("%s: no usable banner: %v", url, err)
	}
	return ctx
}
