package caddymodule

import (
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/policy"
)

func TestMIMETypeAsFetchExtractsIt(t *testing.T) {
	for _, tc := range []struct {
		lines            []string
		essence, charset string
		ok               bool
	}{
		{[]string{"text/html"}, "text/html", "", true},
		{[]string{"text/html; charset=UTF-8"}, "text/html", "UTF-8", true},
		{[]string{"TEXT/HTML ; Charset=\"utf-8\""}, "text/html", "utf-8", true},
		{[]string{"text/plain", "text/html"}, "text/html", "", true},
		{[]string{"text/plain, text/html"}, "text/html", "", true},
		{[]string{"text/html, nonsense"}, "text/html", "", true},
		{[]string{"text/html;charset=gbk, text/plain"}, "text/plain", "", true},
		{[]string{"text/html;charset=gbk", "text/html"}, "text/html", "gbk", true},
		{[]string{"text/html;charset=gbk", "text/html;x=\",text/plain\""}, "text/html", "gbk", true},
		{[]string{"text/html, */*"}, "text/html", "", true},
		{[]string{"nonsense"}, "", "", false},
		{[]string{""}, "", "", false},
		{nil, "", "", false},
		{[]string{"text/ html"}, "", "", false},
		{[]string{"application/xhtml+xml"}, "application/xhtml+xml", "", true},
	} {
		e, c, ok := mimeType(tc.lines)
		if e != tc.essence || c != tc.charset || ok != tc.ok {
			t.Errorf("%q: %q %q %v, want %q %q %v", tc.lines, e, c, ok, tc.essence, tc.charset, tc.ok)
		}
	}
}

func TestBeginsAsDocument(t *testing.T) {
	for _, tc := range []struct {
		body         string
		doc, decided bool
	}{
		{"<!DOCTYPE html><html>", true, true},
		{"\xef\xbb\xbf  <!-- c --> <html lang=sv>", true, true},
		{"<head><title>", true, true},
		{"<title>x</title>", true, true},
		{"<tr><td>x</td></tr>", false, true},
		{"0", false, true},
		{"  \n", false, false},
		{"<!-- not closed", false, false},
		{"<htm", false, false},
		{"<html", false, false},
		{"<htmlx>", false, true},
		{"<div>", false, true},
		{"<?xml version=\"1.0\"?>", true, true},
	} {
		doc, decided := beginsAsDocument([]byte(tc.body))
		if doc != tc.doc || decided != tc.decided {
			t.Errorf("%q: %v %v, want %v %v", tc.body, doc, decided, tc.doc, tc.decided)
		}
	}
}

func TestNavigationOf(t *testing.T) {
	for _, tc := range []struct {
		method  string
		headers []string
		want    navigation
	}{
		{"GET", []string{"Sec-Fetch-Dest: document"}, isNavigation},
		{"POST", []string{"Sec-Fetch-Dest: document"}, isNavigation},
		{"GET", []string{"Sec-Fetch-Dest: iframe"}, isNavigation},
		{"GET", []string{"Sec-Fetch-Dest: empty", "Accept: text/html"}, notNavigation},
		{"GET", []string{"Sec-Fetch-Dest: script"}, notNavigation},
		{"HEAD", []string{"Sec-Fetch-Dest: document"}, notNavigation},
		// An extended CONNECT (a WebSocket over HTTP/2) is a tunnel: holding its
		// 200 to read a page would stall a protocol whose client speaks first.
		{"CONNECT", []string{"Accept: text/html"}, notNavigation},
		{"CONNECT", []string{"Sec-Fetch-Dest: document"}, notNavigation},
		{"GET", []string{"Accept: text/html,*/*"}, maybeNavigation},
		{"GET", []string{"Accept: text/html", "X-Requested-With: XMLHttpRequest"}, notNavigation},
		{"GET", []string{"Accept: */*"}, notNavigation},
		{"GET", nil, notNavigation},
	} {
		r := httptest.NewRequest(tc.method, "/", nil)
		for _, h := range tc.headers {
			k, v, _ := strings.Cut(h, ": ")
			r.Header.Set(k, v)
		}
		if got := navigationOf(r); got != tc.want {
			t.Errorf("%s %q: %v, want %v", tc.method, tc.headers, got, tc.want)
		}
	}
}

