//go:build browser

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/consentgate/consentgate/caddymodule/assets"
	"github.com/consentgate/consentgate/policy"
)

// The banner tests check the banner, the settings and the click-to-load
// placeholders as a visitor meets them (docs/BANNER.md): isolation from the
// site's style sheets, nothing of the page hidden under the banner, focus,
// language and colour scheme, placeholders of the embed's own size.
//
// The checks are functions of a page address (check...), so that they run on
// any site behind the proxy: the demo and the seed sites (real Caddy), and
// bannerSite below, a test server that writes pages the way the proxy does —
// Head after <head>, a held-back embed neutralised with its Placeholder
// right before it, BodyEnd before </body>, Page.Origin set — with pages made
// to be hard on the banner (hostile style sheets, WordPress's login CSS,
// <base href> elsewhere). Fake third parties answer on the same server under
// their own host names (Chromium maps every host to 127.0.0.1).

// --- the test server

type bannerSite struct {
	t      *testing.T
	srv    *httptest.Server
	port   string
	policy *policy.Policy
	bundle *assets.Bundle
	codec  *policy.Codec

	mu    sync.Mutex
	pages map[string]bannerPage
	hits  []string // third-party requests, as host+path?query
}

type bannerPage struct {
	body     string // the page; {P} is replaced by the server's port
	csp      string // a Content-Security-Policy header
	nonce    string
	noOrigin bool // leave Page.Origin empty
	bare     bool // serve the page as the site wrote it, without the proxy's changes
}

func newBannerSite(t *testing.T) *bannerSite {
	t.Helper()
	p, err := policy.LoadFile("testdata/banner/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := assets.NewBundle(p, assets.Options{Prefix: "/_consent"})
	if err != nil {
		t.Fatal(err)
	}
	s := &bannerSite{t: t, policy: p, bundle: b, codec: &policy.Codec{Policy: p}, pages: map[string]bannerPage{}}
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	_, s.port, _ = net.SplitHostPort(s.srv.Listener.Addr().String())
	return s
}

func (s *bannerSite) url(host, path string) string { return "http://" + host + ":" + s.port + path }

func (s *bannerSite) page(path string, pg bannerPage) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path] = pg
	return s.url("localhost", path)
}

func (s *bannerSite) thirdPartyHits() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hits)
}

// wordpressDir is where Debian's wordpress package installs WordPress; its
// login page's style sheets are served under /wp/.
const wordpressDir = "/usr/share/wordpress/"

func (s *bannerSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.Host)
	if host != "localhost" {
		s.thirdParty(w, r, host)
		return
	}
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, "/_consent/") && strings.Count(p, "/") == 2 && (strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".css")):
		body, ct, _, ok := s.bundle.Asset(strings.TrimPrefix(p, "/_consent/"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ct)
		w.Write(body)
		return
	case p == "/_consent/consent":
		s.consent(w, r)
		return
	case p == "/_consent/declaration" || p == "/privacy":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html><title>Declaration</title><h1>Cookies</h1>")
		return
	case strings.HasPrefix(p, "/css/"):
		css, ok := bannerCSS[strings.TrimPrefix(p, "/css/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/css")
		fmt.Fprint(w, css)
		return
	case p == "/js/later.js":
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, bannerLaterJS)
		return
	case strings.HasPrefix(p, "/wp/"):
		// WordPress's own style sheets, as a WordPress login page loads them.
		if strings.Contains(p, "..") || !strings.HasSuffix(p, ".css") {
			http.NotFound(w, r)
			return
		}
		css, err := os.ReadFile(wordpressDir + strings.TrimPrefix(p, "/wp/"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/css")
		w.Write(css)
		return
	}
	s.mu.Lock()
	pg, ok := s.pages[r.URL.Path]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	cons := s.readConsent(r)
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = "en"
	}
	ap := assets.Page{Lang: lang, Consent: cons, ShowBanner: !cons.Given, ReturnPath: r.URL.RequestURI(), Nonce: pg.nonce}
	if !pg.noOrigin {
		ap.Origin = "http://" + r.Host
	}
	body := strings.ReplaceAll(pg.body, "{P}", s.port)
	if pg.bare {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
		return
	}
	body = s.holdBack(body, ap)
	body = strings.Replace(body, "<head>", "<head>"+string(s.bundle.Head(ap)), 1)
	body = strings.Replace(body, "</body>", string(s.bundle.BodyEnd(ap))+"</body>", 1)
	if pg.csp != "" {
		w.Header().Set("Content-Security-Policy", pg.csp)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprint(w, body)
}

var (
	embedTag = regexp.MustCompile(`<(iframe|video|audio|embed|object)\b[^>]*>`)
	srcAttr  = regexp.MustCompile(` (src|data)="([^"]*)"`)
)

// holdBack stands in for the rewriter: an embed whose blocker's category is
// not granted gets data-consent and data-consent-src instead of src, and its
// placeholder right before it.
func (s *bannerSite) holdBack(body string, pg assets.Page) string {
	return embedTag.ReplaceAllStringFunc(body, func(tag string) string {
		m := srcAttr.FindStringSubmatch(tag)
		if m == nil {
			return tag
		}
		b, ok := s.policy.BlockerFor(m[2], "localhost", nil)
		if !ok || pg.Consent.Grants(s.policy.CategoryIndex(b.Category)) {
			return tag
		}
		u, _ := url.Parse(m[2])
		site := strings.TrimPrefix(u.Hostname(), "www.")
		name := regexp.MustCompile(`^<(\w+)`).FindStringSubmatch(tag)[1]
		attr := func(a string) string {
			if v := regexp.MustCompile(` ` + a + `="([^"]*)"`).FindStringSubmatch(tag); v != nil {
				return v[1]
			}
			return ""
		}
		ph := s.bundle.Placeholder(pg, assets.PlaceholderInfo{Tag: name, Host: site, Category: b.Category, Width: attr("width"), Height: attr("height")})
		return string(ph) + strings.Replace(tag, m[0], fmt.Sprintf(` data-consent="%s" data-consent-%s="%s"`, b.Category, m[1], m[2]), 1)
	})
}

func (s *bannerSite) readConsent(r *http.Request) policy.Consent {
	c, err := r.Cookie(s.policy.Consent.Name)
	if err != nil {
		return policy.NoChoice()
	}
	return s.codec.Decode(c.Value)
}

// consent stands in for the endpoint (caddymodule has the real one): JSON or
// form, sets the consent cookie, answers JSON or 303.
func (s *bannerSite) consent(w http.ResponseWriter, r *http.Request) {
	var choice string
	var cats []string
	isJSON := strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
	if isJSON {
		var in struct {
			Choice     string   `json:"choice"`
			Categories []string `json:"categories"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		choice, cats = in.Choice, in.Categories
	} else {
		r.ParseForm()
		choice, cats = r.PostForm.Get("choice"), r.PostForm["category"]
	}
	var set policy.Set
	switch choice {
	case "accept_all":
		set = s.policy.All()
	case "reject_all":
		set = 1
	default:
		set = s.policy.SetOf(cats) | 1
	}
	cons := s.codec.NewChoice(set)
	http.SetCookie(w, &http.Cookie{Name: s.policy.Consent.Name, Value: s.codec.Encode(cons), Path: "/", MaxAge: 3600, SameSite: http.SameSiteLaxMode})
	if isJSON {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": cons.ID, "revision": s.policy.Revision,
			"categories": s.policy.IDs(cons.Granted), "timestamp": cons.Time.UTC().Format(time.RFC3339)})
		return
	}
	http.Redirect(w, r, r.PostForm.Get("return"), http.StatusSeeOther)
}

// thirdParty answers as a fake third party: frame.html, t.js, pixel.gif,
// and records every request.
func (s *bannerSite) thirdParty(w http.ResponseWriter, r *http.Request, host string) {
	s.mu.Lock()
	s.hits = append(s.hits, host+r.URL.RequestURI())
	s.mu.Unlock()
	switch r.URL.Path {
	case "/frame.html":
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<!DOCTYPE html><title>%s</title><p>Third-party content from %s</p>", host, host)
	case "/t.js":
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, "window.thirdPartyRan = (window.thirdPartyRan || 0) + 1;")
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// --- page helpers

// inBanner is a JS expression for an element of the banner's shadow root.
func inBanner(sel string) chromedp.JSPath {
	return chromedp.JSPath(`document.getElementById('cg').shadowRoot.querySelector(` + jsString(sel) + `)`)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// deepFocus describes the focused element, looking into shadow roots:
// "banner:a", "banner:button=accept_all", "placeholder:button=marketing",
// "page:a#about" or "body".
const deepFocusJS = `(() => {
	let a = document.activeElement, where = 'page';
	while (a && a.shadowRoot && a.shadowRoot.activeElement) {
		where = a.id == 'cg' ? 'banner' : a.hasAttribute('data-cg-ph') ? 'placeholder' : 'shadow';
		a = a.shadowRoot.activeElement;
	}
	if (!a || a == document.body) return 'body';
	return where + ':' + a.localName + (a.value ? '=' + a.value : '') + (a.id ? '#' + a.id : '');
})()`

func deepFocus(t *testing.T, ctx context.Context) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](deepFocusJS))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func evalJS[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%v\n%s", err, failureState(ctx))
	}
}

// failureStateJS: what a failed step saw, so that a failure on a loaded CI
// machine tells which state the page was in (where it is, whether the banner
// shows, where the focus is, which cookies a script sees).
const failureStateJS = `(() => {
	const h = document.getElementById('cg'), b = h && h.shadowRoot && h.shadowRoot.getElementById('cg-banner');
	return JSON.stringify({url: location.href, readyState: document.readyState, banner: !b ? 'none' : b.hidden ? 'hidden' : 'shown',
		focus: ` + deepFocusJS + `, cookies: document.cookie, hasFocus: document.hasFocus()});
})()`

// failureState evaluates failureStateJS with a short bound of its own (the test's
// context may be what ran out).
func failureState(ctx context.Context) string {
	c, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[string](failureStateJS))
	if err != nil {
		return "page state: " + err.Error()
	}
	return "page state: " + v
}

// waitUntil bounds the waits for something that must happen (a page loads,
// a script runs): generous, since a waiting test passes as soon as it does,
// and a CI machine may be slow. Waits for something that must not happen
// keep their own, short, bounds.
const waitUntil = 15 * time.Second

func waitJS(js string) chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(waitUntil), chromedp.WithPollingInterval(20*time.Millisecond))
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		v, err := poll(ctx, tg)
		if err != nil {
			err = fmt.Errorf("waiting for %s: %w", js, err)
		}
		return v, err
	}
}

// freshVisit clears the browser's cookies and opens url as a first visit,
// waiting for the banner and its script.
func freshVisit(t *testing.T, ctx context.Context, u string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, chromedp.Navigate(u), waitBannerReady())
}

// waitPlaceholders waits until the page has n placeholders, each with its
// style sheet (one that banner.js makes loads it a moment later), and the
// script's iframe is in.
func waitPlaceholders(n int) chromedp.Action[chromedp.Void] {
	return waitJS(fmt.Sprintf(`(l => window.laterInserted && l.length == %d && l.every(h => h.shadowRoot.querySelector('link').sheet))([...document.querySelectorAll('[data-cg-ph]')])`, n))
}

// clickPlaceholder clicks the button of the page's i-th placeholder, brought
// to the top of the viewport first (the banner may cover the bottom).
func clickPlaceholder(i int) chromedp.Action[chromedp.Void] {
	ph := fmt.Sprintf(`document.querySelectorAll('[data-cg-ph]')[%d].shadowRoot`, i)
	scroll, click := chromedp.Evaluate[chromedp.Void](ph+`.querySelector('.ph').scrollIntoView()`), chromedp.Click(chromedp.JSPath(ph+`.querySelector('.ph-b')`))
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := scroll(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		return click(ctx, t)
	}
}

// waitNavigated waits, through a navigation, until the loaded page makes js true.
func waitNavigated(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	for deadline := time.Now().Add(waitUntil); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState == 'complete' && (`+js+`)`)); err == nil && ok {
			return
		}
	}
	t.Fatalf("after the navigation, not %s", js)
}

