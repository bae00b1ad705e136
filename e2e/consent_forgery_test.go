//go:build browser

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Consent forgery (docs/ENFORCEMENT.md, "In the browser: the guard"): third-
// party scripts are adversarial to consent. A tracker of a category the
// visitor granted runs in the page; it must not release or enable a category
// the visitor refused — not by calling the guard (consentgate.grant, the
// banner's take), not by writing the consent cookie, not by posting a choice
// to the consent endpoint without the visitor. Found by a probe in Chromium.
//
// The site runs through the real proxy (Caddy with cookie_consent, the
// release policy: www.googletagmanager.com statistics, ads.example and
// widgets.tracker.test marketing), its consent records written to a file.

// forgerySite is the release tests' site (guard_release_test.go), its consent
// records read too.
type forgerySite struct{ *releaseSite }

type forgeryRecord struct {
	ID      string   `json:"id"`
	Granted []string `json:"granted"`
	Method  string   `json:"method"`
}

// startForgerySite serves the site at http://HOST:PORT; options go into the
// cookie_consent block (a secret).
func startForgerySite(t *testing.T, host, options string) *forgerySite {
	t.Helper()
	return &forgerySite{startReleaseSiteAt(t, host, options)}
}

// page serves an HTML document at path ({T} is the statistics tracker's base,
// {A} and {W} the marketing ones) and returns its URL.
func (s *forgerySite) page(path, html string) string {
	r := strings.NewReplacer("{T}", "http://www.googletagmanager.com:"+s.tracker, "{A}", "http://ads.example:"+s.tracker, "{W}", "http://widgets.tracker.test:"+s.tracker)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path] = r.Replace(html)
	return s.base + path
}

