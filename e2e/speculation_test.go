//go:build browser

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestSpeculationRulesHeldUntilConsent: a page's speculation rules naming a tracker
// (stats.localhost: statistics) make Chromium prefetch it; behind the proxy, not before
// the visitor grants, and on the grant the guard gives the rules their type back in the
// same document and Chromium prefetches it then. (Chromium prefetches cross-site only
// over HTTPS: the tracker is a TLS server, its certificate taken on trust.)
func TestSpeculationRulesHeldUntilConsent(t *testing.T) {
	var mu sync.Mutex
	var hits []string
	tracker := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits = append(hits, r.URL.Path+" "+r.Header.Get("Sec-Purpose"))
		mu.Unlock()
		fmt.Fprint(w, "<!DOCTYPE html><title>pf</title>")
	}))
	t.Cleanup(tracker.Close)
	pf := "https://stats.localhost:" + tracker.URL[strings.LastIndexByte(tracker.URL, ':')+1:] + "/pf"
	base := siteBehindProxy(t, map[string]string{"/": `<!DOCTYPE html><html lang="en"><head><title>s</title>` +
		`<script type="speculationrules">{"prefetch":[{"source":"list","urls":["` + pf + `"]}]}</script>` +
		// The site's own script adds rules at run time: the guard holds them.
		`<script>const r = document.createElement('script'); r.type = 'speculationrules'; ` +
		`r.textContent = JSON.stringify({prefetch: [{source: 'list', urls: ['` + pf + `' + 'd']}]}); document.head.append(r)</script>` +
		`</head><body><h1>s</h1></body></html>`}, "")
	prefetchedPath := func(path string) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, h := range hits {
			if strings.HasPrefix(h, path+" prefetch") {
				return true
			}
		}
		return false
	}
	prefetched := func() bool { return prefetchedPath("/pf") && prefetchedPath("/pfd") }

	ctx, cancel := context.WithTimeout(startChromium(t, chromedp.Flag("ignore-certificate-errors", true)), 60*time.Second)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(inBanner(`#cg-banner button[value=reject_all]`))); err != nil {
		t.Fatalf("no usable banner: %v", err)
	}
	time.Sleep(2 * time.Second)
	if prefetchedPath("/pf") || prefetchedPath("/pfd") {
		t.Fatalf("the tracker was prefetched before consent: %q", hits)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.marker = 1`),
		chromedp.Click(inBanner(`#cg-banner button[value="accept_all"]`))); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(waitUntil); !prefetched(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the tracker was not prefetched after the grant: %q", hits)
		}
	}
	if got := evalJS[string](t, ctx, `String(window.marker) + ',' + document.querySelector('script[type=speculationrules]').textContent.includes('/pf')`); got != "1,true" {
		t.Errorf("after the grant: %s, want the same document (1) with its rules given back (true)", got)
	}
}
