package caddymodule

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consentgate/policy"
)

// legacySite sets the cookies a legacy site sets, whatever the consent.
func legacySite(w http.ResponseWriter, r *http.Request) {
	for _, c := range []string{
		"JSESSIONID=s1; Path=/; HttpOnly",
		"_ga=GA1.1.1.1; Path=/; Max-Age=63072000",
		"_ga_ABC123=GS1.1; Path=/; Max-Age=63072000",
		"FPID=x; Path=/; Max-Age=34560000; HttpOnly",
		"_gcl_au=1.1; Path=/; Max-Age=7776000",
		"lang=sv; Path=/; Max-Age=999999999",
		"oep.selectedView=grid; Path=/",
		"mystery=1; Path=/",
		"_fbp=fb.1.2; Path=/; Max-Age=7776000",
		"=_ga=evasive; Path=/",
		"cookie_consent=1.2.necessary:statistics:marketing.1700000000.forgedforgedforgedforg; Path=/",
	} {
		w.Header().Add("Set-Cookie", c)
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprint(w, "legacy")
}

func consentSite(upstreamHostport, options string) string {
	return `http://127.0.0.1:{PORT} {
	cookie_consent {
		policy testdata/policy.yaml
		` + options + `
	}
	reverse_proxy ` + upstreamHostport + ` {
		header_up X-Consent-Granted {http.cookie_consent.granted}
		header_up X-Consent-Given {http.cookie_consent.given}
		header_up X-Consent-Id {http.cookie_consent.id}
		header_up X-Consent-Marketing {http.cookie_consent.category.marketing}
		header_up X-Consent-Statistics {http.cookie_consent.category.statistics}
	}
}
`
}

// consentCookieFrom returns the "name=value" of the consent cookie a response sets.
func consentCookieFrom(t *testing.T, res *http.Response) string {
	t.Helper()
	for _, v := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, "cookie_consent=") {
			pair, _, _ := strings.Cut(v, ";")
			return pair
		}
	}
	t.Fatalf("no consent cookie in %q", res.Header.Values("Set-Cookie"))
	return ""
}

func postChoice(t *testing.T, p *proxy, form url.Values, headers ...string) *http.Response {
	t.Helper()
	headers = append(headers, "Content-Type: application/x-www-form-urlencoded")
	res, _ := p.do(t, "POST", "/_consent/consent", strings.NewReader(form.Encode()), headers...)
	return res
}

