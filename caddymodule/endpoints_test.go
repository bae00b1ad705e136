package caddymodule

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consentgate/policy"
)

func TestConsentEndpointRefusesCrossSite(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	form := url.Values{"choice": {"accept_all"}}
	for _, tc := range []struct {
		name    string
		headers []string
		status  int
	}{
		{"plain form", nil, http.StatusSeeOther},
		{"same-origin fetch", []string{"Sec-Fetch-Site: same-origin", "Origin: " + p.base}, http.StatusSeeOther},
		{"cross-site fetch", []string{"Sec-Fetch-Site: cross-site"}, http.StatusForbidden},
		{"foreign origin", []string{"Origin: https://evil.example"}, http.StatusForbidden},
		{"opaque origin", []string{"Origin: null"}, http.StatusForbidden},
		{"other port", []string{"Origin: http://127.0.0.1:1"}, http.StatusForbidden},
		// A browser too old for Origin and Sec-Fetch-Site on a form post is
		// judged by its Referer.
		{"no Origin, foreign Referer", []string{"Referer: https://evil.example/page"}, http.StatusForbidden},
		{"no Origin, own Referer", []string{"Referer: " + p.base + "/page"}, http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := postChoice(t, p, form, tc.headers...)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			if tc.status == http.StatusForbidden && len(res.Header.Values("Set-Cookie")) > 0 {
				t.Errorf("a refused choice set cookies: %q", res.Header.Values("Set-Cookie"))
			}
		})
	}
}

func TestConsentReturnIsSameOriginOnly(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	for ret, want := range map[string]string{
		"/page?x=1":            "/page?x=1",
		"//evil.example/":      "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"javascript:alert(1)":  "/",
		"":                     "/",
	} {
		res := postChoice(t, p, url.Values{"choice": {"reject_all"}, "return": {ret}})
		if got := res.Header.Get("Location"); got != want {
			t.Errorf("return=%q: Location %q, want %q", ret, got, want)
		}
	}
	res := postChoice(t, p, url.Values{"choice": {"reject_all"}}, "Referer: "+p.base+"/from/here?q=1")
	if got := res.Header.Get("Location"); got != "/from/here?q=1" {
		t.Errorf("without return, Location %q, want the same-origin Referer", got)
	}
}

