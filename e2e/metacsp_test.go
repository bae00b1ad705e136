//go:build browser

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
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