// article is a page of the site with a statistics and a marketing script and a
// marketing embed (a placeholder in the server's markup); window.ran lists the
// trackers that ran.
func (s *forgerySite) article(path string) string {
	return s.page(path, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Article</title>
<script>window.ran = [];</script></head><body><h1>Article</h1>
<iframe src="{W}/frame.html" width="300" height="150" title="widget"></iframe>
<p>Text.</p>
<script src="{T}/x.js?n=stats"></script>
<script src="{A}/x.js?n=ads"></script>
</body></html>`)
}

func (s *forgerySite) takeHits() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hits
	s.hits = nil
	return h
}

// consentRecords reads the consent records written so far.
func (s *forgerySite) consentRecords(t *testing.T) []forgeryRecord {
	t.Helper()
	f, err := os.Open(s.records)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var l []forgeryRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r struct {
			Msg string `json:"msg"`
			forgeryRecord
		}
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Msg == "consent" {
			l = append(l, r.forgeryRecord)
		}
	}
	return l
}

// forgeryWait waits until js is true. (Not waitJS: chromedp's Poll runs its
// predicate as a user gesture, which gives the page the visitor's transient
// activation for the next 5 seconds; a script's post then passes as theirs.)
func forgeryWait(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	for deadline := time.Now().Add(waitUntil); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
	}
	t.Fatalf("waiting for %s\n%s", js, failureState(ctx))
}

// noActivation waits until the page has no transient activation left (a
// click of the visitor's, or of the test's, lasts 5 seconds in Chromium).
func noActivation(t *testing.T, ctx context.Context) {
	t.Helper()
	forgeryWait(t, ctx, `!navigator.userActivation.isActive`)
}

// forgeryVisit opens u as a first visit (no cookies), waits for the banner,
// and checks that nothing was let in.
func forgeryVisit(t *testing.T, ctx context.Context, s *forgerySite, u string) {
	t.Helper()
	clearCookies(t, ctx)
	navigate(t, ctx, u)
	forgeryWait(t, ctx, `document.readyState == 'complete' && !!document.getElementById('cg').shadowRoot && document.getElementById('cg').shadowRoot.querySelector('.cg-sp').style.height != '' && `+bannerShown)
	sinkSettle(ctx)
	noActivation(t, ctx)
	if ran := evalJS[[]string](t, ctx, `window.ran`); len(ran) != 0 {
		t.Fatalf("before any choice these ran: %q", ran)
	}
	s.takeHits()
}

// forgeryQuiet waits a moment and reports what ran and what reached the
// trackers since the last look.
func forgeryQuiet(t *testing.T, ctx context.Context, s *forgerySite) (ran, hits []string) {
	t.Helper()
	run(t, ctx, chromedp.Sleep(800*time.Millisecond))
	return evalJS[[]string](t, ctx, `window.ran`), s.takeHits()
}

func consentCookie(t *testing.T, ctx context.Context) string {
	t.Helper()
	for _, c := range jar(t, ctx) {
		if c.Name == "cookie_consent" {
			return c.Value
		}
	}
	return ""
}

const bannerShown = `!document.getElementById('cg').shadowRoot.getElementById('cg-banner').hidden`

// TestConsentForgeryGrant: a page script calls the guard and the banner's
// take: nothing is let in that the consent cookie does not grant, the banner
// stays, and a placeholder's "Allow" grants its category alone. The
// banner's own choice still lets in what it grants, without a reload.
func TestConsentForgeryGrant(t *testing.T) {
	s := startForgerySite(t, "www.forgery.test", "")
	ctx, cancel := context.WithTimeout(startChromium(t), 3*time.Minute)
	defer cancel()
	u := s.article("/article")

	t.Run("grant", func(t *testing.T) {
		forgeryVisit(t, ctx, s, u)
		granted := evalJS[[]string](t, ctx, `consentgate.grant(['marketing', 'statistics']).then(() => consentgate.granted())`)
		ran, hits := forgeryQuiet(t, ctx, s)
		if len(ran) != 0 || len(hits) != 0 || !slices.Equal(granted, []string{"necessary"}) {
			t.Errorf("a script's grant: ran %q, trackers reached %q, granted() %q; want nothing let in", ran, hits, granted)
		}
		if n := len(s.consentRecords(t)); n != 0 || consentCookie(t, ctx) != "" {
			t.Errorf("%d records, consent cookie %q", n, consentCookie(t, ctx))
		}
		// The visitor's own choice still lets everything in, at once.
		run(t, ctx, chromedp.Click(inBanner(`#cg-banner button[value=accept_all]`)), waitJS(`window.ran.length == 2`), waitJS(`!`+bannerShown))
		if r := s.consentRecords(t); len(r) != 1 || len(r[0].Granted) != 3 {
			t.Errorf("records after accept all: %+v", r)
		}
	})

	t.Run("take", func(t *testing.T) {
		forgeryVisit(t, ctx, s, u)
		before := len(s.consentRecords(t))
		shown := evalJS[bool](t, ctx, `consentgate.take({categories: ['necessary', 'marketing'], id: 'x', timestamp: new Date().toISOString()}), `+bannerShown)
		ran, hits := forgeryQuiet(t, ctx, s)
		if !shown || len(ran) != 0 || len(hits) != 0 || !evalJS[bool](t, ctx, bannerShown) {
			t.Errorf("a script's take: banner shown %v, ran %q, trackers reached %q; want the banner and nothing let in", shown, ran, hits)
		}
		if n := len(s.consentRecords(t)) - before; n != 0 {
			t.Errorf("%d records", n)
		}
	})

	t.Run("placeholder", func(t *testing.T) {
		forgeryVisit(t, ctx, s, u)
		before := len(s.consentRecords(t))
		run(t, ctx, chromedp.Evaluate[chromedp.Void](`consentgate.grant(['statistics'])`), chromedp.Sleep(300*time.Millisecond))
		// The visitor allows the marketing embed, and nothing else.
		run(t, ctx, waitJS(`(h => h && h.shadowRoot && h.shadowRoot.querySelector('link').sheet)(document.querySelector('[data-cg-ph]'))`), clickPlaceholder(0),
			waitJS(`!document.querySelector('[data-cg-ph]')`), waitJS(`window.ran.includes('ads')`))
		r := s.consentRecords(t)[before:]
		if len(r) != 1 || r[0].Method != "explicit" || !slices.Equal(r[0].Granted, []string{"necessary", "marketing"}) {
			t.Errorf("the placeholder's allow recorded %+v; want one explicit record granting necessary, marketing", r)
		}
		ran, _ := forgeryQuiet(t, ctx, s)
		if slices.Contains(ran, "stats") {
			t.Errorf("statistics ran: %q", ran)
		}
	})
}

