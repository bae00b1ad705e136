//go:build browser

package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
	"github.com/consentgate/consentgate/internal/testshared"
)

// The sink matrix: every way a page can make the browser contact a tracker
// (issue 11's list), one case each, through the real proxy (Caddy with
// cookie_consent) in front of a loopback upstream, in real Chromium. The
// site is http://www.shop.test:PORT (host names map to 127.0.0.1, so that
// Domain=shop.test cookies are real); the stand-in trackers answer under the
// real trackers' names on another loopback port and record every request.
// Each case asserts that its tracker URL (…/c/CASE/…) was not requested before
// consent, and — where the element is legitimate — that it was after "accept".
//
// kind says who holds the sink: "markup" the server's HTML rewriter, "runtime"
// the guard, "bypass" a guard bypass found by a probe, "response" the proxy's
// reading of the response (Content-Type, encodings, headers).

type sinkCase struct {
	name, kind string
	// page is the case's HTML: a fragment goes into a plain page's body, a
	// runtime case's code into a script (which must not name an inline
	// marker itself, or the server holds that script and the guard is not
	// what the case tests), a
	// page starting with "<!" is the whole document. {T} is the tracker base
	// for this case (http://www.googletagmanager.com:PORT/c/NAME, blocked as
	// statistics), {W} the same with ws:, {S} with https: (a TLS server of the
	// same trackers), {F} one blocked as marketing. A runtime case defines run(), which
	// the page calls once; after accept it is called again ("rerun").
	page string
	// serve answers the page instead of a plain text/html response.
	serve func(w http.ResponseWriter, page string)
	// after: "released" (the held element loads once accepted), "rerun" (what
	// was dropped goes through when run() runs again after accept), "reload"
	// (what a response header asks for happens on the next load).
	after string
	// stored is a JS expression that is true when what the case writes
	// (a cookie, a storage key) was stored; false before consent, true after
	// accept and rerun.
	stored string
}

const svgNS = `'http://www.w3.org/2000/svg'`

// probeJS starts the cases of the second guard probe: T is the tracker's
// base (cut in two at 2: "ht" and "tp://...", its scheme spoilt by what
// goes between), Q JavaScript source that makes it without naming the
// host, mkf a hidden named frame, sh a new shadow root.
const probeJS = `const T = '{T}', Q = "'" + T.replace('googletagmanager', "google'+'tagmanager") + "'";
const mkf = () => { const f = document.createElement('iframe'); f.name = 'sink' + Math.random(); f.hidden = true; document.body.append(f); return f };
const sh = () => { const h = document.createElement('div'); document.body.append(h); return h.attachShadow({mode: 'open'}) };
`