func TestSetCookieRemovedUntilConsentThenKept(t *testing.T) {
	up := newUpstream(t, legacySite)
	p := startCaddy(t, consentSite(up.hostport(), ""))

	res, body := p.do(t, "GET", "/", nil)
	if res.StatusCode != 200 || body != "legacy" {
		t.Fatalf("got %d %q", res.StatusCode, body)
	}
	set, _ := setCookieNames(res)
	if want := []string{"JSESSIONID"}; !slices.Equal(set, want) {
		t.Errorf("without consent, Set-Cookie names = %q, want %q", set, want)
	}
	if got := res.Header.Values("Vary"); !slices.Contains(got, "Cookie") {
		t.Errorf("Vary = %q, want Cookie in it", got)
	}

	res = postChoice(t, p, url.Values{"choice": {"custom"}, "category": {"statistics"}, "return": {"/after"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/after" {
		t.Fatalf("POST consent: %d Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	consent := consentCookieFrom(t, res)
	if !strings.Contains(consent, ".necessary:statistics.") {
		t.Errorf("consent cookie %q does not grant exactly necessary and statistics", consent)
	}

	res, _ = p.do(t, "GET", "/", nil, "Cookie: "+consent)
	set, _ = setCookieNames(res)
	slices.Sort(set)
	if want := []string{"FPID", "JSESSIONID", "_ga", "_ga_ABC123"}; !slices.Equal(set, want) {
		t.Errorf("with statistics granted, Set-Cookie names = %q, want %q", set, want)
	}
	if got := up.lastCookie(t); got != consent {
		t.Errorf("upstream saw Cookie %q, want the consent cookie only", got)
	}
}

func TestHeldCookiesAreExpiredAndStrippedBeforeUpstream(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	p := startCaddy(t, consentSite(up.hostport(), ""))

	res, _ := p.do(t, "GET", "/page", nil, "Cookie: JSESSIONID=s1; _ga=GA1.1.1.1;FPID=x ; lang=sv; weird; _hjSessionUser_123=1; oep.selectedView=grid")
	if got, want := up.lastCookie(t), "JSESSIONID=s1"; got != want {
		t.Errorf("upstream saw Cookie %q, want %q", got, want)
	}
	// "weird" has no '=': a nameless cookie, expired by a nameless header.
	// Each is expired for Path=/ and for the page's own path, where a script
	// on it may have set it (127.0.0.1 has no parent domains).
	var variants []string
	for _, v := range res.Header.Values("Set-Cookie") {
		pair, attrs, _ := strings.Cut(v, ";")
		name, _, found := strings.Cut(pair, "=")
		if !found {
			name = ""
		}
		variants = append(variants, name+strings.TrimPrefix(attrs, " Max-Age=0;"))
	}
	slices.Sort(variants)
	var want []string
	for _, name := range []string{"", "FPID", "_ga", "_hjSessionUser_123", "lang", "oep.selectedView"} {
		want = append(want, name+" Path=/", name+" Path=/page")
	}
	slices.Sort(want)
	if !slices.Equal(variants, want) {
		t.Errorf("expired %q, want %q", variants, want)
	}
	if got := res.Header.Get("Content-Length"); got != "2" {
		t.Errorf("a non-HTML body is passed through untouched, Content-Length %q", got)
	}

	// The path is the visitor's: it must not write attributes into the
	// deletion ("; Max-Age=31536000" kept an empty _ga for a year), nor
	// a path decoded from %3B, nor one other than the URL as sent.
	for _, path := range []string{"/x;Max-Age=31536000;Path=/", "/x%3BMax-Age=31536000%3BDomain=127.0.0.1/", "/caf%C3%A9/page"} {
		res, _ = p.do(t, "GET", path, nil, "Cookie: _ga=GA1.1.1.1")
		for _, v := range res.Header.Values("Set-Cookie") {
			if attrs := strings.Split(v, ";"); len(attrs) != 3 || !strings.HasPrefix(attrs[2], " Path=/") || strings.ContainsFunc(v, func(r rune) bool { return r >= 0x7f }) {
				t.Errorf("%s: Set-Cookie %q", path, v)
			}
		}
	}
	if v := strings.Join(res.Header.Values("Set-Cookie"), " | "); !strings.Contains(v, "Path=/caf%C3%A9/page") {
		t.Errorf("the page's path as the URL has it: %q", v)
	}
}

func TestRequestCookieHeaderKeptAsSentWhenAllowed(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	res := postChoice(t, p, url.Values{"choice": {"accept_all"}})
	consent := consentCookieFrom(t, res)

	sent := "JSESSIONID=s1;lang=sv ;  _ga=GA1.1.1.1; " + consent
	p.do(t, "GET", "/", nil, "Cookie: "+sent)
	if got := up.lastCookie(t); got != sent {
		t.Errorf("upstream saw Cookie %q, want it unchanged %q", got, sent)
	}
}

func TestPlaceholdersReachTheUpstream(t *testing.T) {
	var granted, given, id, marketing, statistics string
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		granted, given = r.Header.Get("X-Consent-Granted"), r.Header.Get("X-Consent-Given")
		id, marketing, statistics = r.Header.Get("X-Consent-Id"), r.Header.Get("X-Consent-Marketing"), r.Header.Get("X-Consent-Statistics")
	})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	p.do(t, "GET", "/", nil)
	if granted != "necessary" || given != "false" || id != "" || marketing != "false" || statistics != "false" {
		t.Errorf("no choice: granted %q given %q id %q marketing %q statistics %q", granted, given, id, marketing, statistics)
	}
	consent := consentCookieFrom(t, postChoice(t, p, url.Values{"choice": {"custom"}, "category": {"marketing", "preferences"}}))
	p.do(t, "GET", "/", nil, "Cookie: "+consent)
	if granted != "necessary,preferences,marketing" || given != "true" || marketing != "true" || statistics != "false" {
		t.Errorf("after a choice: granted %q given %q marketing %q statistics %q", granted, given, marketing, statistics)
	}
	if len(id) != 22 || !strings.Contains(consent, "."+id) {
		t.Errorf("the id placeholder %q is not the consent cookie's id (%s)", id, consent)
	}
}

func TestReportModeChangesNothingAndLogs(t *testing.T) {
	up := newUpstream(t, legacySite)
	p := startCaddy(t, consentSite(up.hostport(), "mode report"))

	res, _ := p.do(t, "GET", "/", nil, "Cookie: JSESSIONID=s1; _ga=1")
	if got := len(res.Header.Values("Set-Cookie")); got != 11 {
		t.Errorf("report mode: %d Set-Cookie headers, want all 11 of the upstream", got)
	}
	if got := up.lastCookie(t); got != "JSESSIONID=s1; _ga=1" {
		t.Errorf("report mode: upstream saw Cookie %q", got)
	}
	logs := p.logs(t, "http.handlers.cookie_consent", "")
	var msgs []string
	for _, e := range logs {
		msgs = append(msgs, fmt.Sprint(e["msg"], " ", e["name"]))
	}
	for _, want := range []string{
		"would have removed request cookie _ga",
		"would have expired cookie _ga",
		"would have removed set-cookie FPID",
		"would have removed set-cookie mystery",
		"would have removed set-cookie ", // the nameless =_ga=evasive
		"would have removed upstream set-cookie of the consent cookie cookie_consent",
	} {
		if !slices.Contains(msgs, want) {
			t.Errorf("report log lacks %q; it has %q", want, msgs)
		}
	}
	// At info, report mode writes one aggregated "observed" entry per name
	// and source: what the site set ("server"), what a visitor's Cookie
	// header carried ("request": _ga here, sent by the request too).
	seen := map[string]map[string]any{}
	for _, e := range p.logs(t, "http.handlers.cookie_consent", "observed") {
		if e["level"] != "info" {
			t.Errorf("report mode: observed entry at %v, want info", e["level"])
		}
		name := fmt.Sprint(e["name"])
		if e["source"] == "request" {
			name += " (request)"
		}
		if seen[name] != nil {
			t.Errorf("two observed entries for %q within the period", name)
		}
		seen[name] = e
	}
	if e := seen["_ga (request)"]; e == nil || e["category"] != "statistics" || e["type"] != nil {
		t.Errorf("observed entry for the request's _ga: %v, want statistics without a type", e)
	}
	for name, category := range map[string]string{"_ga": "statistics", "FPID": "statistics", "mystery": "unclassified", "JSESSIONID": "necessary"} {
		e := seen[name]
		if e == nil || e["category"] != category || e["source"] != "server" || e["kind"] != "cookie" {
			t.Errorf("observed entry for %s: %v, want category %s", name, e, category)
		}
	}
	if e := seen["FPID"]; e == nil || e["max_age"] == nil {
		t.Errorf("the observed FPID entry has no lifetime: %v", e)
	}
}

func TestBadConsentCookiesNeverFail(t *testing.T) {
	up := newUpstream(t, legacySite)
	p := startCaddy(t, consentSite(up.hostport(), "secret test-secret-123"))
	valid := consentCookieFrom(t, postChoice(t, p, url.Values{"choice": {"accept_all"}}))
	value := strings.TrimPrefix(valid, "cookie_consent=")

	for name, v := range map[string]string{
		"garbage":     "%%%garbage%%%",
		"truncated":   value[:len(value)/2],
		"oversized":   strings.Repeat("1.2.necessary:statistics.", 400),
		"unsigned":    value[:strings.LastIndexByte(value, '.')],
		"forged sig":  value[:strings.LastIndexByte(value, '.')+1] + "AAAAAAAAAAAAAAAAAAAAAA",
		"forged cats": strings.Replace(value, "necessary:preferences:statistics:marketing", "necessary:marketing", 1),
		"other rev":   strings.Replace(value, "1.2.", "1.1.", 1),
		"empty":       "",
		"non-ASCII":   "é\xff\xfe",
	} {
		t.Run(name, func(t *testing.T) {
			res, _ := p.do(t, "GET", "/", nil, "Cookie: cookie_consent="+v+"; _ga=1")
			if res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
			set, expired := setCookieNames(res)
			if slices.Contains(set, "_ga") || !slices.Contains(expired, "_ga") {
				t.Errorf("a bad consent cookie must count as no choice: set %q expired %q", set, expired)
			}
			res, body := p.do(t, "GET", "/_consent/consent", nil, "Cookie: cookie_consent="+v)
			if res.StatusCode != 200 || strings.Contains(body, `"id"`) || !strings.Contains(body, `"categories":["necessary"]`) {
				t.Errorf("GET consent: %d %s", res.StatusCode, body)
			}
		})
	}
	// The valid one still works, so the cases above fail for the right reason.
	res, _ := p.do(t, "GET", "/", nil, "Cookie: "+valid)
	if set, _ := setCookieNames(res); !slices.Contains(set, "_ga") {
		t.Errorf("the valid signed cookie did not grant _ga: %q", set)
	}
}

// A deletion takes a cookie away: it passes whatever the consent (a site's
// logout must be able to clear an undeclared cookie).
func TestDeletionsAlwaysPass(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "_ga=; Path=/; Max-Age=0")
		w.Header().Add("Set-Cookie", "wp_mystery_abc=deleted; Path=/wp-admin; Expires=Thu, 01 Jan 1970 00:00:01 GMT")
		w.Header().Add("Set-Cookie", "mystery=1; Path=/")
	})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	res, _ := p.do(t, "GET", "/", nil)
	got := strings.Join(res.Header.Values("Set-Cookie"), " | ")
	if !strings.Contains(got, "_ga=; Path=/; Max-Age=0") || !strings.Contains(got, "wp_mystery_abc=deleted") || strings.Contains(got, "mystery=1") {
		t.Errorf("Set-Cookie %q: the deletions must pass, the undeclared cookie not", got)
	}
}

