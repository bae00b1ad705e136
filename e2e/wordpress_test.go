//go:build browser && linux

package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestWordPress puts consentgate in front of a real WordPress (Debian's
// package, installed through its web installer; see wp_harness_test.go) with
// the site's trackers added by a must-use plugin, and checks, in Chromium,
// that what its owner and its visitors do ends exactly as on the same site
// without consentgate, while the trackers wait for consent. One WordPress
// serves every subtest; they run in order and build on each other (the
// owner's flows use the session the login made).
//
//	go test -tags browser -run TestWordPress ./e2e/
func TestWordPress(t *testing.T) {
	begin := time.Now()
	wp := startWordPress(t)
	// The fake trackers' certificate is the test server's own.
	browser := startChromium(t, chromedp.Flag("ignore-certificate-errors", true))
	t.Logf("setup (WordPress and Chromium): %.1fs", time.Since(begin).Seconds())
	defer func() { t.Logf("TestWordPress: %.1fs in all", time.Since(begin).Seconds()) }()

	t.Run("visitor", func(t *testing.T) { wp.visitorTracking(t, browser) })
	t.Run("html", func(t *testing.T) {
		for _, path := range []string{"/", "/hello-world/"} {
			wp.sameHTML(t, path)
		}
	})
	t.Run("compression", func(t *testing.T) { wp.sameCompression(t, "/") })

	// A visitor who made no choice: only what is necessary passes.
	t.Run("password-protected-post", func(t *testing.T) {
		wp.sameOutcome(t, newWPTab(t, browser, wp.plain), newWPTab(t, browser, wp.consent), wpPasswordPost)
	})
	t.Run("comment", func(t *testing.T) {
		wp.sameOutcome(t, newWPTab(t, browser, wp.plain), newWPTab(t, browser, wp.consent), wpComment(false))
	})
	// The commenter ticks "Save my name, email, and website in this browser
	// for the next time I comment": WordPress then shows the comment waiting
	// for moderation by its author cookies (no query parameters), and fills
	// the form in next time.
	t.Run("comment-remembered", func(t *testing.T) {
		wp.sameOutcome(t, newWPTab(t, browser, wp.plain), newWPTab(t, browser, wp.consent), wpComment(true))
	})
	// A post embedded as WordPress embeds one: the card in a sandboxed iframe
	// (an opaque origin, no cookies) keeps its size and shows no banner.
	t.Run("post-embed", func(t *testing.T) {
		wp.sameOutcome(t, newWPTab(t, browser, wp.plain), newWPTab(t, browser, wp.consent), wpPostEmbed)
	})
	t.Run("admin-ajax-visitor", func(t *testing.T) {
		wp.sameOutcome(t, newWPTab(t, browser, wp.plain), newWPTab(t, browser, wp.consent), wpAjaxVisitor)
	})

	// The owner, who answered the banner with "Reject all".
	t.Run("remember-me", func(t *testing.T) {
		wp.sameOutcome(t, wp.ownerTab(t, browser, wp.plain), wp.ownerTab(t, browser, wp.consent), wpLogin(true))
	})
	// The owner's tabs log in once, in the login subtest; when that one is
	// not selected (-run), before the first flow that needs it.
	admin := map[*wpSite]*wpTab{wp.plain: wp.ownerTab(t, browser, wp.plain), wp.consent: wp.ownerTab(t, browser, wp.consent)}
	loggedIn := false
	t.Run("login", func(t *testing.T) {
		loggedIn = true
		wp.sameOutcome(t, admin[wp.plain], admin[wp.consent], wpLogin(false))
	})
	owner := func(flow wpFlow) func(t *testing.T) {
		return func(t *testing.T) {
			if !loggedIn {
				loggedIn = true
				for _, tab := range admin {
					ctx, cancel := context.WithTimeout(tab.ctx, 60*time.Second)
					_, err := wpLogin(false)(ctx, tab)
					cancel()
					if err != nil && tab.site == wp.plain {
						t.Fatalf("logging in on the plain site: %v", err)
					}
				}
			}
			wp.sameOutcome(t, admin[wp.plain], admin[wp.consent], flow)
		}
	}
	t.Run("quick-draft", owner(wpQuickDraft))
	t.Run("quick-edit", owner(wp.quickEdit))
	t.Run("category-delete", owner(wpCategoryDelete))
	t.Run("block-editor", owner(wpBlockEditor))
	t.Run("rest-api", owner(wpRESTAPI))
	t.Run("admin-ajax", owner(wpAdminAjax))
}

// --- the visitor and the trackers

// wpTrackerCookies are the cookies the site's trackers set: from the server
// (_ga, FPID HttpOnly) and from their scripts (_ga_TEST, _fbp).
var wpTrackerCookies = []string{"FPID", "_fbp", "_ga", "_ga_TEST"}

// wpTrackerHits is what the trackers receive from one page view.
var wpTrackerHits = []string{
	"connect.facebook.net/en_US/fbevents.js",
	"www.facebook.com/tr",
	"www.google-analytics.com/g/collect",
	"www.googletagmanager.com/gtag/js",
	"www.youtube.com/embed/dQw4w9WgXcQ",
}

const wpTrackersRan = `(window.e2eTrackers && e2eTrackers.gtag === 1 && e2eTrackers.fbq === 1)`

func (wp *wpEnv) trackerState(ctx context.Context, tab *wpTab) (hits []string, cookies map[string]bool, err error) {
	hits = wp.trackers.hitsFrom(tab.site)
	slices.Sort(hits)
	hits = slices.Compact(hits)
	all, err := tab.jarNames(ctx)
	if err != nil {
		return nil, nil, err
	}
	cookies = map[string]bool{}
	for _, n := range wpTrackerCookies {
		if httpOnly, ok := all[n]; ok {
			cookies[n] = httpOnly
		}
	}
	return hits, cookies, nil
}

// visitorTracking: on the plain site the trackers run and set their cookies
// (so the fake trackers work, and the test can fail); through consentgate a
// first visit sends nothing to them and keeps their cookies out, accepting
// runs them without a reload, and withdrawing takes their cookies out of the
// jar, HttpOnly ones included. The three subtests go on in the same tabs.
func (wp *wpEnv) visitorTracking(t *testing.T, browser context.Context) {
	plain, consent := newWPTab(t, browser, wp.plain), newWPTab(t, browser, wp.consent)
	pctx, pcancel := context.WithTimeout(plain.ctx, 120*time.Second)
	defer pcancel()
	cctx, ccancel := context.WithTimeout(consent.ctx, 120*time.Second)
	defer ccancel()
	check := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var plainConsole []string
	cm := consent.mark()
	sentHits := `performance.getEntriesByType('resource').some(e => e.name.includes('/g/collect')) && performance.getEntriesByType('resource').some(e => e.name.includes('/tr?'))`

	t.Run("first-visit", func(t *testing.T) {
		// The plain site: every tracker runs on the first page view.
		pm := plain.mark()
		check(t, plain.open(pctx, "/"))
		check(t, wpWaitJS(pctx, wpTrackersRan, 10*time.Second))
		check(t, wpWaitJS(pctx, sentHits, 10*time.Second))
		hits, cookies, err := wp.trackerState(pctx, plain)
		check(t, err)
		if !slices.Equal(hits, wpTrackerHits) {
			t.Fatalf("the plain site's trackers received %q, want %q (the fake trackers do not work)", hits, wpTrackerHits)
		}
		if len(cookies) != len(wpTrackerCookies) || !cookies["FPID"] {
			t.Fatalf("the plain site's tracker cookies: %v, want all of %v, FPID HttpOnly", cookies, wpTrackerCookies)
		}
		plainConsole = plain.consoleSince(pm)

		// Through consentgate: the banner, and nothing for the trackers. The
		// visitor still has _ga and the HttpOnly FPID from a visit before
		// consentgate was installed: they go too.
		for _, c := range []struct {
			name     string
			httpOnly bool
		}{{"_ga", false}, {"FPID", true}} {
			_, err := chromedp.Call(cctx, network.SetCookie, network.SetCookieParams{
				Name: c.name, Value: "from-before", URL: wp.consent.url("/"), Path: "/", HTTPOnly: &c.httpOnly,
			})
			check(t, err)
		}
		logOffset := wp.consentLogSize()
		check(t, consent.open(cctx, "/"))
		check(t, consent.do(cctx, chromedp.WaitVisible(wpInBanner("#cg-banner"))))
		// As long as the plain site needed, and then some.
		time.Sleep(time.Second)
		hits, cookies, err = wp.trackerState(cctx, consent)
		check(t, err)
		if len(hits) > 0 || len(cookies) > 0 {
			t.Errorf("before any choice, the trackers received %q, and their cookies are in the jar: %v (true: HttpOnly)", hits, cookies)
			t.Logf("consentgate decided:\n  %s", strings.Join(wp.consentLogSince(logOffset), "\n  "))
		}
		if ran, _ := wpEval[bool](cctx, `!!window.e2eTrackers`); ran {
			t.Error("a tracker script ran")
		}
		held, err := wpEval[[]string](cctx, `[...document.querySelectorAll('[data-consent]')].map(e => e.tagName.toLowerCase() + '[' + e.dataset.consent + ']')`)
		check(t, err)
		if want := []string{"script[statistics]", "script[statistics]", "script[marketing]", "iframe[marketing]"}; !slices.Equal(held, want) {
			t.Errorf("held back %q, want %q", held, want)
		}
		// Without JavaScript the banner's forms post the choice and come back here.
		ret, err := wpEval[[]string](cctx, `[...`+wpBannerRootJS+`.querySelectorAll('#cg-banner input[name=return]')].map(i => i.value)`)
		check(t, err)
		if loc := consent.location(cctx); len(ret) == 0 || slices.ContainsFunc(ret, func(r string) bool { return r != loc }) {
			t.Errorf("the banner's forms return to %q, but the page is %q", ret, loc)
		}
	})

	t.Run("accept", func(t *testing.T) {
		// The trackers run now, without a reload, and get what they got on the plain site.
		check(t, consent.do(cctx,
			chromedp.Evaluate[chromedp.Void](`window.e2eMarker = 1`),
			chromedp.Click(wpInBanner(`#cg-banner button[value="accept_all"]`), chromedp.NodeVisible),
			chromedp.WaitNotVisible(wpInBanner("#cg-banner")),
		))
		if err := wpWaitJS(cctx, wpTrackersRan, 10*time.Second); err != nil {
			t.Errorf("the trackers did not run: %v", err)
		}
		if err := wpWaitJS(cctx, sentHits, 10*time.Second); err != nil {
			t.Errorf("the trackers sent no hits: %v", err)
		}
		if reloaded, _ := wpEval[bool](cctx, `window.e2eMarker !== 1`); reloaded {
			t.Error("accepting reloaded the page")
		}
		if err := wpWaitJS(cctx, `!!document.querySelector('iframe[src*="www.youtube.com"]')`, 5*time.Second); err != nil {
			t.Errorf("the YouTube embed did not load: %v", err)
		}
		if err := wpWaitJS(cctx, `performance.getEntriesByType('resource').some(e => e.name.includes('www.youtube.com'))`, 5*time.Second); err != nil {
			t.Errorf("the YouTube embed did not load: %v", err)
		}
		if hits, _, err := wp.trackerState(cctx, consent); err != nil || !slices.Equal(hits, wpTrackerHits) {
			t.Errorf("the trackers received %q, want %q as on the plain site (%v)", hits, wpTrackerHits, err)
		}
		// The next page view brings the server's tracking cookies too.
		check(t, consent.open(cctx, "/hello-world/"))
		check(t, plain.open(pctx, "/hello-world/"))
		_, plainCookies, err := wp.trackerState(pctx, plain)
		check(t, err)
		_, cookies, err := wp.trackerState(cctx, consent)
		check(t, err)
		if fmt.Sprint(cookies) != fmt.Sprint(plainCookies) {
			t.Errorf("the tracker cookies (true: HttpOnly) are %v, on the plain site %v", cookies, plainCookies)
		}
	})

	t.Run("withdraw", func(t *testing.T) {
		// The page reloads and every tracker cookie leaves the jar.
		check(t, consent.do(cctx,
			chromedp.Evaluate[chromedp.Void](`window.e2eMarker = 2`),
			chromedp.Click(wpInBanner("#cg-open"), chromedp.NodeVisible),
			chromedp.WaitVisible(wpInBanner("#cg-settings button.cg-withdraw")),
			chromedp.Click(wpInBanner("#cg-settings button.cg-withdraw"), chromedp.NodeVisible),
		))
		check(t, wpWaitAcrossNavigation(cctx, `window.e2eMarker !== 2 && document.readyState === "complete"`, 10*time.Second))
		time.Sleep(500 * time.Millisecond)
		_, cookies, err := wp.trackerState(cctx, consent)
		check(t, err)
		if len(cookies) > 0 {
			t.Errorf("tracker cookies are still in the jar: %v (true: HttpOnly)", cookies)
		}
		if ran, _ := wpEval[bool](cctx, `!!window.e2eTrackers`); ran {
			t.Error("a tracker script ran on the reloaded page")
		}
	})

	if extra := wpMissing(plainConsole, consent.consoleSince(cm)); len(extra) > 0 {
		t.Errorf("console errors through consentgate that the plain site does not have:\n  %s", strings.Join(extra, "\n  "))
	}
}

// --- the served page, without a browser

// wpDocumentHeaders are what Chromium sends for a navigation.
var wpDocumentHeaders = map[string]string{
	"Accept":          "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
	"Sec-Fetch-Dest":  "document",
	"Sec-Fetch-Mode":  "navigate",
	"Sec-Fetch-Site":  "none",
	"Accept-Language": "en",
}

func (wp *wpEnv) get(t *testing.T, s *wpSite, path string, headers map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url(path), nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := wpHTTP.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", s.url(path), err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", s.url(path), err)
	}
	return res, body
}