// waitSpacer waits until banner.js has sized the spacer for what covers the
// bottom of the viewport now.
func waitSpacer() chromedp.Action[chromedp.Void] {
	return waitJS(`(sr => {
		const b = sr.getElementById('cg-banner'), e = b.hidden ? sr.getElementById('cg-open') : b;
		return Math.abs(parseFloat(sr.querySelector('.cg-sp').style.height) - (document.documentElement.clientHeight - e.getBoundingClientRect().top)) < 1;
	})(document.getElementById('cg').shadowRoot)`)
}

// waitBannerReady waits until the banner shows and banner.js has run (it
// sized the spacer).
func waitBannerReady() chromedp.Action[chromedp.Void] {
	return waitJS(`(() => { const r = document.getElementById('cg'); return !!(r && r.shadowRoot && document.readyState == 'complete' &&
		r.shadowRoot.querySelector('.cg-sp').style.height != '' && !r.shadowRoot.getElementById('cg-banner').hidden); })()`)
}

func viewport(t *testing.T, ctx context.Context, w, h int64) {
	t.Helper()
	run(t, ctx, chromedp.EmulateViewport(w, h))
}

func colorScheme(t *testing.T, ctx context.Context, scheme string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}); err != nil {
		t.Fatal(err)
	}
}

// --- pages

var bannerCSS = map[string]string{
	"site.css": `body { margin: 0; font: 17px/1.6 Georgia, serif; background: #fbfaf7; color: #222; }
header, footer { padding: 1rem 2rem; }
header { border-bottom: 1px solid #ccc; }
footer { border-top: 1px solid #ccc; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem 2rem; }
.video { position: relative; padding-bottom: 56.25%; height: 0; margin: 1rem 0; }
.video iframe { position: absolute; top: 0; left: 0; width: 100%; height: 100%; border: 0; }
iframe.chat { display: block; width: 100%; aspect-ratio: 4 / 1; height: auto; margin: 1rem 0; border: 1px solid #999; }
textarea { display: block; width: 100%; min-height: 6rem; }
`,
	// unhide.css shows what we hold back, as a site's stronger rule could.
	"unhide.css": `html body :is(iframe, video)[data-consent][data-consent] { display: inline-block !important; }
`,
	"dark.css": `:root { color-scheme: light dark; }
@media (prefers-color-scheme: dark) { body { background: #15171a; color: #ddd; } }
`,
	// hostile.css is what careless and aggressive site styles do to
	// everything they do not know: resets, !important rules on the element
	// types the banner is made of, a layer (whose !important rules beat
	// unlayered ones), a small root font size, custom properties of ours.
	"hostile.css": `@layer reset { * { font-family: "Comic Sans MS", cursive !important; color: green !important; line-height: 3 !important; } }
* { all: unset !important; }
html { font-size: 10px !important; }
div, span, p, form, ul, li, details, summary, h2, h3, label, code, time, strong, svg {
	display: block !important; position: static !important; margin: 20px !important; padding: 30px !important;
	max-width: 100px !important; border: 3px solid red !important; background: yellow !important;
	font-size: 5px !important; text-transform: uppercase !important; letter-spacing: 3px !important;
	visibility: visible !important; opacity: .5 !important; transform: rotate(3deg) !important;
}
div { display: none !important; }
span { display: none !important; }
button, input, a { display: inline-block !important; width: 37px !important; height: 13px !important; background: white !important;
	border: 1px solid #ccc !important; color: #000 !important; padding: 0 !important; font: 12px/1 serif !important;
	box-shadow: 0 0 0 5px red !important; appearance: none !important; text-decoration: none !important; }
label { font-size: 30px !important; }
details > * { display: none !important; }
[hidden] { display: block !important; }
:root { --_bg: red; --_fg: red; }
`,
}

const bannerLaterJS = `setTimeout(() => {
	const f = document.createElement('iframe');
	f.src = 'http://chat.tracker.test:' + location.port + '/frame.html?dynamic=1';
	f.width = 400; f.height = 200; f.title = 'Dynamic chat';
	document.getElementById('later').append(f);
	window.laterInserted = true;
}, 50);`

// bannerPageHTML is a page with embeds of every kind of sizing: width and
// height attributes inside a paragraph, a responsive 16:9 wrapper, a block of
// CSS width and aspect-ratio, a 1x1 tracking frame (no placeholder), one a
// script inserts later, and a comment form at the very bottom. head is put in
// the <head> after the site's style sheet.
func bannerPageHTML(lang, head string) string {
	return `<!DOCTYPE html>
<html lang="` + lang + `">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Testbolaget</title>
<link rel="stylesheet" href="/css/site.css">
` + head + `
</head>
<body>
<header><a href="/">Testbolaget AB</a> <a href="/about">About</a></header>
<main>
<h1>Our films</h1>
<p>Testbolaget makes the finest test fixtures in the county. Here is how we
make them: <iframe src="http://www.youtube.test:{P}/frame.html?v=1" width="560" height="315" title="How we make fixtures"></iframe>
and that is all there is to it.</p>
<div class="video"><iframe src="http://video.tracker.test:{P}/frame.html" title="A clip" allowfullscreen></iframe></div>
<p>Questions? Ask us in the chat.</p>
<iframe class="chat" src="http://chat.tracker.test:{P}/frame.html" title="Chat"></iframe>
<iframe src="http://stats.tracker.test:{P}/frame.html" width="1" height="1" title="counter"></iframe>
<div id="later"></div>
<script src="/js/later.js"></script>
<form class="comment" action="/comment" method="post">
<label>Your comment <textarea name="c"></textarea></label>
<button type="submit">Post comment</button>
</form>
</main>
<footer><p id="last">The last line of the page.</p></footer>
</body>
</html>`
}

// --- checks, each on a page address

// bannerViewports are the two screens every check runs on.
var bannerViewports = [][2]int64{{1280, 900}, {390, 844}}