func TestCookieVariants(t *testing.T) {
	if got := strings.Join(cookieDomains("www.shop.example.co.uk:8443"), " "); got != "example.co.uk www.shop.example.co.uk shop.example.co.uk" {
		t.Errorf("domains %q", got)
	}
	for _, host := range []string{"127.0.0.1:80", "[::1]:80", "localhost", "co.uk"} {
		if d := cookieDomains(host); len(d) != 0 {
			t.Errorf("%s: domains %q, want none", host, d)
		}
	}
	// The page's directory (a cookie's default path) first, then the page;
	// each directory also with its final slash (WordPress's "/blog/").
	if got := strings.Join(cookiePaths("/a/b/c/d/page.html"), " "); got != "/ /a/b/c/d /a/b/c/d/page.html /a/b/c/d/ /a/b/c /a/b/c/ /a/b /a/b/" {
		t.Errorf("paths %q", got)
	}
	if got := strings.Join(cookiePaths("/shop/"), " "); got != "/ /shop /shop/" {
		t.Errorf("paths %q", got)
	}
	// The visitor's path must not write attributes into a deletion.
	if got := strings.Join(cookiePaths("/x;Max-Age=31536000;Path=/"), " "); got != "/ /x" {
		t.Errorf("paths %q", got)
	}
	if got := strings.Join(cookiePaths("/a/b\x01c/d"), " "); got != "/ /a /a/b /a/" {
		t.Errorf("paths %q", got)
	}
}

// FuzzResponseHeaders: the hand-written readers of response headers and the
// first body bytes never panic, split losslessly, and agree with Go's MIME
// parser wherever that one accepts a value; a body's document decision,
// once made, holds for any longer body.
func FuzzResponseHeaders(f *testing.F) {
	for _, s := range []string{"text/html; charset=utf-8", `text/html;x=",", text/plain`, "<a>; rel=preload, <b,c>; rel=\"x,y\"", "<!DOCTYPE html>", "\xff\xfe<\x00", "gzip, br, foo"} {
		f.Add(s, "<!-- x --><html>")
	}
	f.Fuzz(func(t *testing.T, header, body string) {
		var items []string
		for rest, more := header, true; more; {
			var item string
			item, rest, more = cutHeaderList(rest)
			items = append(items, item)
		}
		if got := strings.Join(items, ","); got != header {
			t.Fatalf("cutHeaderList lost bytes: %q → %q", header, got)
		}
		if got := strings.Join(splitLinks(header), ","); got != header {
			t.Fatalf("splitLinks lost bytes: %q → %q", header, got)
		}
		essence, _, ok := mimeType([]string{header})
		// Go also takes a type without a subtype ("text"), which MIME
		// Sniffing refuses.
		if goType, _, err := mime.ParseMediaType(header); err == nil && strings.Contains(goType, "/") && !strings.ContainsAny(header, `,"`) {
			if !ok || essence != strings.ToLower(goType) {
				t.Fatalf("%q: ours %q %v, Go's %q", header, essence, ok, goType)
			}
		}
		contentCodings([]string{header})
		acceptsEncoding([]string{header}, "gzip")
		pageEncoding([]byte(body), header)
		cookieDomains(header)
		for _, p := range cookiePaths(header) {
			if strings.IndexFunc(p, func(r rune) bool { return r == ';' || r < 0x20 || r >= 0x7f }) >= 0 {
				t.Fatalf("%q: a cookie path %q with a byte a Path attribute cannot hold", header, p)
			}
		}
		doc, decided := beginsAsDocument([]byte(body))
		if decided {
			if doc2, decided2 := beginsAsDocument([]byte(body + header)); !decided2 || doc2 != doc {
				t.Fatalf("%q decided %v, but %q decides %v %v", body, doc, body+header, doc2, decided2)
			}
		}
	})
}

// TestExpiriesSkipUnstorableNames: a name no browser can hold (a hostile client
// sent it) gets no expiry, which every browser would ignore, and takes no slot
// from the names it can hold.
func TestExpiriesSkipUnstorableNames(t *testing.T) {
	h := provisionHandler(t, &Handler{})
	r := httptest.NewRequest(http.MethodGet, "http://example.test/", nil)
	got := h.expiries(r, []string{"\x07", "_ga", "a\tb", "\x7f"}, 10)
	if want := []string{"_ga=; Max-Age=0; Path=/", "_ga=; Max-Age=0; Path=/; Domain=example.test"}; !slices.Equal(got, want) {
		t.Errorf("expiries %q, want %q", got, want)
	}
	for _, v := range got {
		if !policy.ParseSetCookie(v).Valid {
			t.Errorf("%q is a header browsers ignore", v)
		}
	}
}

// TestPrefersHTML: whose validators are translated when no Sec-Fetch-* says
// what the request is for.
func TestPrefersHTML(t *testing.T) {
	for accept, want := range map[string]bool{
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8": true, // a browser
		"text/html;q=0.5, text/plain;q=0.5":                               true, // a tie
		"*/*;q=0.1, TEXT/HTML":                                            true,
		"application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.8, text/html;q=0.7, */*;q=0.1": false, // SimplePie
		"text/html;q=0.7, */*":  false,
		"text/html;q=0":         false,
		"application/json":      false,
		"text/html;q=junk, x/y": true, // an unreadable weight is 1
	} {
		if got := prefersHTML([]string{accept}); got != want {
			t.Errorf("%q: %v, want %v", accept, got, want)
		}
	}
}