// sameHTML: the page through consentgate is the plain site's page, byte for
// byte, once the guard, the banner and the neutralised attributes are taken
// back out (wpUndoConsent), with exactly the trackers held back.
func (wp *wpEnv) sameHTML(t *testing.T, path string) {
	pres, plain := wp.get(t, wp.plain, path, wpDocumentHeaders)
	cres, served := wp.get(t, wp.consent, path, wpDocumentHeaders)
	if pres.StatusCode != http.StatusOK || cres.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %s on the plain site, %s through consentgate", path, pres.Status, cres.Status)
	}
	back, held, err := wpUndoConsent(string(served))
	if err != nil {
		t.Errorf("%s: the page through consentgate: %v", path, err)
		return
	}
	if want, got := wp.plain.normalise(string(plain)), wp.consent.normalise(back); want != got {
		t.Errorf("%s: the page through consentgate, without our insertions, is not the plain site's: %s", path, firstDifference(want, got))
	}
	var got []string
	for _, h := range held {
		got = append(got, h.tag+"["+h.category+"]")
	}
	want := []string{"script[statistics]", "script[statistics]", "script[marketing]", "img[marketing]", "iframe[marketing]"}
	if !slices.Equal(got, want) {
		t.Errorf("%s: held back %q, want %q", path, held, want)
	}
}