// TestConsentForgeryCookie: no script writes or deletes the consent cookie —
// document.cookie in the page and in a same-origin frame, the Cookie Store
// API; the server's Set-Cookie is its only writer.
func TestConsentForgeryCookie(t *testing.T) {
	s := startForgerySite(t, "www.forgery.test", "")
	// The Cookie Store API needs a secure context.
	ctx, cancel := context.WithTimeout(startChromium(t, chromedp.Flag("unsafely-treat-insecure-origin-as-secure", s.base)), 3*time.Minute)
	defer cancel()
	u := s.article("/article")
	forgeryVisit(t, ctx, s, u)
	forged := fmt.Sprintf("1.1.necessary:marketing.%d.AAAAAAAAAAAAAAAAAAAAAA", time.Now().Unix())
	for _, js := range []string{
		`document.cookie = 'cookie_consent=` + forged + `; path=/'`,
		`document.cookie = ' cookie_consent =` + forged + `; path=/; max-age=3600'`,
		`(() => { const f = document.createElement('iframe'); document.body.append(f); f.contentDocument.cookie = 'cookie_consent=` + forged + `; path=/'; })()`,
		`cookieStore.set('cookie_consent', '` + forged + `').catch(() => {})`,
		`cookieStore.set({name: 'cookie_consent', value: '` + forged + `', path: '/'}).catch(() => {})`,
	} {
		evalJS[any](t, ctx, js)
		if c := consentCookie(t, ctx); c != "" {
			t.Errorf("%s: the consent cookie is %q", js, c)
			clearCookies(t, ctx)
		}
	}
	// The next page: still no choice.
	navigate(t, ctx, u)
	sinkSettle(ctx)
	if ran, hits := forgeryQuiet(t, ctx, s); len(ran) != 0 || len(hits) != 0 || !evalJS[bool](t, ctx, bannerShown) {
		t.Errorf("the next page: ran %q, trackers reached %q", ran, hits)
	}
	if n := len(s.consentRecords(t)); n != 0 {
		t.Errorf("%d records", n)
	}

	// A choice made, no script deletes it either.
	run(t, ctx, chromedp.Click(inBanner(`#cg-banner button[value=reject_all]`)), waitJS(`!`+bannerShown))
	set := consentCookie(t, ctx)
	if set == "" {
		t.Fatal("reject all set no consent cookie")
	}
	for _, js := range []string{
		`document.cookie = 'cookie_consent=; path=/; max-age=0'`,
		`document.cookie = 'cookie_consent=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT'`,
		`cookieStore.delete('cookie_consent').catch(() => {})`,
		`cookieStore.delete({name: 'cookie_consent', path: '/'}).catch(() => {})`,
	} {
		evalJS[any](t, ctx, js)
		if c := consentCookie(t, ctx); c != set {
			t.Fatalf("%s: the consent cookie is %q, was %q", js, c, set)
		}
	}
}