// nothingHiddenJS scrolls the page to its end and compares the lowest bottom
// edge of the page's own content (not fixed or sticky, not clipped by a
// scrolling ancestor, not ours) with the top edge of what covers the bottom
// of the viewport: the banner, else the cookie-settings button.
const nothingHiddenJS = `(() => {
	const se = document.scrollingElement;
	se.scrollTop = se.scrollHeight;
	const sr = document.getElementById('cg').shadowRoot, ban = sr.getElementById('cg-banner');
	const cover = (ban.hidden ? sr.getElementById('cg-open') : ban).getBoundingClientRect();
	let bottom = 0, what = '';
	const out = e => {
		for (let a = e; a; a = a.parentElement) {
			const cs = getComputedStyle(a);
			if (cs.position == 'fixed' || cs.position == 'sticky') return true;
			if (a != e && a != document.body && a != document.documentElement && cs.overflowY != 'visible' &&
				e.getBoundingClientRect().bottom > a.getBoundingClientRect().bottom + 1) return true;
		}
		return false;
	};
	for (const e of document.body.querySelectorAll('*')) {
		if (e.id == 'cg' || e.closest('#cg')) continue;
		const r = e.getBoundingClientRect();
		if (r.width == 0 || r.height == 0 || r.bottom <= bottom || out(e)) continue;
		bottom = r.bottom;
		what = e.localName + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined ? '.' + e.className : '');
	}
	return {bottom, what, top: cover.top, coverHeight: cover.height, viewport: document.documentElement.clientHeight, scrolled: se.scrollTop};
})()`

type hiddenReport struct {
	Bottom, Top, CoverHeight, Viewport, Scrolled float64
	What                                         string
}

// checkNothingHidden: with the banner open, the page scrolled to its end, the
// lowest content of the page is above the banner, at both viewports. Then,
// after the choice, above the cookie-settings button.
func checkNothingHidden(t *testing.T, ctx context.Context, u string) {
	t.Helper()
	for _, vp := range bannerViewports {
		viewport(t, ctx, vp[0], vp[1])
		freshVisit(t, ctx, u)
		r := evalJS[hiddenReport](t, ctx, nothingHiddenJS)
		if r.CoverHeight < 50 || r.Top >= r.Viewport {
			t.Fatalf("%s at %dx%d: the banner is not on screen: %+v", u, vp[0], vp[1], r)
		}
		if r.Bottom > r.Top+1 {
			t.Errorf("%s at %dx%d: scrolled to the end, the page's %s ends at %.0f px, under the banner from %.0f px", u, vp[0], vp[1], r.What, r.Bottom, r.Top)
		}
		// Reject all (a notice has only OK).
		run(t, ctx, chromedp.Click(chromedp.JSPath(`(r => r.querySelector('#cg-banner button[value=reject_all]') || r.querySelector('#cg-banner button[value=accept_all]'))(document.getElementById('cg').shadowRoot)`)),
			waitJS(`document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`))
		r = evalJS[hiddenReport](t, ctx, nothingHiddenJS)
		if r.Bottom > r.Top+1 {
			t.Errorf("%s at %dx%d: scrolled to the end, the page's %s ends at %.0f px, under the cookie-settings button from %.0f px", u, vp[0], vp[1], r.What, r.Bottom, r.Top)
		}
	}
}

// tabStop is one stop of the Tab key: where the focus is (deepFocusJS) and
// whether it is empty (no size, or nothing to read or fill in) or a
// held-back embed.
type tabStop struct {
	Where       string
	Empty, Held bool
}

const tabStopJS = `(() => {
	let a = document.activeElement;
	while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
	const r = a.getBoundingClientRect();
	const named = (a.textContent || '').trim() || a.getAttribute('aria-label') || a.getAttribute('title') || a.value ||
		/^(input|textarea|select)$/.test(a.localName) || a.querySelector('img[alt]:not([alt=""])');
	return {where: ` + deepFocusJS + `, empty: a != document.body && (r.width < 1 || r.height < 1 || !named),
		held: a.hasAttribute('data-consent') || a.hasAttribute('data-cg-ph')};
})()`

// tabWalk presses Tab from the top of a freshly loaded page until the focus
// leaves the page (or max stops), and returns the stops.
func tabWalk(t *testing.T, ctx context.Context, max int) []tabStop {
	t.Helper()
	var stops []tabStop
	for i := 0; i < max; i++ {
		run(t, ctx, chromedp.KeyEvent(kb.Tab))
		s := evalJS[tabStop](t, ctx, tabStopJS)
		if s.Where == "body" && i > 0 {
			break
		}
		stops = append(stops, s)
	}
	return stops
}

// checkFocus: on a first visit the first Tab reaches the banner's first
// control, and further Tabs leave it for the page (no trap); no stop of the
// whole page is an empty box or a held-back embed; Esc closes the settings
// and gives the focus back, in the first layer and when reopened.
func checkFocus(t *testing.T, ctx context.Context, u string) {
	t.Helper()
	viewport(t, ctx, 1280, 900)
	freshVisit(t, ctx, u)
	stops := tabWalk(t, ctx, 300)
	if len(stops) == 0 || stops[0].Where != "banner:a" {
		t.Fatalf("%s: the first Tab went to %v, want the banner's first control (its first link)", u, stops)
	}
	inBannerStops, left := 0, false
	for i, s := range stops {
		if strings.HasPrefix(s.Where, "banner:") && !left {
			inBannerStops++
			continue
		}
		if i > 0 && strings.HasPrefix(stops[i-1].Where, "banner:") {
			left = true
		}
		if s.Empty || s.Held {
			t.Errorf("%s: Tab stop %d (%s) is empty or a held-back embed", u, i, s.Where)
		}
	}
	if !left && len(stops) == inBannerStops {
		t.Errorf("%s: the focus never left the banner: %v", u, stops)
	}
	if inBannerStops > 8 {
		t.Errorf("%s: %d Tab stops in the first layer: %v", u, inBannerStops, stops[:inBannerStops])
	}
	// Esc in the first layer: the settings close, the focus goes back to their button.
	freshVisit(t, ctx, u)
	if evalJS[bool](t, ctx, `!document.getElementById('cg').shadowRoot.getElementById('cg-settings')`) {
		return // a notice has no settings
	}
	run(t, ctx, chromedp.Focus(inBanner(`#cg-settings summary`)), chromedp.KeyEvent(kb.Enter),
		waitJS(`document.getElementById('cg').shadowRoot.getElementById('cg-settings').open`),
		chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Escape))
	if open := evalJS[bool](t, ctx, `document.getElementById('cg').shadowRoot.getElementById('cg-settings').open`); open {
		t.Errorf("%s: Esc did not close the settings", u)
	}
	if f := deepFocus(t, ctx); f != "banner:summary" {
		t.Errorf("%s: after Esc the focus is on %s, want the settings button", u, f)
	}
	// Reopened from the cookie-settings button: Esc closes them and the focus goes back.
	run(t, ctx, chromedp.Click(inBanner(`#cg-banner button[value="reject_all"]`)),
		waitJS(`document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`),
		chromedp.Focus(inBanner(`#cg-open`)), chromedp.KeyEvent(kb.Enter),
		waitJS(`!document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`))
	if f := deepFocus(t, ctx); !strings.HasPrefix(f, "banner:input") {
		t.Errorf("%s: reopened settings put the focus on %s, want the first toggle", u, f)
	}
	run(t, ctx, chromedp.KeyEvent(kb.Escape), waitJS(`document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`))
	if f := deepFocus(t, ctx); f != "banner:button#cg-open" {
		t.Errorf("%s: after Esc the focus is on %s, want the cookie-settings button", u, f)
	}
}

// styleSnapshotJS lists every element of our shadow roots (the banner's, and
// each placeholder's unless banner is set) with its computed style and its
// box relative to its shadow root's first box.
const styleSnapshotJS = `((bannerOnly, skip) => {
	const out = [], hosts = [document.getElementById('cg')];
	if (!bannerOnly) hosts.push(...document.querySelectorAll('[data-cg-ph]'));
	hosts.forEach((h, n) => {
		const all = [h, ...h.shadowRoot.querySelectorAll('*')].filter(e => e.localName != 'link');
		const o = all[1].getBoundingClientRect();
		all.forEach((e, i) => {
			// Boxes of the banner in the viewport (it is fixed); elsewhere only sizes.
			const fixed = e.closest('.cg-banner, .cg-open'), oo = fixed ? {left: 0, top: 0} : n ? o : null;
			const cs = getComputedStyle(e), st = {};
			for (let k = 0; k < cs.length; k++) if (!skip.test(cs[k])) st[cs[k]] = cs.getPropertyValue(cs[k]);
			const r = e.getBoundingClientRect();
			out.push({id: n + ':' + i + ':' + e.localName + '.' + (e.getAttribute('class') || ''), style: st,
				box: skip.test('width') ? '' : (oo ? [r.left - oo.left, r.top - oo.top] : []).concat([r.width, r.height]).map(Math.round).join(',')});
		});
	});
	return out;
})`

type styledElement struct {
	ID    string
	Style map[string]string
	Box   string
}

func styleSnapshot(t *testing.T, ctx context.Context, bannerOnly bool, skip string) []styledElement {
	t.Helper()
	return evalJS[[]styledElement](t, ctx, styleSnapshotJS+`(`+fmt.Sprint(bannerOnly)+`, new RegExp(`+jsString(skip)+`))`)
}

// diffSnapshots reports the first differences between two snapshots.
func diffSnapshots(want, got []styledElement) []string {
	var diffs []string
	if len(want) != len(got) {
		return []string{fmt.Sprintf("%d elements, want %d", len(got), len(want))}
	}
	for i := range want {
		if want[i].ID != got[i].ID {
			diffs = append(diffs, fmt.Sprintf("element %d is %s, want %s", i, got[i].ID, want[i].ID))
			continue
		}
		if want[i].Box != got[i].Box {
			diffs = append(diffs, fmt.Sprintf("%s: box %s, want %s", want[i].ID, got[i].Box, want[i].Box))
		}
		for k, v := range want[i].Style {
			if got[i].Style[k] != v {
				diffs = append(diffs, fmt.Sprintf("%s: %s: %q, want %q", want[i].ID, k, got[i].Style[k], v))
			}
		}
		if len(diffs) > 20 {
			break
		}
	}
	return diffs
}

