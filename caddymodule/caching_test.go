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