// TestCSPWarning: a page whose Content-Security-Policy keeps the guard and the
// banner script from running even with its nonce, or the banner's style sheet
// from loading, gets one warning per directive per 10 minutes, with the
// directive; one they run under gets none.
// The page is rewritten as always and the policy passes unchanged.
func TestCSPWarning(t *testing.T) {
	var policy string
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", policy)
		fmt.Fprint(w, `<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p></body></html>`)
	})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	const msg = "the page's Content-Security-Policy keeps the consent guard and banner script from running"
	warned := 0
	for _, c := range []struct {
		policy string
		warned int // warnings logged so far
	}{
		{"script-src 'self'", 0},
		{"script-src 'nonce-abc' 'strict-dynamic'", 0},
		{"script-src 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' 'strict-dynamic'", 1},
		{"script-src 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' 'strict-dynamic'", 1}, // once per 10 minutes
		{"default-src 'none'", 2},
		{"style-src 'unsafe-inline'", 2},
	} {
		policy = c.policy
		res, body := p.do(t, "GET", "/", nil, "Sec-Fetch-Dest: document", "Sec-Fetch-Mode: navigate")
		if !strings.Contains(body, "/_consent/guard.js") || res.Header.Get("Content-Security-Policy") != c.policy {
			t.Errorf("%q: the page is not rewritten, or its policy changed to %q", c.policy, res.Header.Get("Content-Security-Policy"))
		}
		logs := p.logs(t, "http.handlers.cookie_consent", msg)
		if len(logs) != c.warned {
			t.Errorf("after %q: %d warnings, want %d", c.policy, len(logs), c.warned)
		} else if c.warned > warned && logs[len(logs)-1]["directive"] != c.policy {
			t.Errorf("after %q: the warning names %q", c.policy, logs[len(logs)-1]["directive"])
		}
		warned = c.warned
	}
	// The banner's style sheet: blocked by default-src 'none' and by style-src 'unsafe-inline'.
	if got := len(p.logs(t, "http.handlers.cookie_consent", "the page's Content-Security-Policy keeps the banner's style sheet from loading")); got != 2 {
		t.Errorf("%d style sheet warnings, want 2", got)
	}
}