// wordpressLoginHTML is WordPress's login page (wp-login.php) as WordPress 6
// writes it, with its own style sheets.
const wordpressLoginHTML = `<!DOCTYPE html>
<html lang="en-US">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>Log In &lsaquo; Test &#8212; WordPress</title>
<link rel='stylesheet' id='dashicons-css' href='/wp/wp-includes/css/dashicons.min.css' media='all'>
<link rel='stylesheet' id='buttons-css' href='/wp/wp-includes/css/buttons.min.css' media='all'>
<link rel='stylesheet' id='forms-css' href='/wp/wp-admin/css/forms.min.css' media='all'>
<link rel='stylesheet' id='l10n-css' href='/wp/wp-admin/css/l10n.min.css' media='all'>
<link rel='stylesheet' id='login-css' href='/wp/wp-admin/css/login.min.css' media='all'>
<meta name='robots' content='max-image-preview:large, noindex, noarchive'>
<meta name="viewport" content="width=device-width, initial-scale=1.0">
</head>
<body class="login no-js login-action-login wp-core-ui locale-en-us">
<div id="login">
<h1><a href="https://wordpress.org/">Powered by WordPress</a></h1>
<form name="loginform" id="loginform" action="/wp-login.php" method="post">
<p><label for="user_login">Username or Email Address</label>
<input type="text" name="log" id="user_login" class="input" value="" size="20" autocapitalize="off" autocomplete="username" required="required"></p>
<div class="user-pass-wrap"><label for="user_pass">Password</label>
<div class="wp-pwd"><input type="password" name="pwd" id="user_pass" class="input password-input" value="" size="20" autocomplete="current-password" spellcheck="false" required="required"></div></div>
<p class="forgetmenot"><input name="rememberme" type="checkbox" id="rememberme" value="forever"> <label for="rememberme">Remember Me</label></p>
<p class="submit"><input type="submit" name="wp-submit" id="wp-submit" class="button button-primary button-large" value="Log In"></p>
</form>
<p id="nav"><a href="/wp-login.php?action=lostpassword">Lost your password?</a></p>
<p id="backtoblog"><a href="/">&larr; Go to Test</a></p>
</div>
</body>
</html>`

// requireWordPressCSS fails the test when WordPress's style sheets are not
// installed: the WordPress page would then test nothing.
func requireWordPressCSS(t *testing.T) {
	t.Helper()
	for _, f := range []string{"wp-admin/css/login.min.css", "wp-admin/css/forms.min.css", "wp-includes/css/buttons.min.css"} {
		if _, err := os.Stat(wordpressDir + f); err != nil {
			t.Fatalf("WordPress's style sheets are missing (apt-get install wordpress): %v", err)
		}
	}
}

// proxiedSite is a site behind the real proxy: start loads its Caddyfile
// (one at a time, until the test ends) and returns the address of a page.
// The lead's WordPress example can be added here.
type proxiedSite struct {
	name  string
	start func(t *testing.T) string
}

var proxiedSites = []proxiedSite{
	{"demo", func(t *testing.T) string { startDemo(t); return demo + "/" }},
	{"almi", func(t *testing.T) string {
		startSeedDemo(t, "../examples/almi/Caddyfile", "8090", "8091", "8092")
		return almiProxy + "/"
	}},
	{"fora", func(t *testing.T) string {
		startSeedDemo(t, "../examples/fora/Caddyfile", "8095", "8096", "8097")
		return foraProxy + "/"
	}},
	// The WordPress example in front of Debian's WordPress: its front page,
	// with the seeded posts (a YouTube embed among them, held back behind a
	// placeholder).
	{"wordpress-example", func(t *testing.T) string { return startWordPress(t).consent.url("/") }},
}

// bannerTestPages are the test server's pages every check runs on too.
func bannerTestPages(s *bannerSite) map[string]string {
	return map[string]string{
		"films":     s.page("/films", bannerPage{body: bannerPageHTML("en", "")}),
		"hostile":   s.page("/hostile", bannerPage{body: bannerPageHTML("en", `<link rel="stylesheet" href="/css/hostile.css">`)}),
		"wordpress": s.page("/wp-login.php", bannerPage{body: wordpressLoginHTML}),
		// A site's own positive tabindex would come before ours; banner.js moves the first Tab.
		"tabindex": s.page("/tabindex", bannerPage{body: strings.Replace(bannerPageHTML("en", ""), `<a href="/about">About</a>`,
			`<a href="/about">About</a> <input type="search" tabindex="1" aria-label="Search">`, 1)}),
	}
}

// forEachSite runs check on every page: the test server's, then each proxied
// site's, each in a subtest with its own browser.
func forEachSite(t *testing.T, check func(t *testing.T, ctx context.Context, u string)) {
	s := newBannerSite(t)
	for name, u := range bannerTestPages(s) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(startChromium(t), 180*time.Second)
			defer cancel()
			check(t, ctx, u)
		})
	}
	for _, site := range proxiedSites {
		t.Run(site.name, func(t *testing.T) {
			u := site.start(t)
			ctx, cancel := context.WithTimeout(startChromium(t), 180*time.Second)
			defer cancel()
			check(t, ctx, u)
		})
	}
}

// --- tests

func TestBannerNothingHidden(t *testing.T) { forEachSite(t, checkNothingHidden) }

func TestBannerFocus(t *testing.T) { forEachSite(t, checkFocus) }

