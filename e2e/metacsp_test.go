//go:build browser

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/consentgate/consentgate/internal/csp"
)

// TestMetaCSPBanner: a site whose Content-Security-Policy comes in a <meta>
// and allows scripts only by nonce. Through the real proxy, in Chromium: the
// guard (inserted right after <head>, before the meta) runs, the banner's
// script runs under the page's nonce, and accepting takes effect without a
// reload (the script's path; without it the form would post and reload),
// with no policy violation on the way.
func TestMetaCSPBanner(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Set-Cookie", "JSESSIONID=s1; Path=/; HttpOnly")
		fmt.Fprint(w, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">`+
			`<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'nonce-m1'; style-src 'self'; img-src 'self'">`+
			`<title>Meta CSP</title></head><body><h1>A page with its policy in a meta</h1>`+
			`<script nonce="m1">window.ownScript = 1</script></body></html>`)
	}))
	t.Cleanup(site.Close)
	port := proxyInFront(t, site.URL, "")

	ctx, cancel := context.WithTimeout(startChromium(t), 60*time.Second)
	defer cancel()
	recordCSPViolations(t, ctx)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("http://localhost:%d/", port)),
		chromedp.WaitVisible(inBanner(`#cg-banner`)),
	); err != nil {
		t.Fatal(err)
	}
	if evalInt(t, ctx, "window.ownScript || 0") != 1 {
		t.Fatal("the page's own nonce'd script did not run: the policy is not what the test means")
	}
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`window.beforeClick = 1`),
		chromedp.Click(inBanner(`#cg-banner button[value="accept_all"]`)),
		chromedp.WaitNotVisible(inBanner(`#cg-banner`)),
	); err != nil {
		t.Fatalf("accept all: %v", err)
	}
	if evalInt(t, ctx, "window.beforeClick || 0") != 1 {
		t.Error("the page reloaded on accept: the banner's script did not run under the meta policy")
	}
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.violations`)); err != nil || len(v) != 0 {
		t.Errorf("policy violations: %q (%v)", v, err)
	}
	consent := false
	for _, c := range jar(t, ctx) {
		consent = consent || c.Name == "cookie_consent"
	}
	if !consent {
		t.Error("no consent cookie after accepting")
	}
}

// TestCSPReadingAgreesWithChromium: whether a page's Content-Security-Policy
// lets the guard run and the banner's style sheet load, as internal/csp reads
// it (for the operator's warning), is what Chromium does, over policies of
// every kind of source: each loads in Chromium exactly when Blocking
// finds nothing.
func TestCSPReadingAgreesWithChromium(t *testing.T) {
	var mu sync.Mutex
	policies := map[string]string{}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		p := policies[r.URL.Path]
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", p)
		fmt.Fprint(w, `<!DOCTYPE html><html lang="en"><head><title>csp</title></head><body><p>csp</p></body></html>`)
	}))
	t.Cleanup(site.Close)
	port := proxyInFront(t, site.URL, "")
	origin, _ := url.Parse(fmt.Sprintf("http://localhost:%d", port))
	hp := fmt.Sprintf("localhost:%d", port)
	list := []string{
		"script-src 'self'", "default-src 'self'", "style-src 'none'", "img-src 'none'",
		"script-src 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' 'strict-dynamic'",
		"script-src 'self' 'strict-dynamic'", "script-src 'strict-dynamic' 'nonce-n1'", "script-src 'nonce-n1'",
		"default-src 'none'", "default-src 'self'; script-src-elem 'none'", "script-src-elem 'self'; script-src 'none'",
		"script-src 'none'; script-src 'self'", "script-src 'unsafe-inline'", "script-src 'unsafe-inline' 'self'",
		"script-src https:", "script-src http:", "script-src *", "script-src localhost", "script-src " + hp,
		"script-src http://" + hp, "script-src https://" + hp, "script-src " + hp + "/_consent/", "script-src localhost:*",
		"script-src *.localhost:*", "script-src 127.0.0.1:*", "script-src 'self', script-src 'none'",
		"script-src 'self', img-src 'none'", "default-src 'nonce-n2'", "script-src 'report-sample' 'self'",
		"style-src 'self'", "style-src 'none'", "style-src 'unsafe-inline'", "style-src 'nonce-n1'; script-src 'nonce-n1'",
		"style-src 'nonce-zz'; script-src 'nonce-n1'", "style-src-elem 'self'; style-src 'none'", "style-src 'self' 'strict-dynamic'",
		"style-src " + hp, "style-src *.localhost:*", "style-src 'nonce-zz'", "style-src-elem 'nonce-zz'; style-src 'none'",
		"default-src 'nonce-n3'; style-src 'nonce-zz'",
	}
	ctx, cancel := context.WithTimeout(startChromium(t), 120*time.Second)
	defer cancel()
	for i, p := range list {
		path := fmt.Sprintf("/%d", i)
		mu.Lock()
		policies[path] = p
		mu.Unlock()
		if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("http://%s%s", hp, path)), chromedp.WaitReady("body")); err != nil {
			t.Fatal(err)
		}
		ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.consentgate == 'object'`))
		if err != nil {
			t.Fatal(err)
		}
		policies := csp.Parse([]string{p})
		if blocking := policies.Blocking(origin, policies.Nonce(csp.Scripts), csp.Scripts); ran != (blocking == "") {
			t.Errorf("%q: the guard ran in Chromium: %v; Blocking says %q", p, ran, blocking)
		}
		// The document's link to banner.css (before the banner's host) has rules
		// once loaded; a blocked one has none (an empty sheet, or none).
		styled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => { const l = document.querySelector('link[href*="/_consent/banner.css"]');
			const has = () => { try { return l.sheet.cssRules.length > 0 } catch (e) { return false } };
			if (!l || has()) return r(has()); l.addEventListener('load', () => r(has())); l.addEventListener('error', () => r(false)); setTimeout(() => r(has()), 2000) })`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if blocking := policies.Blocking(origin, policies.Nonce(csp.StyleSheets), csp.StyleSheets); styled != (blocking == "") {
			t.Errorf("%q: the banner's style sheet loaded in Chromium: %v; Blocking says %q", p, styled, blocking)
		}
	}
}

// TestBannerUnderStyleNonce: a site whose Content-Security-Policy allows style
// sheets only by nonce — its own, or the scripts' — and no 'self'. Through the
// real proxy, in Chromium: the banner's style sheet, the placeholder the
// server writes for a held-back embed and the one banner.js makes for an
// embed the page adds at run time all load (each carries the style nonce),
// with no policy violation.
func TestBannerUnderStyleNonce(t *testing.T) {
	var mu sync.Mutex
	policies := map[string]string{}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		p, ok := policies[r.URL.Path]
		mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", p)
		fmt.Fprint(w, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Style nonce</title></head>`+
			`<body><h1>Chat with us</h1><iframe src="http://chat.localhost/widget" width="400" height="200" title="Chat"></iframe>`+
			`<div id="later"></div><script nonce="s1">addEventListener('load', () => {
				const f = document.createElement('iframe');
				f.src = 'http://chat.localhost/widget?dynamic=1'; f.width = 300; f.height = 150; f.title = 'Dynamic chat';
				document.getElementById('later').append(f);
			})</script></body></html>`)
	}))
	t.Cleanup(site.Close)
	port := proxyInFront(t, site.URL, "")
	ctx, cancel := context.WithTimeout(startChromium(t), 90*time.Second)
	defer cancel()
	recordCSPViolations(t, ctx)
	for i, p := range []string{
		"default-src 'self'; script-src 'nonce-s1'; style-src 'nonce-s2'; frame-src *",
		"default-src 'self'; script-src 'nonce-s1'; style-src 'nonce-s1'; frame-src *",
		"default-src 'nonce-s1'; style-src-elem 'nonce-s3'; frame-src *; connect-src 'self'; form-action 'self'",
	} {
		path := fmt.Sprintf("/%d", i)
		mu.Lock()
		policies[path] = p
		mu.Unlock()
		// Every style sheet of ours, in the document and in shadow roots, once
		// each has loaded or failed: how many, and how many have rules.
		type sheets struct{ Placeholders, Links, Styled int }
		var got sheets
		err := chromedp.Do(ctx,
			chromedp.Navigate(fmt.Sprintf("http://localhost:%d%s", port, path)),
			chromedp.WaitVisible(inBanner(`#cg-banner`)),
			waitJS(`document.querySelectorAll('[data-cg-ph]').length == 2`),
			chromedp.Evaluate[chromedp.Void](`window.ourSheets = new Promise(r => {
				const links = [...document.querySelectorAll('link'), document.getElementById('cg'), ...document.querySelectorAll('[data-cg-ph]')]
					.flatMap(e => e.localName == 'link' ? [e] : [...e.shadowRoot.querySelectorAll('link')])
					.filter(l => l.href.includes('/_consent/banner.css'));
				const has = l => { try { return l.sheet.cssRules.length > 0 } catch (e) { return false } };
				const settled = l => new Promise(ok => { if (has(l)) return ok(); l.addEventListener('load', ok); l.addEventListener('error', ok); setTimeout(ok, 3000) });
				Promise.all(links.map(settled)).then(() => r({placeholders: document.querySelectorAll('[data-cg-ph]').length, links: links.length, styled: links.filter(has).length}));
			})`),
		)
		if err != nil {
			t.Fatalf("%q: %v\n%s", p, err, failureState(ctx))
		}
		got, err = chromedp.Run(ctx, chromedp.Evaluate[sheets](`window.ourSheets`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		// The document's link, the banner's, and two in each placeholder (one
		// before its host, one in its shadow root) — or one for the one banner.js makes.
		if got.Placeholders != 2 || got.Links < 4 || got.Styled != got.Links {
			t.Errorf("%q: %d of our %d style sheets loaded (%d placeholders)", p, got.Styled, got.Links, got.Placeholders)
		}
		pos, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.getElementById('cg').shadowRoot.getElementById('cg-banner')).position`))
		if err != nil || pos != "fixed" {
			t.Errorf("%q: the banner's position is %q (%v): not styled", p, pos, err)
		}
		if v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.violations`)); err != nil || len(v) != 0 {
			t.Errorf("%q: policy violations: %q (%v)", p, v, err)
		}
	}
}

// recordCSPViolations has every page the browser opens from now on collect
// its Content-Security-Policy violations in window.violations (directive and
// blocked URL), from before any script of the page runs.
func recordCSPViolations(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `window.violations = [];
		document.addEventListener('securitypolicyviolation', e => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));`}); err != nil {
		t.Fatal(err)
	}
}
