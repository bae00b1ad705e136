//go:build browser

package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The banner over the life of a page, behind the real proxy (Caddy with the
// demo's policy) in real Chromium: a page made before the choice and shown
// after it (speculation rules: prefetched, prerendered), the banner on a
// right-to-left page, under a site's own bar of the highest z-index, and in a
// page whose root or body is the containing block of fixed elements
// (docs/BANNER.md).

// recordingUpstream serves pages (path → HTML) and records each request's
// path and Sec-Purpose header ("prefetch", "prefetch;prerender").
type recordingUpstream struct {
	mu   sync.Mutex
	seen []string // "path purpose"
}

func (u *recordingUpstream) saw(path, purpose string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, s := range u.seen {
		if s == path+" "+purpose {
			return true
		}
	}
	return false
}

// siteBehindProxyRecording is siteBehindProxy with the upstream's requests
// recorded.
func siteBehindProxyRecording(t *testing.T, pages map[string]string) (string, *recordingUpstream) {
	t.Helper()
	rec := &recordingUpstream{}
	return siteBehindProxySeeing(t, pages, "", func(r *http.Request) {
		rec.mu.Lock()
		rec.seen = append(rec.seen, r.URL.Path+" "+r.Header.Get("Sec-Purpose"))
		rec.mu.Unlock()
	}), rec
}

// evalUntil evaluates expr until it gives want, one evaluation at a time (a
// navigation replaces the context, which chromedp's Poll loses).
func evalUntil(t *testing.T, ctx context.Context, d time.Duration, what, expr, want string) {
	t.Helper()
	var got string
	var err error
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if got, err = chromedp.Run(ctx, chromedp.Evaluate[string](expr)); err == nil && got == want {
			return
		}
	}
	t.Fatalf("%s: %q, want %q (%v)\n%s", what, got, want, err, failureState(ctx))
}

// pageStateJS: whether the banner is open, whether the page's tracker (#t)
// is held back, and what the guard grants.
const pageStateJS = `(() => { try {
	const b = document.getElementById('cg').shadowRoot.getElementById('cg-banner');
	return (b.hidden ? 'closed' : 'open') + ',' + (document.getElementById('t').hasAttribute('src') ? 'loaded' : 'held') + ',' +
		consentgate.granted().sort().join(' ');
} catch (e) { return String(e) } })()`

// navigationJS: how the current document came: its navigation type and
// delivery type, and whether it was prerendered.
const navigationJS = `(n => n.type + ',' + (n.deliveryType || 'network') + ',' + (n.activationStart > 0 ? 'prerendered' : 'rendered'))(performance.getEntriesByType('navigation')[0])`