// TestBannerIsolation: the banner, its settings and the placeholders look
// exactly the same — every computed property of every element, and every box
// — on a plain page, on a page with a hostile style sheet and on WordPress's
// login page (its own style sheets), at both viewports.
func TestBannerIsolation(t *testing.T) {
	requireWordPressCSS(t)
	s := newBannerSite(t)
	pages := bannerTestPages(s)
	ctx, cancel := context.WithTimeout(startChromium(t), 300*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetScrollbarsHidden, emulation.SetScrollbarsHiddenParams{Hidden: true}); err != nil {
		t.Fatal(err)
	}
	for _, vp := range bannerViewports {
		viewport(t, ctx, vp[0], vp[1])
		var refBanner, refSettings, refPlaceholders []styledElement
		for _, name := range []string{"films", "hostile", "wordpress"} {
			what := fmt.Sprintf("%s at %dx%d", name, vp[0], vp[1])
			freshVisit(t, ctx, pages[name])
			run(t, ctx, waitSpacer())
			banner := styleSnapshot(t, ctx, true, "^$")
			var placeholders []styledElement
			if name != "wordpress" {
				// Inside the placeholders; their size follows the embed, which the page styles.
				for _, e := range styleSnapshot(t, ctx, false, `^(width|height|inline-size|block-size|min-width|min-height|min-inline-size|min-block-size|perspective-origin|transform-origin)$`) {
					// The first two (the film and the clip) are on both pages; the
					// hostile sheet unhides the 1x1 frame, which then gets one too.
					if regexp.MustCompile(`^[12]:([3-9]|\d\d+):`).MatchString(e.ID) {
						placeholders = append(placeholders, e)
					}
				}
			}
			// Opened by script, so that no hover or focus state differs.
			run(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('cg').shadowRoot.querySelector('#cg-settings summary').click()`),
				waitJS(`document.getElementById('cg').shadowRoot.getElementById('cg-settings').open`), waitSpacer())
			settings := styleSnapshot(t, ctx, true, "^$")
			if refBanner == nil {
				refBanner, refSettings, refPlaceholders = banner, settings, placeholders
				if len(banner) < 20 || len(placeholders) < 12 {
					t.Fatalf("%s: %d banner elements, %d placeholder elements: the snapshot sees nothing", what, len(banner), len(placeholders))
				}
				continue
			}
			for _, d := range diffSnapshots(refBanner, banner) {
				t.Errorf("%s, banner: %s", what, d)
			}
			for _, d := range diffSnapshots(refSettings, settings) {
				t.Errorf("%s, settings: %s", what, d)
			}
			if placeholders != nil {
				for _, d := range diffSnapshots(refPlaceholders, placeholders) {
					t.Errorf("%s, placeholders: %s", what, d)
				}
			}
		}
	}
}

// siteSnapshotJS lists the page's own elements (not ours, not the embeds we
// hold back) with their computed style, sizes aside: our spacer and
// placeholders change where things are, never how they are styled.
const siteSnapshotJS = `(() => {
	const skip = /^(width|height|inline-size|block-size|perspective-origin|transform-origin)$/, out = [];
	const ours = e => e.id == 'cg' || e.hasAttribute('data-cg-ph') || /^(iframe|video|audio|embed|object)$/.test(e.localName) ||
		/\/_consent\//.test(e.getAttribute('href') || e.getAttribute('src') || '');
	[...document.querySelectorAll('*')].filter(e => !ours(e)).forEach((e, i) => {
		const cs = getComputedStyle(e), st = {};
		for (let k = 0; k < cs.length; k++) if (!skip.test(cs[k])) st[cs[k]] = cs.getPropertyValue(cs[k]);
		out.push({id: i + ':' + e.localName + '.' + (e.getAttribute('class') || ''), style: st, box: ''});
	});
	return out;
})()`

// TestBannerLeavesSiteAlone: our style sheet does not change how the site's
// own elements are styled: each one's computed style is the same with and
// without the proxy's markup, on the plain page and on WordPress's login.
func TestBannerLeavesSiteAlone(t *testing.T) {
	requireWordPressCSS(t)
	s := newBannerSite(t)
	ctx, cancel := context.WithTimeout(startChromium(t), 300*time.Second)
	defer cancel()
	for _, page := range []struct{ name, body string }{{"films", bannerPageHTML("en", "")}, {"wordpress", wordpressLoginHTML}} {
		bare := s.page("/bare/"+page.name, bannerPage{body: page.body, bare: true})
		proxied := s.page("/proxied/"+page.name, bannerPage{body: page.body})
		run(t, ctx, chromedp.Navigate(bare), waitJS(`document.readyState == 'complete'`))
		want := evalJS[[]styledElement](t, ctx, siteSnapshotJS)
		freshVisit(t, ctx, proxied)
		got := evalJS[[]styledElement](t, ctx, siteSnapshotJS)
		if len(want) < 15 {
			t.Fatalf("%s: %d elements: the snapshot sees nothing", page.name, len(want))
		}
		for _, d := range diffSnapshots(want, got) {
			t.Errorf("%s: %s", page.name, d)
		}
	}
}

// placeholderInfo is what a visitor sees of a placeholder, and where.
type placeholderInfo struct {
	Category, Title, Text, Button, Link, Lang string
	Embed                                     string     // the held-back element's data-consent-src
	Box                                       [4]float64 // in page coordinates
	EmbedBox                                  [4]float64 // the held-back element's
}

const placeholdersJS = `[...document.querySelectorAll('[data-cg-ph]')].map(h => {
	const s = h.shadowRoot, q = c => (s.querySelector(c) || {}).textContent || '', e = h.nextElementSibling;
	const box = r => [r.left + scrollX, r.top + scrollY, r.width, r.height];
	return {category: h.dataset.cgPh, title: q('.ph-t'), text: q('.ph-x'), button: q('.ph-b'), link: q('.ph-a'),
		lang: s.querySelector('.ph').lang, embed: e.dataset.consentSrc || '',
		box: box(s.querySelector('.ph').getBoundingClientRect()), embedBox: box(e.getBoundingClientRect())};
})`

// embedBoxes are the page boxes of the page's embeds, by src.
const embedBoxesJS = `Object.fromEntries([...document.querySelectorAll('iframe[src]')].map(e => {
	const r = e.getBoundingClientRect();
	return [e.getAttribute('src'), [r.left + scrollX, r.top + scrollY, r.width, r.height]];
}))`

func sameBox(a, b [4]float64) bool {
	for i := range a {
		if d := a[i] - b[i]; d > 2 || d < -2 {
			return false
		}
	}
	return true
}

// TestBannerPlaceholders: with JavaScript, under a strict CSP. Every
// held-back iframe but the 1x1 one has a placeholder of its own size — also
// the one a script inserts later — saying what it is and why; its button
// grants the category and loads the embeds of that category in place,
// without a reload, where the placeholders were; the others wait.
func TestBannerPlaceholders(t *testing.T) {
	s := newBannerSite(t)
	ctx, cancel := context.WithTimeout(startChromium(t), 300*time.Second)
	defer cancel()
	recordCSPViolations(t, ctx)
	u := s.page("/films", bannerPage{body: bannerPageHTML("sv", ""),
		csp: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; frame-src http://*.test:*"})
	viewport(t, ctx, 1280, 900)
	freshVisit(t, ctx, u+"?lang=sv")
	run(t, ctx, waitPlaceholders(4))
	phs := evalJS[[]placeholderInfo](t, ctx, placeholdersJS)
	want := []struct{ cat, title, text, button, embed string }{
		{"marketing", "Innehåll från youtube.test", "Det visas när du tillåter kakor för Marknadsföring.", "Tillåt Marknadsföring och visa", "www.youtube.test"},
		{"marketing", "Innehåll från video.tracker.test", "Det visas när du tillåter kakor för Marknadsföring.", "Tillåt Marknadsföring och visa", "video.tracker.test"},
		{"preferences", "Innehåll från chat.tracker.test", "Det visas när du tillåter kakor för Inställningar.", "Tillåt Inställningar och visa", "chat.tracker.test"},
		{"preferences", "Innehåll från chat.tracker.test", "Det visas när du tillåter kakor för Inställningar.", "Tillåt Inställningar och visa", "dynamic=1"},
	}
	if len(phs) != len(want) {
		t.Fatalf("%d placeholders, want %d: %+v", len(phs), len(want), phs)
	}
	for i, w := range want {
		p := phs[i]
		if p.Category != w.cat || p.Title != w.title || p.Text != w.text || p.Button != w.button || p.Link != "Kakinställningar" || p.Lang != "sv" || !strings.Contains(p.Embed, w.embed) {
			t.Errorf("placeholder %d: %+v, want %+v", i, p, w)
		}
		if p.EmbedBox[2] != 0 || p.EmbedBox[3] != 0 {
			t.Errorf("placeholder %d: the held-back embed is a box of %vx%v", i, p.EmbedBox[2], p.EmbedBox[3])
		}
		if p.Box[2] < 100 || p.Box[3] < 50 {
			t.Errorf("placeholder %d is %vx%v", i, p.Box[2], p.Box[3])
		}
	}
	if hits := s.thirdPartyHits(); len(hits) != 0 {
		t.Fatalf("third parties reached before consent: %v", hits)
	}
	// Allow marketing in the film's placeholder: the film and the clip load
	// where their placeholders were, the chat waits.
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`window.marker = 1`),
		clickPlaceholder(0),
		waitJS(`document.querySelectorAll('[data-cg-ph]').length == 2 && document.querySelectorAll('iframe[src]').length == 2`))
	boxes := evalJS[map[string][4]float64](t, ctx, embedBoxesJS)
	checkLoadedInPlace := func(phs []placeholderInfo) {
		t.Helper()
		for _, p := range phs {
			if b, ok := boxes[p.Embed]; !ok || !sameBox(b, p.Box) {
				t.Errorf("%s loaded at %v, its placeholder was at %v", p.Embed, b, p.Box)
			}
		}
	}
	checkLoadedInPlace(phs[:2])
	if evalJS[int](t, ctx, `window.marker || 0`) != 1 {
		t.Errorf("the page reloaded")
	}
	if c := s.codec.Decode(bannerJar(t, ctx, s)["cookie_consent"]); !c.Given || !slices.Equal(s.policy.IDs(c.Granted), []string{"necessary", "marketing"}) {
		t.Errorf("after allowing marketing the consent is %+v", c)
	}
	if !evalJS[bool](t, ctx, `document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`) {
		t.Errorf("the banner stays open after a choice in a placeholder")
	}
	// An iframe's src is set before its request reaches the server.
	hits := ""
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if hits = strings.Join(s.thirdPartyHits(), " "); strings.Contains(hits, "www.youtube.test/frame.html") && strings.Contains(hits, "video.tracker.test/frame.html") {
			break
		}
	}
	if !strings.Contains(hits, "www.youtube.test/frame.html") || !strings.Contains(hits, "video.tracker.test/frame.html") || strings.Contains(hits, "chat.tracker.test") {
		t.Errorf("third-party requests after allowing marketing: %s", hits)
	}
	// Then preferences, from the placeholder the script's iframe got: marketing stays.
	run(t, ctx, clickPlaceholder(1),
		waitJS(`document.querySelectorAll('[data-cg-ph]').length == 0 && document.querySelectorAll('iframe[src]').length == 4`))
	boxes = evalJS[map[string][4]float64](t, ctx, embedBoxesJS)
	checkLoadedInPlace(phs)
	if c := s.codec.Decode(bannerJar(t, ctx, s)["cookie_consent"]); !slices.Equal(s.policy.IDs(c.Granted), []string{"necessary", "preferences", "marketing"}) {
		t.Errorf("after allowing preferences too the consent is %+v", c)
	}
	if strings.Contains(strings.Join(s.thirdPartyHits(), " "), "stats.tracker.test") {
		t.Errorf("the statistics frame loaded without its consent")
	}
	if v := evalJS[[]string](t, ctx, `window.violations`); len(v) != 0 {
		t.Errorf("CSP violations: %v", v)
	}
}

// TestBannerPlaceholderSettingsLink: a placeholder's settings link opens the
// settings; Esc closes them and gives the focus back to the link.
func TestBannerPlaceholderSettingsLink(t *testing.T) {
	s := newBannerSite(t)
	ctx, cancel := context.WithTimeout(startChromium(t), 300*time.Second)
	defer cancel()
	freshVisit(t, ctx, s.page("/films", bannerPage{body: bannerPageHTML("en", "")}))
	run(t, ctx, chromedp.Click(inBanner(`#cg-banner button[value="reject_all"]`)),
		waitJS(`document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`),
		chromedp.Focus(chromedp.JSPath(`document.querySelector('[data-cg-ph]').shadowRoot.querySelector('.ph-a')`)))
	// Enter as a keyboard whose keypress comes a moment after its keydown: the
	// link opens the settings on the keydown, and the keypress must not act in
	// them (Enter on their first checkbox would submit a choice).
	consent := evalJS[string](t, ctx, `window.posts = 0; const f = window.fetch;
		window.fetch = (u, o) => (o && o.method == 'POST' && window.posts++, f(u, o)); document.cookie`)
	keys := kb.Encode('\r')
	dispatch := func(ks []*input.DispatchKeyEventParams) {
		for _, k := range ks {
			if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, *k); err != nil {
				t.Fatal(err)
			}
		}
	}
	dispatch(keys[:1])
	run(t, ctx, waitJS(`!document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`))
	dispatch(keys[1:])
	time.Sleep(300 * time.Millisecond)
	if n := evalJS[int](t, ctx, `window.posts`); n != 0 || evalJS[string](t, ctx, `document.cookie`) != consent ||
		evalJS[bool](t, ctx, `document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`) {
		t.Errorf("the Enter that opened the settings made a choice in them (%d posts)", n)
	}
	// The focus lands with the settings, or on the frame after (banner.js's show).
	f := deepFocus(t, ctx)
	for i := 0; i < 10 && f != "banner:input=preferences#cg-c-preferences"; i++ {
		time.Sleep(20 * time.Millisecond)
		f = deepFocus(t, ctx)
	}
	if f != "banner:input=preferences#cg-c-preferences" {
		t.Errorf("the settings opened with the focus on %s, want the first toggle", f)
	}
	if u := evalJS[string](t, ctx, `location.pathname`); u != "/films" {
		t.Errorf("the link navigated to %s", u)
	}
	run(t, ctx, chromedp.KeyEvent(kb.Escape), waitJS(`document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`))
	if f := deepFocus(t, ctx); f != "placeholder:a" {
		t.Errorf("after Esc the focus is on %s, want the placeholder's link", f)
	}
}

// bannerJar reads the site's cookies through CDP.
func bannerJar(t *testing.T, ctx context.Context, s *bannerSite) map[string]string {
	t.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{s.url("localhost", "/")}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range res.Cookies {
		out[c.Name] = c.Value
	}
	return out
}

// TestBannerPlaceholdersWithoutJavaScript: the server's placeholders alone.
// They have the size of the embed's width and height attributes (the
// default size without them); their button is a form that records the
// category together with those granted before and comes back to the page,
// where the embed now loads.
func TestBannerPlaceholdersWithoutJavaScript(t *testing.T) {
	s := newBannerSite(t)
	ctx, cancel := context.WithTimeout(startChromium(t), 300*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(bannerPageHTML("en", ""), `<div id="later"></div>`,
		`<p>A clip and a jingle: <video src="http://video.tracker.test:{P}/clip.mp4" width="320" height="180" controls></video>
<audio src="http://video.tracker.test:{P}/jingle.mp3" controls></audio></p>`, 1)
	u := s.page("/films", bannerPage{body: body}) + "?lang=en&x=1"
	viewport(t, ctx, 1280, 900)
	run(t, ctx, chromedp.Navigate(u), waitJS(`document.readyState == 'complete'`))
	phs := evalJS[[]placeholderInfo](t, ctx, placeholdersJS)
	wantSize := [][2]float64{{562, 317}, {302, 152}, {302, 152}, {322, 182}, {302, 0}}
	if len(phs) != len(wantSize) {
		t.Fatalf("%d placeholders, want %d: %+v", len(phs), len(wantSize), phs)
	}
	for i, p := range phs {
		w := wantSize[i]
		// As high as the embed, or as its text needs.
		if p.Box[2] != w[0] || p.Box[3] < w[1] || p.Box[3] > w[1] && p.Box[3] > 170 || p.EmbedBox[2] != 0 {
			t.Errorf("placeholder %d (%s) is %vx%v, want %vx%v (its embed %vx%v)", i, p.Embed, p.Box[2], p.Box[3], w[0], w[1], p.EmbedBox[2], p.EmbedBox[3])
		}
		if p.Title == "" || p.Button == "" || p.Link != "Cookie settings" {
			t.Errorf("placeholder %d: %+v", i, p)
		}
	}
	// Allow preferences in the chat's placeholder, then marketing in the film's.
	run(t, ctx, clickPlaceholder(2))
	waitNavigated(t, ctx, `document.querySelectorAll('[data-cg-ph]').length == 4`)
	if c := s.codec.Decode(bannerJar(t, ctx, s)["cookie_consent"]); !slices.Equal(s.policy.IDs(c.Granted), []string{"necessary", "preferences"}) {
		t.Errorf("after allowing preferences the consent is %+v", c)
	}
	run(t, ctx, clickPlaceholder(0))
	waitNavigated(t, ctx, `document.querySelectorAll('[data-cg-ph]').length == 0`)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if loc != u {
		t.Errorf("after the choice the browser is on %s, want %s", loc, u)
	}
	if c := s.codec.Decode(bannerJar(t, ctx, s)["cookie_consent"]); !slices.Equal(s.policy.IDs(c.Granted), []string{"necessary", "preferences", "marketing"}) {
		t.Errorf("after allowing marketing too the consent is %+v (the earlier grant must stay)", c)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll('iframe[src*="youtube.test"], iframe[src*="chat.tracker.test"], video[src]').length`); n != 3 {
		t.Errorf("%d embeds load after the grants, want 3", n)
	}
}

// TestBannerBaseHref: a <base href> elsewhere moves neither our scripts and
// style sheets nor the choice: with Page.Origin every URL of ours is
// absolute, and banner.js posts to the page's own origin. Without Origin (the
// control) the same page sends them to the other host.
func TestBannerBaseHref(t *testing.T) {
	s := newBannerSite(t)
	head := `<base href="http://elsewhere.test:{P}/">`
	ours := func() []string {
		var out []string
		for _, h := range s.thirdPartyHits() {
			if strings.HasPrefix(h, "elsewhere.test/_consent/") {
				out = append(out, h)
			}
		}
		return out
	}
	ctx, cancel := context.WithTimeout(startChromium(t), 300*time.Second)
	defer cancel()
	freshVisit(t, ctx, s.page("/based", bannerPage{body: bannerPageHTML("en", head)}))
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`window.marker = 1`),
		chromedp.Click(inBanner(`#cg-banner button[value="accept_all"]`)),
		waitJS(`document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden && document.querySelectorAll('iframe[src*="youtube.test"]').length == 1`))
	if c := s.codec.Decode(bannerJar(t, ctx, s)["cookie_consent"]); !c.Given || c.Granted != s.policy.All() || evalJS[int](t, ctx, `window.marker || 0`) != 1 {
		t.Errorf("accept all under <base href>: consent %+v, no reload %v", c, evalJS[int](t, ctx, `window.marker || 0`) == 1)
	}
	if h := ours(); len(h) != 0 {
		t.Errorf("with Origin, requests of ours went to the <base href> host: %v", h)
	}
	// The control: the same page without Origin.
	run(t, ctx, chromedp.Navigate(s.page("/based-relative", bannerPage{body: bannerPageHTML("en", head), noOrigin: true})), waitJS(`document.readyState == 'complete'`))
	if h := ours(); len(h) == 0 {
		t.Errorf("without Origin nothing of ours went to the <base href> host: the test cannot see the problem")
	}
}

// bannerColours reads the banner's and the first placeholder's background.
func bannerColours(t *testing.T, ctx context.Context) [2]string {
	return evalJS[[2]string](t, ctx, `[getComputedStyle(document.getElementById('cg').shadowRoot.getElementById('cg-banner')).backgroundColor,
		getComputedStyle(document.querySelector('[data-cg-ph]').shadowRoot.querySelector('.ph')).backgroundColor]`)
}

// TestBannerColourScheme: dark colours only where the page supports a dark
// scheme (<meta name="color-scheme"> or color-scheme in its CSS) and the
// visitor prefers dark; a light-only page keeps a light banner in dark mode.
func TestBannerColourScheme(t *testing.T) {
	s := newBannerSite(t)
	light, dark := [2]string{"rgb(255, 255, 255)", "rgb(255, 255, 255)"}, [2]string{"rgb(31, 33, 37)", "rgb(31, 33, 37)"}
	pages := []struct {
		name, head string
		inDark     [2]string // with prefers-color-scheme: dark
		inLight    [2]string
	}{
		{"light only", "", light, light},
		{"meta light dark", `<meta name="color-scheme" content="light dark">`, dark, light},
		{"css light dark", `<link rel="stylesheet" href="/css/dark.css">`, dark, light},
		{"meta dark only", `<meta name="color-scheme" content="dark">`, dark, dark},
	}
	ctx, cancel := context.WithTimeout(startChromium(t), 300*time.Second)
	defer cancel()
	for i, pg := range pages {
		u := s.page(fmt.Sprintf("/scheme%d", i), bannerPage{body: bannerPageHTML("en", pg.head)})
		for _, scheme := range []string{"dark", "light"} {
			colorScheme(t, ctx, scheme)
			freshVisit(t, ctx, u)
			want := pg.inLight
			if scheme == "dark" {
				want = pg.inDark
			}
			if got := bannerColours(t, ctx); got != want {
				t.Errorf("%s, visitor prefers %s: banner and placeholder backgrounds %v, want %v", pg.name, scheme, got, want)
			}
		}
	}
}

// checkBannerLanguage: the banner, its settings and the placeholders are in
// lang (their lang attributes and texts).
func checkBannerLanguage(t *testing.T, ctx context.Context, u, lang string, b *assets.Bundle) {
	t.Helper()
	freshVisit(t, ctx, u)
	got := evalJS[struct {
		Host, Inner, Title, Accept string
		Placeholders               []string
	}](t, ctx, `(() => { const h = document.getElementById('cg'), sr = h.shadowRoot;
		return {host: h.lang, inner: sr.querySelector('.cg').lang, title: sr.getElementById('cg-title').textContent,
			accept: (sr.querySelector('button[value=accept_all]') || {}).textContent,
			placeholders: [...document.querySelectorAll('[data-cg-ph]')].map(p => p.shadowRoot.querySelector('.ph').lang + ':' + p.shadowRoot.querySelector('.ph-a').textContent)}; })()`)
	title := b.Text("banner_title", lang)
	if got.Host != lang || got.Inner != lang || got.Title != title && got.Title != b.Text("notice_title", lang) {
		t.Errorf("%s: banner in %s/%s titled %q, want %s (%q)", u, got.Host, got.Inner, got.Title, lang, title)
	}
	for _, p := range got.Placeholders {
		if p != lang+":"+b.Text("cookie_settings", lang) {
			t.Errorf("%s: placeholder %q, want it in %s", u, p, lang)
		}
	}
}

func TestBannerLanguage(t *testing.T) {
	s := newBannerSite(t)
	ctx, cancel := context.WithTimeout(startChromium(t), 300*time.Second)
	defer cancel()
	for _, lang := range []string{"sv", "en"} {
		checkBannerLanguage(t, ctx, s.page("/lang-"+lang, bannerPage{body: bannerPageHTML(lang, "")})+"?lang="+lang, lang, s.bundle)
	}
}

// TestBannerChecksCanFail runs the checks on pages made to fail them, so that
// a passing check means something.
func TestBannerChecksCanFail(t *testing.T) {
	s := newBannerSite(t)
	u := bannerTestPages(s)["films"]
	ctx, cancel := context.WithTimeout(startChromium(t), 300*time.Second)
	defer cancel()
	viewport(t, ctx, 390, 844)

	// Nothing hidden: without the spacer the end of the page is under the banner.
	freshVisit(t, ctx, u)
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('cg').shadowRoot.querySelector('.cg-sp').style.display = 'none'`))
	if r := evalJS[hiddenReport](t, ctx, nothingHiddenJS); r.Bottom <= r.Top+1 {
		t.Errorf("without the spacer the check sees nothing hidden: %+v", r)
	}

	// Focus: an empty focusable box and a held-back embed that a site's rule
	// shows and makes focusable are found. (Chromium skips a held-back iframe
	// or a video without a source in the Tab order even when it is shown.)
	freshVisit(t, ctx, s.page("/bad-focus", bannerPage{body: strings.Replace(bannerPageHTML("en", `<link rel="stylesheet" href="/css/unhide.css">`),
		"<h1>", `<div tabindex="0" class="empty"></div><video src="http://video.tracker.test:{P}/clip.mp4" tabindex="0" width="320" height="180"></video><h1>`, 1)}))
	var empty, held bool
	for _, st := range tabWalk(t, ctx, 100) {
		empty = empty || st.Empty && strings.HasPrefix(st.Where, "page:div")
		held = held || st.Held
	}
	if !empty || !held {
		t.Errorf("the Tab walk found an empty stop %v, a held-back embed %v; want both", empty, held)
	}

	// Isolation: a changed style inside the banner is a difference.
	freshVisit(t, ctx, u)
	before := styleSnapshot(t, ctx, true, "^$")
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('cg').shadowRoot.querySelector('.cg-title').style.letterSpacing = '1px'`))
	if d := diffSnapshots(before, styleSnapshot(t, ctx, true, "^$")); len(d) == 0 {
		t.Errorf("the snapshots do not see a changed letter-spacing")
	}
	// Leaving the site alone: a global rule is a difference.
	site := evalJS[[]styledElement](t, ctx, siteSnapshotJS)
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('cg').shadowRoot.querySelector('link').sheet.insertRule('a { color: red }')`))
	if d := diffSnapshots(site, evalJS[[]styledElement](t, ctx, siteSnapshotJS)); len(d) != 0 {
		t.Errorf("a rule inside the shadow root changed the site: %v", d)
	}
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('link[href*="/_consent/banner.css"]').sheet.insertRule('a { color: red }')`))
	if d := diffSnapshots(site, evalJS[[]styledElement](t, ctx, siteSnapshotJS)); len(d) == 0 {
		t.Errorf("the site snapshot does not see a global rule in the page's copy of our style sheet")
	}
}