// sameCompression: with Accept-Encoding: gzip both sites compress the page,
// and the one through consentgate is no bigger than the plain one by more
// than 2% and our insertions.
func (wp *wpEnv) sameCompression(t *testing.T, path string) {
	headers := map[string]string{"Accept-Encoding": "gzip"}
	for k, v := range wpDocumentHeaders {
		headers[k] = v
	}
	pres, plain := wp.get(t, wp.plain, path, headers)
	cres, served := wp.get(t, wp.consent, path, headers)
	if pres.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("the plain site did not compress %s: %v (the test is wrong)", path, pres.Header)
	}
	if ce := cres.Header.Get("Content-Encoding"); ce != "gzip" {
		t.Errorf("%s through consentgate: Content-Encoding %q, want gzip as on the plain site (%d bytes, plain %d compressed)\nheaders: %v",
			path, ce, len(served), len(plain), cres.Header)
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(served))
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s through consentgate: the gzip body does not decode: %v", path, err)
	}
	zp, _ := gzip.NewReader(bytes.NewReader(plain))
	plainPage, _ := io.ReadAll(zp)
	insertions := len(page) - len(plainPage)
	limit := int(float64(len(plain))*1.02) + insertions
	t.Logf("%s compressed: %d bytes plain, %d through consentgate (%d bytes inserted, limit %d)", path, len(plain), len(served), insertions, limit)
	if len(served) > limit {
		t.Errorf("%s through consentgate: %d bytes compressed, more than %d", path, len(served), limit)
	}
}