// TestTemplatesIncludeIsNoPage: templates' {{httpInclude}} fetches a
// fragment through the server with the page's own headers (Sec-Fetch-Dest:
// document); rewritten as a page, the fragment put a second guard and banner
// inside the first's <head>. One guard, one banner, the fragment's tracker
// still held by the page's rewrite.
func TestTemplatesIncludeIsNoPage(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"page.html":    `<!DOCTYPE html><html><head><title>t</title>{{httpInclude "/partial.html"}}</head><body><p>page</p></body></html>`,
		"partial.html": `<script async src="https://www.googletagmanager.com/gtag/js?id=G-9"></script>`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := startCaddy(t, `
http://127.0.0.1:{PORT} {
	root * `+dir+`
	templates
	cookie_consent {
		policy testdata/policy.yaml
	}
	file_server
}
`)
	res, body := p.do(t, "GET", "/page.html", nil, "Sec-Fetch-Dest: document", "Sec-Fetch-Mode: navigate", "Accept: text/html")
	if res.StatusCode != 200 || strings.Count(body, "/_consent/guard.js") != 1 || strings.Count(body, `id="cg"`) != 1 {
		t.Errorf("%d: %d guards and %d banners, want one each: %s", res.StatusCode, strings.Count(body, "/_consent/guard.js"), strings.Count(body, `id="cg"`), body)
	}
	if !strings.Contains(body, `data-consent-src="https://www.googletagmanager.com/gtag/js?id=G-9"`) {
		t.Errorf("the fragment's tracker is not held back: %s", body)
	}
}