var sinkCases = []sinkCase{
	// Markup: the server's rewriter (the scanner) holds these.
	{name: "svg-script-href", kind: "markup", page: `<svg><script href="{T}/x.js"></script></svg>`, after: "released"},
	{name: "svg-script-xlink-href", kind: "markup", page: `<svg><script xlink:href="{T}/x.js"></script></svg>`, after: "released"},
	{name: "svg-script-in-table", kind: "markup", page: `<table><tr><td><svg><script href="{T}/x.js"></script></svg></td></tr></table>`, after: "released"},
	{name: "svg-foreignobject-svg-script", kind: "markup", page: `<svg><foreignObject><svg><script href="{T}/x.js"></script></svg></foreignObject></svg>`, after: "released"},
	{name: "svg-inline-script-marker", kind: "markup", page: `<svg><script>typeof gtag == 'function' && gtag('config', 'G-1'); import('{T}/x.js');</script></svg>`, after: "released"},
	{name: "svg-300-unclosed-elements", kind: "markup", page: `<svg>` + strings.Repeat(`<circle>`, 300) + `<script href="{T}/x.js"></script></svg><iframe src="{T}/f.html"></iframe>`, after: "released"},
	{name: "img-srcset", kind: "markup", page: `<img srcset="{T}/p.gif" alt="">`, after: "released"},
	{name: "img-src-local-srcset-tracker", kind: "markup", page: `<img src="/local.png" srcset="{T}/p.gif 1x" alt="">`, after: "released"},
	{name: "picture-source-srcset", kind: "markup", page: `<picture><source srcset="{T}/p.gif"><img src="/local.png" alt=""></picture>`, after: "released"},
	{name: "svg-image-href", kind: "markup", page: `<svg><image href="{T}/p.gif" width="10" height="10"/></svg>`, after: "released"},
	{name: "svg-feimage-href", kind: "markup", page: `<svg><filter id="f"><feImage href="{T}/p.gif"/></filter><rect width="10" height="10" filter="url(#f)"/></svg>`, after: "released"},
	{name: "input-type-image", kind: "markup", page: `<input type="image" src="{T}/p.gif" alt="go">`, after: "released"},
	{name: "frameset-frame", kind: "markup", page: `<!DOCTYPE html><html><head><title>frames</title></head><frameset><frame src="{T}/f.html"></frameset></html>`, after: "released"},
	{name: "iframe-srcdoc", kind: "markup", page: `<iframe srcdoc="<script src=&quot;{T}/x.js&quot;></script>"></iframe>`, after: "released"},
	{name: "iframe-src-javascript", kind: "markup", page: `<iframe src="javascript:'<script src=&quot;{T}/x.js&quot;></script>'"></iframe>`, after: "released"},
	{name: "iframe-src-data", kind: "markup", page: `<iframe src="data:text/html,<script src=&quot;{T}/x.js&quot;></script>"></iframe>`, after: "released"},
	// Chromium reads "; base64" (a space after the ';') as base64 too. (Without the
	// server's reading of it the guard still catches this one late, in Chromium: the
	// server side is pinned by the golden case of the same name.)
	{name: "iframe-src-data-base64-space", kind: "markup", page: `<script src="{T}/x.js"></script>`, after: "released", serve: func(w http.ResponseWriter, page string) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!DOCTYPE html><html lang="en"><head><title>data</title></head><body><iframe src="data:text/html; base64,`+base64.StdEncoding.EncodeToString([]byte(page))+`"></iframe></body></html>`)
	}},
	{name: "base-href", kind: "markup", page: `<!DOCTYPE html><html lang="en"><head><base href="{T}/"><title>base</title></head><body><script src="gtag.js"></script></body></html>`, after: "released"},
	{name: "link-preload", kind: "markup", page: `<link rel="preload" as="script" href="{T}/x.js">`, after: "released"},
	{name: "link-modulepreload", kind: "markup", page: `<link rel="modulepreload" href="{T}/x.js">`, after: "released"},
	{name: "link-prefetch", kind: "markup", page: `<link rel="prefetch" href="{T}/x.js">`, after: "released"},
	{name: "link-stylesheet", kind: "markup", page: `<link rel="stylesheet" href="{T}/s.css">`, after: "released"},
	{name: "video-src", kind: "markup", page: `<video src="{T}/v.mp4" preload="auto"></video>`, after: "released"},
	{name: "video-poster", kind: "markup", page: `<video poster="{T}/p.gif"></video>`, after: "released"},
	{name: "audio-src", kind: "markup", page: `<audio src="{T}/a.mp3" preload="auto"></audio>`, after: "released"},
	{name: "video-source-src", kind: "markup", page: `<video preload="auto"><source src="{T}/v.mp4"></video>`, after: "released"},
	{name: "track-src", kind: "markup", page: `<video crossorigin="anonymous"><track kind="captions" src="{T}/t.vtt"></video><script>document.querySelector('track').track.mode = 'hidden'</script>`, after: "released"},
	{name: "object-data", kind: "markup", page: `<object data="{T}/f.html"></object>`, after: "released"},
	{name: "embed-src", kind: "markup", page: `<embed src="{T}/f.html">`, after: "released"},
	{name: "style-attribute-url", kind: "markup", page: `<div style="background-image: url({T}/p.gif)">x</div>`, after: "released"},
	{name: "style-element-url", kind: "markup", page: `<style>body { background-image: url({T}/p.gif) }</style>`, after: "released"},
	{name: "style-import-url", kind: "markup", page: `<style>@import url({T}/s.css);</style>`, after: "released"},
	{name: "style-import-data", kind: "markup", page: `<style>@import url("data:text/css,@import url({T}/s.css);");</style>`, after: "released"},
	{name: "style-import-string", kind: "markup", page: `<style>@import "{T}/s.css" screen; p { color: red }</style>`, after: "released"},
	// A style whose URLs are held back stays a style sheet: its URLs are made inert
	// in place and given back on consent (TestStyleKeptActive checks its own rules).
	{name: "style-element-two-categories", kind: "markup", page: `<style>#own { width: 123px } #s { background-image: url({T}/s.gif) } #m { background-image: url("{F}/m.gif") }</style><div id="own">own</div><div id="s">s</div><div id="m">m</div>`, after: "released"},
	// What a script writes into a style kept active is checked as for any other.
	{name: "style-attribute-two-categories", kind: "markup", page: `<div id="own" style="width: 123px; height: 20px; background-image: url({T}/s.gif), url('{F}/m.gif')">own</div>`, after: "released"},
	{name: "style-attribute-kept-then-written", kind: "markup", page: `<div id="own" style="width: 123px; background-image: url({T}/s.gif)">own</div><script>document.getElementById('own').style.cssText += '; border-image: url({T}/late.gif) 30'</script>`, after: "released"},
	{name: "style-element-kept-then-written", kind: "markup", page: `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>kept</title><style>#own { width: 123px } #s { background-image: url({T}/s.gif) }</style></head><body><h1>kept</h1><div id="own">own</div><div id="s">s</div><div id="late">late</div><script>document.querySelector('style').appendChild(document.createTextNode('#late { background-image: url({T}/late.gif) }'))</script></body></html>`, after: "released"},
	{name: "style-element-url-long", kind: "markup", page: `<style>body { background-image: url({T}/p.gif) }` + strings.Repeat(".pad { color: red }\n", 4<<10) + `</style>`, after: "released"},
	// After the first 64 KiB the start tag has gone out unmarked: the guard gives
	// back what it finds inert in any style.
	{name: "style-element-url-after-limit", kind: "markup", page: `<style>` + strings.Repeat(".pad { color: red }\n", 4<<10) + `body { background-image: url({T}/p.gif) }</style>`, after: "released"},
	// Start tags longer than the 64 KiB the proxy holds: what loads is still
	// checked, attribute by attribute.
	// Held scripts a browser never fetches (a type with parameters is a data
	// block; nomodule) fire neither load nor error: the tracker after them
	// must still be released.
	{name: "scripts-never-run-then-tracker", kind: "markup", page: `<script type="text/javascript; charset=utf-8" src="{T}/never.js"></script><script nomodule src="{T}/never-nomodule.js"></script><script src="{T}/x.js"></script>`, after: "released"},
	{name: "long-tag-img-src-after-limit", kind: "markup", page: `<img data-x="` + strings.Repeat("x", 70<<10) + `" src="{T}/p.gif" alt="">`, after: "released"},
	{name: "long-tag-img-src-past-limit", kind: "markup", page: `<img src="{T}/p.gif?` + strings.Repeat("x", 70<<10) + `" alt="">`, after: "released"},
	{name: "long-tag-style-after-limit", kind: "markup", page: `<div data-x="` + strings.Repeat("x", 70<<10) + `" style="background-image: url({T}/p.gif)">x</div>`, after: "released"},
	// A style longer than the hold limit streams: a URL after its first 64 KiB is made
	// inert in place (data:,), so after accept it loads on the next page load. (Were
	// the server to miss it, the guard would still catch the element as it is parsed:
	// TestLongStyleValueHoldsTrackers checks the server's part alone.)
	{name: "long-style-url-after-limit", kind: "markup", after: "released", page: `<div style="width:10px;height:10px;background-image:url(data:image/gif;base64,` + strings.Repeat("R0lG", 20<<10) + `), url(&quot;{T}/p.gif&quot;)">x</div>`},
	{name: "long-style-url-references-after-limit", kind: "markup", after: "released", page: `<div style="width:10px;height:10px;background:url(data:,` + strings.Repeat("x", 70<<10) + `) no-repeat, u&#114;l&#x000000028;{T}/p.gif)">x</div>`},
	// The rewriter holds it (as partial: its payload is cut by the limit); the guard
	// would too, reading the data: document when the parser inserts the iframe.
	{name: "long-tag-iframe-data-document", kind: "markup", page: `<iframe src="data:text/html,<script src=&quot;{T}/x.js&quot;></script>` + strings.Repeat("x", 70<<10) + `"></iframe>`, after: "released"},
	{name: "long-tag-iframe-src-after-long-src", kind: "markup", page: `<iframe src="data:text/html,` + strings.Repeat("x", 70<<10) + `" srcdoc="<img src=&quot;{T}/p.gif&quot;>"></iframe>`, after: "released"},

	// How the proxy reads the response: it must see the page the browser renders.
	{name: "duplicate-content-type", kind: "response", page: `<script src="{T}/x.js"></script>`, after: "released", serve: func(w http.ResponseWriter, page string) {
		w.Header()["Content-Type"] = []string{"text/plain", "text/html"}
		fmt.Fprint(w, page)
	}},
	{name: "content-type-list", kind: "response", page: `<script src="{T}/x.js"></script>`, after: "released", serve: func(w http.ResponseWriter, page string) {
		w.Header().Set("Content-Type", "text/plain, text/html")
		fmt.Fprint(w, page)
	}},
	{name: "content-encoding-gzip-gzip", kind: "response", page: `<script src="{T}/x.js"></script>`, after: "released", serve: func(w http.ResponseWriter, page string) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip, gzip")
		w.Write(gzipped(gzipped([]byte(page))))
	}},
	{name: "utf-16", kind: "response", page: `<script src="{T}/x.js"></script>`, after: "released", serve: func(w http.ResponseWriter, page string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-16le")
		b := []byte{0xff, 0xfe}
		for _, u := range utf16.Encode([]rune(page)) {
			b = append(b, byte(u), byte(u>>8))
		}
		w.Write(b)
	}},
	{name: "iso-2022-jp-hidden-comment", kind: "response", after: "released",
		page: "<!DOCTYPE html><html><head><title>jis</title></head><body><p>\x1b$B<!--\x1b(B</p><script src=\"{T}/x.js\"></script><p><!-- --></p></body></html>",
		serve: func(w http.ResponseWriter, page string) {
			w.Header().Set("Content-Type", "text/html; charset=iso-2022-jp")
			fmt.Fprint(w, page)
		}},
	{name: "unsolicited-206", kind: "response", page: `<script src="{T}/x.js"></script>`, after: "released", serve: func(w http.ResponseWriter, page string) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", len(page)-1, len(page)))
		w.WriteHeader(http.StatusPartialContent)
		fmt.Fprint(w, page)
	}},
	{name: "svg-document", kind: "response", after: "released",
		page: `<svg xmlns="http://www.w3.org/2000/svg"><script href="{T}/x.js"/></svg>`,
		serve: func(w http.ResponseWriter, page string) {
			w.Header().Set("Content-Type", "image/svg+xml")
			fmt.Fprint(w, page)
		}},
	{name: "link-header-preload", kind: "response", after: "reload", page: `<p>a page</p>`, serve: func(w http.ResponseWriter, page string) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Link", "<{T}/x.js>; rel=preload; as=script")
		fmt.Fprint(w, page)
	}},

	// Run time: the guard holds what scripts add.
	{name: "fetch", kind: "runtime", page: `fetch('{T}/f').catch(() => {})`, after: "rerun"},
	{name: "xhr", kind: "runtime", page: `const x = new XMLHttpRequest(); x.open('GET', '{T}/x'); x.send()`, after: "rerun"},
	{name: "send-beacon", kind: "runtime", page: `navigator.sendBeacon('{T}/b', 'x')`, after: "rerun"},
	{name: "websocket", kind: "runtime", page: `try { new WebSocket('{W}/ws') } catch (e) {}`, after: "rerun"},
	{name: "eventsource", kind: "runtime", page: `try { new EventSource('{T}/es').onerror = e => e.target.close() } catch (e) {}`, after: "rerun"},
	{name: "window-open", kind: "runtime", page: `window.popup = window.open('{T}/f.html', 'popup')`, after: "rerun"},
	{name: "document-write-script", kind: "runtime", page: `document.write('<script src="{T}/x.js"><\/script>')`, after: "released"},
	{name: "document-writeln-script", kind: "runtime", page: `document.writeln('<script src="{T}/x.js"><\/script>')`, after: "released"},
	{name: "document-write-inline-marker", kind: "runtime", page: `document.write('<script>typeof gtag == "function" && gt' + 'ag("config", "G-1"); import("{T}/x.js")<\/script>')`, after: "released"},
	{name: "document-write-iframe", kind: "runtime", page: `document.write('<iframe src="{T}/f.html"></iframe>')`, after: "released"},
	{name: "document-write-img", kind: "runtime", page: `document.write('<img src="{T}/p.gif" alt="">')`, after: "released"},
	{name: "document-write-split-tag", kind: "runtime", page: `document.write('<img alt="a>b" src="{T}/p.gif'); document.write('" width="1">')`, after: "released"},
	{name: "dynamic-link-preload", kind: "runtime", page: `const l = document.createElement('link'); l.rel = 'preload'; l.as = 'script'; l.href = '{T}/x.js'; document.head.append(l)`, after: "released"},
	{name: "dynamic-link-modulepreload", kind: "runtime", page: `const l = document.createElement('link'); l.rel = 'modulepreload'; l.setAttribute('href', '{T}/x.js'); document.head.appendChild(l)`, after: "released"},
	{name: "dynamic-link-prefetch", kind: "runtime", page: `const l = document.createElement('link'); l.rel = 'prefetch'; l.href = '{T}/x.js'; document.head.append(l)`, after: "released"},
	{name: "dynamic-link-stylesheet", kind: "runtime", page: `const l = document.createElement('link'); l.rel = 'stylesheet'; l.href = '{T}/s.css'; document.head.append(l)`, after: "released"},
	{name: "dynamic-video-src", kind: "runtime", page: `const v = document.createElement('video'); v.preload = 'auto'; v.src = '{T}/v.mp4'; document.body.append(v)`, after: "released"},
	{name: "new-audio", kind: "runtime", page: `window.a = new Audio('{T}/a.mp3')`, after: "released"},
	{name: "dynamic-source", kind: "runtime", page: `const v = document.createElement('video'); v.preload = 'auto'; const s = document.createElement('source'); s.src = '{T}/v.mp4'; v.append(s); document.body.append(v)`, after: "released"},
	{name: "dynamic-track", kind: "runtime", page: `const v = document.createElement('video'); v.crossOrigin = 'anonymous'; const t = document.createElement('track'); t.kind = 'captions'; t.src = '{T}/t.vtt'; v.append(t); document.body.append(v); t.track.mode = 'hidden'`, after: "released"},
	{name: "dynamic-object-data", kind: "runtime", page: `const o = document.createElement('object'); o.data = '{T}/f.html'; document.body.append(o)`, after: "released"},
	{name: "dynamic-embed-src", kind: "runtime", page: `const e = document.createElement('embed'); e.src = '{T}/f.html'; document.body.append(e)`, after: "released"},
	{name: "dynamic-iframe-srcdoc", kind: "runtime", page: `const f = document.createElement('iframe'); f.srcdoc = '<script src="{T}/x.js"><\/script>'; document.body.append(f)`, after: "released"},
	{name: "dynamic-iframe-javascript", kind: "runtime", page: `const f = document.createElement('iframe'); f.src = "javascript:'<script src=\"{T}/x.js\"><\/script>'"; document.body.append(f)`, after: "released"},
	{name: "dynamic-iframe-data", kind: "runtime", page: `const f = document.createElement('iframe'); f.setAttribute('src', 'data:text/html;base64,' + btoa('<script src="{T}/x.js"><\/script>')); document.body.append(f)`, after: "released"},
	{name: "img-srcset-property", kind: "runtime", page: `const i = document.createElement('img'); i.srcset = '{T}/p.gif 1x'; document.body.append(i)`, after: "released"},
	{name: "picture-source-srcset-property", kind: "runtime", page: `const p = document.createElement('picture'), s = document.createElement('source'), i = document.createElement('img'); s.srcset = '{T}/p.gif'; i.src = '/local.png'; p.append(s, i); document.body.append(p)`, after: "released"},
	{name: "svg-script-href-setattribute", kind: "runtime", page: `const g = document.createElementNS(` + svgNS + `, 'svg'), s = document.createElementNS(` + svgNS + `, 'script'); s.setAttribute('href', '{T}/x.js'); g.append(s); document.body.append(g)`, after: "released"},
	{name: "svg-script-xlink-setattributens", kind: "runtime", page: `const g = document.createElementNS(` + svgNS + `, 'svg'), s = document.createElementNS(` + svgNS + `, 'script'); s.setAttributeNS('http://www.w3.org/1999/xlink', 'xlink:href', '{T}/x.js'); g.append(s); document.body.append(g)`, after: "released"},
	{name: "svg-image-href-baseval", kind: "runtime", page: `const g = document.createElementNS(` + svgNS + `, 'svg'), i = document.createElementNS(` + svgNS + `, 'image'); i.href.baseVal = '{T}/p.gif'; g.append(i); document.body.append(g)`, after: "released"},
	{name: "style-attribute-setattribute", kind: "runtime", page: `const d = document.createElement('div'); d.textContent = 'x'; d.setAttribute('style', 'background: url("{T}/p.gif")'); document.body.append(d)`, after: "released"},
	// A CSSOM property set is held before the next rendering (a style
	// recalculation forced in the same task is not covered: RELIABILITY.md).
	{name: "cssom-property", kind: "runtime", page: `const d = document.createElement('div'); d.textContent = 'x'; document.body.append(d); d.style.backgroundImage = 'url({T}/p.gif)'`, after: "released"},
	{name: "cssom-csstext", kind: "runtime", page: `const d = document.getElementById('box') || document.body.appendChild(Object.assign(document.createElement('div'), {id: 'box', textContent: 'x'})); d.style.cssText = 'background: url({T}/p.gif)'; d.offsetHeight`, after: "rerun"},
	{name: "style-element-textcontent", kind: "runtime", page: `const s = document.createElement('style'); s.textContent = 'body { background-image: url({T}/p.gif) }'; document.head.append(s)`, after: "released"},
	{name: "style-element-import", kind: "runtime", page: `const s = document.createElement('style'); document.head.append(s); s.appendChild(document.createTextNode('@import "{T}/s.css";'))`, after: "released"},
	{name: "dynamic-inline-marker", kind: "runtime", page: `const s = document.createElement('script'); s.text = "typeof gtag == 'function' && gt" + "ag('config', 'G-1'); import('{T}/x.js')"; document.body.append(s)`, after: "released"},
	{name: "script-text-after-insert", kind: "runtime", page: `const s = document.createElement('script'); document.body.append(s); s.textContent = "typeof gtag == 'function' && gt" + "ag('config', 'G-1'); import('{T}/x.js')"`, after: "released"},
	{name: "font-face", kind: "runtime", page: `new FontFace('T', 'url({T}/f.woff)').load().catch(() => {})`, after: "rerun"},
	{name: "paint-worklet", kind: "runtime", page: `CSS.paintWorklet.addModule('{T}/w.js').catch(() => {})`, after: "rerun"},
	{name: "blob-iframe-dynamic", kind: "runtime", page: `const f = document.createElement('iframe'); f.src = URL.createObjectURL(new Blob(['<p>blob</p><script>new Image().src = "{T}/p.gif"<\/script>'], {type: 'text/html'})); document.body.append(f)`, after: "rerun"},
	{name: "iframe-srcdoc-second-document", kind: "runtime", page: `const f = document.createElement('iframe'); let n = 0; f.onload = () => n++ || (f.srcdoc = '<script>new Image().src = "{T}/p.gif"<\/script>'); f.srcdoc = '<p>first</p>'; document.body.append(f)`, after: "rerun"},
	{name: "img-src-property", kind: "runtime", page: `const i = document.createElement('img'); i.src = '{T}/p.gif'; document.body.append(i)`, after: "released"},
	{name: "script-src-property", kind: "runtime", page: `const s = document.createElement('script'); s.src = '{T}/x.js'; document.head.append(s)`, after: "released"},
	{name: "new-image-src", kind: "runtime", page: `new Image().src = '{T}/p.gif'`, after: "released"},
	{name: "img-setattribute-src", kind: "runtime", page: `const i = document.createElement('img'); i.setAttribute('src', '{T}/p.gif')`, after: "released"},
	{name: "attr-node-value", kind: "runtime", page: `const i = document.createElement('img'); const a = document.createAttribute('src'); a.value = '{T}/p.gif'; i.setAttributeNode(a); document.body.append(i)`, after: "released"},
	{name: "innerhtml", kind: "runtime", page: `const d = document.createElement('div'); d.innerHTML = '<img src="{T}/p.gif" alt="">'; document.body.append(d)`, after: "released"},
	{name: "innerhtml-nested-style", kind: "runtime", page: `const d = document.createElement('div'); d.innerHTML = '<p>x<style>@import url({T}/s.css);</style></p>'; document.body.append(d)`, after: "released"},
	{name: "insertadjacenthtml", kind: "runtime", page: `document.body.insertAdjacentHTML('beforeend', '<iframe src="{T}/f.html"></iframe>')`, after: "released"},
	{name: "create-contextual-fragment", kind: "runtime", page: `document.body.append(document.createRange().createContextualFragment('<img src="{T}/p.gif" alt="">'))`, after: "released"},

	// Bypasses of the guard a probe found.
	{name: "cookie-max-age-leading-zero", kind: "bypass", page: `document.cookie = '_gcl_au=x; max-age=0999999; path=/'`, after: "rerun", stored: `document.cookie.includes('_gcl_au=')`},
	{name: "cookie-past-expires-positive-max-age", kind: "bypass", page: `document.cookie = '_gcl_au=y; expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=3600; path=/'`, after: "rerun", stored: `document.cookie.includes('_gcl_au=')`},
	{name: "about-blank-iframe-cookie", kind: "bypass", page: `const f = document.createElement('iframe'); document.body.append(f); f.contentDocument.cookie = '_gcl_au=z; path=/'`, after: "rerun", stored: `document.cookie.includes('_gcl_au=')`},
	{name: "about-blank-iframe-storage", kind: "bypass", page: `const f = document.createElement('iframe'); document.body.append(f); f.contentWindow.localStorage.setItem('_gcl_ls', 'x'); frames[frames.length - 1].localStorage._gcl_ls2 = 'y'`, after: "rerun", stored: `localStorage.getItem('_gcl_ls') !== null`},
	{name: "about-blank-iframe-fetch", kind: "bypass", page: `const f = document.createElement('iframe'); document.body.append(f); f.contentWindow.fetch('{T}/f').catch(() => {})`, after: "rerun"},
	{name: "cookie-store-name-tostring", kind: "bypass", page: `window.n = window.n || 0; cookieStore.set({name: {toString: () => window.n++ ? '_gcl_au' : 'session'}, value: 'q', path: '/'})`, after: "rerun", stored: `cookieStore.get('_gcl_au').then(c => !!c)`},
	{name: "storage-named-property", kind: "bypass", page: `localStorage._gcl_ls = 'named'`, after: "rerun", stored: `localStorage.getItem('_gcl_ls') === 'named'`},
	// Found by a probe of 2026-11-29 (26 ways in; the guard stops these since; the
	// rest are in docs/RELIABILITY.md, "Not covered").
	{name: "websocketstream", kind: "bypass", page: `try { new WebSocketStream('{W}/ws').opened.catch(() => {}) } catch (e) { window.wserr = String(e) }`, after: "rerun"},
	{name: "websocket-prototype-constructor", kind: "bypass", page: `try { new WebSocket.prototype.constructor('{W}/ws') } catch (e) {}`, after: "rerun"},
	{name: "eventsource-prototype-constructor", kind: "bypass", page: `try { new EventSource.prototype.constructor('{T}/es').onerror = e => e.target.close() } catch (e) {}`, after: "rerun"},
	{name: "fontface-prototype-constructor", kind: "bypass", page: `try { new FontFace.prototype.constructor('T', 'url({T}/f.woff)').load().catch(() => {}) } catch (e) {}`, after: "rerun"},
	{name: "fontface-object-source", kind: "bypass", page: `try { new FontFace('T', {toString: () => 'url({T}/f.woff)'}).load().catch(() => {}) } catch (e) {}`, after: "rerun"},
	{name: "cache-add", kind: "bypass", page: `caches.open('x').then(c => c.add('{T}/c')).catch(() => {})`, after: "rerun"},
	{name: "document-open-three-args", kind: "bypass", page: `window.popup = document.open('{T}/f.html', 'popup', '')`, after: "rerun"},
	{name: "cssom-rule-style-property", kind: "bypass", page: `const s = document.createElement('style'); s.textContent = 'body {}'; document.head.append(s); s.sheet.cssRules[0].style.backgroundImage = 'url({T}/p.gif)'`, after: "rerun"},
	{name: "cssom-addrule", kind: "bypass", page: `const s = document.createElement('style'); document.head.append(s); s.sheet.addRule('body', 'background-image: url({T}/p.gif)')`, after: "rerun"},
	{name: "cssom-rule-stylemap", kind: "bypass", page: `const s = document.createElement('style'); s.textContent = 'body {}'; document.head.append(s); s.sheet.cssRules[0].styleMap.set('background-image', 'url({T}/p.gif)')`, after: "rerun"},
	{name: "element-animate-keyframes", kind: "bypass", page: `document.body.animate([{backgroundImage: 'url({T}/p.gif)'}, {backgroundImage: 'url({T}/p.gif)'}], {duration: 60000})`, after: "rerun"},
	{name: "held-style-type-removed", kind: "bypass", page: `const s = document.createElement('style'); s.textContent = 'body { background-image: url({T}/p.gif) }'; document.head.append(s); s.removeAttribute('type')`, after: "rerun"},
	{name: "svg-presentation-attribute-url", kind: "bypass", page: `document.body.insertAdjacentHTML('beforeend', '<svg width="20" height="20"><rect width="10" height="10" filter="url({T}/filter.svg#a)"/><rect width="10" height="10" mask="url({T}/mask.svg#a)"/><rect width="10" height="10" clip-path="url({T}/clip.svg#a)"/><rect width="10" height="10" fill="url({T}/fill.svg#a)"/><rect width="10" height="10" cursor="url({T}/cursor.gif), auto"/><path d="M0 0L5 5" marker-end="url({T}/marker.svg#a)"/></svg>')`, after: "rerun"},
	{name: "svg-smil-set-href", kind: "bypass", page: `const d = document.createElement('div'); d.innerHTML = '<svg width="10" height="10"><image width="10" height="10"><set attributeName="href" to="{T}/p.gif"/></image></svg>'; document.body.append(d)`, after: "rerun"},
	{name: "svg-insertadjacenthtml-image", kind: "bypass", page: `const g = document.createElementNS(` + svgNS + `, 'svg'); g.insertAdjacentHTML('afterbegin', '<image href="{T}/p.gif" width="10" height="10"/>')`, after: "rerun"},
	{name: "base-after-relative-img", kind: "bypass", page: `window.keep = new Image(); window.keep.src = 'p.gif'; const b = document.createElement('base'); b.href = '{T}/'; document.head.prepend(b); setTimeout(() => b.remove(), 200)`, after: "rerun"},
	{name: "base-and-script-one-append", kind: "bypass", page: `const b = document.createElement('base'), s = document.createElement('script'); b.href = '{T}/'; s.src = 'x.js'; document.head.append(b, s); setTimeout(() => b.remove(), 200)`, after: "rerun"},
	{name: "frame-renavigated-fetch", kind: "bypass", page: `const f = document.createElement('iframe'); f.src = '/local.png'; f.onload = () => f.dataset.n ? frames[frames.length - 1].fetch('{T}/f').catch(() => {}) : (f.dataset.n = 1, f.src = 'about:blank'); document.body.append(f)`, after: "rerun"},
	{name: "frame-renavigated-storage", kind: "bypass", page: `const f = document.createElement('iframe'); f.src = '/local.png'; f.onload = () => f.dataset.n ? frames[frames.length - 1].localStorage.setItem('_gcl_ls', 'nav') : (f.dataset.n = 1, f.src = 'about:blank'); document.body.append(f)`, after: "rerun", stored: `new Promise(r => setTimeout(() => r(localStorage.getItem('_gcl_ls') !== null), 500))`},
	{name: "form-submit-hidden-iframe", kind: "bypass", page: `const f = document.createElement('iframe'); f.name = 'sink' + Math.random(); f.hidden = true; document.body.append(f); const m = document.createElement('form'); m.action = '{T}/form'; m.method = 'post'; m.target = f.name; document.body.append(m); m.submit()`, after: "rerun"},
	{name: "request-submit-formaction", kind: "bypass", page: `const f = document.createElement('iframe'); f.name = 'sink' + Math.random(); f.hidden = true; document.body.append(f); const m = document.createElement('form'); m.action = '/local-form'; m.target = f.name; const b = document.createElement('button'); b.formAction = '{T}/form'; m.append(b); document.body.append(m); m.requestSubmit(b)`, after: "rerun"},
	{name: "submit-button-clicked-by-script", kind: "bypass", page: `const f = document.createElement('iframe'); f.name = 'sink' + Math.random(); f.hidden = true; document.body.append(f); const m = document.createElement('form'); m.action = '{T}/form'; m.method = 'post'; m.target = f.name; const b = document.createElement('input'); b.type = 'image'; m.append(b); document.body.append(m); b.click()`, after: "rerun"},
	{name: "download-link-clicked-by-script", kind: "bypass", page: `const a = document.createElement('a'); a.href = '{T}/dl'; a.download = 'x.txt'; document.body.append(a); a.click()`, after: "rerun"},
	{name: "link-into-hidden-frame-by-event", kind: "bypass", page: `const f = document.createElement('iframe'); f.name = 'sink' + Math.random(); f.hidden = true; document.body.append(f); const a = document.createElement('a'); a.href = '{T}/l'; a.target = f.name; a.innerHTML = '<span>x</span>'; document.body.append(a); a.firstChild.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}))`, after: "rerun"},
	{name: "svg-link-clicked-by-script", kind: "bypass", page: `const f = document.createElement('iframe'); f.name = 'sink' + Math.random(); f.hidden = true; document.body.append(f); const s = document.createElementNS('http://www.w3.org/2000/svg', 'svg'); s.innerHTML = '<a href="{T}/svg" target="' + f.name + '"><rect width="5" height="5"/></a>'; document.body.append(s); s.firstChild.firstChild.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}))`, after: "rerun"},
	{name: "location-to-204", kind: "bypass", page: `location.href = '{T}/nav'`, after: "rerun"},
	// The second guard probe (2026-11-29): shadow roots, reflecting setters,
	// a <style>'s text changed by removal, SMIL writing CSS, nested rule
	// declarations, clicks on detached elements, actions changed during
	// submit, documents made from obfuscated code, module imports.
	{name: "shadow-domparser-append", kind: "bypass", page: probeJS + `const d = new DOMParser().parseFromString('<img src="{T}/p.gif">', 'text/html'); sh().append(d.body.firstChild)`, after: "rerun"},
	{name: "shadow-parsehtmlunsafe-prepend", kind: "bypass", page: probeJS + `sh().prepend(Document.parseHTMLUnsafe('<img src="{T}/p.gif">').body.firstChild)`, after: "rerun"},
	{name: "shadow-cssom-property", kind: "bypass", page: probeJS + `const r = sh(), d = document.createElement('div'); d.textContent = 'x'; r.appendChild(d); d.style.backgroundImage = 'url({T}/p.gif)'`, after: "rerun"},
	{name: "shadow-iframe-javascript-url", kind: "bypass", page: probeJS + `const f = document.createElement('iframe'); f.src = 'javascript:void fetch(' + Q + ' + "/f")'; sh().append(f)`, after: "rerun"},
	{name: "shadow-iframe-cookie", kind: "bypass", page: probeJS + `const f = document.createElement('iframe'); f.src = 'javascript:void(document.cookie = "_gcl_au=s; path=/")'; sh().append(f)`, after: "rerun",
		stored: `new Promise(r => setTimeout(() => r(document.cookie.includes('_gcl_au=s')), 500))`},
	{name: "shadow-link-click-not-composed", kind: "bypass", page: probeJS + `const f = mkf(), a = document.createElement('a'); a.href = '{T}/l'; a.target = f.name; a.textContent = 'x'; sh().append(a); a.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}))`, after: "rerun"},
	{name: "base-href-property", kind: "bypass", page: `window.keep = new Image(); keep.src = 'p.gif'; const b = document.createElement('base'); document.head.prepend(b); b.href = '{T}/'; setTimeout(() => b.remove(), 300)`, after: "rerun"},
	{name: "frame-base-href-relative-fetch", kind: "bypass", page: `const f = document.createElement('iframe'); document.body.append(f); const d = f.contentDocument, b = d.createElement('base'); d.head.append(b); b.href = '{T}/'; f.contentWindow.fetch('f').catch(() => {})`, after: "rerun"},
	{name: "frame-meta-httpequiv-after-insert", kind: "bypass", page: `const f = document.createElement('iframe'); f.hidden = true; document.body.append(f); const d = f.contentDocument, m = d.createElement('meta'); m.content = '0; url={T}/f.html'; d.head.append(m); m.httpEquiv = 'refresh'`, after: "rerun"},
	{name: "frame-meta-content-after-insert", kind: "bypass", page: `const f = document.createElement('iframe'); f.hidden = true; document.body.append(f); const d = f.contentDocument, m = d.createElement('meta'); m.httpEquiv = 'refresh'; d.head.append(m); m.content = '0; url={T}/f.html'`, after: "rerun"},
	{name: "style-type-property", kind: "bypass", page: `const s = document.createElement('style'); s.textContent = '@import "{T}/s.css";'; document.head.append(s); s.type = 'text/css'`, after: "rerun"},
	{name: "style-remove-text-node-import", kind: "bypass", page: probeJS + `const s = document.createElement('style'); s.append('@import "' + T.slice(0, 2), 'ZZ', T.slice(2) + '/s.css";'); document.head.append(s); s.childNodes[1].remove()`, after: "rerun"},
	{name: "style-removechild-import", kind: "bypass", page: probeJS + `const s = document.createElement('style'); s.append('@import "' + T.slice(0, 2), 'ZZ', T.slice(2) + '/s.css";'); document.head.append(s); s.removeChild(s.childNodes[1])`, after: "rerun"},
	{name: "style-deletedata-import", kind: "bypass", page: probeJS + `const s = document.createElement('style'); s.textContent = '@import "' + T.slice(0, 2) + 'ZZ' + T.slice(2) + '/s.css";'; document.head.append(s); s.firstChild.deleteData(s.firstChild.data.indexOf('ZZ'), 2)`, after: "rerun"},
	{name: "style-insertadjacenttext-import", kind: "bypass", page: `const s = document.createElement('style'); document.head.append(s); s.insertAdjacentText('beforeend', '@import "{T}/s.css";')`, after: "rerun"},
	{name: "smil-set-css-presentation-url", kind: "bypass", page: `const d = document.createElement('div'); d.innerHTML = '<svg width="20" height="20"><rect width="10" height="10"><set attributeName="mask" to="url({T}/mask.svg#a)"/></rect><rect width="10" height="10"><set attributeName="clip-path" to="url({T}/clip.svg#a)"/></rect><rect width="10" height="10"><animate attributeName="cursor" dur="10s" values="url({T}/cursor.gif), auto"/></rect></svg>'; document.body.append(d)`, after: "rerun"},
	{name: "nested-declarations-style", kind: "bypass", page: `const s = document.createElement('style'); s.textContent = 'body { & p {} color: inherit; }'; document.head.append(s); s.sheet.cssRules[0].cssRules[1].style.backgroundImage = 'url({T}/p.gif)'`, after: "rerun"},
	{name: "detached-link-click", kind: "bypass", page: probeJS + `const f = mkf(), a = document.createElement('a'); a.href = '{T}/l'; a.target = f.name; a.click()`, after: "rerun"},
	{name: "link-click-inner-href-expando", kind: "bypass", page: probeJS + `const f = mkf(), a = document.createElement('a'); a.href = '{T}/l'; a.target = f.name; const s = document.createElement('span'); s.href = '/local'; s.textContent = 'x'; a.append(s); document.body.append(a); s.click()`, after: "rerun"},
	{name: "form-action-changed-in-submit-event", kind: "bypass", page: probeJS + `const f = mkf(), m = document.createElement('form'); m.action = '/local-form'; m.method = 'post'; m.target = f.name; m.addEventListener('submit', () => { m.action = '{T}/form' }); document.body.append(m); m.requestSubmit()`, after: "rerun"},
	{name: "data-iframe-obfuscated-script", kind: "bypass", page: probeJS + `const f = mkf(); f.src = 'data:text/html,' + encodeURIComponent('<script>new Image().src = ' + Q + ' + "/p.gif"<\/script>')`, after: "rerun"},
	{name: "javascript-url-obfuscated", kind: "bypass", page: probeJS + `const f = mkf(); f.src = 'javascript:"<img src=" + ' + Q + ' + "/p.gif>"'`, after: "rerun"},
	{name: "inline-module-static-import", kind: "bypass", page: `const s = document.createElement('script'); s.type = 'module'; s.textContent = 'import "{T}/x.js"'; document.head.append(s)`, after: "rerun"},
	{name: "loaded-frame-location-by-parent", kind: "bypass", page: `const f = document.createElement('iframe'); f.src = '/local.png'; f.hidden = true; f.onload = () => f.dataset.n || (f.dataset.n = 1, f.contentWindow.location.href = '{T}/fl'); document.body.append(f)`, after: "rerun"},
	{name: "navigation-navigate-to-204", kind: "bypass", page: `navigation.navigate('{T}/nav').finished.catch(() => {})`, after: "rerun"},
	{name: "meta-refresh-hidden-iframe", kind: "bypass", page: `const f = document.createElement('iframe'); f.hidden = true; document.body.append(f); f.contentDocument.head.innerHTML = '<meta http-equiv="refresh" content="0; url={T}/f.html">'`, after: "rerun"},
	// The third guard probe (Chromium 156): declarative shadow roots from
	// Document.parseHTMLUnsafe (open and closed), execCommand in a
	// contenteditable, registered custom properties, URLs with escaped
	// slashes in modules, import maps and speculation rules, the Payment
	// Request and FedCM APIs ({S}: the tracker over HTTPS), XSLT output, and a
	// <style>'s text changed through its text nodes and ranges.
	{name: "dsd-parsehtmlunsafe-img", kind: "bypass", page: `document.body.append(Document.parseHTMLUnsafe('<div><template shadowrootmode=open><img src="{T}/p.gif"></template></div>').body.firstChild)`, after: "rerun"},
	{name: "dsd-parsehtmlunsafe-closed-iframe", kind: "bypass", page: `document.body.append(Document.parseHTMLUnsafe('<div><template shadowrootmode=closed><iframe src="{T}/f.html"></iframe></template></div>').body.firstChild)`, after: "rerun"},
	{name: "dsd-parsehtmlunsafe-style-import", kind: "bypass", page: `document.body.append(Document.parseHTMLUnsafe('<div><template shadowrootmode=open><style>@import "{T}/s.css";</style><p>x</p></template></div>').body.firstChild)`, after: "rerun"},
	{name: "dsd-parsehtmlunsafe-video-poster", kind: "bypass", page: `document.body.append(Document.parseHTMLUnsafe('<div><template shadowrootmode=open><video poster="{T}/p.gif"></video></template></div>').body.firstChild)`, after: "rerun"},
	{name: "dsd-parsehtmlunsafe-srcdoc-cookie", kind: "bypass", page: `const go = () => document.body.append(Document.parseHTMLUnsafe('<div><template shadowrootmode=closed><iframe srcdoc="<script>document.cookie=&quot;_gcl_au=dsd; path=/&quot;<\/script>"></iframe></template></div>').body.firstChild); document.readyState == 'complete' ? go() : addEventListener('load', () => setTimeout(go))`, after: "rerun",
		stored: `new Promise(r => setTimeout(() => r(document.cookie.includes('_gcl_au=dsd')), 500))`},
	{name: "execcommand-insertimage", kind: "bypass", page: `const c = document.createElement('div'); c.contentEditable = 'true'; document.body.append(c); setTimeout(() => { c.focus(); document.execCommand('insertImage', false, '{T}/p.gif') })`, after: "rerun"},
	{name: "execcommand-inserthtml", kind: "bypass", page: `const c = document.createElement('div'); c.contentEditable = 'true'; document.body.append(c); setTimeout(() => { c.focus(); document.execCommand('insertHTML', false, '<img src="{T}/p.gif">') })`, after: "released"},
	{name: "css-registerproperty-image", kind: "bypass", page: `try { CSS.registerProperty({name: '--t', syntax: '<image>', inherits: true, initialValue: 'url({T}/p.gif)'}) } catch (e) {} const d = document.createElement('div'); d.textContent = 'x'; d.style.backgroundImage = 'var(--t)'; document.body.append(d)`, after: "released"},
	{name: "css-registerproperty-url", kind: "bypass", page: `try { CSS.registerProperty({name: '--u', syntax: '<url>', inherits: false, initialValue: 'url({T}/p.gif)'}) } catch (e) {} const d = document.createElement('div'); d.textContent = 'x'; d.style.backgroundImage = 'var(--u)'; document.body.append(d)`, after: "released"},
	{name: "speculationrules-escaped-slashes", kind: "bypass", page: `const s = document.createElement('script'); s.type = 'speculationrules'; s.textContent = JSON.stringify({prefetch: [{source: 'list', urls: ['{S}/sp.html' + Math.random()]}]}).replace(/\//g, '\\/'); document.head.append(s)`, after: "rerun"},
	{name: "importmap-escaped-slashes", kind: "bypass", page: `const m = document.createElement('script'); m.type = 'importmap'; m.textContent = '{"imports":{"trk":"' + '{T}/x.js'.replace(/\//g, '\\/') + '"}}'; document.head.append(m); const s = document.createElement('script'); s.type = 'module'; s.textContent = 'import "trk"'; document.head.append(s)`, after: "rerun"},
	{name: "module-import-escaped-slashes", kind: "bypass", page: `const s = document.createElement('script'); s.type = 'module'; s.textContent = 'import "' + '{T}/x.js?'.replace(/\//g, '\\/') + Math.random() + '"'; document.head.append(s)`, after: "rerun"},
	{name: "module-import-unicode-escapes", kind: "bypass", page: `const s = document.createElement('script'); s.type = 'module'; s.textContent = 'import "' + '{T}/x.js?'.replace(/\//g, '\\u002f').replace(/t/, '\\u{74}').replace(/w/, '\\x77') + Math.random() + '"'; document.head.append(s)`, after: "rerun"},
	{name: "payment-request-method-url", kind: "bypass", page: `try { new PaymentRequest([{supportedMethods: '{S}/pay'}], {total: {label: 'x', amount: {currency: 'USD', value: '1'}}}).canMakePayment().catch(() => {}) } catch (e) {}`, after: "rerun"},
	{name: "fedcm-config-url", kind: "bypass", page: `try { navigator.credentials.get({identity: {providers: [{configURL: '{S}/config.json', clientId: 'x'}]}}).catch(() => {}) } catch (e) {}`, after: "rerun"},
	{name: "xslt-transformtofragment", kind: "bypass", page: `const p = new DOMParser(), x = p.parseFromString('<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:output method="html"/><xsl:template match="/"><img src="{T}/p.gif"/></xsl:template></xsl:stylesheet>', 'application/xml'), t = new XSLTProcessor(); t.importStylesheet(x); window.frag = t.transformToFragment(p.parseFromString('<a/>', 'application/xml'), document)`, after: "rerun"},
	{name: "style-text-node-after", kind: "bypass", page: probeJS + `const s = document.createElement('style'); s.append('@import "' + T.slice(0, 2)); document.head.append(s); s.firstChild.after(T.slice(2) + '/s.css";')`, after: "rerun"},
	{name: "style-text-node-before", kind: "bypass", page: probeJS + `const s = document.createElement('style'); s.append(T.slice(2) + '/s.css";'); document.head.append(s); s.firstChild.before('@import "' + T.slice(0, 2))`, after: "rerun"},
	{name: "style-text-node-replacewith", kind: "bypass", page: probeJS + `const s = document.createElement('style'); s.append('@import "' + T.slice(0, 2), 'ZZ', T.slice(2) + '/s.css";'); document.head.append(s); s.childNodes[1].replaceWith('')`, after: "rerun"},
	{name: "style-insertbefore-between", kind: "bypass", page: probeJS + `const s = document.createElement('style'); s.append('@import "' + T.slice(0, 2), '/s.css";'); document.head.append(s); s.insertBefore(document.createTextNode(T.slice(2)), s.lastChild)`, after: "rerun"},
	{name: "style-prepend", kind: "bypass", page: probeJS + `const s = document.createElement('style'); s.append(T.slice(2) + '/s.css";'); document.head.append(s); s.prepend('@import "' + T.slice(0, 2))`, after: "rerun"},
	{name: "style-child-text-data", kind: "bypass", page: probeJS + `const s = document.createElement('style'); s.append('@import "' + T.slice(0, 2), 'ZZ', T.slice(2) + '/s.css";'); document.head.append(s); s.childNodes[1].data = ''`, after: "rerun"},
	{name: "style-child-text-textcontent", kind: "bypass", page: probeJS + `const s = document.createElement('style'); s.append('@import "' + T.slice(0, 2), 'ZZ', T.slice(2) + '/s.css";'); document.head.append(s); s.childNodes[1].textContent = ''`, after: "rerun"},
	{name: "style-child-text-replacedata", kind: "bypass", page: probeJS + `const s = document.createElement('style'); s.append('@import "' + T.slice(0, 2) + 'ZZ' + T.slice(2) + '/s.css";'); document.head.append(s); s.firstChild.replaceData(s.firstChild.data.indexOf('ZZ'), 2, '')`, after: "rerun"},
	{name: "style-text-node-moved-out", kind: "bypass", page: probeJS + `const s = document.createElement('style'); s.append('@import "' + T.slice(0, 2), 'ZZ', T.slice(2) + '/s.css";'); document.head.append(s); document.body.append(s.childNodes[1])`, after: "rerun"},
	{name: "style-range-insertnode", kind: "bypass", page: probeJS + `const s = document.createElement('style'); s.textContent = '@import "' + T.slice(0, 2) + '/s.css";'; document.head.append(s); const r = document.createRange(); r.setStart(s.firstChild, 11); r.insertNode(document.createTextNode(T.slice(2)))`, after: "rerun"},
	{name: "style-range-deletecontents", kind: "bypass", page: probeJS + `const s = document.createElement('style'); s.append('@import "' + T.slice(0, 2), 'ZZ', T.slice(2) + '/s.css";'); document.head.append(s); const r = document.createRange(); r.selectNode(s.childNodes[1]); r.deleteContents()`, after: "rerun"},
	{name: "style-range-extractcontents", kind: "bypass", page: probeJS + `const s = document.createElement('style'); s.textContent = '@import "' + T.slice(0, 2) + 'ZZ' + T.slice(2) + '/s.css";'; document.head.append(s); const r = document.createRange(), i = s.firstChild.data.indexOf('ZZ'); r.setStart(s.firstChild, i); r.setEnd(s.firstChild, i + 2); r.extractContents()`, after: "rerun"},
	// The guard's document.write, HTML sinks, CSSOM and editing (third probe).
	{name: "write-held-tag-completed-by-page", kind: "bypass", page: `document.write('<img src="{T}/p.gif" alt="') } run() </script><p class="a">hello</p><script>run = () => {}; {`, after: "released"},
	{name: "write-held-script-completed-by-page", kind: "bypass", page: `document.write('<scr' + 'ipt src="{T}/x.js" alt="') } run() </script><p class="a">hello</p><script>run = () => {}; {`, after: "released"},
	{name: "write-attribute-name-equals", kind: "bypass", page: `document.write('<b =="x>'); document.write('<!-' + '-"><scr' + 'ipt src="{T}/x.js"></scr' + 'ipt>-' + '->')`, after: "released"},
	{name: "write-script-end-tag-nbsp", kind: "bypass", page: `document.write('<scr' + 'ipt></scr' + 'ipt\u00a0>'); document.write('<textarea></scr' + 'ipt><scr' + 'ipt src="{T}/x.js"></scr' + 'ipt></textarea>')`, after: "released"},
	{name: "write-script-end-tag-vtab", kind: "bypass", page: `document.write('<scr' + 'ipt></scr' + 'ipt\v>'); document.write('<textarea></scr' + 'ipt><scr' + 'ipt src="{T}/x.js"></scr' + 'ipt></textarea>')`, after: "released"},
	{name: "write-script-double-escaped", kind: "bypass", page: `document.write('<scr' + 'ipt><!-' + '-<scr' + 'ipt></scr' + 'ipt>'); document.write('<textarea></scr' + 'ipt><scr' + 'ipt src="{T}/x.js"></scr' + 'ipt></textarea>')`, after: "released"},
	{name: "html-sinks-tostring-toctou", kind: "bypass", page: `window.n = window.n || 0; const o = () => { let k = window.n; return {toString: () => k++ ? '<img src="{T}/p.gif">' : 'x'} }; const d = document.createElement('div'); document.body.append(d); d.innerHTML = o(); d.insertAdjacentHTML('beforeend', o()); d.append(document.createRange().createContextualFragment(o())); const e = document.createElement('p'); d.append(e); e.outerHTML = o(); const f = document.createElement('div'); d.append(f); f.setHTMLUnsafe && f.setHTMLUnsafe(o()); const c = document.createElement('div'); c.contentEditable = 'true'; document.body.append(c); const x = o(); setTimeout(() => { c.focus(); document.execCommand('insertHTML', false, x) }); window.n = 1`, after: "rerun"},
	{name: "cssom-rule-style-defineproperty", kind: "bypass", page: `const s = document.createElement('style'); s.textContent = 'body {}'; document.head.append(s); Reflect.defineProperty(s.sheet.cssRules[0].style, 'background-image', {value: 'url({T}/p2.gif)'})`, after: "rerun"},
	{name: "execcommand-inserthtml-iframe", kind: "bypass", page: `const c = document.createElement('div'); c.contentEditable = 'true'; document.body.append(c); setTimeout(() => { c.focus(); document.execCommand('insertHTML', false, '<iframe></iframe>'); const w = window[window.length - 1]; w.fetch('{T}/f').catch(() => {}); w.localStorage.setItem('_gcl_ls', 'x'); w.document.cookie = '_gcl_au=e; path=/' })`, after: "rerun", stored: `document.cookie.includes('_gcl_au=') || localStorage.getItem('_gcl_ls') !== null`},
	{name: "write-frameset-from-head", kind: "bypass", page: `document.write('<frameset><frame src="{T}/f.html"></frameset>'); const t = Date.now(); while (Date.now() - t < 300);`, serve: func(w http.ResponseWriter, page string) {
		i := strings.Index(page, "<script>function run()")
		j := i + strings.Index(page[i:], "run();</script>") + len("run();</script>")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html><html><head><title>frameset</title>"+page[i:j]+"</head></html>")
	}, after: "released"},
	{name: "cssom-stylemap-tostring-toctou", kind: "bypass", page: `window.n = window.n || 0; let k = window.n; const s = document.createElement('style'); s.textContent = 'body {}'; document.head.append(s); s.sheet.cssRules[0].styleMap.set('background-image', {toString: () => k++ ? 'url({T}/p.gif)' : 'none'}); window.n = 1`, after: "rerun"},
	{name: "element-animate-string-object", kind: "bypass", page: `document.body.animate([{backgroundImage: new String('url({T}/p.gif)')}, {backgroundImage: new String('url({T}/p.gif)')}], {duration: 60000})`, after: "rerun"},
	{name: "style-innerhtml-tostring-toctou", kind: "bypass", page: `window.n = window.n || 0; let k = window.n; const s = document.createElement('style'); document.head.append(s); s.innerHTML = {toString: () => k++ ? '@import "{T}/s.css";' : 'p {}'}; window.n = 1`, after: "rerun"},
	{name: "style-append-tostring-toctou", kind: "bypass", page: `window.n = window.n || 0; const o = u => { let k = window.n; return {toString: () => k++ ? '@import "{T}/' + u + '";' : 'p {}'} }; const st = () => { const s = document.createElement('style'); document.head.append(s); return s }; st().append(o('a.css')); st().prepend(o('b.css')); st().insertAdjacentText('beforeend', o('c.css')); st().append({nodeType: 3, textContent: '', toString: () => '@import "{T}/d.css";'}); window.n = 1`, after: "rerun"},
}

