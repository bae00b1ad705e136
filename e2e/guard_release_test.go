//go:build browser

package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/consentgate/consentgate/internal/testshared"
)

// The guard's release, through the real proxy (Caddy with cookie_consent) in
// front of a loopback upstream, in Chromium: what a grant lets in must run as
// it would have run on a direct visit (found by a probe in Chromium 156). The
// site is http://www.release.test:PORT; the trackers answer on another
// loopback port under their names: www.googletagmanager.com (statistics, and
// the inline marker "gtag("), ads.example and widgets.tracker.test
// (marketing). (Chromium's HSTS preload list upgrades some real tracker hosts
// to https, so these are plain-HTTP ones.)

const releasePolicy = `version: 1
revision: 1
languages: [en]
site:
  name: Release AB
undeclared: block
categories:
  - id: necessary
  - id: statistics
  - id: marketing
cookies:
  - {name: session, category: necessary, provider: www.release.test, type: http, duration: session, purpose: {en: Keeps the cart.}}
blockers:
  - category: statistics
    hosts: [www.googletagmanager.com]
    inline: ["gtag("]
  - category: marketing
    hosts: [ads.example, widgets.tracker.test]
`

// releaseSite is the proxy, its upstream pages, the trackers and the consent
// records the proxy writes (a file).
type releaseSite struct {
	base, tracker, records string

	mu    sync.Mutex
	pages map[string]string
	hits  []string
}

// A tracker's script, /x.js?n=NAME: it records NAME in window.ran, the time
// it ran in window.at[NAME] and document.currentScript.async in
// window.as[NAME]; delay=DURATION answers late, status=N answers N.
const releaseTrackerJS = `(window.ran = window.ran || []).push(%[1]q);
(window.at = window.at || {})[%[1]q] = performance.now();
(window.as = window.as || {})[%[1]q] = document.currentScript ? document.currentScript.async : null;
`

func startReleaseSite(t *testing.T) *releaseSite {
	t.Helper()
	return startReleaseSiteAt(t, "www.release.test", "")
}

// startReleaseSiteAt serves the site at http://HOST:PORT; options go into the
// cookie_consent block (a secret).
func startReleaseSiteAt(t *testing.T, host, options string) *releaseSite {
	t.Helper()
	s := &releaseSite{pages: map[string]string{}}
	tracker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits = append(s.hits, r.Host+r.URL.RequestURI())
		s.mu.Unlock()
		q := r.URL.Query()
		if d, err := time.ParseDuration(q.Get("delay")); err == nil {
			time.Sleep(d)
		}
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if n, err := strconv.Atoi(q.Get("status")); err == nil {
			w.WriteHeader(n)
			return
		}
		switch r.URL.Path {
		case "/x.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprintf(w, releaseTrackerJS, q.Get("n"))
		case "/frame.html":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<!DOCTYPE html><title>widget</title><p>a widget")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(tracker.Close)
	_, s.tracker, _ = net.SplitHostPort(tracker.Listener.Addr().String())
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		page, ok := s.pages[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprint(w, page)
	}))
	t.Cleanup(upstream.Close)
	dir := t.TempDir()
	policy := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policy, []byte(releasePolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	s.records = filepath.Join(dir, "records.log")
	port := fmt.Sprint(testshared.FreePort(t))
	s.base = "http://" + host + ":" + port
	runCaddyfile(t, fmt.Sprintf(`{
	admin off
	grace_period 100ms
	log cgrecords {
		output file %s
		format json
		include http.handlers.cookie_consent.records
	}
}
http://%s:%s {
	cookie_consent {
		policy %s
		%s
	}
	reverse_proxy %s
}
`, s.records, host, port, policy, options, strings.TrimPrefix(upstream.URL, "http://")), port)
	return s
}

// page serves body (the page's <body> content; {T} is the statistics
// tracker's base, {A} and {W} the marketing ones) at path, and returns its URL.
func (s *releaseSite) page(path, title, body string) string {
	r := strings.NewReplacer("{T}", "http://www.googletagmanager.com:"+s.tracker, "{A}", "http://ads.example:"+s.tracker, "{W}", "http://widgets.tracker.test:"+s.tracker)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path] = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>` + title + `</title>