// TestTypeUnknownShortcut: the unparsed shortcut of typeUnknown agrees with
// responseType, which parses.
func TestTypeUnknownShortcut(t *testing.T) {
	for _, ct := range []string{"application/json", "text/html; charset=utf-8", "image/png", "unknown/unknown", "Unknown/UNKNOWN", "application/unknown",
		"*/*", "html", "", "text/", "text/ html", "text/markdown", "TEXT/HTML", "a/b, */*", "application/json, unknown/unknown"} {
		hdr := http.Header{"Content-Type": {ct}}
		if _, want := responseType(hdr); typeUnknown(hdr) != want {
			t.Errorf("%q: typeUnknown %v, responseType says %v", ct, !want, want)
		}
	}
}

// TestExpiriesReachEveryVariant: over HTTPS a partitioned cookie (CHIPS) is
// another cookie, deleted only by a header that says Partitioned; and when
// a visitor's names have more variants than one response may carry, the
// following responses go on where it stopped (the same first sixty every
// time left cookies on deeper paths for ever: a probe in Chromium).
func TestExpiriesReachEveryVariant(t *testing.T) {
	h := provisionHandler(t, &Handler{})
	r := httptest.NewRequest(http.MethodGet, "https://www.example.test/shop/cart/x", nil)
	one := h.expiries(r, []string{"_ga"}, maxExpiries)
	for _, want := range []string{
		"_ga=; Max-Age=0; Path=/; Secure; SameSite=None; Partitioned",
		"_ga=; Max-Age=0; Path=/; Domain=example.test; Secure; SameSite=None; Partitioned",
		"_ga=; Max-Age=0; Path=/shop/cart; Secure",
		"_ga=; Max-Age=0; Path=/shop/; Domain=www.example.test; Secure",
	} {
		if !slices.Contains(one, want) {
			t.Errorf("no %q among %q", want, one)
		}
	}
	var names []string
	for i := range 12 {
		names = append(names, fmt.Sprint("_ga_", i))
	}
	all := map[string]bool{}
	for range 20 {
		for _, v := range h.expiries(r, names, maxExpiries) {
			all[v] = true
		}
	}
	for _, name := range names {
		for _, path := range cookiePaths("/shop/cart/x") {
			if want := "_ga_" + name[4:] + "=; Max-Age=0; Path=" + path + "; Domain=example.test; Secure"; !all[want] {
				t.Errorf("never sent in 20 responses: %q", want)
			}
		}
	}
}