// --- visitor flows

// wpPasswordPost: the visitor opens a password-protected post with its
// password (WordPress keeps it in the wp-postpass_<hash> cookie).
func wpPasswordPost(ctx context.Context, tab *wpTab) (wpOutcome, error) {
	if err := tab.open(ctx, "/members-only/"); err != nil {
		return nil, err
	}
	if err := tab.fill(ctx, [2]string{`.post-password-form input[name="post_password"]`, "letmein"}); err != nil {
		return nil, err
	}
	if err := tab.clickToNewPage(ctx, `.post-password-form input[type="submit"]`); err != nil {
		return nil, err
	}
	shows, err := wpEval[bool](ctx, `document.body.innerText.includes('The secret word is marmalade.')`)
	if err != nil {
		return nil, err
	}
	form, err := wpEval[bool](ctx, `!!document.querySelector('.post-password-form')`)
	if err != nil {
		return nil, err
	}
	cookies, err := tab.jarSummary(ctx, "wp-postpass")
	if err != nil {
		return nil, err
	}
	return wpOutcome{
		"page":               tab.location(ctx),
		"content shown":      fmt.Sprint(shows),
		"password form":      fmt.Sprint(form),
		"post password kept": cookies,
	}, nil
}

// wpComment: the visitor leaves a comment; it waits for moderation, and
// WordPress shows it to its author. With remember the visitor ticks "Save my
// name, email, and website in this browser for the next time I comment":
// WordPress then shows the comment by its author cookies alone (no query
// parameters), and fills the form in on their next visit.
func wpComment(remember bool) func(context.Context, *wpTab) (wpOutcome, error) {
	return func(ctx context.Context, tab *wpTab) (wpOutcome, error) {
		if err := tab.open(ctx, "/hello-world/"); err != nil {
			return nil, err
		}
		who, text := "Visitor", "A comment through the ["+tab.site.name+"] site."
		if remember {
			who, text = "Remembered", "A comment whose author is remembered, through the ["+tab.site.name+"] site."
		}
		author := who + " [" + tab.site.name + "]"
		if err := tab.fill(ctx,
			[2]string{"#comment", text},
			[2]string{"#author", author},
			[2]string{"#email", strings.ToLower(who) + "-" + tab.site.name + "@example.com"},
		); err != nil {
			return nil, err
		}
		if remember {
			if _, err := wpEval[bool](ctx, `document.getElementById('wp-comment-cookies-consent').checked = true`); err != nil {
				return nil, err
			}
		}
		if err := tab.clickToNewPage(ctx, "#commentform #submit"); err != nil {
			return nil, err
		}
		v, err := wpEval[map[string]string](ctx, `({
			path: location.pathname,
			unapproved: String(new URLSearchParams(location.search).has('unapproved')),
			fragment: location.hash.replace(/\d+/, '#'),
			shown: String(document.body.innerText.includes(`+"`"+text+"`"+`)),
			moderation: String(document.body.innerText.includes('Your comment is awaiting moderation.')),
		})`)
		if err != nil || !remember {
			return wpOutcome(v), err
		}
		if err := tab.open(ctx, "/hello-world/"); err != nil {
			return nil, err
		}
		filled, err := wpEval[string](ctx, `document.getElementById('author').value`)
		if err != nil {
			return nil, err
		}
		v["author filled in next time"] = fmt.Sprint(filled == author)
		return wpOutcome(v), nil
	}
}