// sinkSite is the proxy, its upstream and the tracker recorder.
type sinkSite struct {
	base    string // http://www.shop.test:PORT
	tracker string // PORT of the trackers
	secure  string // PORT of the same trackers over HTTPS
	logFile string

	mu   sync.Mutex
	hits []string // host + request URI of every tracker request
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func (s *sinkSite) trackerHits(token string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, h := range s.hits {
		if token == "" || strings.Contains(h, token) {
			out = append(out, h)
		}
	}
	return out
}

// filledHeaders replaces the placeholders in the header values a case's
// serve function sets ({T} in a Link header), as fill does in its page.
type filledHeaders struct {
	http.ResponseWriter
	fill func(string) string
}

func (f filledHeaders) fillAll() {
	for _, vs := range f.Header() {
		for i, v := range vs {
			vs[i] = f.fill(v)
		}
	}
}

func (f filledHeaders) WriteHeader(code int) {
	f.fillAll()
	f.ResponseWriter.WriteHeader(code)
}

func (f filledHeaders) Write(b []byte) (int, error) {
	f.fillAll() // (once the header is sent, changes are not seen)
	return f.ResponseWriter.Write(b)
}

// fill replaces the placeholders of a case's page.
func (s *sinkSite) fill(c sinkCase, page string) string {
	t := "http://www.googletagmanager.com:" + s.tracker + "/c/" + c.name
	f := "http://ads.partner.test:" + s.tracker + "/c/" + c.name
	st := "https://www.googletagmanager.com:" + s.secure + "/c/" + c.name
	return strings.NewReplacer("{T}", t, "{W}", strings.Replace(t, "http:", "ws:", 1), "{F}", f, "{S}", st).Replace(page)
}

func startSinkSite(t *testing.T) *sinkSite {
	t.Helper()
	s := &sinkSite{}
	record := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits = append(s.hits, r.Host+r.URL.RequestURI())
		s.mu.Unlock()
		w.Header().Set("Access-Control-Allow-Origin", "*")
		switch filepath.Ext(r.URL.Path) {
		case ".js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, "(window.trackerRan = window.trackerRan || []).push(1);")
		case ".gif":
			w.Header().Set("Content-Type", "image/gif")
			w.Write(pixelGIF)
		case ".css":
			w.Header().Set("Content-Type", "text/css")
			fmt.Fprint(w, "p { color: inherit }")
		case ".html":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<!DOCTYPE html><title>tracker</title><p>tracker")
		case ".svg":
			w.Header().Set("Content-Type", "image/svg+xml")
			fmt.Fprint(w, `<svg xmlns="http://www.w3.org/2000/svg"><rect id="a" width="1" height="1"/></svg>`)
		case ".vtt":
			w.Header().Set("Content-Type", "text/vtt")
			fmt.Fprint(w, "WEBVTT\n")
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
	tracker := httptest.NewServer(record)
	t.Cleanup(tracker.Close)
	_, s.tracker, _ = net.SplitHostPort(tracker.Listener.Addr().String())
	// (Its certificate is taken on trust: Chromium runs with
	// ignore-certificate-errors in the matrix.)
	secure := httptest.NewTLSServer(record)
	t.Cleanup(secure.Close)
	_, s.secure, _ = net.SplitHostPort(secure.Listener.Addr().String())

	cases := map[string]sinkCase{}
	for _, c := range sinkCases {
		cases[c.name] = c
	}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/local.png":
			w.Header().Set("Content-Type", "image/gif")
			w.Write(pixelGIF)
			return
		case r.URL.Path == "/local.mp4":
			w.WriteHeader(http.StatusNoContent)
			return
		case strings.HasPrefix(r.URL.Path, "/case/"):
			c, ok := cases[strings.TrimPrefix(r.URL.Path, "/case/")]
			if !ok {
				http.NotFound(w, r)
				return
			}
			page := c.page
			if c.kind == "runtime" || c.kind == "bypass" {
				page = "<script>function run() {\n" + page + "\n}\nrun();</script>"
			}
			if !strings.HasPrefix(page, "<!") && !strings.HasPrefix(page, "<svg xmlns") {
				page = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>` + c.name + `</title></head><body><h1>` + c.name + `</h1>` + page + `</body></html>`
			}
			page = s.fill(c, page)
			if c.serve != nil {
				c.serve(filledHeaders{w, func(v string) string { return s.fill(c, v) }}, page)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, page)
			return
		}
		sinkUpstreamPages(w, r)
	}))
	t.Cleanup(upstream.Close)

	port := fmt.Sprint(testshared.FreePort(t))
	s.base = "http://www.shop.test:" + port
	s.logFile = filepath.Join(t.TempDir(), "caddy.log")
	policy, err := filepath.Abs("testdata/sinks/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`{
	admin off
	grace_period 100ms
	log {
		output file %s
		format json
		level DEBUG
	}
}
http://www.shop.test:%s, http://shop.test:%s {
	cookie_consent {
		policy %s
	}
	reverse_proxy %s
}
`, s.logFile, port, port, policy, strings.TrimPrefix(upstream.URL, "http://"))
	runCaddyfile(t, cfg, port)
	return s
}

var pixelGIF = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// sinkUpstreamPages are the pages of the withdrawal and report tests.
func sinkUpstreamPages(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch r.URL.Path {
	case "/deep/path/setup":
		// What a site's server sets: on the registrable domain, HttpOnly,
		// on a path.
		for _, c := range []string{
			"session=s0; Path=/",
			"FPID=s1; Domain=shop.test; Path=/; HttpOnly; Max-Age=3600",
			"_ga=s2; Domain=.shop.test; Path=/; Max-Age=3600",
			"_gcl_au=s3; Path=/deep; HttpOnly; Max-Age=3600",
			"_ga_SRV=s4; Path=/deep/path/; Max-Age=3600",
		} {
			w.Header().Add("Set-Cookie", c)
		}
	}
	fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title></head><body><h1>%s</h1><p>A page of the shop.</p></body></html>`, r.URL.Path, r.URL.Path)
}

// sinkAccept accepts everything: with the banner's button when the page has
// one (the guard then releases what it holds without a reload), else by the
// consent endpoint and a reload (a frameset or SVG document has no banner).
func sinkAccept(t *testing.T, ctx context.Context, s *sinkSite, path string) {
	t.Helper()
	// The banner lives in the shadow root of #cg (pages that are not HTML,
	// such as SVG, have none: then the consent endpoint is called directly).
	hasBanner, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.getElementById('cg')?.shadowRoot?.querySelector('#cg-banner button[value=accept_all]')`))
	if err == nil && hasBanner {
		ctx, cancel := context.WithTimeout(ctx, 8*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Click(inBanner(`#cg-banner button[value=accept_all]`)), waitJS(`document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`)); err != nil {
			t.Fatalf("accept: %v", err)
		}
		return
	}
	req, _ := http.NewRequest("POST", strings.Replace(s.base, "www.shop.test", "127.0.0.1", 1)+"/_consent/consent", strings.NewReader(`{"choice":"accept_all"}`))
	req.Host = strings.TrimPrefix(s.base, "http://")
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var consent string
	for _, c := range res.Cookies() {
		if c.Name == "cookie_consent" {
			consent = c.Value
		}
	}
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "cookie_consent", Value: consent, URL: s.base + "/"}); err != nil {
		t.Fatal(err)
	}
	navigate(t, ctx, s.base+path)
}