// TestBannerPrefetchedBeforeChoice: a page the browser fetched ahead (the
// site's speculation rules) before the visitor chose is made for no choice;
// shown after the choice, it takes the choice up at once — the banner closes
// and its tracker is let in — and one fetched with consent that the visitor
// then withdrew is held again (a reload).
func TestBannerPrefetchedBeforeChoice(t *testing.T) {
	tracked := func(name string) string {
		return `<!DOCTYPE html><html lang="en"><head><title>` + name + `</title></head><body><h1>` + name + `</h1>` +
			`<img id="t" src="http://stats.localhost/collect.gif" alt=""></body></html>`
	}
	base, up := siteBehindProxyRecording(t, map[string]string{
		"/sa": `<!DOCTYPE html><html lang="en"><head><title>sa</title>` +
			`<script type="speculationrules">{"prefetch":[{"source":"list","urls":["/sb"]}],"prerender":[{"source":"list","urls":["/sc"]}]}</script>` +
			`</head><body><h1>sa</h1><p><a id="to-sb" href="/sb">b</a> <a id="to-sc" href="/sc">c</a></p>` +
			`<img id="t" src="http://stats.localhost/collect.gif" alt=""></body></html>`,
		"/sb": tracked("sb"), "/sc": tracked("sc"), "/other": tracked("other"),
	})
	all := "marketing necessary preferences statistics"
	// waitFetchedAhead waits until the browser fetched path ahead (purpose).
	waitFetchedAhead := func(t *testing.T, path, purpose string) {
		t.Helper()
		for end := time.Now().Add(waitUntil); !up.saw(path, purpose); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("Chromium did not fetch %s ahead (%q): the test cannot see the problem", path, purpose)
			}
		}
		time.Sleep(300 * time.Millisecond) // the response stored
	}
	// follow clicks the link by script: input events would focus the window,
	// and focus makes a page look at the cookies again (banner.js's refresh).
	follow := func(t *testing.T, ctx context.Context, id, path string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('`+id+`').click()`)); err != nil {
			t.Fatal(err)
		}
		evalUntil(t, ctx, waitUntil, "the navigation", `location.pathname + ',' + document.readyState`, path+",complete")
	}

	// The page prerendered before the choice: Chromium drops the prerendered
	// document when the cookies change, and shows the response it fetched for
	// it (navigational-prefetch); if it kept it, it would be prerendered.
	for _, tc := range []struct {
		name, link, path, purpose string
		delivery                  []string
	}{
		{"prefetched", "to-sb", "/sb", "prefetch", []string{"navigate,navigational-prefetch,rendered"}},
		{"prerendered", "to-sc", "/sc", "prefetch;prerender", []string{"navigate,navigational-prefetch,rendered", "navigate,network,prerendered"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := openWithBanner(t, base+"/sa")
			waitFetchedAhead(t, tc.path, tc.purpose)
			if err := chromedp.Do(ctx, chromedp.Click(inBanner(`#cg-banner button[value="accept_all"]`))); err != nil {
				t.Fatal(err)
			}
			evalUntil(t, ctx, waitUntil, "the page where the visitor chose", pageStateJS, "closed,loaded,"+all)
			follow(t, ctx, tc.link, tc.path)
			if got := evalJS[string](t, ctx, navigationJS); !slices.Contains(tc.delivery, got) {
				t.Fatalf("%s came as %s, want one of %q: the test cannot see the problem", tc.path, got, tc.delivery)
			} else {
				t.Logf("%s came as %s", tc.path, got)
			}
			if !strings.Contains(evalJS[string](t, ctx, `document.cookie`), "cookie_consent=") {
				t.Fatal("no consent cookie after accepting")
			}
			evalUntil(t, ctx, 5*time.Second, tc.path+" after the choice", pageStateJS, "closed,loaded,"+all)
		})
	}

	t.Run("not-fetched-ahead", func(t *testing.T) {
		// A page shown as it was made reads no consent from the server: before
		// the choice and after it. Nor does a script's own grant (the cookie
		// unchanged) make it look again when the window is focused.
		reads := `String(performance.getEntriesByType('resource').filter(e => e.name.endsWith('/_consent/consent')).length)`
		ctx := openWithBanner(t, base+"/other")
		time.Sleep(300 * time.Millisecond)
		if n := evalJS[string](t, ctx, reads); n != "0" {
			t.Errorf("before the choice the page read the consent %s times", n)
		}
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.marker = 1, consentgate.grant(['statistics']), window.dispatchEvent(new Event('focus'))`)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		if got := evalJS[string](t, ctx, reads+` + ',' + window.marker`); got != "0,1" {
			t.Errorf("after a grant by script and a focus: %s consent reads, marker (1 unless reloaded)", got)
		}
		if err := chromedp.Do(ctx, chromedp.Click(inBanner(`#cg-banner button[value="accept_all"]`))); err != nil {
			t.Fatal(err)
		}
		evalUntil(t, ctx, waitUntil, "after the choice", pageStateJS, "closed,loaded,"+all)
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/sb")); err != nil {
			t.Fatal(err)
		}
		evalUntil(t, ctx, waitUntil, "a page after the choice", pageStateJS, "closed,loaded,"+all)
		time.Sleep(300 * time.Millisecond)
		if n := evalJS[string](t, ctx, reads); n != "0" {
			t.Errorf("after the choice the next page read the consent %s times", n)
		}
	})

	t.Run("withdrawn", func(t *testing.T) {
		// The visitor accepted; a page fetched ahead then carries the trackers.
		// They withdraw in another tab, and follow the link in the first.
		ctx := openWithBanner(t, base+"/other")
		if err := chromedp.Do(ctx, chromedp.Click(inBanner(`#cg-banner button[value="accept_all"]`))); err != nil {
			t.Fatal(err)
		}
		evalUntil(t, ctx, waitUntil, "the first page", pageStateJS, "closed,loaded,"+all)
		up.mu.Lock()
		up.seen = nil
		up.mu.Unlock()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/sa")); err != nil {
			t.Fatal(err)
		}
		evalUntil(t, ctx, waitUntil, "sa with consent", pageStateJS, "closed,loaded,"+all)
		waitFetchedAhead(t, "/sb", "prefetch")
		other, cancel := chromedp.NewContext(ctx)
		defer cancel()
		if err := chromedp.Do(other, chromedp.Navigate(base+"/other"),
			chromedp.Click(inBanner(`#cg-open`)), chromedp.WaitVisible(inBanner(`.cg-withdraw`)), chromedp.Click(inBanner(`.cg-withdraw`))); err != nil {
			t.Fatal(err)
		}
		evalUntil(t, other, waitUntil, "the other tab after the withdrawal", pageStateJS, "closed,held,necessary")
		follow(t, ctx, "to-sb", "/sb")
		evalUntil(t, ctx, 5*time.Second, "/sb fetched ahead with consent, shown after the withdrawal", navigationJS, "reload,network,rendered")
		evalUntil(t, ctx, waitUntil, "/sb fetched ahead with consent, shown after the withdrawal", pageStateJS, "closed,held,necessary")
	})
}

