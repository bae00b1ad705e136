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
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `window.violations = [];
		document.addEventListener('securitypolicyviolation', e => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));`}); err != nil {
		t.Fatal(err)
	}
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
		"style-src " + hp, "style-src *.localhost:*",
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
		nonce := policies.ScriptNonce()
		if blocking := policies.Blocking(origin, nonce, csp.Scripts); ran != (blocking == "") {
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
		if blocking := policies.Blocking(origin, nonce, csp.StyleSheets); styled != (blocking == "") {
			t.Errorf("%q: the banner's style sheet loaded in Chromium: %v; Blocking says %q", p, styled, blocking)
		}
	}
}