func sinkWait(ctx context.Context, d time.Duration, ok func() bool) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return true
		}
	}
	return ok()
}

// sinkSettle waits until the page has loaded and a little longer, for what
// loads late (media, frames, a batch of reports).
func sinkSettle(ctx context.Context) {
	sinkWait(ctx, waitUntil, func() bool {
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState == 'complete'`))
		return err == nil && done
	})
	time.Sleep(400 * time.Millisecond)
}

func TestSinkMatrix(t *testing.T) {
	s := startSinkSite(t)
	// The Cookie Store API needs a secure context; the shop is plain HTTP.
	// ({S}, the trackers over HTTPS, for what Chromium asks of HTTPS only:
	// payment method manifests, FedCM, cross-site prefetch.)
	browser := startChromium(t, chromedp.Flag("unsafely-treat-insecure-origin-as-secure", s.base), chromedp.Flag("ignore-certificate-errors", true))
	only := os.Getenv("SINKS")
	var failed []string
	for _, c := range sinkCases {
		if only != "" && !slices.Contains(strings.Split(only, ","), c.name) && !slices.Contains(strings.Split(only, ","), c.kind) {
			continue
		}
		ok := t.Run(c.kind+"/"+c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(browser, 30*time.Second)
			defer cancel()
			clearCookies(t, ctx)
			if _, err := chromedp.Call(ctx, storage.ClearDataForOrigin, storage.ClearDataForOriginParams{Origin: s.base, StorageTypes: "local_storage,session_storage"}); err != nil {
				t.Fatal(err)
			}
			// A popup of an earlier case may have hidden this tab, and
			// Chromium defers loading media in hidden pages.
			if _, err := chromedp.Call(ctx, page.BringToFront, cdp.Empty{}); err != nil {
				t.Fatal(err)
			}
			path := "/case/" + c.name
			token := "/c/" + c.name + "/"
			// The tab must be on this case's page: a popup the case before
			// opened and closed (window-open) once left the tab on that
			// case's page, and the next case then tested nothing of its own.
			for try := 0; ; try++ {
				navigate(t, ctx, s.base+path)
				at, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
				if err == nil && at == path {
					break
				}
				if try == 2 {
					t.Fatalf("the tab stays at %q (%v), not %s", at, err, path)
				}
				time.Sleep(300 * time.Millisecond)
			}
			sinkSettle(ctx)
			if hits := s.trackerHits(token); len(hits) != 0 {
				t.Errorf("before consent the tracker received %q", hits)
			}
			stored := func() bool {
				v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](c.stored, chromedp.EvalAwaitPromise))
				if err != nil {
					t.Fatalf("%s: %v", c.stored, err)
				}
				return v
			}
			if c.stored != "" {
				// The page's own reads show a refused cookie write as an
				// in-page cookie, as they would have without the guard
				// (ENFORCEMENT.md, "What the site's scripts see"): for a
				// cookie the browser's jar is what must not have it.
				if !strings.Contains(c.stored, "document.cookie") && stored() {
					t.Errorf("before consent %s", c.stored)
				}
				if jar := sinkJar(t, ctx); slices.Contains(jar, "_gcl_au") {
					t.Errorf("before consent the jar has _gcl_au: %v", jar)
				}
			}
			if c.name == "base-href" {
				// The page's <base> must not take our banner elsewhere.
				if pos, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.getElementById('cg').shadowRoot.getElementById('cg-banner')).position`)); err != nil || pos != "fixed" {
					t.Errorf("under <base href> the banner's style sheet did not load from the site: position %q (%v)", pos, err)
				}
			}
			sinkAccept(t, ctx, s, path)
			if c.name == "base-href" && !slices.Contains(sinkJar(t, ctx), "cookie_consent") {
				t.Errorf("under <base href> accepting did not reach the site's consent endpoint")
			}
			if c.after == "reload" {
				// A response header is read again on the next load only.
				navigate(t, ctx, s.base+path)
			}
			if c.after == "rerun" {
				if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`run()`)); err != nil {
					t.Fatal(err)
				}
			}
			if c.stored == "" && !sinkWait(ctx, waitUntil, func() bool { return len(s.trackerHits(token)) > 0 }) {
				t.Errorf("after accept the tracker received nothing (%s)", c.after)
				// What a rare failure needs to be understood, on every failure.
				state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({url: location.href, granted: window.consentgate && consentgate.granted(), cookie: document.cookie,
					held: [...document.querySelectorAll('[data-consent]')].map(e => e.outerHTML.slice(0, 300)),
					scripts: [...document.scripts].map(e => e.outerHTML.slice(0, 200)),
					resources: performance.getEntriesByType('resource').map(e => e.name)})`))
				all := s.trackerHits("")
				t.Logf("page state: %s; the last tracker hits: %q", state, all[max(0, len(all)-20):])
				if os.Getenv("SINKS_DEBUG") != "" {
					dom, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
					t.Logf("DOM: %s", dom)
				}
			}
			if c.stored != "" && !sinkWait(ctx, 2*time.Second, stored) {
				t.Errorf("after accept, not %s", c.stored)
			}
			// A popup left open would hide this tab, and Chromium defers
			// loading media in hidden pages.
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.popup && window.popup.close()`)); err != nil {
				t.Fatal(err)
			}
		})
		if !ok {
			failed = append(failed, c.kind+"/"+c.name)
		}
	}
	if len(failed) > 0 {
		t.Logf("%d of %d cases failed: %s", len(failed), len(sinkCases), strings.Join(failed, " "))
	}
}