// TestTwoHandlersOneRewrite: a site-wide cookie_consent and another in a
// route inside it both see the page. Once is enough (twice made two guards
// and two banners), and the inner one is the one the owner wrote for that
// part of the site: its mode, banner and prefix rewrite the page (the outer
// one rewrote it before, so an inner "banner off" for an admin area, or
// "enforce" inside a site in report mode, was silently ignored).
func TestTwoHandlersOneRewrite(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("ETag", `"v1"`)
		fmt.Fprint(w, trackerPage)
	})
	for _, tc := range []struct{ outer, inner string }{
		{"", "banner off"},
		{"mode report", ""},
	} {
		p := startCaddy(t, `
http://127.0.0.1:{PORT} {
	cookie_consent {
		policy testdata/policy.yaml
		`+tc.outer+`
	}
	route /sub/* {
		cookie_consent {
			policy testdata/policy.yaml
			path_prefix /sub/_consent
			`+tc.inner+`
		}
		reverse_proxy `+up.hostport()+`
	}
	reverse_proxy `+up.hostport()+`
}
`)
		res, body := p.do(t, "GET", "/sub/page", nil, "Sec-Fetch-Dest: document", "Sec-Fetch-Mode: navigate", "Accept: text/html")
		banners := 0
		if tc.inner != "banner off" {
			banners = 1
		}
		if n := strings.Count(body, "guard.js"); res.StatusCode != 200 || n != 1 || strings.Count(body, "/sub/_consent/guard.js") != 1 ||
			strings.Count(body, `id="cg"`) != banners || strings.Count(res.Header.Get("ETag"), "-cg") != 1 {
			t.Errorf("%+v: %d: %d guards (want the inner one's), %d banners (want %d), ETag %q", tc, res.StatusCode, n, strings.Count(body, `id="cg"`), banners, res.Header.Get("ETag"))
		}
		if strings.Contains(body, `<script src="https://www.googletagmanager.com`) {
			t.Errorf("%+v: the tracker is live under the inner handler's enforce mode: %s", tc, body)
		}
		if l := p.logs(t, logger, "two cookie_consent handlers on one request: the inner one rewrites the page"); len(l) != 1 {
			t.Errorf("%+v: %d notes about the two handlers, want 1", tc, len(l))
		}
		// Outside the route the outer one rewrites, as configured.
		_, body = p.do(t, "GET", "/page", nil, "Sec-Fetch-Dest: document", "Sec-Fetch-Mode: navigate", "Accept: text/html")
		if strings.Count(body, "guard.js") != 1 || strings.Count(body, "/_consent/guard.js") != 1 || strings.Contains(body, "/sub/_consent/") {
			t.Errorf("%+v: the outer handler's page: %s", tc, body)
		}
	}
}

