//go:build browser

package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/consentgate/consentgate/internal/testshared"
)

// Module scripts and import maps in the server's markup: a module's static import, and
// a URL an import map maps a specifier to, are fetched by Chromium's module loader, which
// the guard cannot intercept (a probe found both fetching the tracker before consent).
// The server holds them back when their text names a blocked host by a URL, escaped or
// not; the site's own module runs. Same site, policy and stand-in trackers as the sink
// matrix (sinks_test.go); {T} is the tracker base of the case.
var moduleMarkupCases = []struct {
	name, page string
	// after: "released" (the guard gives the held script back in the same document and
	// the tracker loads), "reload" (a module that imported a specifier of the held import
	// map has already failed: the tracker loads on the next page load).
	after string
}{
	{"module-import", `<script type="module">import "{T}/x.js";</script>`, "released"},
	{"module-import-escaped-slashes", `<script type="module">import "{T\/}/x.js";</script>`, "released"},
	{"module-import-hex-escapes", `<script type="MODULE">import "{T\x}/x.js";</script>`, "released"},
	{"importmap-and-module", `<script type="importmap">{"imports":{"trk":"{T}/x.js"}}</script><script type="module">import "trk";</script>`, "reload"},
	{"importmap-escaped-slashes-and-module", `<script type="importmap">{"imports":{"trk":"{T\/}/x.js"}}</script><script type="module">import "trk";</script>`, "reload"},
}

// startModuleSite is startSinkSite's site for moduleMarkupCases: /m/NAME is a case's page.
func startModuleSite(t *testing.T) *sinkSite {
	t.Helper()
	s := &sinkSite{}
	tracker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits = append(s.hits, r.Host+r.URL.RequestURI())
		s.mu.Unlock()
		w.Header().Set("Access-Control-Allow-Origin", "*") // a cross-origin module needs CORS
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, "(window.trackerRan = window.trackerRan || []).push(1);")
	}))
	t.Cleanup(tracker.Close)
	_, s.tracker, _ = net.SplitHostPort(tracker.Listener.Addr().String())

	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/m/")
		for _, c := range moduleMarkupCases {
			if c.name != name {
				continue
			}
			base := "http://www.googletagmanager.com:" + s.tracker + "/c/" + c.name
			var hex strings.Builder
			for _, b := range []byte(base) {
				fmt.Fprintf(&hex, `\x%02x`, b)
			}
			page := strings.NewReplacer("{T}", base, `{T\/}`, strings.ReplaceAll(base, "/", `\/`), `{T\x}`, hex.String()).Replace(c.page)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>`+c.name+`</title>`+
				// The site's own module, which names no tracker, runs before consent.
				`<script type="module">window.ownModule = 1; import "/own.js";</script></head><body><h1>`+c.name+`</h1>`+page+`</body></html>`)
			return
		}
		if r.URL.Path == "/own.js" {
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, "window.ownImport = 1;")
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(upstream.Close)

	port := fmt.Sprint(testshared.FreePort(t))
	s.base = "http://www.shop.test:" + port
	policy, err := filepath.Abs("testdata/sinks/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	runCaddyfile(t, fmt.Sprintf(`{
	admin off
	grace_period 100ms
}
http://www.shop.test:%s {
	cookie_consent {
		policy %s
	}
	reverse_proxy %s
}
`, port, policy, strings.TrimPrefix(upstream.URL, "http://")), port)
	return s
}

// TestModuleMarkup: in Chromium, the stand-in tracker receives nothing before consent
// from a module importing its URL (plain, with escaped slashes, with \x escapes) or from
// an import map mapping a specifier a module imports to it; it does once accepted. The
// site's own module and its own import run before consent.
func TestModuleMarkup(t *testing.T) {
	s := startModuleSite(t)
	browser := startChromium(t)
	for _, c := range moduleMarkupCases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(browser, 30*time.Second)
			defer cancel()
			clearCookies(t, ctx)
			path := "/m/" + c.name
			token := "/c/" + c.name + "/"
			navigate(t, ctx, s.base+path)
			sinkSettle(ctx)
			if hits := s.trackerHits(token); len(hits) != 0 {
				t.Errorf("before consent the tracker received %q", hits)
			}
			if own := evalJS[string](t, ctx, `String(window.ownModule) + ',' + String(window.ownImport)`); own != "1,1" {
				t.Errorf("before consent the site's own module ran and imported: %s, want 1,1", own)
			}
			if held := evalJS[int](t, ctx, `document.querySelectorAll('script[data-consent][type="text/plain"]').length`); held == 0 {
				t.Errorf("nothing held back in the page")
			}
			sinkAccept(t, ctx, s, path)
			if c.after == "reload" {
				navigate(t, ctx, s.base+path)
			}
			if !sinkWait(ctx, waitUntil, func() bool { return len(s.trackerHits(token)) > 0 }) {
				state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({granted: window.consentgate && consentgate.granted(),
					scripts: [...document.scripts].map(e => e.outerHTML.slice(0, 200))})`))
				t.Errorf("after accept (%s) the tracker received nothing; page: %s", c.after, state)
			}
		})
	}
}