// TestBannerDirection: on a right-to-left page the banner and the
// placeholders, in a left-to-right language, are written left to right: the
// text's full stop at its end, the buttons in their order (accept, reject,
// settings from the left), also a placeholder banner.js makes at run time.
// Without JavaScript too (the dir attribute is markup).
func TestBannerDirection(t *testing.T) {
	page := func(lang string) string {
		return `<!DOCTYPE html><html lang="` + lang + `" dir="rtl"><head><title>rtl</title></head><body><h1>مرحبا</h1>` +
			`<p><iframe src="http://chat.localhost/frame.html" width="400" height="200" title="chat"></iframe></p>` +
			`<div id="later"></div><script>setTimeout(() => { const f = document.createElement('iframe'); f.src = 'http://chat.localhost/live.html'; ` +
			`f.width = 400; f.height = 200; document.getElementById('later').append(f); window.laterInserted = true }, 50)</script></body></html>`
	}
	base := siteBehindProxy(t, map[string]string{"/ar": page("ar"), "/sv": page("sv")}, "")
	const directionJS = `(() => { const sr = document.getElementById('cg').shadowRoot, d = e => e ? getComputedStyle(e).direction : 'none';
		const at = v => sr.querySelector('#cg-banner button[value=' + v + ']').getBoundingClientRect().left;
		return [d(sr.querySelector('.cg')), d(sr.getElementById('cg-text')), d(sr.querySelector('.cg-open')),
			at('accept_all') < at('reject_all') ? 'accept first' : 'reject first',
			...[...document.querySelectorAll('[data-cg-ph]')].map(h => d(h.shadowRoot.querySelector('.ph')))].join(',');
	})()`
	for _, tc := range []struct{ path, lang string }{{"/ar", "en"}, {"/sv", "sv"}} {
		t.Run(tc.path[1:], func(t *testing.T) {
			ctx := openWithBanner(t, base+tc.path)
			run(t, ctx, waitJS(`window.laterInserted && document.querySelectorAll('[data-cg-ph]').length == 2`))
			if l := evalJS[string](t, ctx, `document.getElementById('cg').lang`); l != tc.lang {
				t.Fatalf("the banner is in %s, want %s", l, tc.lang)
			}
			if got := evalJS[string](t, ctx, directionJS); got != "ltr,ltr,ltr,accept first,ltr,ltr" {
				t.Errorf("with JavaScript: %s, want the banner, its text, the settings button and both placeholders ltr, accept first", got)
			}
			if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
				t.Fatal(err)
			}
			run(t, ctx, chromedp.Navigate(base+tc.path), waitJS(`document.readyState == 'complete'`))
			if got := evalJS[string](t, ctx, directionJS); got != "ltr,ltr,ltr,accept first,ltr" {
				t.Errorf("without JavaScript: %s, want the banner, its text, the settings link and the placeholder ltr, accept first", got)
			}
		})
	}
}

// coveredJS says what is at the centre of the banner's accept button (or, when
// the banner is closed, of the cookie-settings button): ours, or the page's.
const coveredJS = `(() => { const h = document.getElementById('cg'), sr = h.shadowRoot, b = sr.getElementById('cg-banner');
	const e = b.hidden ? sr.querySelector('.cg-open') : sr.querySelector('#cg-banner button[value=accept_all]'), r = e.getBoundingClientRect();
	const x = r.left + r.width / 2, y = r.top + r.height / 2, at = document.elementFromPoint(x, y);
	return at == h && e.contains(sr.elementFromPoint(x, y)) ? 'ours' : 'covered by ' + (at ? at.localName + '#' + at.id : 'nothing') + ' at ' + Math.round(x) + ',' + Math.round(y);
})()`