// wpPostEmbed: a page embeds the first post; WordPress's host script sizes
// the card's iframe to the height the card reports.
func wpPostEmbed(ctx context.Context, tab *wpTab) (wpOutcome, error) {
	if err := tab.open(ctx, "/?consentgate_e2e_embed=1"); err != nil {
		return nil, err
	}
	// The card reports its height when it has loaded and again when it
	// resizes; wait until the height has stood still for a second.
	v, err := wpEval[map[string]string](ctx, `new Promise(resolve => {
		const f = document.querySelector('iframe.wp-embedded-content');
		let last = '', since = Date.now();
		const t = setInterval(() => {
			const h = f.getAttribute('height');
			if (h != last) last = h, since = Date.now();
			else if (f.style.position != 'absolute' && Date.now() - since > 1000) clearInterval(t), resolve({height: h, shown: String(getComputedStyle(f).visibility != 'hidden')});
		}, 100);
		setTimeout(() => { clearInterval(t); resolve({height: 'unsettled ' + last, shown: String(getComputedStyle(f).visibility != 'hidden')}); }, 8000);
	})`)
	if err != nil {
		return nil, err
	}
	return wpOutcome(v), nil
}

// wpFetchJS fetches a list of requests from the page and returns, for
// each, its status, Content-Type and body.
const wpFetchJS = `(async (requests) => {
	const out = {};
	for (const [name, url, init] of requests) {
		const r = await fetch(url, Object.assign({credentials: 'same-origin'}, init || {}));
		out[name + ' status'] = r.status + ' ' + r.headers.get('content-type');
		out[name + ' body'] = await r.text();
	}
	return out;
})`

// wpAjaxVisitor: a plugin's admin-ajax endpoint answers a visitor with an
// HTML fragment, fetched by script (jQuery style and plain fetch).
func wpAjaxVisitor(ctx context.Context, tab *wpTab) (wpOutcome, error) {
	if err := tab.open(ctx, "/hello-world/"); err != nil {
		return nil, err
	}
	v, err := wpEval[map[string]string](ctx, wpFetchJS+`([
		['jquery-style', '/wp-admin/admin-ajax.php', {method: 'POST', headers: {'X-Requested-With': 'XMLHttpRequest', 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8'}, body: 'action=consentgate_e2e_fragment'}],
		['fetch', '/wp-admin/admin-ajax.php?action=consentgate_e2e_fragment'],
	])`)
	return wpOutcome(v), err
}

// --- the owner's flows

// ownerTab is a tab for the site's owner. Through consentgate the owner
// first answers the banner with "Reject all", as anyone would before working
// in the admin (the banner covers the bottom of the screen, where WordPress
// has buttons): only necessary cookies pass, and the banner's markup and the
// "cookie settings" button are still in every page.
func (wp *wpEnv) ownerTab(t *testing.T, browser context.Context, site *wpSite) *wpTab {
	t.Helper()
	tab := newWPTab(t, browser, site)
	if site != wp.consent {
		return tab
	}
	ctx, cancel := context.WithTimeout(tab.ctx, 30*time.Second)
	defer cancel()
	err := tab.open(ctx, "/wp-login.php")
	if err == nil {
		err = tab.do(ctx, chromedp.Click(wpInBanner(`#cg-banner button[value="reject_all"]`), chromedp.NodeVisible))
	}
	if err == nil {
		// The banner hides at once; the choice is made when its cookie is set.
		err = wpWaitAcrossNavigation(ctx, `document.readyState === "complete" && /(^|; )cookie_consent=/.test(document.cookie) && (b => !!b && b.hidden)(`+wpBannerRootJS+`.querySelector('#cg-banner'))`, 10*time.Second)
	}
	if err != nil {
		t.Errorf("through consentgate, rejecting all on wp-login.php: %v", err)
	}
	return tab
}

// wpLogin logs in on wp-login.php and lands on the dashboard; with
// "Remember me" the auth cookies last 14 days, else the session.
func wpLogin(remember bool) wpFlow {
	return func(ctx context.Context, tab *wpTab) (wpOutcome, error) {
		if err := tab.open(ctx, "/wp-login.php"); err != nil {
			return nil, err
		}
		if err := tab.fill(ctx, [2]string{"#user_login", tab.site.owner()}, [2]string{"#user_pass", wpAdminPass}); err != nil {
			return nil, err
		}
		if remember {
			if err := tab.do(ctx, chromedp.Click(chromedp.CSS("#rememberme"), chromedp.NodeVisible)); err != nil {
				return nil, err
			}
		}
		if err := tab.clickToNewPage(ctx, "#wp-submit"); err != nil {
			return nil, err
		}
		loginError, err := wpEval[string](ctx, `((e) => e ? e.textContent.trim() : '')(document.querySelector('#login_error'))`)
		if err != nil {
			return nil, err
		}
		// Once more, as the next admin page view would: the session must hold.
		if err := tab.open(ctx, "/wp-admin/"); err != nil {
			return nil, err
		}
		v, err := wpEval[map[string]string](ctx, `({
			page: location.pathname + (location.search.includes('reauth=1') ? ' (reauth)' : ''),
			heading: (document.querySelector('#wpbody-content h1') || {}).textContent || '',
			'login form': String(!!document.querySelector('#loginform')),
		})`)
		if err != nil {
			return nil, err
		}
		cookies, err := tab.jarSummary(ctx, "wordpress")
		if err != nil {
			return nil, err
		}
		v["auth cookies"] = cookies
		v["login error"] = loginError
		return wpOutcome(v), nil
	}
}

