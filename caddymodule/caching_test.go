package caddymodule

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A rewritten page depends on the consent and the language: a page cached in
// Swedish must not be revalidated (304) for a visitor who asks in English.
func TestRevalidationIsPerLanguage(t *testing.T) {
	var seen []string
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("If-None-Match"))
		w.Header().Set("ETag", `"v1"`)
		if inm := r.Header.Get("If-None-Match"); inm == `"v1"` || inm == `W/"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, trackerPage)
	})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	nav := []string{"Sec-Fetch-Dest: document"}

	sv, body := p.do(t, "GET", "/", nil, append(nav, "Accept-Language: sv-SE,sv;q=0.9")...)
	if !strings.Contains(body, `data-lang="sv"`) {
		t.Fatalf("the Swedish page is not in Swedish: %.400s", body)
	}
	if !strings.Contains(strings.Join(sv.Header.Values("Vary"), ","), "Accept-Language") {
		t.Errorf("Vary %q lacks Accept-Language", sv.Header.Values("Vary"))
	}
	tag := sv.Header.Get("ETag")

	// Swedish again with its tag: 304, the tag back.
	res, _ := p.do(t, "GET", "/", nil, append(nav, "Accept-Language: sv", "If-None-Match: "+tag)...)
	if res.StatusCode != http.StatusNotModified || res.Header.Get("ETag") != tag {
		t.Errorf("sv revalidation: %d %q, want 304 %q", res.StatusCode, res.Header.Get("ETag"), tag)
	}
	// English with the Swedish tag: the full English page.
	res, body = p.do(t, "GET", "/", nil, append(nav, "Accept-Language: en-GB,en;q=0.8", "If-None-Match: "+tag)...)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-lang="en"`) {
		t.Errorf("en with the sv tag: %d, lang %q, want a full English page", res.StatusCode, regexp.MustCompile(`data-lang="[^"]*"`).FindString(body))
	}
	if res.Header.Get("ETag") == tag {
		t.Errorf("the English page has the Swedish tag %q", tag)
	}
	if last := seen[len(seen)-1]; last != "" {
		t.Errorf("the upstream was asked to revalidate %q for another language", last)
	}
}

// php_fastcgi, try_files and rewrite change the URI before the page is
// answered: the no-JS forms must bring the visitor back to the page they
// chose on, not to /index.php.
func TestOriginalURIAfterARewrite(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<!DOCTYPE html><html><head></head><body><p>%s</p></body></html>", r.URL.Path)
	})
	policyFile, _ := filepath.Abs("testdata/policy.yaml")
	p := startCaddy(t, `http://127.0.0.1:{PORT} {
	cookie_consent {
		policy `+policyFile+`
	}
	route {
		rewrite * /index.php?{query}
		reverse_proxy `+up.hostport()+`
	}
}
`)
	res, body := p.do(t, "GET", "/2024/05/hello-world/?p=1", nil, "Sec-Fetch-Dest: document", "Referer: "+p.base+"/2024/05/hello-world/?p=1")
	if !strings.Contains(body, "<p>/index.php</p>") {
		t.Fatalf("the upstream did not see the rewritten URI: %.300s", body)
	}
	returns := regexp.MustCompile(`name="return" value="([^"]*)"`).FindAllStringSubmatch(body, -1)
	if len(returns) == 0 {
		t.Fatalf("no return field in the banner: %d %.600s", res.StatusCode, body)
	}
	for _, m := range returns {
		if v := strings.ReplaceAll(m[1], "&amp;", "&"); v != "/2024/05/hello-world/?p=1" {
			t.Errorf("return %q, want the original URI", v)
		}
	}
	// The choice posted from there comes back to it.
	res = postChoice(t, p, url.Values{"choice": {"reject_all"}, "return": {returns[0][1]}})
	if loc := res.Header.Get("Location"); loc != "/2024/05/hello-world/?p=1" {
		t.Errorf("after the choice: Location %q", loc)
	}
}