<script>window.ev = []; window.ran = []; function log(x) { ev.push(x) }</script></head><body><h1>` + title + `</h1>
` + r.Replace(body) + `
</body></html>`
	return s.base + path
}

func (s *releaseSite) trackerHits() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hits)
}

// releaseOpen loads a page and checks that nothing of its trackers ran or
// was requested before consent.
func releaseOpen(t *testing.T, ctx context.Context, s *releaseSite, url string) {
	t.Helper()
	navigate(t, ctx, url)
	sinkSettle(ctx)
	if hits := s.trackerHits(); len(hits) != 0 {
		t.Errorf("before consent the trackers received %q", hits)
	}
	if ran := guardEval[[]string](t, ctx, `window.ran`); len(ran) != 0 {
		t.Errorf("before consent these ran: %q", ran)
	}
}

// releaseAccept clicks "Accept all" in the banner; window.t0 is the time of
// the click.
func releaseAccept(t *testing.T, ctx context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`window.t0 = performance.now()`),
		chromedp.Click(inBanner(`#cg-banner button[value=accept_all]`)),
		waitJS(`document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`),
	); err != nil {
		t.Fatalf("accept: %v", err)
	}
}

// count is how many times each name occurs in l.
func count(l []string) map[string]int {
	m := map[string]int{}
	for _, x := range l {
		m[x]++
	}
	return m
}