// TestDeferredHeaderWarns: a header block with a deletion is deferred to the
// response whole and runs after cookie_consent; its Vary drops ours (a shared
// cache could give one visitor's page to another) and a Content-Type made
// HTML shows a page that was not rewritten. Nothing said so; now a warning.
func TestDeferredHeaderWarns(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/text" {
			w.Header().Set("Content-Type", "text/plain")
		} else {
			w.Header().Set("Content-Type", "text/html")
		}
		fmt.Fprint(w, trackerPage)
	})
	const msg = "a header operation deferred to the response changed %s after cookie_consent: put cookie_consent before header (order cookie_consent before header), or set the header without a deletion"
	for _, tc := range []struct{ path, header, what string }{
		{"/page", `header {
		-Server
		Vary "Accept-Encoding"
	}`, "Vary"},
		{"/text", `header >Content-Type "text/html; charset=utf-8"`, "Content-Type"},
		{"/page", `header X-Frame-Options DENY`, ""},
	} {
		p := startCaddy(t, `
http://127.0.0.1:{PORT} {
	`+tc.header+`
	cookie_consent {
		policy testdata/policy.yaml
	}
	reverse_proxy `+up.hostport()+`
}
`)
		p.do(t, "GET", tc.path, nil, "Sec-Fetch-Dest: document", "Sec-Fetch-Mode: navigate", "Accept: text/html")
		for _, what := range []string{"Vary", "Content-Type"} {
			if got := len(p.logs(t, logger, fmt.Sprintf(msg, what))); (what == tc.what) != (got == 1) {
				t.Errorf("%s: %d warnings about %s, want one only about %q", tc.header, got, what, tc.what)
			}
		}
	}
}

// TestDeferredSetCookieWarns: a `header` block with a deletion (deferred to
// the response, so it runs after cookie_consent has filtered) that adds a
// Set-Cookie sends it to every visitor unfiltered: nothing can hold it back
// there, but the log says so, naming the cookie, once per name (the probe of
// 2026-11-29 found it silent); a header added without deferral is filtered
// and not warned about.
func TestDeferredSetCookieWarns(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, "{}")
	})
	const msg = "a header operation deferred to the response added a Set-Cookie after cookie_consent, which cannot filter it: it reaches every visitor whatever they chose; put cookie_consent before header (order cookie_consent before header), or set the cookie in the site, where cookie_consent sees it"
	for _, tc := range []struct {
		header   string
		warnings int
	}{
		{"header {\n\t\t-Server\n\t\tSet-Cookie \"_gcl_au=x; Path=/\"\n\t}", 1},
		{`header >Set-Cookie "_gcl_au=x; Path=/"`, 1},
		{`header Set-Cookie "_gcl_au=x; Path=/"`, 0},
	} {
		p := startCaddy(t, `
http://127.0.0.1:{PORT} {
	`+tc.header+`
	cookie_consent {
		policy testdata/policy.yaml
	}
	reverse_proxy `+up.hostport()+`
}
`)
		for range 3 {
			p.do(t, "GET", "/api", nil)
		}
		warnings := p.logs(t, logger, msg)
		if len(warnings) != tc.warnings || (len(warnings) == 1 && warnings[0]["name"] != "_gcl_au") {
			t.Errorf("%s: warnings %v, want %d naming _gcl_au", tc.header, warnings, tc.warnings)
		}
	}
}

