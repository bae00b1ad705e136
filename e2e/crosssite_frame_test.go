//go:build browser

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/consentgate/consentgate/internal/testshared"
)

// A page of the site in a frame of another site's page — a WordPress post
// embedded on another blog, sandboxed or not (docs/BANNER.md, "In a frame of
// another site"). The browser neither sends the consent cookie there nor
// keeps the one a choice sets (SameSite=Lax): the banner would ask for a
// choice lost the moment it is made, and its spacer made the embed taller
// than the post (WordPress's embed reports its height to the page around
// it). The page in the frame reports what it sees to the page around it.

const frameArticle = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Article</title>
<script>window.errs = []; addEventListener('error', e => errs.push(String(e.message)));</script>
</head>
<body>
<h1>Article</h1>
<p>A short post, embedded elsewhere.</p>
<script>
addEventListener('load', () => setTimeout(() => {
	const s = document.getElementById('cg').shadowRoot, q = x => s.querySelector(x);
	const state = {id: location.hash.slice(1), errs, banner: !q('.cg-banner').hidden, link: !q('.cg-open').hidden,
		spacer: q('.cg-sp').offsetHeight, height: document.documentElement.scrollHeight};
	if (parent !== window) parent.postMessage(JSON.stringify(state), '*');
	window.state = state;
}, 700));
</script>
</body>
</html>
`

type frameState struct {
	ID     string   `json:"id"`
	Errs   []string `json:"errs"`
	Banner bool     `json:"banner"`
	Link   bool     `json:"link"`
	Spacer int      `json:"spacer"`
	Height int      `json:"height"`
}

func TestCrossSiteFrameHasNoBanner(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, frameArticle)
	}))
	defer up.Close()
	port := testshared.FreePort(t)
	// Chromium sends Sec-Fetch-* only to trustworthy origins (HTTPS, loopback):
	// localhost and 127.0.0.1 are two sites.
	site := fmt.Sprintf("http://localhost:%d", port)
	cfg := fmt.Sprintf(`{
	admin off
	grace_period 100ms
}
%s {
	cookie_consent {
		policy ../caddymodule/testdata/policy.yaml
	}
	reverse_proxy %s
}
`, site, strings.TrimPrefix(up.URL, "http://"))
	runCaddyfile(t, cfg, fmt.Sprint(port))

	// The other blog: the post in a plain iframe, and as WordPress embeds
	// posts (sandbox="allow-scripts": an opaque origin).
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>Other blog</title></head><body>
<script>window.states = {}; addEventListener('message', e => { const s = JSON.parse(e.data); states[s.id] = s; });</script>
<iframe src="%[1]s/post#plain" width="600" height="338" title="plain"></iframe>
<iframe src="%[1]s/post#sandboxed" sandbox="allow-scripts" width="600" height="338" title="sandboxed"></iframe>
</body></html>`, site)
	}))
	defer other.Close()
	otherURL := other.URL // http://127.0.0.1:port

	ctx := startChromium(t)
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	// On the site itself the banner asks (else this test proves nothing).
	run(t, tctx, chromedp.Navigate(site+"/post#self"), waitJS(`!!window.state`))
	self := evalJS[frameState](t, tctx, `window.state`)
	if !self.Banner || len(self.Errs) > 0 {
		t.Fatalf("the post on its own site: %+v, want the banner and no error", self)
	}

	run(t, tctx, chromedp.Navigate(otherURL+"/"), waitJS(`Object.keys(window.states || {}).length == 2`))
	states := evalJS[map[string]frameState](t, tctx, `window.states`)
	for _, id := range []string{"plain", "sandboxed"} {
		s := states[id]
		if s.Banner || s.Link || s.Spacer != 0 || len(s.Errs) > 0 {
			t.Errorf("%s frame on another site: banner %v, settings link %v, spacer %d px, errors %q; want none of them", id, s.Banner, s.Link, s.Spacer, s.Errs)
		}
	}
}