func TestConsentJSONAndRecord(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	p := startCaddy(t, consentSite(up.hostport(), ""))

	res, body := p.do(t, "POST", "/_consent/consent", strings.NewReader(`{"categories":["statistics","nonsense"]}`),
		"Content-Type: application/json", "Cookie: _gcl_au=1; lang=sv; _ga=1", "User-Agent: test-agent/1")
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	var got consentJSON
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`).MatchString(got.ID) || got.Revision != 2 ||
		!slices.Equal(got.Categories, []string{"necessary", "statistics"}) || got.Timestamp == "" {
		t.Errorf("answer %+v", got)
	}
	_, expired := setCookieNames(res)
	slices.Sort(expired)
	if want := []string{"_gcl_au", "lang"}; !slices.Equal(expired, want) {
		t.Errorf("refused cookies expired: %q, want %q", expired, want)
	}

	// GET gives back the same consent.
	consent := consentCookieFrom(t, res)
	_, body = p.do(t, "GET", "/_consent/consent", nil, "Cookie: "+consent)
	var again consentJSON
	_ = json.Unmarshal([]byte(body), &again)
	if again.ID != got.ID || !slices.Equal(again.Categories, got.Categories) {
		t.Errorf("GET consent %+v, want %+v", again, got)
	}

	// A later change keeps the id, linking the records.
	res = postChoice(t, p, url.Values{"choice": {"reject_all"}}, "Cookie: "+consent)
	if c := consentCookieFrom(t, res); !strings.Contains(c, got.ID) {
		t.Errorf("changed consent %q lost the id %s", c, got.ID)
	}

	recs := p.logs(t, "http.handlers.cookie_consent.records", "consent")
	if len(recs) != 2 {
		t.Fatalf("%d consent records, want 2", len(recs))
	}
	r := recs[0]
	if r["id"] != got.ID || r["method"] != "explicit" || r["user_agent"] != "test-agent/1" || r["revision"] != float64(2) {
		t.Errorf("record %v", r)
	}
	if fmtList(r["granted"]) != "necessary,statistics" || fmtList(r["refused"]) != "preferences,marketing" {
		t.Errorf("record granted %v refused %v", r["granted"], r["refused"])
	}
	if h, _ := r["ip_hash"].(string); !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(h) {
		t.Errorf("ip_hash %q is not a SHA-256", h)
	}
	for _, e := range recs {
		for k, v := range e {
			if s, ok := v.(string); ok && strings.Contains(s, "127.0.0.1") && k != "url" {
				t.Errorf("record field %s carries the raw address: %q", k, s)
			}
		}
	}
}

func fmtList(v any) string {
	l, _ := v.([]any)
	s := make([]string, len(l))
	for i, x := range l {
		s[i], _ = x.(string)
	}
	return strings.Join(s, ",")
}

func TestEndpointMethodsAndUnknownPaths(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("upstream")) })
	p := startCaddy(t, consentSite(up.hostport(), ""))
	if res, _ := p.do(t, "DELETE", "/_consent/consent", nil); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d", res.StatusCode)
	}
	if res, _ := p.do(t, "GET", "/_consent/nothing", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown endpoint: %d", res.StatusCode)
	}
	if _, body := p.do(t, "GET", "/_consentx", nil); body != "upstream" {
		t.Errorf("a path that only starts with the prefix text must reach the upstream, got %q", body)
	}
	if res, _ := postChoice(t, p, url.Values{"choice": {"maybe"}}), 0; res.StatusCode != http.StatusBadRequest {
		t.Errorf("bad choice: %d", res.StatusCode)
	}
	if res, _ := p.do(t, "POST", "/_consent/consent", strings.NewReader("{"), "Content-Type: application/json"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("bad JSON: %d", res.StatusCode)
	}
	// A JSON body that makes no choice is refused, not recorded as a refusal.
	for body, want := range map[string]int{
		`{}`:                  http.StatusBadRequest,
		`null`:                http.StatusBadRequest,
		`{"choice":"custom"}`: http.StatusBadRequest,
		`{"categories":[]}{"categories":["marketing"]}`:  http.StatusBadRequest,
		`{"categories":[]}`:                              http.StatusOK,
		`{"choice":"custom","categories":["marketing"]}`: http.StatusOK,
		`{"choice":"reject_all"}`:                        http.StatusOK,
	} {
		res, _ := p.do(t, "POST", "/_consent/consent", strings.NewReader(body), "Content-Type: application/json")
		if res.StatusCode != want {
			t.Errorf("%s: %d, want %d", body, res.StatusCode, want)
		}
		if want != http.StatusOK && len(res.Header.Values("Set-Cookie")) > 0 {
			t.Errorf("%s set cookies: %q", body, res.Header.Values("Set-Cookie"))
		}
	}
	// Too large: 413, as the report endpoint answers.
	big := url.Values{"choice": {"reject_all"}, "pad": {strings.Repeat("x", 20<<10)}}
	if res := postChoice(t, p, big); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 20 KiB form: %d, want 413", res.StatusCode)
	}
	// A compressed body is refused as such (it was read as a broken form or
	// JSON), and a body too large by its Content-Length before it is sent
	// (no "100 Continue" for what will be refused).
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("choice=accept_all"))
	zw.Close()
	res, _ := p.do(t, "POST", "/_consent/consent", bytes.NewReader(gz.Bytes()), "Content-Type: application/x-www-form-urlencoded", "Content-Encoding: gzip")
	if res.StatusCode != http.StatusUnsupportedMediaType || res.Header.Get("Accept-Encoding") != "identity" || len(res.Header.Values("Set-Cookie")) > 0 {
		t.Errorf("a gzipped choice: %d, Accept-Encoding %q", res.StatusCode, res.Header.Get("Accept-Encoding"))
	}
	continued := false
	req, _ := http.NewRequest("POST", p.base+"/_consent/consent", strings.NewReader(strings.Repeat("x", 20<<10)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Expect", "100-continue")
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{Got100Continue: func() { continued = true }}))
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: 5 * time.Second}}
	if res, err := client.Do(req); err != nil || res.StatusCode != http.StatusRequestEntityTooLarge || continued {
		t.Errorf("a 20 KiB body announced with Expect: %v, 100 Continue sent %v", err, continued)
	} else {
		res.Body.Close()
	}
	// The assets are GET and HEAD only, like every other endpoint.
	for _, m := range []string{"POST", "PUT", "DELETE", "OPTIONS"} {
		res, _ := p.do(t, m, "/_consent/guard.js", nil)
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s guard.js: %d, Allow %q", m, res.StatusCode, res.Header.Get("Allow"))
		}
	}
	if res, _ := p.do(t, "HEAD", "/_consent/banner.css", nil); res.StatusCode != http.StatusOK {
		t.Errorf("HEAD banner.css: %d", res.StatusCode)
	}
}

// TestConsentEndpointUnderAnotherSource: when the site's consent manager holds
// the choice, a choice posted here would not be enforced: refused (409), with
// no cookie and no record; the declaration shows the consent but no forms.
func TestConsentEndpointUnderAnotherSource(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	p := startCaddy(t, consentSite(up.hostport(), "source cookiebot\n\t\tbanner off"))
	res := postChoice(t, p, url.Values{"choice": {"accept_all"}})
	if res.StatusCode != http.StatusConflict || len(res.Header.Values("Set-Cookie")) > 0 {
		t.Errorf("POST /consent under source cookiebot: %d, Set-Cookie %q; want 409 and none", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
	if res, _ := p.do(t, "GET", "/_consent/consent", nil); res.StatusCode != http.StatusOK {
		t.Errorf("GET /consent: %d", res.StatusCode)
	}
	res, body := p.do(t, "GET", "/_consent/declaration", nil)
	if res.StatusCode != http.StatusOK || strings.Contains(body, "<form") {
		t.Errorf("declaration: %d, forms in it: %v", res.StatusCode, strings.Contains(body, "<form"))
	}
	if n := len(p.logs(t, "http.handlers.cookie_consent.records", "")); n != 0 {
		t.Errorf("%d consent records", n)
	}
}

// TestConsentCookieDomainOnlyWhereItApplies: consent.domain is written only
// for a host under it; elsewhere (a staging host, an address) the cookie is
// host-only, or the browser would drop it and the banner never go away.
func TestConsentCookieDomainOnlyWhereItApplies(t *testing.T) {
	base, err := os.ReadFile("testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pol := strings.Replace(string(base), "categories:\n", "consent:\n  domain: .example.test\ncategories:\n", 1)
	if pol == string(base) {
		t.Fatal("the test policy changed shape")
	}
	h := &Handler{}
	h.setPolicyPath(writePolicy(t, pol))
	h = provisionHandler(t, h)
	for host, want := range map[string]string{
		"www.example.test":      "; Domain=.example.test",
		"example.test:8443":     "; Domain=.example.test",
		"shop.EXAMPLE.test.":    "; Domain=.example.test",
		"127.0.0.1:8080":        "",
		"staging.example.other": "",
		"notexample.test":       "",
	} {
		r := httptest.NewRequest(http.MethodPost, "http://"+host+"/_consent/consent", strings.NewReader(`{"choice":"accept_all"}`))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.postConsent(w, r)
		var got string
		for _, v := range w.Result().Header.Values("Set-Cookie") {
			if strings.HasPrefix(v, "cookie_consent=") {
				got = v
			}
		}
		if got == "" {
			t.Fatalf("%s: no consent cookie (%d)", host, w.Code)
		}
		if has := strings.Contains(got, "; Domain="); has != (want != "") || want != "" && !strings.Contains(got, want) {
			t.Errorf("%s: %q, want Domain %q", host, got, want)
		}
	}
}

// TestNewestConsentCookieWins: once consent.domain is set, a visitor has the
// host-only consent cookie of before and the domain one of a later choice;
// the browser sends the older first. The later choice counts (a probe's
// visitor who rejected all after accepting all kept being tracked), and the
// next choice takes the host-only one out of the jar.
func TestNewestConsentCookieWins(t *testing.T) {
	base, err := os.ReadFile("testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{}
	h.setPolicyPath(writePolicy(t, strings.Replace(string(base), "categories:\n", "consent:\n  domain: .example.test\ncategories:\n", 1)))
	h = provisionHandler(t, h)
	then := time.Now().Add(-time.Hour).Truncate(time.Second)
	choice := func(granted policy.Set, at time.Time) string {
		c := h.codec.NewChoice(granted)
		c.Time = at
		return h.codec.Encode(c)
	}
	all, none := choice(h.policy.All(), then), choice(1, then.Add(time.Minute))
	for _, cookies := range []string{
		"cookie_consent=" + all + "; cookie_consent=" + none,
		"cookie_consent=" + none + "; cookie_consent=" + all,
		"cookie_consent=" + all + "; cookie_consent=nonsense; cookie_consent=" + none,
	} {
		r := httptest.NewRequest(http.MethodGet, "http://www.example.test/", nil)
		r.Header.Set("Cookie", cookies)
		if c := h.readConsent(r); !c.Given || c.Granted != 1 {
			t.Errorf("%s: read %+v, want the later choice (necessary only)", cookies, c)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "http://www.example.test/_consent/consent", strings.NewReader(`{"choice":"reject_all"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Cookie", "cookie_consent="+all+"; cookie_consent="+none)
	w := httptest.NewRecorder()
	h.postConsent(w, r)
	setCookies := w.Result().Header.Values("Set-Cookie")
	set := strings.Join(setCookies, " | ")
	if last := setCookies[len(setCookies)-1]; !strings.Contains(last, "; Domain=.example.test") || !strings.HasPrefix(last, "cookie_consent=1.") ||
		!strings.Contains(set, "cookie_consent=; Max-Age=0; Path=/ |") || !strings.Contains(set, "cookie_consent=; Max-Age=0; Path=/; Domain=example.test |") {
		t.Errorf("Set-Cookie %q: want the host-only and the domain variants expired, then the new domain cookie", set)
	}
}

// TestSchemeNotKnown: a plain-HTTP request from a peer Caddy does not trust
// may have come through a TLS-terminating proxy nobody told it about. The
// markup then names our URLs without a scheme (an http:// guard on an https
// page is mixed content, which the browser blocks: no guard, no banner
// script), and a choice posted from the same host over https is the
// visitor's own (it was refused with 403: the visitor could never choose).
func TestSchemeNotKnown(t *testing.T) {
	plain := httptest.NewRequest("POST", "http://shop.example/_consent/consent", nil)
	if got := markupOrigin(plain); got != "//shop.example" {
		t.Errorf("plain HTTP, no trusted proxy: markup origin %q, want //shop.example", got)
	}
	tlsReq := httptest.NewRequest("POST", "https://shop.example/_consent/consent", nil)
	if got := markupOrigin(tlsReq); got != "https://shop.example" {
		t.Errorf("TLS: markup origin %q, want https://shop.example", got)
	}
	for _, c := range []struct {
		r      *http.Request
		origin string
		want   bool
	}{
		{plain, "https://shop.example", true},
		{plain, "http://shop.example", true},
		{plain, "https://evil.example", false},
		{plain, "https://shop.example.evil.example", false},
		{tlsReq, "https://shop.example", true},
		{tlsReq, "http://shop.example", false}, // the scheme is known: another origin
	} {
		c.r.Header.Set("Origin", c.origin)
		if got := sameOrigin(c.r); got != c.want {
			t.Errorf("%s request, Origin %s: same origin %v, want %v", c.r.URL.Scheme, c.origin, got, c.want)
		}
	}
}

// TestEndpointsAfterATrailingSlashRedirect: a site that adds a slash to
// paths without a dot (a redir Caddy runs before cookie_consent) sent every
// choice and the declaration to /_consent/consent/ and
// /_consent/declaration/: 404, and the visitor could never choose.
func TestEndpointsAfterATrailingSlashRedirect(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("upstream")) })
	p := startCaddy(t, `http://127.0.0.1:{PORT} {
	@notrailing path_regexp ^[^.]*[^/]$
	redir @notrailing {path}/ 308
	cookie_consent {
		policy testdata/policy.yaml
	}
	reverse_proxy `+up.hostport()+`
}
`)
	res, _ := p.do(t, "POST", "/_consent/consent", strings.NewReader("choice=accept_all&return=/"), "Content-Type: application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusPermanentRedirect || res.Header.Get("Location") != "/_consent/consent/" {
		t.Fatalf("the redirect: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	// The browser posts the form again where the 308 points.
	res, _ = p.do(t, "POST", "/_consent/consent/", strings.NewReader("choice=accept_all&return=/"), "Content-Type: application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusSeeOther || consentCookieFrom(t, res) == "" {
		t.Errorf("a choice through the redirect: %d, cookies %q", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
	if res, body := p.do(t, "GET", "/_consent/declaration/", nil); res.StatusCode != http.StatusOK || !strings.Contains(body, "<html") {
		t.Errorf("the declaration at /_consent/declaration/: %d", res.StatusCode)
	}
	if res, _ := p.do(t, "GET", "/_consent/nothing/", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown endpoint with a slash: %d", res.StatusCode)
	}
}

// TestNewerRevisionWarns: two cookie_consent with two policies answering
// one prefix (two handle blocks) share the consent cookie; a choice made
// under the newer revision counts as none under the older, for ever, and
// nothing said so.
func TestNewerRevisionWarns(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("upstream")) })
	p := startCaddy(t, consentSite(up.hostport(), ""))
	stamp := fmt.Sprint(time.Now().Unix())
	const msg = "a consent cookie names a newer revision of the policy than this cookie_consent's: choices made under it count as none here; if two cookie_consent with different policies share a path_prefix (two handle blocks), give each its own path_prefix and consent cookie name (consent.cookie), or raise this policy's revision"
	for _, value := range []string{"1.2.necessary." + stamp + ".AAAAAAAAAAAAAAAAAAAAAA", "1.1.necessary." + stamp + ".AAAAAAAAAAAAAAAAAAAAAA", "garbage"} {
		p.do(t, "GET", "/", nil, "Cookie: cookie_consent="+value)
	}
	if l := p.logs(t, logger, msg); len(l) != 0 {
		t.Fatalf("warned for this revision, an older one or garbage: %v", l)
	}
	for range 3 {
		p.do(t, "GET", "/", nil, "Cookie: cookie_consent=1.3.necessary:statistics."+stamp+".AAAAAAAAAAAAAAAAAAAAAA")
	}
	if l := p.logs(t, logger, msg); len(l) != 1 || l[0]["cookie_revision"] != float64(3) || l[0]["policy_revision"] != float64(2) {
		t.Errorf("warnings for a newer revision: %v, want one", l)
	}
}

// TestWithdrawalClearsNEL: a Network Error Logging policy stored while the
// visitor consented kept reporting every request of the site to a tracker's
// group after a withdrawal (a probe in Chromium); a choice that refuses a
// category with blockers clears it, over HTTPS where NEL lives.
func TestWithdrawalClearsNEL(t *testing.T) {
	h := provisionHandler(t, &Handler{})
	for _, tc := range []struct {
		url, choice string
		want        string
	}{
		{"https://www.example.test/_consent/consent", "reject_all", `{"report_to":"default","max_age":0}`},
		{"https://www.example.test/_consent/consent", "accept_all", ""},
		{"http://www.example.test/_consent/consent", "reject_all", ""},
	} {
		r := httptest.NewRequest(http.MethodPost, tc.url, strings.NewReader(`{"choice":"`+tc.choice+`"}`))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.postConsent(w, r)
		if got := w.Result().Header.Get("NEL"); got != tc.want {
			t.Errorf("%s %s: NEL %q, want %q", tc.url, tc.choice, got, tc.want)
		}
	}
}