// TestCrossSiteFrame: a page for a frame in another site's page (Sec-Fetch-Dest
// iframe, Sec-Fetch-Site cross-site) cannot keep a choice (the consent cookie
// is SameSite=Lax): its banner, settings link and spacer are hidden, what is
// held stays held, and the response varies on Sec-Fetch-Site. A frame of the
// site itself, and a page opened from another site, keep theirs.
func TestCrossSiteFrame(t *testing.T) {
	linkHidden := regexp.MustCompile(`<a id="cg-open" class="cg-open" href="[^"]*" hidden="">`)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><html><head><title>Post</title></head><body><p>Post</p>`+
			`<script src="https://www.googletagmanager.com/gtag/js"></script>`+
			`<iframe src="https://www.googletagmanager.com/ns.html" width="300" height="200"></iframe></body></html>`)
	})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	const (
		banner = `<div id="cg-banner" class="cg-banner" role="dialog" aria-labelledby="cg-title" aria-describedby="cg-text">`
		hidden = `<div class="cg-sp" hidden="">`
		held   = `data-consent="statistics"`
	)
	for _, tc := range []struct {
		dest, site string
		framed     bool
	}{
		{"iframe", "cross-site", true},
		{"IFrame", "Cross-Site", true},
		{"frame", "cross-site", true},
		{"embed", "cross-site", true},
		{"iframe", "same-site", false},
		{"iframe", "same-origin", false},
		{"iframe", "", false},
		{"document", "cross-site", false},
	} {
		hdr := []string{"Sec-Fetch-Dest: " + tc.dest}
		if tc.site != "" {
			hdr = append(hdr, "Sec-Fetch-Site: "+tc.site)
		}
		res, body := p.do(t, "GET", "/post", nil, hdr...)
		vary := strings.Join(res.Header.Values("Vary"), ", ")
		if !strings.Contains(body, held) {
			t.Errorf("%s from %s: the tracker is not held:\n%s", tc.dest, tc.site, body)
		}
		if got := !strings.Contains(body, banner) && linkHidden.MatchString(body) && strings.Contains(body, hidden); got != tc.framed {
			t.Errorf("%s from %s: framed markup %v, want %v:\n%s", tc.dest, tc.site, got, tc.framed, body)
		}
		if placeholder := strings.Contains(body, `<span class="cg-ph"`); placeholder == tc.framed {
			t.Errorf("%s from %s: a placeholder %v (none in a frame of another site: its choice would not be kept)", tc.dest, tc.site, placeholder)
		}
		if tc.framed == strings.Contains(body, banner) {
			t.Errorf("%s from %s: banner shown %v", tc.dest, tc.site, strings.Contains(body, banner))
		}
		if wantVary := tc.dest != "document"; strings.Contains(vary, "Sec-Fetch-Site") != wantVary {
			t.Errorf("%s from %s: Vary %q, Sec-Fetch-Site in it should be %v", tc.dest, tc.site, vary, wantVary)
		}
	}
}

// TestXMLDocuments: text/xml and application/xml opened as a page are
// rendered by Chromium as XHTML when their elements are XHTML's — scripts
// run, images load — so their trackers are held back as in an XHTML page;
// nothing is inserted into them (a sitemap, a feed), and one without a
// tracker keeps its bytes. Fetched, they pass as they came.
func TestXMLDocuments(t *testing.T) {
	const (
		xhtml = `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head><body>` +
			`<script src="https://www.googletagmanager.com/x.js"></script><img src="https://www.google-analytics.com/x.gif"/><p>text</p></body></html>`
		sitemap = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<?xml-stylesheet type="text/xsl" href="/wp-sitemap.xsl" ?>` + "\n" +
			`<!DOCTYPE urlset [<!ENTITY site "example">]><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://&site;.test/a?x=1&amp;y=2</loc></url>` +
			`<![CDATA[ <script src="https://www.googletagmanager.com/cdata.js"></script> ]]><!-- <img src="https://www.google-analytics.com/c.gif"> --></urlset>`
	)
	// An RSS document whose XHTML elements are prefixed: Chromium shows it
	// as XML, and runs and loads them.
	const prefixed = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>` +
		`<h:script xmlns:h="http://www.w3.org/1999/xhtml" src="https://www.googletagmanager.com/p.js"></h:script>` +
		`<h:img xmlns:h="http://www.w3.org/1999/xhtml" src="https://www.google-analytics.com/p.gif"/></channel></rss>`
	bodies := map[string]string{"/xhtml": xhtml, "/sitemap": sitemap, "/prefixed": prefixed}
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", r.URL.Query().Get("type"))
		fmt.Fprint(w, bodies[r.URL.Path])
	})
	p := startCaddy(t, consentSite(up.hostport(), ""))
	nav := []string{"Sec-Fetch-Dest: document", "Sec-Fetch-Mode: navigate"}
	for _, ty := range []string{"text/xml", "application/xml", "text/xml; charset=utf-8", "application/xhtml+xml"} {
		res, body := p.do(t, "GET", "/xhtml?type="+url.QueryEscape(ty), nil, nav...)
		if strings.Contains(body, `<script src="https://www.googletagmanager.com`) || strings.Contains(body, `<img src="https://www.google-analytics.com`) || !strings.Contains(body, `data-consent="statistics"`) {
			t.Errorf("%s opened as a page: its trackers are not held back:\n%s", ty, body)
		}
		if inserted := strings.Contains(body, "/_consent/guard.js"); inserted != (ty == "application/xhtml+xml") {
			t.Errorf("%s: the guard inserted %v", ty, inserted)
		}
		if !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Sec-Fetch-Dest") {
			t.Errorf("%s: Vary %q", ty, res.Header.Values("Vary"))
		}
		// Fetched by a script, it is data: as it came.
		if _, body := p.do(t, "GET", "/xhtml?type="+url.QueryEscape(ty), nil, "Sec-Fetch-Dest: empty", "Accept: */*"); body != xhtml {
			t.Errorf("%s fetched: changed to\n%s", ty, body)
		}
	}
	if _, body := p.do(t, "GET", "/prefixed?type=text/xml", nil, nav...); strings.Contains(body, ` src="https://www.g`) {
		t.Errorf("prefixed XHTML elements in an XML document are not held back:\n%s", body)
	}
	for _, ty := range []string{"application/xml", "text/xml", "application/rss+xml"} {
		if _, body := p.do(t, "GET", "/sitemap?type="+url.QueryEscape(ty), nil, nav...); body != sitemap {
			t.Errorf("a %s sitemap opened as a page changed:\n%s\nwant\n%s", ty, body, sitemap)
		}
	}
}