// TestConsentForgeryPost: a script posts a choice to the consent endpoint
// without the visitor (no click or key press just now): fetch, XHR,
// sendBeacon, a form it submits, a click on the banner's button: each is
// refused as a held request is, with a secret too; a GET still answers. The
// visitor's click and key press choose.
func TestConsentForgeryPost(t *testing.T) {
	s := startForgerySite(t, "www.forgery.test", "secret forgery-test-secret-0123456789abcdef")
	ctx, cancel := context.WithTimeout(startChromium(t), 3*time.Minute)
	defer cancel()
	u := s.article("/article")
	forgeryVisit(t, ctx, s, u)
	const body = `'{"choice":"accept_all"}'`
	for _, js := range []string{
		`fetch('/_consent/consent', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: ` + body + `}).then(r => 'answered ' + r.status, () => 'refused')`,
		`fetch(new Request('/_consent/%63onsent/?x=1', {method: 'post', headers: {'Content-Type': 'application/json'}, body: ` + body + `})).then(r => 'answered ' + r.status, () => 'refused')`,
		`fetch(location.origin + '/x/../_consent/consent/', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: ` + body + `}).then(r => 'answered ' + r.status, () => 'refused')`,
		`new Promise(ok => { const x = new XMLHttpRequest(); x.open('POST', '/_consent/consent'); x.setRequestHeader('Content-Type', 'application/json');
			x.onload = () => ok('answered ' + x.status); x.onerror = () => ok('refused'); x.send(` + body + `); })`,
		`navigator.sendBeacon('/_consent/consent', new Blob([` + body + `], {type: 'application/json'})) ? 'answered' : 'refused'`,
		`(() => { const f = document.createElement('form'); f.method = 'post'; f.action = '/_consent/consent';
			f.innerHTML = '<input name=choice value=accept_all><input name=return value=/article?posted>'; document.body.append(f); f.submit(); return 'refused'; })()`,
		`(() => { const f = document.createElement('form'); f.method = 'post'; f.action = '/_consent/consent';
			f.innerHTML = '<input name=return value=/article?posted><button name=choice value=accept_all>x</button>'; document.body.append(f); f.requestSubmit(); return 'refused'; })()`,
		`(() => { const f = document.createElement('form'); f.method = 'post'; f.action = '/_consent/consent';
			f.innerHTML = '<input name=return value=/article?posted><button name=choice value=accept_all>x</button>'; document.body.append(f); f.querySelector('button').click(); return 'refused'; })()`,
		`document.getElementById('cg').shadowRoot.querySelector('#cg-banner button[value=accept_all]').click(), 'refused'`,
	} {
		got := evalJS[string](t, ctx, js)
		ran, hits := forgeryQuiet(t, ctx, s)
		if got != "refused" || len(s.consentRecords(t)) != 0 || consentCookie(t, ctx) != "" || len(ran) != 0 || len(hits) != 0 {
			t.Errorf("%s: %s, records %+v, consent cookie %q, ran %q, trackers reached %q; want it refused", js, got, s.consentRecords(t), consentCookie(t, ctx), ran, hits)
			clearCookies(t, ctx)
			forgeryVisit(t, ctx, s, u)
		}
		if loc := evalJS[string](t, ctx, `location.search`); loc != "" {
			t.Errorf("%s: the page went to %s", js, loc)
			forgeryVisit(t, ctx, s, u)
		}
	}
	if got := evalJS[string](t, ctx, `fetch('/_consent/consent').then(r => r.json()).then(j => j.categories.join(' '))`); got != "necessary" {
		t.Errorf("GET /_consent/consent: %q", got)
	}
	if !evalJS[bool](t, ctx, bannerShown) {
		t.Errorf("the banner closed")
	}
	// The visitor's key press chooses (the settings, statistics only).
	run(t, ctx, chromedp.Click(inBanner(`#cg-settings summary`)), chromedp.Click(inBanner(`#cg-c-statistics`)),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('cg').shadowRoot.querySelector('#cg-settings button[value=custom]').focus()`),
		chromedp.KeyEvent(kb.Enter), waitJS(`window.ran.includes('stats')`), waitJS(`!`+bannerShown))
	if r := s.consentRecords(t); len(r) != 1 || !slices.Equal(r[0].Granted, []string{"necessary", "statistics"}) {
		t.Errorf("the visitor's choice recorded %+v", r)
	}
	// And what the visitor refused stays refused by script.
	noActivation(t, ctx)
	if got := evalJS[string](t, ctx, `fetch('/_consent/consent', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: `+body+`}).then(r => 'answered ' + r.status, () => 'refused')`); got != "refused" {
		t.Errorf("a script's post after the visitor's choice: %s", got)
	}
	if ran, _ := forgeryQuiet(t, ctx, s); slices.Contains(ran, "ads") {
		t.Errorf("marketing ran: %q", ran)
	}
}

// TestConsentForgeryFramed: a page of the site in a frame of another site
// (where the browser neither sends nor keeps the consent cookie) makes no
// placeholder for an embed held at run time, and its banner posts no
// choice, even on the visitor's click.
func TestConsentForgeryFramed(t *testing.T) {
	// Sec-Fetch-* only reach trustworthy origins: the site on localhost, the
	// other site on 127.0.0.1.
	s := startForgerySite(t, "localhost", "")
	post := s.page("/post", `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Post</title>
<style>body { margin: 0 } #go { position: absolute; left: 0; top: 0; width: 200px; height: 60px }</style></head><body>
<button id="go">go</button>
<p>A post, embedded elsewhere.</p>
<script>
document.getElementById('go').addEventListener('click', () => {
	const b = document.getElementById('cg').shadowRoot.querySelector('#cg-banner button[value=accept_all]');
	b.form.requestSubmit(b);
});
addEventListener('load', () => {
	const f = document.createElement('iframe');
	f.src = '{W}/frame.html';
	f.width = 300; f.height = 150;
	document.body.append(f);
	setTimeout(() => parent.postMessage(JSON.stringify({placeholders: document.querySelectorAll('[data-cg-ph]').length,
		held: document.querySelectorAll('iframe[data-consent]').length}), '*'), 800);
});
</script>
</body></html>`)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>Other blog</title><style>body { margin: 0 } iframe { position: absolute; left: 0; top: 0; border: 0 }</style></head><body>
<script>window.state = null; addEventListener('message', e => { window.state = JSON.parse(e.data) });</script>
<iframe src="%s" width="600" height="400" title="post"></iframe>
</body></html>`, post)
	}))
	defer other.Close()
	ctx, cancel := context.WithTimeout(startChromium(t), 2*time.Minute)
	defer cancel()
	run(t, ctx, chromedp.Navigate(other.URL+"/"), waitJS(`!!window.state`))
	st := evalJS[struct {
		Placeholders int `json:"placeholders"`
		Held         int `json:"held"`
	}](t, ctx, `window.state`)
	if st.Held != 1 || st.Placeholders != 0 {
		t.Errorf("the post in another site's frame: %d embeds held, %d placeholders; want 1 held and no placeholder", st.Held, st.Placeholders)
	}
	// The visitor clicks in the frame; the page's script submits the banner's form.
	run(t, ctx, chromedp.MouseClickXY(20, 20), chromedp.Sleep(1500*time.Millisecond))
	if r := s.consentRecords(t); len(r) != 0 {
		t.Errorf("the framed page posted a choice, never kept there: records %+v", r)
	}
	if hits := s.takeHits(); len(hits) != 0 {
		t.Errorf("trackers reached: %q", hits)
	}
}