// wpLoggedIn fails a flow early, and says so, when the session is gone.
func wpLoggedIn(ctx context.Context, tab *wpTab) error {
	in, err := wpEval[bool](ctx, `!!document.querySelector('#wpadminbar') && !document.querySelector('#loginform')`)
	if err != nil {
		return err
	}
	if !in {
		return fmt.Errorf("not logged in: the admin page %s shows the login form (see the login subtest)", tab.location(ctx))
	}
	return nil
}

// wpQuickDraft saves a draft from the dashboard's Quick Draft box; the box is
// redrawn from the HTML the server answers (admin-ajax style, through
// post.php) and lists the draft.
func wpQuickDraft(ctx context.Context, tab *wpTab) (wpOutcome, error) {
	if err := tab.open(ctx, "/wp-admin/"); err != nil {
		return nil, err
	}
	if err := wpLoggedIn(ctx, tab); err != nil {
		return nil, err
	}
	before, err := wpEval[int](ctx, wpOurMarkupJS)
	if err != nil {
		return nil, err
	}
	title := "Quick draft [" + tab.site.name + "]"
	if err := tab.fill(ctx, [2]string{"#quick-press #title", title}, [2]string{"#quick-press #content", "Jotted down on the dashboard."}); err != nil {
		return nil, err
	}
	if err := tab.do(ctx, chromedp.Click(chromedp.CSS("#quick-press #save-post"), chromedp.NodeVisible)); err != nil {
		return nil, err
	}
	listed := wpWaitJS(ctx, `[...document.querySelectorAll('#dashboard_quick_press .drafts a')].some(a => a.textContent.includes(`+"`"+title+"`"+`))`, 15*time.Second)
	after, err := wpEval[int](ctx, wpOurMarkupJS)
	if err != nil {
		return nil, err
	}
	titleField, err := wpEval[string](ctx, `(document.querySelector('#quick-press #title') || {value: '(no form)'}).value`)
	if err != nil {
		return nil, err
	}
	return wpOutcome{
		"draft listed":         fmt.Sprint(listed == nil),
		"form ready again":     fmt.Sprintf("%q", titleField),
		"consent markup added": fmt.Sprint(after - before),
	}, nil
}

// quickEdit renames a post with Posts → Quick Edit; the row is replaced by
// the HTML admin-ajax answers.
func (wp *wpEnv) quickEdit(ctx context.Context, tab *wpTab) (wpOutcome, error) {
	id := wp.ids["quick_edit_"+tab.site.name]
	if err := tab.open(ctx, "/wp-admin/edit.php"); err != nil {
		return nil, err
	}
	if err := wpLoggedIn(ctx, tab); err != nil {
		return nil, err
	}
	before, err := wpEval[int](ctx, wpOurMarkupJS)
	if err != nil {
		return nil, err
	}
	row, editor := fmt.Sprintf("#post-%d", id), fmt.Sprintf("#edit-%d", id)
	title := "Quick edited [" + tab.site.name + "]"
	// The row actions show on hover; a click on the button is what counts.
	if _, err := wpEval[chromedp.Void](ctx, `document.querySelector('`+row+` button.editinline').click()`); err != nil {
		return nil, err
	}
	// WordPress fills the form in once it shows.
	if err := wpWaitJS(ctx, `!!document.querySelector('`+editor+` input[name="post_title"]') && document.querySelector('`+editor+` input[name="post_title"]').value !== ''`, 10*time.Second); err != nil {
		return nil, err
	}
	if err := tab.fill(ctx, [2]string{editor + ` input[name="post_title"]`, title}); err != nil {
		return nil, err
	}
	if err := tab.do(ctx, chromedp.Click(chromedp.CSS(editor+` button.save`), chromedp.NodeVisible)); err != nil {
		return nil, err
	}
	saved := wpWaitJS(ctx, `!document.querySelector('`+editor+`') && !!document.querySelector('`+row+` .row-title')`, 15*time.Second)
	shown, _ := wpEval[string](ctx, `(document.querySelector('`+row+` .row-title') || {}).textContent || ''`)
	errText, _ := wpEval[string](ctx, `[...document.querySelectorAll('.inline-edit-save .error, .inline-edit-save .notice-error')].map(e => e.textContent.trim()).join(' ')`)
	after, err := wpEval[int](ctx, wpOurMarkupJS)
	if err != nil {
		return nil, err
	}
	if err := tab.open(ctx, "/wp-admin/edit.php"); err != nil {
		return nil, err
	}
	stored, err := wpEval[string](ctx, `(document.querySelector('`+row+` .row-title') || {}).textContent || ''`)
	if err != nil {
		return nil, err
	}
	return wpOutcome{
		"row redrawn":          fmt.Sprint(saved == nil),
		"title shown":          shown,
		"error shown":          errText,
		"title stored":         stored,
		"consent markup added": fmt.Sprint(after - before),
	}, nil
}