// sinkJar lists the names of every cookie the browser holds (any domain,
// HttpOnly included), read over CDP.
func sinkJar(t *testing.T, ctx context.Context) []string {
	t.Helper()
	var out []string
	for _, c := range jar(t, ctx) {
		out = append(out, c.Name)
	}
	return out
}

// TestSinkWithdrawal: after a withdrawal no cookie of a refused category
// stays in the jar, in any variant the browser can hold: set by the server
// (HttpOnly, on the registrable domain, on a path) or by script (host-only or
// on a parent domain, on the page's paths or on another path, which goes once
// that path is visited).
func TestSinkWithdrawal(t *testing.T) {
	s := startSinkSite(t)
	ctx, cancel := context.WithTimeout(startChromium(t), 90*time.Second)
	defer cancel()
	page := s.base + "/deep/path/page"
	navigate(t, ctx, page)
	sinkSettle(ctx)
	sinkAccept(t, ctx, s, "/deep/path/page")
	navigate(t, ctx, s.base+"/deep/path/setup")
	navigate(t, ctx, page)
	sinkSettle(ctx)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`
		document.cookie = '_ga=j1; domain=shop.test; path=/; max-age=3600';
		document.cookie = '_ga=j2; path=/deep/path; max-age=3600';
		document.cookie = '_ga=j3; path=/deep/path/; max-age=3600';
		document.cookie = '_ga_JS=j4; domain=www.shop.test; path=/deep; max-age=3600';
		document.cookie = '_gcl_au=j5; path=/elsewhere; max-age=3600';
	`)); err != nil {
		t.Fatal(err)
	}
	refused := func() []string {
		var out []string
		for _, c := range jar(t, ctx) {
			if c.Name != "session" && c.Name != "cookie_consent" {
				out = append(out, fmt.Sprintf("%s=%s (domain %s, path %s, httponly %v)", c.Name, c.Value, c.Domain, c.Path, c.HTTPOnly))
			}
		}
		slices.Sort(out)
		return out
	}
	// 9 writes, of which the script's _ga on shop.test replaced the server's.
	if before := refused(); len(before) != 8 {
		t.Fatalf("before the withdrawal the jar has %d tracking cookies, want the 8 set: %q", len(before), before)
	}
	// Withdraw in the banner's settings; the page reloads.
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`window.marker = 1`),
		chromedp.Click(inBanner("#cg-open")),
		chromedp.WaitVisible(inBanner("#cg-settings button.cg-withdraw")),
		chromedp.Click(inBanner("#cg-settings button.cg-withdraw")),
	); err != nil {
		t.Fatal(err)
	}
	if !sinkWait(ctx, waitUntil, func() bool {
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState == 'complete' && !window.marker`))
		return err == nil && done
	}) {
		t.Fatal("the page did not reload after the withdrawal")
	}
	// The visitor goes on browsing: the path the other cookie lives on, and
	// the shop's bare domain.
	navigate(t, ctx, s.base+"/elsewhere")
	sinkSettle(ctx)
	navigate(t, ctx, strings.Replace(s.base, "www.", "", 1)+"/")
	sinkSettle(ctx)
	if left := refused(); len(left) != 0 {
		t.Errorf("after the withdrawal the jar still has %d tracking cookies: %q", len(left), left)
	}
	names := sinkJar(t, ctx)
	if !slices.Contains(names, "session") || !slices.Contains(names, "cookie_consent") {
		t.Errorf("the withdrawal took necessary cookies: %v", names)
	}
}

// TestSinkReportsReachTheServer: what the guard drops reaches the report
// endpoint through the real proxy and is logged there, as "observed" entries
// and as the undeclared-cookie warning.
func TestSinkReportsReachTheServer(t *testing.T) {
	s := startSinkSite(t)
	ctx, cancel := context.WithTimeout(startChromium(t), 60*time.Second)
	defer cancel()
	navigate(t, ctx, s.base+"/shop/cart")
	sinkSettle(ctx)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`
		document.cookie = '_gcl_au=1.2; max-age=7776000';
		document.cookie = 'XSRF-TOKEN=known-necessary';
		localStorage.setItem('mystery_key', 'x');
		fetch('http://www.googletagmanager.com:`+s.tracker+`/collect').catch(() => {});
	`)); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(sinkJar(t, ctx), "XSRF-TOKEN") {
		t.Errorf("a cookie the known list calls necessary was dropped")
	}
	// Leaving the page sends the batch.
	navigate(t, ctx, s.base+"/")
	var observed, warned map[string]map[string]any
	sinkWait(ctx, waitUntil, func() bool {
		observed, warned = sinkLog(t, s, "observed"), sinkLog(t, s, "undeclared cookie")
		return observed["_gcl_au"] != nil && observed["mystery_key"] != nil && observed["www.googletagmanager.com"] != nil
	})
	for name, want := range map[string]string{
		"_gcl_au":                  "cookie marketing declared dropped guard /shop/cart 7776000",
		"mystery_key":              "storage unclassified undeclared dropped guard /shop/cart <nil>",
		"www.googletagmanager.com": "element statistics declared dropped guard /shop/cart <nil>",
	} {
		e := observed[name]
		age := fmt.Sprint(e["max_age"])
		if f, ok := e["max_age"].(float64); ok {
			age = fmt.Sprint(int64(f))
		}
		if got := fmt.Sprint(e["kind"], " ", e["category"], " ", e["classified_by"], " ", e["action"], " ", e["source"], " ", e["first_path"], " ", age); got != want {
			t.Errorf("%s: observed %q, want %q", name, got, want)
		}
	}
	if w := warned["mystery_key"]; w == nil || w["path"] != "/shop/cart" || w["suggested_category"] != "" {
		t.Errorf("no undeclared warning for the storage key: %v", warned)
	}
	if _, ok := observed["XSRF-TOKEN"]; ok {
		t.Errorf("a cookie that was kept was reported as dropped")
	}
}

// sinkLog reads the proxy's log entries with a message, by their name field.
func sinkLog(t *testing.T, s *sinkSite, msg string) map[string]map[string]any {
	t.Helper()
	b, err := os.ReadFile(s.logFile)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, line := range bytes.Split(b, []byte("\n")) {
		var e map[string]any
		if json.Unmarshal(line, &e) != nil || e["msg"] != msg || e["logger"] != "http.handlers.cookie_consent" {
			continue
		}
		if n, ok := e["name"].(string); ok && out[n] == nil {
			out[n] = e
		}
	}
	return out
}