// TestUnansweredEndpointsWarn: cookie_consent inside a handle whose
// requests under /_consent go to another route (here a handle for static
// files) rewrites pages whose guard and banner never load, and no choice
// can be made; nothing said so. After a thousand page loads without one
// request under the prefix, a warning says so, once; a handler whose
// endpoints are reached never warns.
func TestUnansweredEndpointsWarn(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, trackerPage)
	})
	static := t.TempDir()
	const msg = "pages point the browser at /_consent/ (the guard, the banner, the choices) but no request under it has reached this cookie_consent: if another route answers them (cookie_consent inside a handle, a handle for static files), the guard and banner do not load and no choice can be made; put cookie_consent at the site's level, or give it a path_prefix under its route's path"
	for _, tc := range []struct {
		name, site string
		reach      bool
		warnings   int
	}{
		{"inside a handle", `@static path *.css *.js *.png
	handle @static {
		root * ` + static + `
		file_server
	}
	handle {
		cookie_consent {
			policy testdata/policy.yaml
		}
		reverse_proxy ` + up.hostport() + `
	}`, false, 1},
		{"at the site's level", `cookie_consent {
		policy testdata/policy.yaml
	}
	reverse_proxy ` + up.hostport(), true, 0},
	} {
		p := startCaddy(t, "http://127.0.0.1:{PORT} {\n\t"+tc.site+"\n}\n")
		if res, _ := p.do(t, "GET", "/_consent/guard.js", nil); (res.StatusCode == http.StatusOK) != tc.reach {
			t.Fatalf("%s: guard.js %d", tc.name, res.StatusCode)
		}
		for i := range unansweredPages + 5 {
			res, body := p.do(t, "GET", fmt.Sprintf("/page%d", i), nil, "Sec-Fetch-Dest: document", "Sec-Fetch-Mode: navigate", "Accept: text/html")
			if res.StatusCode != 200 || !strings.Contains(body, "/_consent/guard.js") {
				t.Fatalf("%s: page %d: %d", tc.name, i, res.StatusCode)
			}
		}
		if l := p.logs(t, logger, msg); len(l) != tc.warnings {
			t.Errorf("%s: %d warnings, want %d", tc.name, len(l), tc.warnings)
		}
	}
}

// TestNestedHandlersSharingAPrefix: when the outer cookie_consent answers
// the inner one's endpoints (both at /_consent), a page the inner one made
// would load the outer one's guard and post its choices there: the outer one
// rewrites it, and a warning says to give the inner one a prefix of its own.
func TestNestedHandlersSharingAPrefix(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, trackerPage)
	})
	p := startCaddy(t, `
http://127.0.0.1:{PORT} {
	cookie_consent {
		policy testdata/policy.yaml
		mode report
	}
	route /sub/* {
		cookie_consent {
			policy testdata/policy.yaml
		}
		reverse_proxy `+up.hostport()+`
	}
}
`)
	_, body := p.do(t, "GET", "/sub/page", nil, "Sec-Fetch-Dest: document", "Sec-Fetch-Mode: navigate", "Accept: text/html")
	_, guard := p.do(t, "GET", "/_consent/guard.js", nil)
	if strings.Count(body, "guard.js") != 1 || !strings.Contains(guard, `"m":true`) {
		t.Fatalf("guard tags %d; the guard answered is report mode's: %v", strings.Count(body, "guard.js"), strings.Contains(guard, `"m":true`))
	}
	// The page is the outer one's (report mode: nothing held back), which
	// is what its endpoints answer for.
	if !strings.Contains(body, `<script src="https://www.googletagmanager.com`) {
		t.Errorf("the page was made by the inner handler, whose guard is not served: %s", body)
	}
	if l := p.logs(t, logger, "two cookie_consent handlers on one request share the path_prefix /_consent: the outer one answers the endpoints and rewrites the page, the inner one's options are not used for it; give the inner one a path_prefix of its own (under its route's path)"); len(l) != 1 {
		t.Errorf("%d warnings, want 1", len(l))
	}
}