// wpCategoryDelete adds a category and deletes it from Posts → Categories
// (admin-ajax add-tag answers XML, delete-tag answers "1").
func wpCategoryDelete(ctx context.Context, tab *wpTab) (wpOutcome, error) {
	if err := tab.open(ctx, "/wp-admin/edit-tags.php?taxonomy=category"); err != nil {
		return nil, err
	}
	if err := wpLoggedIn(ctx, tab); err != nil {
		return nil, err
	}
	before, err := wpEval[int](ctx, wpOurMarkupJS)
	if err != nil {
		return nil, err
	}
	name := "Category [" + tab.site.name + "]"
	rowJS := `[...document.querySelectorAll('#the-list tr')].find(tr => (tr.querySelector('.row-title') || {}).textContent === ` + "`" + name + "`" + `)`
	if err := tab.fill(ctx, [2]string{"#tag-name", name}); err != nil {
		return nil, err
	}
	if err := tab.do(ctx, chromedp.Click(chromedp.CSS("#addtag #submit"), chromedp.NodeVisible)); err != nil {
		return nil, err
	}
	added := wpWaitJS(ctx, `!!(`+rowJS+`)`, 15*time.Second)
	if added == nil {
		// Delete asks "You are about to permanently delete…": the owner says OK.
		if _, err := wpEval[chromedp.Void](ctx, `window.confirm = () => true; (`+rowJS+`).querySelector('a.delete-tag').click()`); err != nil {
			return nil, err
		}
	}
	gone := wpWaitJS(ctx, `!(`+rowJS+`)`, 15*time.Second)
	after, err := wpEval[int](ctx, wpOurMarkupJS)
	if err != nil {
		return nil, err
	}
	if err := tab.open(ctx, "/wp-admin/edit-tags.php?taxonomy=category"); err != nil {
		return nil, err
	}
	stored, err := wpEval[bool](ctx, `!!(`+rowJS+`)`)
	if err != nil {
		return nil, err
	}
	return wpOutcome{
		"added to the list":    fmt.Sprint(added == nil),
		"gone from the list":   fmt.Sprint(added == nil && gone == nil),
		"still stored":         fmt.Sprint(stored),
		"consent markup added": fmt.Sprint(after - before),
	}, nil
}

// wpEditorReady waits until the block editor has loaded its post.
const wpEditorReady = `!!(window.wp && wp.data && wp.data.select('core/editor') && wp.data.select('core/editor').getCurrentPostId() && document.querySelector('.editor-post-title__input'))`

// wpBlockEditor writes a draft in the block editor, sees its local backup
// written to sessionStorage, saves it, and opens it again.
func wpBlockEditor(ctx context.Context, tab *wpTab) (wpOutcome, error) {
	if err := tab.open(ctx, "/wp-admin/post-new.php"); err != nil {
		return nil, err
	}
	if err := wpLoggedIn(ctx, tab); err != nil {
		return nil, err
	}
	if err := wpWaitJS(ctx, wpEditorReady, 30*time.Second); err != nil {
		return nil, err
	}
	out := wpOutcome{}
	guide, err := wpWelcomeGuide(ctx, tab)
	if err != nil {
		return nil, err
	}
	out["welcome guide on first open"] = guide
	title := "Block draft [" + tab.site.name + "]"
	text := "Typed into a paragraph block."
	if err := tab.do(ctx,
		chromedp.Click(chromedp.CSS(".editor-post-title__input"), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS(".editor-post-title__input"), title),
		chromedp.KeyEvent("\r"),
	); err != nil {
		return nil, err
	}
	if err := wpWaitJS(ctx, `document.activeElement && document.activeElement.matches('p.block-editor-rich-text__editable')`, 5*time.Second); err != nil {
		return nil, err
	}
	if err := tab.do(ctx, chromedp.KeyEvent(text)); err != nil {
		return nil, err
	}
	// The editor backs up unsaved work locally (every second in this test).
	backup := wpWaitJS(ctx, `Object.keys(sessionStorage).some(k => k.startsWith('wp-autosave-block-editor-post-'))`, 8*time.Second)
	out["local backup written"] = fmt.Sprint(backup == nil)
	if err := tab.do(ctx, chromedp.Click(chromedp.CSS("button.editor-post-save-draft"), chromedp.NodeVisible)); err != nil {
		return nil, err
	}
	saved := wpWaitJS(ctx, `(() => { const e = wp.data.select('core/editor'); return !e.isSavingPost() && e.didPostSaveRequestSucceed() && e.getCurrentPost().status === 'draft' && !e.isEditedPostDirty(); })()`, 20*time.Second)
	out["saved"] = fmt.Sprint(saved == nil)
	id, err := wpEval[int](ctx, `wp.data.select('core/editor').getCurrentPostId()`)
	if err != nil {
		return nil, err
	}
	keys, err := wpEval[[]string](ctx, `[...Object.keys(localStorage).map(k => 'local ' + k), ...Object.keys(sessionStorage).map(k => 'session ' + k)].map(k => k.replace(/\d+/g, '#')).sort()`)
	if err != nil {
		return nil, err
	}
	out["storage keys"] = strings.Join(slices.Compact(keys), ", ")

	if err := tab.open(ctx, fmt.Sprintf("/wp-admin/post.php?post=%d&action=edit", id)); err != nil {
		return nil, err
	}
	if err := wpWaitJS(ctx, wpEditorReady, 30*time.Second); err != nil {
		return nil, err
	}
	v, err := wpEval[map[string]string](ctx, `(() => { const e = wp.data.select('core/editor'); return {
		title: e.getEditedPostAttribute('title'),
		status: e.getEditedPostAttribute('status'),
		content: String(e.getEditedPostAttribute('content').includes(`+"`"+text+"`"+`)),
	}; })()`)
	if err != nil {
		return nil, err
	}
	out["reopened title"], out["reopened status"], out["reopened content"] = v["title"], v["status"], v["content"]
	if guide, err = wpWelcomeGuide(ctx, tab); err != nil {
		return nil, err
	}
	out["welcome guide on reopen"] = guide
	return out, nil
}

