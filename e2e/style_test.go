//go:build browser

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/consentgate/consentgate/policy"
)

// TestStyleKeptActive: a <style> with URLs of two refused categories next to
// the page's own rules stays a style sheet before consent (its own rules
// apply, nothing loads from the trackers); a grant of one category loads
// that category's URL only, the other staying inert, and the later grant of
// the other loads it too, without a reload.
func TestStyleKeptActive(t *testing.T) {
	const name = "style-element-two-categories"
	s, ctx, eval := openSinkCase(t, name)
	width := `getComputedStyle(document.getElementById('own')).width`
	if w := eval(width); w != "123px" {
		t.Errorf("before consent the page's own rule does not apply: width %s", w)
	}
	if hits := s.trackerHits("/c/" + name + "/"); len(hits) != 0 {
		t.Errorf("before consent the trackers received %q", hits)
	}
	if got := eval(`document.querySelector('style[data-consent]')?.getAttribute('data-consent') || 'none'`); got != "statistics" {
		t.Errorf("the style is marked %q, want statistics (its first URL held back)", got)
	}

	// The visitor's choices, as the server sets them (the consent cookie),
	// then the grant that lets them in.
	setConsentCookie(t, ctx, s.base+"/case/"+name, sinkRevision(t), "statistics")
	eval(`window.consentgate.grant(['statistics']).then(() => '')`)
	statistics, marketing := "/c/"+name+"/s.gif", "/c/"+name+"/m.gif"
	if !sinkWait(ctx, waitUntil, func() bool { return len(s.trackerHits(statistics)) > 0 }) {
		t.Errorf("after granting statistics its URL did not load: %s", eval(`document.querySelector('style').outerHTML`))
	}
	sinkSettle(ctx)
	if hits := s.trackerHits(marketing); len(hits) != 0 {
		t.Errorf("granting statistics loaded the marketing URL too: %q", hits)
	}
	if got := eval(`document.querySelector('style').getAttribute('data-consent') + ' ' + document.querySelector('style').hasAttribute('data-consent-inert')`); got != "marketing true" {
		t.Errorf("after granting statistics the style is marked %q, want it held for marketing", got)
	}
	if w := eval(width); w != "123px" {
		t.Errorf("after granting statistics the page's own rule does not apply: width %s", w)
	}

	setConsentCookie(t, ctx, s.base+"/case/"+name, sinkRevision(t), "statistics", "marketing")
	eval(`window.consentgate.grant(['marketing']).then(() => '')`)
	if !sinkWait(ctx, waitUntil, func() bool { return len(s.trackerHits(marketing)) > 0 }) {
		t.Errorf("after granting marketing its URL did not load: %s", eval(`document.querySelector('style').outerHTML`))
	}
	if got := eval(`document.querySelector('style').outerHTML.includes('data:,') + ' ' + document.querySelector('style').hasAttribute('data-consent')`); got != "false false" {
		t.Errorf("after granting both the style keeps inert URLs or its mark: %q", got)
	}
}

// TestStyleAttributeKeptActive: an element whose style attribute has URLs of
// two refused categories keeps its declarations before consent (its width
// applies, nothing loads from the trackers); a grant of one category loads
// that category's URL only, and the later grant of the other loads it too,
// without a reload.
func TestStyleAttributeKeptActive(t *testing.T) {
	const name = "style-attribute-two-categories"
	s, ctx, eval := openSinkCase(t, name)
	width := `getComputedStyle(document.getElementById('own')).width`
	style := `document.getElementById('own').getAttribute('style') || 'none'`
	if w := eval(width); w != "123px" {
		t.Errorf("before consent the element's own declarations do not apply: width %s, style %s", w, eval(style))
	}
	if hits := s.trackerHits("/c/" + name + "/"); len(hits) != 0 {
		t.Errorf("before consent the trackers received %q", hits)
	}

	// The visitor's choices, as the server sets them (the consent cookie),
	// then the grant that lets them in.
	setConsentCookie(t, ctx, s.base+"/case/"+name, sinkRevision(t), "statistics")
	eval(`window.consentgate.grant(['statistics']).then(() => '')`)
	statistics, marketing := "/c/"+name+"/s.gif", "/c/"+name+"/m.gif"
	if !sinkWait(ctx, waitUntil, func() bool { return len(s.trackerHits(statistics)) > 0 }) {
		t.Errorf("after granting statistics its URL did not load: %s", eval(style))
	}
	sinkSettle(ctx)
	if hits := s.trackerHits(marketing); len(hits) != 0 {
		t.Errorf("granting statistics loaded the marketing URL too: %q", hits)
	}
	if w := eval(width); w != "123px" {
		t.Errorf("after granting statistics the element's own declarations do not apply: width %s", w)
	}

	setConsentCookie(t, ctx, s.base+"/case/"+name, sinkRevision(t), "statistics", "marketing")
	eval(`window.consentgate.grant(['marketing']).then(() => '')`)
	if !sinkWait(ctx, waitUntil, func() bool { return len(s.trackerHits(marketing)) > 0 }) {
		t.Errorf("after granting marketing its URL did not load: %s", eval(style))
	}
	if got := eval(style); strings.Contains(got, "data:,") {
		t.Errorf("after granting both the style attribute keeps inert URLs: %s", got)
	}
}

// sinkRevision is the revision of the sink site's policy, which its consent
// cookie carries.
func sinkRevision(t *testing.T) string {
	t.Helper()
	p, err := policy.LoadFile("testdata/sinks/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(p.Revision)
}

// openSinkCase serves the sink matrix's case name through the proxy, opens it in
// Chromium and lets it settle; eval runs a script there (awaiting a promise) and returns
// its string.
func openSinkCase(t *testing.T, name string) (s *sinkSite, ctx context.Context, eval func(js string) string) {
	t.Helper()
	s = startSinkSite(t)
	browser := startChromium(t)
	ctx, cancel := context.WithTimeout(browser, 60*time.Second)
	t.Cleanup(cancel)
	navigate(t, ctx, s.base+"/case/"+name)
	sinkSettle(ctx)
	eval = func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	return s, ctx, eval
}