// TestGuardReleaseLoadHandlers: the load and error handlers a site put on a
// script the guard held (an attribute in markup, the property, an attribute
// set by script, addEventListener; a loader's promise) fire once when the
// released script loads or fails, as on a direct visit; an inline script
// fires neither. (They never fired: the guard ran a fresh copy in its place,
// with its own handlers.)
func TestGuardReleaseLoadHandlers(t *testing.T) {
	s := startReleaseSite(t)
	ctx, cancel := context.WithTimeout(startChromium(t), 90*time.Second)
	defer cancel()
	u := s.page("/handlers", "handlers", `<script async src="{T}/x.js?n=markup" onload="log('markup-load')" onerror="log('markup-error')"></script>
<script src="{T}/x.js?n=missing&amp;status=404" onload="log('missing-load')" onerror="log('missing-error')"></script>
<script>
window.gtag = function () {};
const T = '{T}', A = '{A}';
function loadScript(u) {
	return new Promise((res, rej) => { const s = document.createElement('script'); s.src = u; s.onload = res; s.onerror = rej; document.head.appendChild(s) });
}
loadScript(A + '/x.js?n=promise').then(() => log('promise-resolved'), () => log('promise-rejected'));
loadScript(A + '/x.js?n=promise404&status=404').then(() => log('promise404-resolved'), () => log('promise404-rejected'));
const a = document.createElement('script'); a.addEventListener('load', e => log('listener-load:' + (e.target == a))); a.addEventListener('error', () => log('listener-error')); a.src = T + '/x.js?n=listener'; document.body.append(a);
const b = document.createElement('script'); b.setAttribute('onload', "log('attribute-load')"); b.setAttribute('onerror', "log('attribute-error')"); b.src = T + '/x.js?n=attribute'; document.body.append(b);
const c = document.createElement('script'); c.crossOrigin = 'anonymous'; c.integrity = 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='; c.onload = () => log('integrity-load'); c.onerror = () => log('integrity-error'); c.src = A + '/x.js?n=integrity'; document.body.append(c);
const d = document.createElement('script'); d.onload = () => log('inline-load'); d.onerror = () => log('inline-error'); d.text = "gta" + "g('event'); log('inline-ran')"; document.body.append(d);
</script>`)
	releaseOpen(t, ctx, s, u)
	if ev := guardEval[[]string](t, ctx, `window.ev`); len(ev) != 0 {
		t.Errorf("before consent these handlers fired: %q", ev)
	}
	releaseAccept(t, ctx)
	want := []string{"attribute-load", "inline-ran", "integrity-error", "listener-load:true", "markup-load", "missing-error", "promise-resolved", "promise404-rejected"}
	sinkWait(ctx, 8*time.Second, func() bool {
		ev, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.ev`))
		return err == nil && len(ev) >= len(want)
	})
	time.Sleep(500 * time.Millisecond)
	ev := guardEval[[]string](t, ctx, `window.ev`)
	got := slices.Clone(ev)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("after accept the handlers that fired: %q\nwant each once: %q", ev, want)
	}
	if ran := count(guardEval[[]string](t, ctx, `window.ran`)); ran["markup"] != 1 || ran["promise"] != 1 || ran["listener"] != 1 || ran["attribute"] != 1 || ran["integrity"] != 0 {
		t.Errorf("after accept the trackers that ran: %v", ran)
	}
}

// TestGuardReleaseNeverRunCopies: a grant runs what the browser would have
// run on a direct visit, once. Scripts inserted through innerHTML, outerHTML
// or insertAdjacentHTML never run, nor do copies (cloneNode, importNode,
// the serialised markup) of a script that ran; a held script moved by the
// site runs once, and so do scripts of document.write and
// createContextualFragment, and both of two scripts made before either was
// inserted. (The guard ran every copy: a tracker ran six times.)
func TestGuardReleaseNeverRunCopies(t *testing.T) {
	s := startReleaseSite(t)
	ctx, cancel := context.WithTimeout(startChromium(t), 90*time.Second)
	defer cancel()
	u := s.page("/copies", "copies", `<div id="wrap"><script id="held" src="{T}/x.js?n=held"></script></div>
<script id="moved" src="{T}/x.js?n=moved"></script>
<div id="a"></div><div id="b"></div><div id="c"></div><div id="d"></div>
<script>
window.gtag = function () {};
const W = '{W}', $ = id => document.getElementById(id);
$('a').innerHTML = '<script src="' + W + '/x.js?n=innerHTML"><\/script><script>gta' + 'g("event"); ran.push("innerHTML-inline")<\/script>';
$('b').insertAdjacentHTML('beforeend', '<script src="' + W + '/x.js?n=insertAdjacentHTML"><\/script>');
$('d').innerHTML = '<i></i>'; $('d').firstChild.outerHTML = '<script src="' + W + '/x.js?n=outerHTML"><\/script>';
const h = $('held');
document.body.append(h.cloneNode(true));
document.body.append(document.importNode(h, true));
$('c').innerHTML = $('wrap').innerHTML;
document.body.insertAdjacentHTML('beforeend', h.outerHTML);
document.body.appendChild($('moved'));
document.body.append(document.createRange().createContextualFragment('<script src="' + W + '/x.js?n=fragment"><\/script>'));
const t1 = document.createElement('script'); t1.src = W + '/x.js?n=twin'; const t2 = t1.cloneNode(true); document.body.append(t1, t2);
</script>
<script>document.write('<script src="{W}/x.js?n=written"><\/script>')</script>`)
	releaseOpen(t, ctx, s, u)
	releaseAccept(t, ctx)
	want := map[string]int{"held": 1, "moved": 1, "fragment": 1, "written": 1, "twin": 2}
	sinkWait(ctx, 8*time.Second, func() bool {
		ran, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.ran`))
		return err == nil && len(ran) >= 6
	})
	time.Sleep(time.Second)
	if ran := count(guardEval[[]string](t, ctx, `window.ran`)); fmt.Sprint(ran) != fmt.Sprint(want) {
		t.Errorf("after accept these ran: %v\nwant %v", ran, want)
	}
	for _, h := range s.trackerHits() {
		for _, n := range []string{"innerHTML", "insertAdjacentHTML", "outerHTML"} {
			if strings.Contains(h, "n="+n) {
				t.Errorf("a script the browser never runs was requested: %s", h)
			}
		}
	}
}