// wpWelcomeGuide reports whether the block editor shows its welcome guide
// (a preference it keeps in user meta and in localStorage) and closes it.
func wpWelcomeGuide(ctx context.Context, tab *wpTab) (string, error) {
	shown, err := wpEval[bool](ctx, `!!wp.data.select('core/preferences').get('core/edit-post', 'welcomeGuide')`)
	if err != nil {
		return "", err
	}
	if shown {
		if err := tab.do(ctx, chromedp.WaitVisible(chromedp.CSS(".edit-post-welcome-guide"))); err != nil {
			return "", err
		}
		if err := tab.do(ctx, chromedp.Click(chromedp.CSS(`.edit-post-welcome-guide .components-modal__header button`), chromedp.NodeVisible)); err != nil {
			return "", err
		}
		if err := wpWaitJS(ctx, `!document.querySelector('.edit-post-welcome-guide')`, 5*time.Second); err != nil {
			return "", err
		}
	}
	return fmt.Sprint(shown), nil
}

// wpRESTAPI: the REST API answers the same through both sites, logged in
// with the nonce WordPress gives its pages, and without.
func wpRESTAPI(ctx context.Context, tab *wpTab) (wpOutcome, error) {
	if err := tab.open(ctx, "/wp-admin/"); err != nil {
		return nil, err
	}
	if err := wpLoggedIn(ctx, tab); err != nil {
		return nil, err
	}
	v, err := wpEval[map[string]string](ctx, wpFetchJS+`([
		['index', '/wp-json/'],
		['posts', '/wp-json/wp/v2/posts?per_page=3&orderby=id&order=asc'],
		['post 1 (edit)', '/wp-json/wp/v2/posts/1?context=edit', {headers: {'X-WP-Nonce': wpApiSettings.nonce}}],
		['user 1 (edit)', '/wp-json/wp/v2/users/1?context=edit', {headers: {'X-WP-Nonce': wpApiSettings.nonce}}],
		['settings', '/wp-json/wp/v2/settings', {headers: {'X-WP-Nonce': wpApiSettings.nonce}}],
	])`)
	return wpOutcome(v), err
}

// wpAdminAjax: admin-ajax answers the same through both sites: core's tag
// search (text/html), tag cloud (an HTML fragment) and a plugin's fragment.
func wpAdminAjax(ctx context.Context, tab *wpTab) (wpOutcome, error) {
	if err := tab.open(ctx, "/wp-admin/edit.php"); err != nil {
		return nil, err
	}
	if err := wpLoggedIn(ctx, tab); err != nil {
		return nil, err
	}
	v, err := wpEval[map[string]string](ctx, wpFetchJS+`([
		['tag search', '/wp-admin/admin-ajax.php?action=ajax-tag-search&tax=post_tag&q=wo', {headers: {'X-Requested-With': 'XMLHttpRequest'}}],
		['tag cloud', '/wp-admin/admin-ajax.php', {method: 'POST', headers: {'X-Requested-With': 'XMLHttpRequest', 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8'}, body: 'action=get-tagcloud&tax=post_tag'}],
		['plugin fragment', '/wp-admin/admin-ajax.php', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'action=consentgate_e2e_fragment'}],
	])`)
	return wpOutcome(v), err
}

// TestWordPressRecipeCaddyfiles: every Caddyfile in docs/WORDPRESS.md, with
// the example policy, adapts and validates (the policy loads, the modules
// provision), so the recipe cannot rot.
func TestWordPressRecipeCaddyfiles(t *testing.T) {
	doc, err := os.ReadFile("../docs/WORDPRESS.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```caddyfile\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 2 {
		t.Fatalf("docs/WORDPRESS.md has %d Caddyfiles, want the example and the banner-off variant", len(blocks))
	}
	policy, err := filepath.Abs(filepath.Join(wpExampleDir, "policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range blocks {
		src := strings.ReplaceAll(b[1], "/etc/caddy/cookie-policy.yaml", policy)
		adapted, warnings, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(src), nil)
		if err != nil {
			t.Errorf("Caddyfile %d: %v\n%s", i+1, err, b[1])
			continue
		}
		for _, w := range warnings {
			t.Errorf("Caddyfile %d: %s", i+1, w.String())
		}
		var cfg caddy.Config
		if err := json.Unmarshal(adapted, &cfg); err != nil {
			t.Fatal(err)
		}
		if err := caddy.Validate(&cfg); err != nil {
			t.Errorf("Caddyfile %d does not validate: %v\n%s", i+1, err, b[1])
		}
	}
	// The first one is the example itself.
	example, err := os.ReadFile(filepath.Join(wpExampleDir, "Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(example), blocks[0][1]) {
		t.Errorf("the first Caddyfile of docs/WORDPRESS.md is not examples/wordpress/Caddyfile's site block:\n%s", blocks[0][1])
	}
}