// --- the declaration page

// brokenWordsJS lists the words of the page's main content that are broken
// across lines: every word of a cookie name (the parts between the line
// break opportunities the page gives) or of a provider's host name, and
// every other word of up to 30 characters (a long address may break), where
// a line may break after a hyphen, as in any text ("e-|tjänster").
const brokenWordsJS = `(() => {
	const bad = [], w = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
	for (let n; (n = w.nextNode());) {
		const code = !!n.parentElement.closest('code, td.provider'), re = code ? /\S+/g : /[^\s-]+-?/g;
		for (let m; (m = re.exec(n.data));) {
			if (!code && m[0].length > 30) continue;
			const r = document.createRange();
			r.setStart(n, m.index);
			r.setEnd(n, m.index + m[0].length);
			const lines = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.bottom)));
			if (lines.size > 1) bad.push(m[0]);
		}
	}
	return bad;
})()`

type declarationLayout struct {
	Overflow, Cards, Rows, CardsFullWidth int
	HeadVisible                           bool
}

const declarationLayoutJS = `(() => {
	const se = document.scrollingElement, rows = [...document.querySelectorAll('tbody tr')];
	let overflow = se.scrollWidth - se.clientWidth;
	document.querySelectorAll('.cookies').forEach(c => overflow = Math.max(overflow, c.scrollWidth - c.clientWidth));
	return {overflow, rows: rows.length,
		cards: rows.filter(r => getComputedStyle(r).display == 'block').length,
		cardsFullWidth: rows.filter(r => Math.abs(r.getBoundingClientRect().width - r.closest('.cookies').clientWidth) < 2).length,
		headVisible: [...document.querySelectorAll('thead')].some(h => h.getBoundingClientRect().height > 2)};
})()`