// TestPageValidatorsArePerVisitor: a page rewritten for a visitor who chose
// shows their consent id and the time of their choice (the banner's
// settings): its tag is theirs, so that another visitor's copy — which a
// shared cache may revalidate with, RFC 9111 §4.3.1 — gets no 304, and it is
// for no shared cache (Cache-Control private, "public" gone). A page for a
// frame of another site (no banner) has a tag of its own too. A page with no
// choice, which holds no id, keeps the upstream's Cache-Control (the probe of
// 2026-11-29).
func TestPageValidatorsArePerVisitor(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=600, s-maxage=3600")
		w.Header().Set("ETag", `"abc123"`)
		if r.Header.Get("If-None-Match") == `"abc123"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, `<!DOCTYPE html><html><head><title>t</title></head><body><p>page</p></body></html>`)
	})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	get := func(headers ...string) (*http.Response, string) {
		if !strings.Contains(strings.Join(headers, "\n"), "Sec-Fetch-Dest") {
			headers = append(headers, "Sec-Fetch-Dest: document")
		}
		return p.do(t, "GET", "/page", nil, append(headers, "Accept: text/html")...)
	}
	a := consentCookieFrom(t, postChoice(t, p, url.Values{"choice": {"accept_all"}}))
	b := consentCookieFrom(t, postChoice(t, p, url.Values{"choice": {"accept_all"}}))
	resA, bodyA := get("Cookie: " + a)
	tagA, ccA := resA.Header.Get("ETag"), resA.Header.Get("Cache-Control")
	if !strings.HasPrefix(tagA, `W/"abc123-cg`) || !strings.Contains(ccA, "private") || strings.Contains(ccA, "public") || strings.Contains(ccA, "s-maxage") || !strings.Contains(ccA, "max-age=600") {
		t.Fatalf("visitor A's page: ETag %q, Cache-Control %q; want a consent tag, private, the browser's max-age kept", tagA, ccA)
	}
	idA := regexp.MustCompile(`<code class="cg-id">([^<]+)</code>`).FindStringSubmatch(bodyA)
	if idA == nil {
		t.Fatalf("visitor A's page shows no consent id:\n%s", bodyA)
	}
	if res, _ := get("Cookie: "+a, "If-None-Match: "+tagA); res.StatusCode != http.StatusNotModified {
		t.Errorf("visitor A revalidating their own page: %d, want 304", res.StatusCode)
	}
	res, bodyB := get("Cookie: "+b, "If-None-Match: "+tagA)
	if res.StatusCode != http.StatusOK || strings.Contains(bodyB, idA[1]) || res.Header.Get("ETag") == tagA {
		t.Errorf("visitor B with A's tag: %d, ETag %q; want 200, B's own page and tag", res.StatusCode, res.Header.Get("ETag"))
	}

	// A frame of another site gets a page without the banner: a tag of its own.
	resFramed, _ := get("Sec-Fetch-Dest: iframe", "Sec-Fetch-Site: cross-site")
	resSame, _ := get("Sec-Fetch-Dest: iframe", "Sec-Fetch-Site: same-origin")
	if tf, ts := resFramed.Header.Get("ETag"), resSame.Header.Get("ETag"); tf == ts || tf == "" {
		t.Errorf("cross-site frame %q and same-origin frame %q share a tag", tf, ts)
	}
	if res, _ := get("Sec-Fetch-Dest: iframe", "Sec-Fetch-Site: cross-site", "If-None-Match: "+resSame.Header.Get("ETag")); res.StatusCode != http.StatusOK {
		t.Errorf("a cross-site frame revalidating the same-origin frame's page: %d, want 200", res.StatusCode)
	}
	// No choice: no id in the page, the upstream's caching stays.
	if res, _ := get(); res.Header.Get("Cache-Control") != "public, max-age=600, s-maxage=3600" {
		t.Errorf("a page without a choice: Cache-Control %q, want the upstream's", res.Header.Get("Cache-Control"))
	}
}