// TestConsentCookiesThatAreNotTheVisitors: a request may carry consent
// cookies the visitor's choices did not make — one a subdomain set for the
// whole domain, a script's at a deeper path, an unsigned one where a secret
// signs them, an older choice. The upstream gets the one the proxy went by,
// once, and no other (a backend that reads the first of several saw an
// accept-all the visitor had withdrawn); the visitor's next choice expires
// the others before it sets its own, and does not take the id of a cookie
// it cannot tell from the visitor's.
func TestConsentCookiesThatAreNotTheVisitors(t *testing.T) {
	up := newUpstream(t, legacySite)
	p := startCaddy(t, consentSite(up.hostport(), "secret test-secret-123"))
	accept := consentCookieFrom(t, postChoice(t, p, url.Values{"choice": {"accept_all"}}))
	time.Sleep(1100 * time.Millisecond) // the next choice is stamped a second later
	reject := consentCookieFrom(t, postChoice(t, p, url.Values{"choice": {"reject_all"}}, "Cookie: "+accept))
	unsigned := "cookie_consent=1.2.necessary:preferences:statistics:marketing." + fmt.Sprint(time.Now().Unix()) + ".AAAAAAAAAAAAAAAAAAAAAA"
	upstreamConsent := func(cookie string) []string {
		t.Helper()
		p.do(t, "GET", "/", nil, "Cookie: "+cookie)
		var got []string
		for c := range policy.RequestCookies(up.lastCookie(t)) {
			if c.Name == "cookie_consent" {
				got = append(got, c.Name+"="+c.Value)
			}
		}
		return got
	}
	for _, tc := range []struct {
		cookie string
		want   []string
	}{
		{accept + "; " + reject + "; _ga=1", []string{reject}},
		{reject + "; " + accept, []string{reject}},
		{unsigned + "; lang=sv", nil},
		{unsigned + "; " + reject, []string{reject}},
		{reject + "; " + reject, []string{reject}},
		{"cookie_consent=; " + accept, []string{accept}},
		{accept, []string{accept}},
	} {
		if got := upstreamConsent(tc.cookie); !slices.Equal(got, tc.want) {
			t.Errorf("Cookie %q: the upstream got consent cookies %q, want %q", tc.cookie, got, tc.want)
		}
	}

	// A planted signed choice of another visitor (an attacker's own, tossed
	// from a subdomain), newer than the visitor's: the visitor's next choice
	// gets an id of its own, and every other variant is expired first.
	time.Sleep(1100 * time.Millisecond)
	planted := consentCookieFrom(t, postChoice(t, p, url.Values{"choice": {"accept_all"}}))
	res := postChoice(t, p, url.Values{"choice": {"reject_all"}}, "Cookie: "+reject+"; "+planted)
	set := res.Header.Values("Set-Cookie")
	idOf := func(c string) string {
		v := strings.Split(strings.TrimPrefix(c, "cookie_consent="), ".")
		if len(v) < 5 {
			return ""
		}
		return v[4]
	}
	last, _, _ := strings.Cut(set[len(set)-1], ";")
	if !strings.HasPrefix(last, "cookie_consent=1.") || !strings.Contains(strings.Join(set, "|"), "cookie_consent=; Max-Age=0; Path=/") {
		t.Errorf("Set-Cookie %q: want the other consent cookies expired, then the new one", set)
	}
	if id := idOf(last); id == "" || id == idOf(planted) || id == idOf(reject) {
		t.Errorf("the new choice's id %q (planted %q, the visitor's %q): two ids sent, it must be a new one", id, idOf(planted), idOf(reject))
	}
	// One visitor's consecutive choices keep their id.
	res = postChoice(t, p, url.Values{"choice": {"accept_all"}}, "Cookie: "+reject)
	if id := idOf(consentCookieFrom(t, res)); id != idOf(reject) {
		t.Errorf("a visitor's next choice has id %q, want %q", id, idOf(reject))
	}
}