// TestDeclarationReadable: the declaration page of both seeds reads from 360
// to 1920 pixels: nothing wider than the screen, no word broken inside (a
// cookie name breaks only between its words), a table on wide screens and
// one card per cookie on narrow ones, with the table's semantics kept for
// screen readers. Screenshots at 360 and 1280 pixels (Chromium) go to
// docs/screenshots when CONSENTGATE_SCREENSHOTS is set.
func TestDeclarationReadable(t *testing.T) {
	dir := t.TempDir()
	if os.Getenv("CONSENTGATE_SCREENSHOTS") != "" {
		dir = "../docs/screenshots"
	}
	for _, site := range proxiedSites[1:] { // the seeds: almi, fora
		t.Run(site.name, func(t *testing.T) {
			base := strings.TrimSuffix(site.start(t), "/")
			ctx, cancel := context.WithTimeout(startChromium(t), 180*time.Second)
			defer cancel()
			for _, lang := range []string{"sv", "en"} {
				u := base + "/_consent/declaration?lang=" + lang
				for _, width := range []int64{360, 390, 768, 1024, 1280, 1920} {
					what := fmt.Sprintf("%s %s at %d px", site.name, lang, width)
					viewport(t, ctx, width, 900)
					run(t, ctx, chromedp.Navigate(u), waitJS(`document.readyState == 'complete'`))
					if bad := evalJS[[]string](t, ctx, brokenWordsJS); len(bad) != 0 {
						t.Errorf("%s: words broken across lines: %q", what, bad)
					}
					l := evalJS[declarationLayout](t, ctx, declarationLayoutJS)
					narrow := width <= 768
					if l.Overflow > 0 || l.Rows < 5 {
						t.Errorf("%s: %d px wider than the screen (%d rows)", what, l.Overflow, l.Rows)
					}
					if narrow && (l.Cards != l.Rows || l.CardsFullWidth != l.Rows || l.HeadVisible) || !narrow && (l.Cards != 0 || !l.HeadVisible) {
						t.Errorf("%s: %+v, want one full-width card per cookie below 48rem, a table above", what, l)
					}
					if narrow {
						checkTableSemantics(t, ctx, what)
					}
					if lang == "sv" && site.name == "almi" && (width == 360 || width == 1280) {
						// The screen where the cookies begin.
						run(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('section[aria-labelledby^=category] h2').scrollIntoView()`))
						png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
						if err != nil {
							t.Fatal(err)
						}
						if err := os.WriteFile(fmt.Sprintf("%s/declaration-%d.png", dir, width), png, 0o644); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
		})
	}
}

// checkTableSemantics: the cards keep the table's roles in the accessibility
// tree (column headers, row headers, cells), so that a screen reader still
// reads each value with its column's name.
func checkTableSemantics(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	res, err := chromedp.Call(ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]int{}
	for _, n := range res.Nodes {
		if n.Role != nil {
			roles[strings.Trim(string(n.Role.Value), `"`)]++
		}
	}
	if roles["table"] == 0 || roles["columnheader"] == 0 || roles["rowheader"] == 0 || roles["cell"] == 0 {
		t.Errorf("%s: the cards lost the table's roles: %v", what, roles)
	}
}

// TestBannerScreenshots renders the placeholders (after "reject all", with
// the cookie-settings button) light and dark, into docs/screenshots when
// CONSENTGATE_SCREENSHOTS is set.
func TestBannerScreenshots(t *testing.T) {
	dir := t.TempDir()
	if os.Getenv("CONSENTGATE_SCREENSHOTS") != "" {
		dir = "../docs/screenshots"
	}
	s := newBannerSite(t)
	u := s.page("/films", bannerPage{body: bannerPageHTML("sv", `<link rel="stylesheet" href="/css/dark.css">`)})
	ctx, cancel := context.WithTimeout(startChromium(t), 300*time.Second)
	defer cancel()
	viewport(t, ctx, 1000, 700)
	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, ctx, scheme)
		freshVisit(t, ctx, u+"?lang=sv")
		run(t, ctx, chromedp.Click(inBanner(`#cg-banner button[value="reject_all"]`)),
			waitJS(`document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`),
			chromedp.Evaluate[chromedp.Void](`document.getElementById('cg').shadowRoot.activeElement.blur(); scrollTo(0, 120)`))
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir+"/placeholders-"+scheme+".png", png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBannerTakesUpChoicesMadeElsewhere: a visitor chooses while another
// document of the site still shows the banner. The other frames of a
// frameset, and a same-origin iframe (which shows no banner of its own: the
// page around it asks), take the choice up at once; another tab, and a page
// the back button restores from the back-forward cache, when shown again.
// Either way the banner closes and the tracker it held back is let in,
// without a reload and without asking again. (Headless Chromium has no
// window to switch, so the test fires the event a tab switch fires.)
func TestBannerTakesUpChoicesMadeElsewhere(t *testing.T) {
	pageOf := func(name string) string {
		return `<!DOCTYPE html><html lang="en"><head><title>` + name + `</title></head><body><h1>` + name + `</h1>` +
			`<img id="t" src="http://stats.localhost/collect.gif" alt=""></body></html>`
	}
	base := siteBehindProxy(t, map[string]string{
		"/page": pageOf("page"), "/embed": pageOf("embed"), "/a": pageOf("a"), "/b": pageOf("b"),
		"/with-iframe": `<!DOCTYPE html><html lang="en"><head><title>page</title></head><body><h1>page</h1>` +
			`<img id="t" src="http://stats.localhost/collect.gif" alt=""><iframe id="f" src="/embed" width="400" height="200"></iframe></body></html>`,
		"/frames": `<!DOCTYPE html><html lang="en"><head><title>frames</title></head><frameset cols="50%,50%"><frame src="/a"><frame src="/b"></frameset></html>`,
		// WordPress embeds a post in <iframe sandbox="allow-scripts">: an opaque
		// origin, without cookies. The embed says how it stands by a message.
		"/with-sandboxed": `<!DOCTYPE html><html lang="en"><head><title>page</title></head><body><h1>page</h1>` +
			`<script>addEventListener('message', e => { window.embedState = e.data })</script>` +
			`<iframe id="f" sandbox="allow-scripts" src="/sandboxed-embed" width="400" height="200"></iframe></body></html>`,
		"/sandboxed-embed": `<!DOCTYPE html><html lang="en"><head><title>embed</title></head><body><h1>embed</h1>` +
			`<img id="t" src="http://stats.localhost/collect.gif" alt="">` +
			`<script>addEventListener('load', () => setTimeout(() => { const r = document.getElementById('cg').shadowRoot; ` +
			`parent.postMessage([window.consentgate ? 'guard' : 'no guard', r.querySelector('#cg-banner').hidden ? 'closed' : 'open', ` +
			`r.querySelector('.cg-open').hidden ? 'no link' : 'link', document.getElementById('t').hasAttribute('src') ? 'loaded' : 'held'].join(','), '*') }, 300))</script></body></html>`,
	}, "")
	// In a document (doc: a JS expression): the banner is shown, the tracker held back.
	state := func(doc string) string {
		return `(d => (d.getElementById('cg').shadowRoot.querySelector('#cg-banner').hidden ? 'closed' : 'open') + ',' +
			(d.getElementById('t').hasAttribute('src') ? 'loaded' : 'held'))(` + doc + `)`
	}
	// wait evaluates expr until it gives want, for 10 s (one evaluation at a time:
	// a page restored from the back-forward cache runs in a new context, which
	// chromedp's Poll loses).
	wait := func(t *testing.T, ctx context.Context, what, expr, want string) {
		t.Helper()
		var got string
		var err error
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if got, err = chromedp.Run(ctx, chromedp.Evaluate[string](expr)); err == nil && got == want {
				return
			}
		}
		t.Fatalf("%s: %q, want %q (%v)", what, got, want, err)
	}

	t.Run("tabs", func(t *testing.T) {
		ctxA, cancel := context.WithTimeout(startChromium(t), 60*time.Second)
		defer cancel()
		ctxB, cancelB := chromedp.NewContext(ctxA)
		defer cancelB()
		for _, ctx := range []context.Context{ctxA, ctxB} {
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/page"), chromedp.WaitVisible(inBanner(`#cg-banner`))); err != nil {
				t.Fatal(err)
			}
		}
		if err := chromedp.Do(ctxA, chromedp.Click(inBanner(`#cg-banner button[value="accept_all"]`))); err != nil {
			t.Fatal(err)
		}
		wait(t, ctxA, "the tab where the visitor chose", state("document"), "closed,loaded")
		wait(t, ctxB, "the other tab, before it is shown again", state("document"), "open,held")
		if _, err := chromedp.Call(ctxB, page.BringToFront, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctxB, chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new Event('visibilitychange'))`)); err != nil {
			t.Fatal(err)
		}
		wait(t, ctxB, "the other tab, shown again", state("document"), "closed,loaded")
	})

	t.Run("back-forward-cache", func(t *testing.T) {
		// The visitor goes on to another page, chooses there, and comes back: the
		// page restored from the back-forward cache still shows the banner it was
		// made with until it reads the consent again.
		ctx := openWithBanner(t, base+"/page")
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.addEventListener('pageshow', e => { window.restored = e.persisted }), 1`)); err != nil {
			t.Fatal("listen: ", err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/a")); err != nil {
			t.Fatal("navigate: ", err)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(inBanner(`#cg-banner button[value=reject_all]`)),
			chromedp.Click(inBanner(`#cg-banner button[value="accept_all"]`))); err != nil {
			t.Fatal("choose: ", err)
		}
		wait(t, ctx, "the page where the visitor chose", state("document"), "closed,loaded")
		// (A restore fires no load event, which chromedp.NavigateBack waits for.)
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`history.back(), 1`)); err != nil {
			t.Fatal(err)
		}
		wait(t, ctx, "the page restored from the cache", `String(window.restored)`, "true")
		wait(t, ctx, "the page restored from the cache", state("document"), "closed,loaded")
	})

	t.Run("iframe", func(t *testing.T) {
		// A same-origin iframe (a post embed) shows no banner of its own and no
		// settings link: the page around it asks, and hands the choice down.
		ctx := openWithBanner(t, base+"/with-iframe")
		embed := `document.getElementById('f').contentDocument`
		settings := `(d => d.getElementById('cg').shadowRoot.querySelector('.cg-open').hidden ? 'no link' : 'link')(` + embed + `)`
		wait(t, ctx, "the embed", `(() => { try { return `+state(embed)+` } catch (e) { return String(e) } })()`, "closed,held")
		wait(t, ctx, "the embed's settings link", settings, "no link")
		if err := chromedp.Do(ctx, chromedp.Click(inBanner(`#cg-banner button[value="accept_all"]`))); err != nil {
			t.Fatal(err)
		}
		wait(t, ctx, "the page", state("document"), "closed,loaded")
		wait(t, ctx, "the embed", state(embed), "closed,loaded")
		wait(t, ctx, "the page's settings link", `document.getElementById('cg').shadowRoot.querySelector('.cg-open').hidden ? 'no link' : 'link'`, "link")
	})

	t.Run("sandboxed-iframe", func(t *testing.T) {
		// A sandboxed iframe (WordPress's post embeds, on the site and on other
		// sites) can keep no choice: no cookies, and its requests come from an
		// opaque origin, which the consent endpoint refuses. Its guard holds the
		// tracker; no banner or settings link asks for what cannot be kept.
		ctx := openWithBanner(t, base+"/with-sandboxed")
		wait(t, ctx, "the sandboxed embed", `String(window.embedState)`, "guard,closed,no link,held")
	})

	t.Run("frames", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(startChromium(t), 60*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/frames")); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"frames[0].document", "frames[1].document"} {
			wait(t, ctx, f, `(() => { try { return `+state(f)+` } catch (e) { return String(e) } })()`, "open,held")
		}
		// The visitor clicks "Accept all" in the first frame (input events: a
		// script's click posts no choice).
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.JSPath(
			`frames[0].document.getElementById('cg').shadowRoot.querySelector('#cg-banner button[value=accept_all]')`))); err != nil {
			t.Fatal(err)
		}
		// The other frame takes it up at once, and so does the frameset's guard, which
		// also guards the frames (were it still refusing, it would hold back what they
		// let in).
		wait(t, ctx, "the frame where the visitor chose", state("frames[0].document"), "closed,loaded")
		wait(t, ctx, "the other frame", state("frames[1].document"), "closed,loaded")
		wait(t, ctx, "the frameset", `consentgate.granted().includes('statistics') ? 'granted' : 'refused'`, "granted")
	})
}