// TestBannerAboveTheSite: a site's own fixed bar with the highest z-index at
// the bottom of the viewport — in the markup before the banner, or added by
// a script after it — does not cover the banner's buttons, with JavaScript
// (the banner is in the top layer) and, for the bar in the markup, without
// (the highest z-index, and the banner comes later); a click on "Accept all"
// reaches it. The cookie-settings button too.
func TestBannerAboveTheSite(t *testing.T) {
	const bar = `<div id="bar" style="position:fixed;left:0;right:0;bottom:0;height:320px;z-index:2147483647;background:#333"></div>`
	body := func(extra string) string {
		return `<!DOCTYPE html><html lang="en"><head><title>bar</title></head><body><h1>bar</h1><p>` + strings.Repeat("text ", 400) + `</p>` +
			`<img id="t" src="http://stats.localhost/collect.gif" alt="">` + extra + `</body></html>`
	}
	base := siteBehindProxy(t, map[string]string{
		"/in-markup": body(bar),
		"/by-script": body(`<script>addEventListener('load', () => { document.body.insertAdjacentHTML('beforeend', '` + bar + `'); window.barAdded = 1 })</script>`),
	}, "")
	for _, path := range []string{"/in-markup", "/by-script"} {
		t.Run(path[1:], func(t *testing.T) {
			ctx := openWithBanner(t, base+path)
			run(t, ctx, waitJS(`!!document.getElementById('bar')`))
			if got := evalJS[string](t, ctx, coveredJS); got != "ours" {
				t.Errorf("the accept button is %s", got)
			}
			run(t, ctx, chromedp.Click(inBanner(`#cg-banner button[value="reject_all"]`)))
			evalUntil(t, ctx, waitUntil, "after a click on reject all", pageStateJS, "closed,held,necessary")
			if got := evalJS[string](t, ctx, coveredJS); got != "ours" {
				t.Errorf("the cookie-settings button is %s", got)
			}
		})
	}
	t.Run("without-javascript", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(startChromium(t), 60*time.Second)
		defer cancel()
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		run(t, ctx, chromedp.Navigate(base+"/in-markup"), waitJS(`document.readyState == 'complete'`))
		if got := evalJS[string](t, ctx, coveredJS); got != "ours" {
			t.Errorf("the accept button is %s", got)
		}
		run(t, ctx, chromedp.Click(inBanner(`#cg-banner button[value="accept_all"]`)))
		waitNavigated(t, ctx, `document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`)
	})
}

// TestBannerInContainingBlocks: the root or the body as the containing block
// of fixed elements (a transform, contain: paint or layout) would put a fixed
// banner at the end of a long page; in the top layer it stays in the
// viewport, and so does the cookie-settings button. (Without JavaScript it
// is not: docs/BANNER.md, known limits.)
func TestBannerInContainingBlocks(t *testing.T) {
	pages := map[string]string{}
	for name, css := range map[string]string{
		"html-transform":   `html { transform: translateZ(0) }`,
		"html-contain":     `html { contain: paint }`,
		"body-contain":     `body { contain: layout }`,
		"body-will-change": `body { will-change: transform }`,
	} {
		pages["/"+name] = `<!DOCTYPE html><html lang="en"><head><title>` + name + `</title><style>` + css + `</style></head><body><h1>` + name + `</h1><div style="height:8000px">long</div>` +
			`<img id="t" src="http://stats.localhost/collect.gif" alt=""></body></html>`
	}
	base := siteBehindProxy(t, pages, "")
	const inViewJS = `(() => { const sr = document.getElementById('cg').shadowRoot, b = sr.getElementById('cg-banner');
		const r = (b.hidden ? sr.querySelector('.cg-open') : b).getBoundingClientRect();
		return r.top >= 0 && r.bottom <= innerHeight + 1 && r.height > 0 ? 'in view' : 'at ' + Math.round(r.top) + '..' + Math.round(r.bottom) + ' of ' + innerHeight;
	})()`
	for path := range pages {
		t.Run(path[1:], func(t *testing.T) {
			ctx := openWithBanner(t, base+path)
			if got := evalJS[string](t, ctx, `getComputedStyle(document.documentElement).transform + ' ' + getComputedStyle(document.documentElement).contain + ' ' + getComputedStyle(document.body).contain`); got == "none none none" && !strings.Contains(path, "will-change") {
				t.Fatalf("the page's style did not apply: %s", got)
			}
			viewport(t, ctx, 1280, 900)
			if got := evalJS[string](t, ctx, inViewJS); got != "in view" {
				t.Errorf("the banner is %s", got)
			}
			run(t, ctx, chromedp.Click(inBanner(`#cg-banner button[value="reject_all"]`)))
			evalUntil(t, ctx, waitUntil, "after reject all", pageStateJS, "closed,held,necessary")
			if got := evalJS[string](t, ctx, inViewJS); got != "in view" {
				t.Errorf("the cookie-settings button is %s", got)
			}
		})
	}
}