// TestGuardReleaseAsync: a slow async script does not hold back the scripts
// released after it; scripts that were parser-blocking keep their order; a
// released script's document.currentScript.async is what the browser would
// have given it (false for a script in markup without async, and for a
// script-inserted one whose async was set false). (The inline script waited
// for the slow one; every released script reported async.)
func TestGuardReleaseAsync(t *testing.T) {
	s := startReleaseSite(t)
	ctx, cancel := context.WithTimeout(startChromium(t), 90*time.Second)
	defer cancel()
	u := s.page("/async", "async", `<script async src="{A}/x.js?n=slow&amp;delay=4s"></script>
<script>window.gtag = function () {}</script>
<script>gtag('event'); ran.push('inline'); at.inline = performance.now()</script>
<script src="{T}/x.js?n=gtm"></script>
<script src="{T}/x.js?n=sync"></script>
<script defer src="{T}/x.js?n=deferred"></script>
<script>
window.at = {};
const T = '{T}';
const d = document.createElement('script'); d.src = T + '/x.js?n=inserted'; document.head.append(d);
const o = document.createElement('script'); o.async = false; o.src = T + '/x.js?n=inserted-ordered'; document.head.append(o);
</script>`)
	releaseOpen(t, ctx, s, u)
	releaseAccept(t, ctx)
	sinkWait(ctx, 10*time.Second, func() bool {
		ran, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.ran`))
		return err == nil && slices.Contains(ran, "slow") && len(ran) == 7
	})
	type result struct {
		Ran []string
		At  map[string]float64
		As  map[string]bool
		T0  float64
	}
	r := guardEval[result](t, ctx, `({ran: window.ran, at: window.at, as: window.as, t0: window.t0})`)
	if len(r.Ran) != 7 {
		t.Fatalf("after accept these ran: %q, want 7", r.Ran)
	}
	for _, n := range []string{"inline", "gtm", "sync", "inserted"} {
		if after := r.At[n] - r.T0; after > 2500 {
			t.Errorf("%s ran %.0f ms after the click: it waited for the slow async script", n, after)
		}
	}
	idx := func(n string) int { return slices.Index(r.Ran, n) }
	if !(idx("inline") < idx("gtm") && idx("gtm") < idx("sync") && idx("sync") < idx("deferred")) {
		t.Errorf("the parser-blocking scripts ran out of order: %q", r.Ran)
	}
	want := map[string]bool{"slow": true, "gtm": false, "sync": false, "deferred": false, "inserted": true, "inserted-ordered": false}
	if fmt.Sprint(r.As) != fmt.Sprint(want) {
		t.Errorf("document.currentScript.async of the released scripts: %v\nwant %v", r.As, want)
	}
}

// TestGuardReleaseFrameLoad: a held frame's load handler fires once, for the
// document it loads after the grant; not before, for the about:blank the
// held frame shows. (It fired twice.)
func TestGuardReleaseFrameLoad(t *testing.T) {
	s := startReleaseSite(t)
	ctx, cancel := context.WithTimeout(startChromium(t), 60*time.Second)
	defer cancel()
	u := s.page("/frame", "frame", `<iframe src="{W}/frame.html" onload="log('frame-load')"></iframe>
<script>
const f = document.createElement('iframe'); f.src = '{W}/frame.html?n=2'; f.addEventListener('load', () => log('frame2-load')); document.body.append(f);
const g = document.createElement('iframe'); g.addEventListener('load', () => log('own-load')); document.body.append(g);
</script>`)
	releaseOpen(t, ctx, s, u)
	if ev := guardEval[[]string](t, ctx, `window.ev`); !slices.Equal(ev, []string{"own-load"}) {
		t.Errorf("before consent these load handlers fired: %q, want only the site's own frame's", ev)
	}
	releaseAccept(t, ctx)
	sinkWait(ctx, 5*time.Second, func() bool {
		ev, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.ev`))
		return err == nil && len(ev) >= 3
	})
	time.Sleep(500 * time.Millisecond)
	ev := guardEval[[]string](t, ctx, `window.ev`)
	if c := count(ev); c["frame-load"] != 1 || c["frame2-load"] != 1 || c["own-load"] != 1 {
		t.Errorf("load handlers that fired: %q, want each once", ev)
	}
}
