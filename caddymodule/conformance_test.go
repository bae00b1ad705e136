package caddymodule

import (
	"bytes"
	"cmp"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/consentgate/consentgate/internal/testshared"
	"github.com/consentgate/consentgate/policy"
)

// The response conformance table, in the shape of Caddy's encode conformance
// tests, run through real Caddy: each row is a request (method and headers),
// what the upstream answers (status, headers, body writes and flush points)
// and what the visitor must get (rewritten or byte-identical, status, headers,
// compressed or not). The upstream is a loopback server driven by the row;
// the sites are
//
//	enc.test    encode zstd gzip → cookie_consent → reverse_proxy   (the README's)
//	inner.test  route { cookie_consent → encode gzip → reverse_proxy }
//	bare.test   cookie_consent → reverse_proxy (no encode)
//	plain.test  encode zstd gzip → reverse_proxy (no cookie_consent, for sizes)

// conformanceRow is one scenario.
type conformanceRow struct {
	name    string
	site    string // enc (default), inner, bare
	method  string
	headers []string // request headers "Name: value"
	// The upstream's answer.
	status  int
	up      []string // response headers
	writes  []string // body writes; flushMark flushes
	upCoded string   // the upstream compresses the body with this coding
	trailer []string // Set-Cookie values sent as trailers
	// What the visitor must get.
	rewritten bool
	ownCheck  bool     // check alone judges the body
	wantCode  int      // the status; 0 = the upstream's
	coding    string   // the response's Content-Encoding
	vary      []string // tokens Vary must contain
	check     func(t *testing.T, res *http.Response, body string)
}

const flushMark = "\x00flush"

// navHeaders are a browser's headers for a page load.
var navHeaders = []string{"Sec-Fetch-Dest: document", "Sec-Fetch-Mode: navigate", "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "Accept-Encoding: gzip, deflate, br, zstd"}

func withHeaders(base []string, more ...string) []string {
	out := append([]string(nil), base...)
	for _, m := range more {
		k, _, _ := strings.Cut(m, ":")
		for i := 0; i < len(out); i++ {
			if ok, _, _ := strings.Cut(out[i], ":"); strings.EqualFold(ok, k) {
				out = append(out[:i], out[i+1:]...)
				i--
			}
		}
		if !strings.HasSuffix(m, ":") {
			out = append(out, m)
		}
	}
	return out
}

func TestResponseConformance(t *testing.T) {
	// A small page with a tracker, over encode's 512-byte minimum_length.
	page := strings.Replace(trackerPage, "<p>hello</p>", "<p>"+strings.Repeat("hello, world. ", 150)+"</p>", 1)
	bigPage := corpusPage(t, "readability/001.html")      // 12.5 KB, a real page
	largePage := corpusPage(t, "readability/ehow-2.html") // 107 KB
	fragment := `<tr id="post-1"><td><script src="https://www.googletagmanager.com/x.js"></script>Quick edit</td></tr>`

	// The handler conformance's Caddy runs, configured alike: its pages'
	// generation is the same.
	granted := provisionHandler(t, &Handler{})
	currentTag := `W/"v1` + strongTag(consentTag(policy.NoChoice(), false, "en", granted.pageGeneration)) + `"`
	rows := []conformanceRow{
		// Documents.
		{name: "navigation, HTML, length, strong ETag", headers: navHeaders, up: []string{"Content-Type: text/html; charset=utf-8", "ETag: \"v1\""}, writes: []string{page}, rewritten: true, coding: "zstd",
			vary: []string{"Cookie", "Accept-Encoding", "Accept-Language", "Sec-GPC"},
			check: func(t *testing.T, res *http.Response, _ string) {
				if et := res.Header.Get("ETag"); !strings.HasPrefix(et, `W/"v1-cgs`) || !strings.HasSuffix(et, `.en"`) {
					t.Errorf("ETag %q, want weak, consent- and language-specific", et)
				}
				if res.Header.Get("Content-Length") != "" {
					t.Errorf("Content-Length %q on a rewritten page", res.Header.Get("Content-Length"))
				}
			}},
		{name: "navigation, gzip only accepted", headers: withHeaders(navHeaders, "Accept-Encoding: gzip"), up: []string{"Content-Type: text/html"}, writes: []string{page}, rewritten: true, coding: "gzip"},
		{name: "navigation, no Accept-Encoding", headers: withHeaders(navHeaders, "Accept-Encoding:"), up: []string{"Content-Type: text/html"}, writes: []string{page}, rewritten: true},
		{name: "iframe navigation", headers: withHeaders(navHeaders, "Sec-Fetch-Dest: iframe"), up: []string{"Content-Type: text/html"}, writes: []string{page}, rewritten: true, coding: "zstd"},
		{name: "frame navigation", headers: withHeaders(navHeaders, "Sec-Fetch-Dest: frame"), up: []string{"Content-Type: text/html"}, writes: []string{page}, rewritten: true, coding: "zstd"},
		{name: "form POST answered with a page", method: "POST", headers: navHeaders, up: []string{"Content-Type: text/html"}, writes: []string{page}, rewritten: true, coding: "zstd"},
		{name: "404 page is a document", headers: navHeaders, status: 404, up: []string{"Content-Type: text/html"}, writes: []string{page}, rewritten: true, coding: "zstd"},
		{name: "500 page is a document", headers: navHeaders, status: 500, up: []string{"Content-Type: text/html"}, writes: []string{page}, rewritten: true, coding: "zstd"},
		{name: "xhtml", headers: navHeaders, up: []string{"Content-Type: application/xhtml+xml"}, writes: []string{page}, rewritten: true, coding: "zstd"},
		{name: "a real page in many small writes with flushes", headers: withHeaders(navHeaders, "Accept-Encoding: gzip"), up: []string{"Content-Type: text/html"},
			writes: append([]string{bigPage[:2000], flushMark}, split(bigPage[2000:], 300, true)...), rewritten: true, coding: "gzip"},
		{name: "a real page in one write", headers: withHeaders(navHeaders, "Accept-Encoding: gzip"), up: []string{"Content-Type: text/html", "Content-Length: " + strconv.Itoa(len(bigPage))}, writes: []string{bigPage}, rewritten: true, coding: "gzip"},
		// reverse_proxy and file_server copy 32 KiB at a time: the page's
		// start went out alone before such a piece, and encode, which
		// decides on the first write, left the page uncompressed.
		{name: "a large page in one write, no length (chunked)", headers: withHeaders(navHeaders, "Accept-Encoding: gzip"), up: []string{"Content-Type: text/html"}, writes: []string{largePage}, rewritten: true, coding: "gzip"},
		{name: "a large page in 32 KiB writes, no length", headers: withHeaders(navHeaders, "Accept-Encoding: gzip"), up: []string{"Content-Type: text/html"}, writes: split(largePage, 32<<10, true), rewritten: true, coding: "gzip"},
		{name: "no Content-Type: sniffed as HTML", headers: navHeaders, writes: []string{page}, rewritten: true, coding: "zstd"},
		{name: "duplicate Content-Type lines: the last valid one counts", headers: navHeaders, up: []string{"Content-Type: text/plain", "Content-Type: text/html"}, writes: []string{page}, rewritten: true, coding: "zstd"},
		{name: "Content-Type list: the last valid one counts", headers: navHeaders, up: []string{"Content-Type: text/plain, text/html"}, writes: []string{page}, rewritten: true, coding: "zstd"},
		{name: "Content-Type list with an invalid last value", headers: navHeaders, up: []string{"Content-Type: text/html, nonsense"}, writes: []string{page}, rewritten: true, coding: "zstd"},
		{name: "unsolicited 206", headers: navHeaders, status: 206, up: []string{"Content-Type: text/html", "Content-Range: bytes 0-99/100"}, writes: []string{page}, rewritten: true, wantCode: 200, coding: "zstd"},
		{name: "upstream gzip, decoded and compressed again", headers: withHeaders(navHeaders, "Accept-Encoding: gzip"), up: []string{"Content-Type: text/html"}, upCoded: "gzip", writes: []string{bigPage}, rewritten: true, coding: "gzip"},
		{name: "upstream gzip, client takes none", headers: withHeaders(navHeaders, "Accept-Encoding: identity"), up: []string{"Content-Type: text/html"}, upCoded: "gzip", writes: []string{bigPage}, rewritten: true},
		{name: "upstream gzip, gzip (two layers)", headers: withHeaders(navHeaders, "Accept-Encoding: gzip"), up: []string{"Content-Type: text/html"}, upCoded: "gzip, gzip", writes: []string{page}, rewritten: true, coding: "gzip"},
		{name: "upstream gzip twice, in two lines, client takes none", headers: withHeaders(navHeaders, "Accept-Encoding: identity"), up: []string{"Content-Type: text/html"}, upCoded: "gzip\ngzip", writes: []string{page}, rewritten: true},
		{name: "Content-Disposition inline is shown: a page", headers: navHeaders, up: []string{"Content-Type: text/html", `Content-Disposition: inline; filename="page.html"`}, writes: []string{page}, rewritten: true, coding: "zstd"},
		{name: "unknown coding: read raw, as browsers render it", headers: navHeaders, up: []string{"Content-Type: text/html", "Content-Encoding: x-custom"}, writes: []string{page}, rewritten: true, coding: "x-custom"},
		{name: "HTML without Sec-Fetch but a browser's Accept", headers: []string{"Accept: text/html,*/*;q=0.8", "Accept-Encoding: gzip"}, up: []string{"Content-Type: text/html"}, writes: []string{page}, rewritten: true, coding: "gzip"},
		{name: "inner encode: route { cookie_consent; encode gzip }", site: "inner", headers: withHeaders(navHeaders, "Accept-Encoding: gzip"), up: []string{"Content-Type: text/html"}, writes: []string{bigPage}, rewritten: true, coding: "gzip"},
		{name: "no encode at all, upstream gzip", site: "bare", headers: withHeaders(navHeaders, "Accept-Encoding: gzip"), up: []string{"Content-Type: text/html"}, upCoded: "gzip", writes: []string{bigPage}, rewritten: true, coding: "gzip"},
		{name: "no encode at all, plain upstream", site: "bare", headers: withHeaders(navHeaders, "Accept-Encoding: gzip"), up: []string{"Content-Type: text/html"}, writes: []string{page}, rewritten: true},
		// A copy cached before consentgate was put in front of the site (or
		// by a visitor who bypassed it) has the upstream's own tag, which no
		// page we rewrote ever had: the upstream's 304 would show it, trackers
		// and all. The tag is not sent on; the page comes anew.
		{name: "a tag without our suffix: the page anew, rewritten", headers: withHeaders(navHeaders, `If-None-Match: "v1"`), status: 304, wantCode: 200, up: []string{"ETag: \"v1\""}, rewritten: true, ownCheck: true, coding: "zstd",
			check: func(t *testing.T, res *http.Response, body string) {
				if !strings.Contains(body, "/_consent/guard.js") || strings.Contains(body, `<script src="https://www.googletagmanager.com`) {
					t.Errorf("not the page rewritten: %q", body)
				}
			}},
		{name: "revalidation with the current tag: 304 with the tag back", headers: withHeaders(navHeaders, `If-None-Match: `+currentTag), status: 304, up: []string{"ETag: \"v1\""},
			vary: []string{"Cookie", "Sec-GPC", "Accept-Language"},
			check: func(t *testing.T, res *http.Response, _ string) {
				if res.Header.Get("ETag") != currentTag {
					t.Errorf("304 ETag %q", res.Header.Get("ETag"))
				}
			}},

		// A type the browser sniffs (MIME Sniffing's unknown type): it shows
		// the page, so the page is rewritten (before, these passed as they
		// came, trackers live). encode does not compress such types.
		{name: "Content-Type unknown/unknown, an HTML body", headers: navHeaders, up: []string{"Content-Type: unknown/unknown"}, writes: []string{page}, rewritten: true, vary: []string{"Sec-Fetch-Dest"}},
		{name: "Content-Type application/unknown, an HTML body", headers: navHeaders, up: []string{"Content-Type: application/unknown"}, writes: []string{page}, rewritten: true},
		{name: "Content-Type */*, an HTML body", headers: navHeaders, up: []string{"Content-Type: */*"}, writes: []string{page}, rewritten: true},
		{name: "Content-Type that does not parse (html), an HTML body", headers: navHeaders, up: []string{"Content-Type: html"}, writes: []string{page}, rewritten: true},
		{name: "no Content-Type, the first write a line break", site: "bare", headers: navHeaders, up: []string{"Content-Length: " + strconv.Itoa(1+len(page))}, writes: []string{"\n", flushMark, page}, rewritten: true,
			check: func(t *testing.T, res *http.Response, _ string) {
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("Content-Type %q: sniffed from the line break alone", ct)
				}
			}},
		{name: "no Content-Type, gzip: sniffed once decoded", headers: navHeaders, upCoded: "gzip", writes: []string{page}, rewritten: true, coding: "gzip"},
		{name: "no Content-Type with nosniff: net/http's sniffed type goes out, so rewritten", site: "bare", headers: navHeaders, up: []string{"X-Content-Type-Options: nosniff"}, writes: []string{page}, rewritten: true},
		// Rendered, not followed: Fetch's redirects are 301, 302, 303, 307
		// and 308 with a Location.
		{name: "300 Multiple Choices, an HTML list", headers: navHeaders, status: 300, up: []string{"Content-Type: text/html", "Location: /a"}, writes: []string{page}, rewritten: true, coding: "zstd"},
		{name: "302 without a Location", headers: navHeaders, status: 302, up: []string{"Content-Type: text/html"}, writes: []string{page}, rewritten: true, coding: "zstd"},

		// WordPress's SimplePie (feed readers) sends no Sec-Fetch-*, and takes
		// HTML after feeds: what it caches is not a page we rewrite, and its
		// validators go on (before, every poll fetched the whole feed).
		{name: "a feed reader revalidating a feed: 304", headers: []string{"Accept: application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.8, text/html;q=0.7, unknown/unknown;q=0.1, application/unknown;q=0.1, */*;q=0.1", `If-None-Match: "v1"`},
			status: 304, up: []string{"ETag: \"v1\""}},
		// Never rewritten.
		{name: "fetch of an HTML body of unknown type: a cache must not give it to a navigation", headers: []string{"Sec-Fetch-Dest: empty", "Accept: */*"}, up: []string{"Content-Type: unknown/unknown"}, writes: []string{page}, vary: []string{"Sec-Fetch-Dest"}},
		{name: "unknown/unknown with nosniff: shown as text", headers: navHeaders, up: []string{"Content-Type: unknown/unknown", "X-Content-Type-Options: nosniff"}, writes: []string{page}},
		{name: "SVG loaded as an image: a cache must not give it to a navigation", headers: withHeaders(navHeaders, "Sec-Fetch-Dest: image"), up: []string{"Content-Type: image/svg+xml"},
			writes: []string{`<svg xmlns="http://www.w3.org/2000/svg"><image href="https://www.googletagmanager.com/x.gif"/></svg>` + strings.Repeat(" ", 600)}, coding: "zstd", vary: []string{"Sec-Fetch-Dest"}},
		{name: "fetch (Sec-Fetch-Dest: empty) of an HTML fragment", headers: []string{"Sec-Fetch-Dest: empty", "Sec-Fetch-Mode: cors", "Accept: */*"}, up: []string{"Content-Type: text/html"}, writes: []string{fragment},
			vary: []string{"Sec-Fetch-Dest"}},
		{name: "prefetch of a cacheable page: a cache must not give it to a navigation", headers: []string{"Sec-Fetch-Dest: empty", "Sec-Fetch-Mode: no-cors", "Sec-Purpose: prefetch", "Accept: */*"}, up: []string{"Content-Type: text/html", "Cache-Control: public, max-age=600"}, writes: []string{page},
			vary: []string{"Sec-Fetch-Dest"}},
		{name: "Content-Disposition attachment: saved, not shown", headers: navHeaders, up: []string{"Content-Type: text/html; charset=utf-8", `Content-Disposition: attachment; filename="invoice.html"`}, writes: []string{page}, coding: "zstd"},
		{name: "Content-Disposition ATTACHMENT, no filename", headers: navHeaders, up: []string{"Content-Type: text/html", "Content-Disposition:  ATTACHMENT "}, writes: []string{page}, coding: "zstd"},
		{name: "jQuery XHR (X-Requested-With) of an HTML fragment", headers: []string{"X-Requested-With: XMLHttpRequest", "Accept: text/html, */*; q=0.01"}, up: []string{"Content-Type: text/html; charset=UTF-8"}, writes: []string{fragment}},
		{name: "admin-ajax's bare 0", headers: []string{"X-Requested-With: XMLHttpRequest", "Accept: */*"}, up: []string{"Content-Type: text/html; charset=UTF-8"}, writes: []string{"0"}},
		{name: "no Sec-Fetch, HTML Accept, a fragment body", headers: []string{"Accept: text/html"}, up: []string{"Content-Type: text/html"}, writes: []string{fragment}},
		{name: "no Sec-Fetch, HTML Accept, a bare 0", headers: []string{"Accept: text/html"}, up: []string{"Content-Type: text/html"}, writes: []string{"0"}},
		{name: "script destination", headers: []string{"Sec-Fetch-Dest: script", "Accept: */*"}, up: []string{"Content-Type: text/html"}, writes: []string{page}},
		{name: "curl's default Accept", headers: []string{"Accept: */*"}, up: []string{"Content-Type: text/html"}, writes: []string{page},
			vary: []string{"Sec-Fetch-Dest", "Accept", "X-Requested-With"}},
		{name: "HEAD", site: "bare", method: "HEAD", headers: navHeaders, up: []string{"Content-Type: text/html", "Content-Length: 1234", "ETag: \"v1\""},
			check: func(t *testing.T, res *http.Response, _ string) {
				if res.Header.Get("ETag") != `"v1"` || res.Header.Get("Content-Length") != "1234" {
					t.Errorf("HEAD headers changed: ETag %q Content-Length %q", res.Header.Get("ETag"), res.Header.Get("Content-Length"))
				}
			}},
		{name: "302 redirect with an empty body", headers: navHeaders, status: 302, up: []string{"Location: /wp-admin/", "Content-Type: text/html; charset=UTF-8", "Content-Length: 0"}},
		{name: "301 redirect with a small HTML body", headers: navHeaders, status: 301, up: []string{"Location: /x", "Content-Type: text/html"}, writes: []string{`<html><body><a href="/x">moved</a></body></html>`}},
		{name: "303 after a login POST", method: "POST", headers: navHeaders, status: 303, up: []string{"Location: /", "Content-Type: text/html"}},
		{name: "200 HTML with an empty body", headers: navHeaders, up: []string{"Content-Type: text/html", "Content-Length: 0"}},
		{name: "200 HTML, chunked, no body written", headers: navHeaders, up: []string{"Content-Type: text/html"}},
		{name: "204", headers: navHeaders, status: 204, up: []string{"Content-Type: text/html"}},
		{name: "226 IM Used: a delta to a copy, not a page", headers: withHeaders(navHeaders, "A-IM: vcdiff"), status: 226, up: []string{"Content-Type: text/html", "IM: vcdiff", `Delta-Base: "d0"`}, writes: []string{page}, coding: "zstd"},
		// A navigation's Range is not passed on (writer_test checks the upstream
		// sees none): the upstream answers the whole page, which is rewritten.
		{name: "a Range on a navigation: the page whole", headers: withHeaders(navHeaders, "Range: bytes=0-9"), up: []string{"Content-Type: text/html"}, writes: []string{page}, rewritten: true, coding: "zstd"},
		{name: "206 to a fetch's range request", headers: []string{"Sec-Fetch-Dest: empty", "Range: bytes=0-9", "Accept-Encoding: gzip"}, status: 206, up: []string{"Content-Type: text/html", "Content-Range: bytes 0-9/100"}, writes: []string{page[:10]}},
		{name: "small JSON: under encode's minimum_length", headers: navHeaders, up: []string{"Content-Type: application/json"}, writes: []string{`{"html":"<head></head>"}`}},
		{name: "JSON", headers: navHeaders, up: []string{"Content-Type: application/json"}, writes: []string{strings.Repeat(`{"html":"<head></head>"},`, 40)}, coding: "zstd"},
		{name: "JSON to a fetch", headers: []string{"Sec-Fetch-Dest: empty", "Accept-Encoding: gzip"}, up: []string{"Content-Type: application/json"}, writes: []string{strings.Repeat(`{"a":1},`, 200)}, coding: "gzip"},
		{name: "plain text", headers: navHeaders, up: []string{"Content-Type: text/plain"}, writes: []string{page}, coding: "zstd"},
		{name: "image", headers: withHeaders(navHeaders, "Sec-Fetch-Dest: image"), up: []string{"Content-Type: image/png"}, writes: []string{"\x89PNG\r\n\x1a\nxxxx"}},
		{name: "server-sent events", headers: []string{"Accept: text/event-stream"}, up: []string{"Content-Type: text/event-stream"}, writes: []string{"data: 1\n\n", flushMark, "data: 2\n\n"}},
		{name: "UTF-16LE page with a BOM: rewritten in UTF-16", headers: withHeaders(navHeaders, "Accept-Encoding:"), up: []string{"Content-Type: text/html"}, writes: []string{utf16le(page, true)}, ownCheck: true,
			check: func(t *testing.T, _ *http.Response, body string) { checkUTF16(t, body, true) }},
		{name: "UTF-16LE page by its charset, no BOM", headers: withHeaders(navHeaders, "Accept-Encoding:"), up: []string{"Content-Type: text/html; charset=utf-16le"}, writes: []string{utf16le(page, false)}, ownCheck: true,
			check: func(t *testing.T, _ *http.Response, body string) { checkUTF16(t, body, false) }},
		{name: "ISO-2022-JP escapes hide a comment start from the browser", headers: withHeaders(navHeaders, "Accept-Encoding:"), up: []string{"Content-Type: text/html; charset=iso-2022-jp"},
			writes: []string{"<!DOCTYPE html><html><head></head><body><p>\x1b$B<!--\x1b(B</p><script src=\"https://www.googletagmanager.com/gtag/js\"></script><p>-->" + strings.Repeat("x", 600) + "</p></body></html>"}, ownCheck: true,
			check: func(t *testing.T, _ *http.Response, body string) {
				if !strings.Contains(body, `data-consent-src="https://www.googletagmanager.com/gtag/js"`) || strings.Contains(body, `<script src="https://www.googletagmanager.com`) {
					t.Errorf("the tracker after the escaped <!-- was not held back: %q", body)
				}
				if !strings.Contains(body, "\x1b$B<!--\x1b(B") {
					t.Errorf("the kanji did not survive the round trip: %q", body)
				}
			}},
		{name: "ISO-2022-JP: a JIS-Roman yen price, a bad byte, a Swedish banner", headers: withHeaders(navHeaders, "Accept-Encoding:", "Accept-Language: sv"), up: []string{"Content-Type: text/html; charset=iso-2022-jp"},
			writes: []string{"<!DOCTYPE html><html><head></head><body><p>\x1b(J\\1000\x1b(B \xff \x1b$B$3\x1b(B</p><script src=\"https://www.googletagmanager.com/gtag/js\"></script><p>" + strings.Repeat("x", 600) + "</p><p id=end>end</p></body></html>"}, ownCheck: true,
			check: func(t *testing.T, _ *http.Response, body string) {
				// ¥1000 (browsers read 0x5C after ESC ( J as ¥; x/text alone gave back "\1000").
				if !strings.Contains(body, "<p>\x1b(J\\1000") {
					t.Errorf("the yen price did not survive: %q", body[:min(len(body), 300)])
				}
				// What ISO-2022-JP has no character for is a character reference.
				if !strings.Contains(body, "&#65533;") || !strings.Contains(body, "Godk&#228;nn alla") || !strings.Contains(body, "<p id=end>end</p>") {
					t.Errorf("the bad byte, the banner or the page's end is missing: %q", body)
				}
			}},
		// The upstream flushes the page's first bytes before the encoding can
		// be told: the decision waits for the bytes that tell (before, a
		// flush decided on what there was, and the tracker hidden from the
		// scanner by ISO-2022-JP escapes, or a UTF-16 page cut after its
		// first byte, went out live).
		{name: "ISO-2022-JP by its meta, the first 28 bytes flushed alone", headers: withHeaders(navHeaders, "Accept-Encoding:"), up: []string{"Content-Type: text/html"},
			writes: []string{"<!DOCTYPE html><html><head>", flushMark, "<meta charset=\"iso-2022-jp\"></head><body><p>\x1b$B<!--\x1b(B</p><script src=\"https://www.googletagmanager.com/gtag/js\"></script><p>-->" + strings.Repeat("x", 600) + "</p></body></html>"}, ownCheck: true,
			check: func(t *testing.T, _ *http.Response, body string) {
				if strings.Contains(body, `<script src="https://www.googletagmanager.com`) || !strings.Contains(body, "\x1b$B<!--\x1b(B") {
					t.Errorf("the tracker after the escaped <!-- was not held back: %q", body)
				}
			}},
		{name: "ISO-2022-JP by its meta after a flush, a raw byte in a script before it", headers: withHeaders(navHeaders, "Accept-Encoding:"), up: []string{"Content-Type: text/html"},
			writes: []string{"<html><head><script>var a = \"\xe3\";", flushMark, "</script><meta charset=\"iso-2022-jp\"></head><body><p>\x1b$B$3\x1b(B</p>" + strings.Repeat("x", 1200) + "<p>END</p></body></html>"}, ownCheck: true,
			check: func(t *testing.T, _ *http.Response, body string) {
				if !strings.Contains(body, "<p>END</p>") || !strings.Contains(body, "&#65533;") {
					t.Errorf("the page was cut, or the raw byte not a reference: %q", body)
				}
			}},
		{name: "a held frame in the start flushed before the encoding is known: the placeholder's text as references", headers: withHeaders(navHeaders, "Accept-Encoding:", "Accept-Language: sv"), up: []string{"Content-Type: text/html"},
			writes: []string{"<html><head></head><body><iframe src=\"https://www.googletagmanager.com/ns.html\" width=300 height=200></iframe>", flushMark, "<p>" + strings.Repeat("x", 1200) + "</p></body></html>"}, ownCheck: true,
			check: func(t *testing.T, _ *http.Response, body string) {
				if i := strings.IndexFunc(body, func(r rune) bool { return r >= 0x80 }); i >= 0 {
					t.Errorf("a character outside ASCII in a page of unknown encoding: %q", body[max(0, i-80):min(len(body), i+40)])
				}
			}},
		{name: "UTF-16LE page with a BOM, its first byte flushed alone", headers: withHeaders(navHeaders, "Accept-Encoding:"), up: []string{"Content-Type: text/html"}, writes: []string{utf16le(page, true)[:1], flushMark, utf16le(page, true)[1:]}, ownCheck: true,
			check: func(t *testing.T, _ *http.Response, body string) { checkUTF16(t, body, true) }},
		{name: "windows-1252 page: the Swedish banner as character references", headers: withHeaders(navHeaders, "Accept-Encoding:", "Accept-Language: sv"), up: []string{"Content-Type: text/html; charset=windows-1252"},
			writes: []string{"<!DOCTYPE html><html><head></head><body><p>Caf\xe9</p>" + strings.Repeat("x", 1100) + "</body></html>"}, ownCheck: true,
			check: func(t *testing.T, _ *http.Response, body string) {
				if !strings.Contains(body, "Godk&#228;nn alla") || strings.Contains(body, "Godkänn") || !strings.Contains(body, "<p>Caf\xe9</p>") {
					t.Errorf("the banner's text is not in references, or the page's own changed: %q", body)
				}
			}},
		{name: "a page that declares nothing: the Swedish banner as character references", headers: withHeaders(navHeaders, "Accept-Encoding:", "Accept-Language: sv"), up: []string{"Content-Type: text/html"},
			writes: []string{"<!DOCTYPE html><html><head></head><body><p>hej</p>" + strings.Repeat("x", 1100) + "</body></html>"}, ownCheck: true,
			check: func(t *testing.T, _ *http.Response, body string) {
				if !strings.Contains(body, "Godk&#228;nn alla") {
					t.Errorf("the banner's text is not in references: %q", body)
				}
			}},
		{name: "a UTF-8 page by its meta: the Swedish banner as it is", headers: withHeaders(navHeaders, "Accept-Encoding:", "Accept-Language: sv"), up: []string{"Content-Type: text/html"},
			writes: []string{"<!DOCTYPE html><html><head><meta charset=utf-8></head><body><p>hej</p>" + strings.Repeat("x", 1100) + "</body></html>"}, ownCheck: true,
			check: func(t *testing.T, _ *http.Response, body string) {
				if !strings.Contains(body, "Godkänn alla") {
					t.Errorf("the banner's text in a UTF-8 page: %q", body)
				}
			}},
		{name: "Link preload of a tracker is removed, the site's own kept", headers: navHeaders, up: []string{"Content-Type: text/html",
			"Link: <https://www.googletagmanager.com/gtag/js>; rel=preload; as=script, </style.css>; rel=preload; as=style"}, writes: []string{page}, rewritten: true, coding: "zstd",
			check: func(t *testing.T, res *http.Response, _ string) {
				if l := strings.Join(res.Header.Values("Link"), ","); strings.Contains(l, "googletagmanager") || !strings.Contains(l, "/style.css") {
					t.Errorf("Link %q", l)
				}
			}},
		{name: "Set-Cookie in trailers is filtered", headers: []string{"Sec-Fetch-Dest: empty"}, up: []string{"Content-Type: application/json"}, writes: []string{`{}`, flushMark},
			trailer: []string{"_ga=GA1.1; Path=/", "JSESSIONID=s; Path=/"},
			check: func(t *testing.T, res *http.Response, _ string) {
				got := strings.Join(res.Trailer.Values("Set-Cookie"), " | ")
				if strings.Contains(got, "_ga=") || !strings.Contains(got, "JSESSIONID=s") {
					t.Errorf("trailer Set-Cookie %q, want JSESSIONID only", got)
				}
			}},
		{name: "fetch of gzip HTML passes compressed as it came", headers: []string{"Sec-Fetch-Dest: empty", "Accept-Encoding: gzip"}, up: []string{"Content-Type: text/html"}, upCoded: "gzip", writes: []string{fragment}, coding: "gzip"},
	}
	if len(rows) < 40 {
		t.Fatalf("%d rows; the table is meant to have at least 40", len(rows))
	}

	byName := map[string]*conformanceRow{}
	for i := range rows {
		byName[rows[i].name] = &rows[i]
	}
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		row := byName[r.Header.Get("X-Row")]
		if row == nil {
			http.Error(w, "no such row", 500)
			return
		}
		serveRow(t, w, r, row)
	})
	policyFile, _ := filepath.Abs("testdata/policy.yaml")
	consent := "cookie_consent {\n\t\tpolicy " + policyFile + "\n\t}"
	proxy := "reverse_proxy " + up.hostport() + " {\n\t\theader_up X-Row {http.request.header.X-Row}\n\t}"
	p := startCaddy(t, `
http://enc.test:{PORT} {
	encode zstd gzip
	`+consent+`
	`+proxy+`
}
http://inner.test:{PORT} {
	route {
		`+consent+`
		encode gzip
		`+proxy+`
	}
}
http://bare.test:{PORT} {
	`+consent+`
	`+proxy+`
}
http://plain.test:{PORT} {
	encode zstd gzip
	`+proxy+`
}
`)
	// Every row for a visitor without a choice, then again for one who granted
	// every category (the rewriter runs without Block then): the same status,
	// coding and Vary; a body that is not rewritten passes as it came; a
	// rewritten one gets the guard and, for the first, has the tracker held
	// back, for the second nothing held back.
	all := "cookie_consent=" + granted.codec.Encode(granted.codec.NewChoice(granted.policy.SetOf(granted.policy.CategoryIDs())))
	const tracker = `<script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>`
	for _, visitor := range []struct{ prefix, cookie string }{{"", ""}, {"granted/", all}} {
		allGranted := visitor.cookie != ""
		for _, row := range rows {
			headers := row.headers
			if allGranted {
				if slices.ContainsFunc(headers, func(h string) bool { return strings.HasPrefix(h, "If-None-Match:") }) {
					continue // the tag was made for no choice: another consent gets the page anew
				}
				headers = append(slices.Clone(headers), "Cookie: "+visitor.cookie)
			}
			t.Run(visitor.prefix+row.name, func(t *testing.T) {
				site, method := cmp.Or(row.site, "enc"), cmp.Or(row.method, "GET")
				res, raw := rawRequest(t, p, method, site+".test", row.name, headers)
				if want := cmp.Or(row.wantCode, row.status, 200); res.StatusCode != want {
					t.Fatalf("status %d, want %d", res.StatusCode, want)
				}
				if got := res.Header.Get("Content-Encoding"); got != row.coding {
					t.Errorf("Content-Encoding %q, want %q", got, row.coding)
				}
				body := decodeBody(t, res.Header.Get("Content-Encoding"), raw)
				sent := strings.ReplaceAll(strings.Join(row.writes, ""), flushMark, "")
				if method == "HEAD" {
					sent = ""
				}
				switch {
				case row.ownCheck:
				case row.rewritten && !allGranted:
					if !strings.Contains(body, "/_consent/guard.js?v=") || strings.Contains(body, `<script src="https://www.googletagmanager.com`) {
						t.Errorf("not rewritten: %.300q", body)
					}
				case row.rewritten:
					if !strings.Contains(body, "/_consent/guard.js?v=") || strings.Contains(body, "data-consent-src") {
						t.Errorf("not rewritten as for a visitor who granted everything: %.300q", body)
					}
					if strings.Contains(sent, tracker) && !strings.Contains(body, tracker) {
						t.Errorf("the granted tracker did not pass: %.300q", body)
					}
				case body != sent:
					t.Errorf("body changed:\n got %.300q\nwant %.300q", body, sent)
				}
				vary := strings.Join(res.Header.Values("Vary"), ",")
				for _, v := range row.vary {
					if !strings.Contains(vary, v) {
						t.Errorf("Vary %q lacks %s", vary, v)
					}
				}
				if row.rewritten && (row.coding == "gzip" || row.coding == "zstd") && !strings.Contains(vary, "Accept-Encoding") {
					t.Errorf("a compressed rewritten page without Vary: Accept-Encoding (%q)", vary)
				}
				if row.check != nil && !allGranted {
					row.check(t, res, body) // the checks are written for a visitor without a choice
				}
			})
		}
	}

	// Compression is kept: the rewritten page through encode is no larger
	// than 2% plus our insertions over what encode gives the page alone.
	for _, coding := range []string{"gzip", "zstd"} {
		t.Run("size with encode "+coding, func(t *testing.T) {
			hdr := withHeaders(navHeaders, "Accept-Encoding: "+coding)
			row := "a real page in many small writes with flushes"
			resPlain, plain := rawRequest(t, p, "GET", "plain.test", row, hdr)
			resOurs, ours := rawRequest(t, p, "GET", "enc.test", row, hdr)
			if resPlain.Header.Get("Content-Encoding") != coding || resOurs.Header.Get("Content-Encoding") != coding {
				t.Fatalf("Content-Encoding plain %q ours %q", resPlain.Header.Get("Content-Encoding"), resOurs.Header.Get("Content-Encoding"))
			}
			decoded := decodeBody(t, coding, ours)
			inserted := len(decoded) - len(bigPage)
			limit := len(plain)*102/100 + inserted
			t.Logf("%s: plain %d B, ours %d B (inserted %d B decoded), limit %d", coding, len(plain), len(ours), inserted, limit)
			if len(ours) > limit {
				t.Errorf("%s: %d B through cookie_consent, over %d", coding, len(ours), limit)
			}
		})
	}
}

// utf16le encodes an ASCII page as UTF-16LE.
func utf16le(s string, bom bool) string {
	var b strings.Builder
	if bom {
		b.WriteString("\xff\xfe")
	}
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		b.WriteByte(0)
	}
	return b.String()
}

// checkUTF16 checks a rewritten UTF-16LE page: still UTF-16 throughout, the
// guard in it, the tracker held back.
func checkUTF16(t *testing.T, body string, bom bool) {
	t.Helper()
	if strings.HasPrefix(body, "\xff\xfe") != bom || len(body)%2 != 0 {
		t.Fatalf("not UTF-16LE as it came (BOM %v, %d bytes): %.80q", bom, len(body), body)
	}
	var ascii strings.Builder
	for i := len(body) % 2; i+1 < len(body); i += 2 {
		if bom && i == 0 {
			continue
		}
		if body[i+1] != 0 {
			t.Fatalf("a non-UTF-16 byte pair at %d: %q", i, body[i:i+2])
		}
		ascii.WriteByte(body[i])
	}
	text := ascii.String()
	if !strings.Contains(text, "/_consent/guard.js?v=") || strings.Contains(text, `<script src="https://www.googletagmanager.com`) {
		t.Errorf("the UTF-16 page was not rewritten: %.300q", text)
	}
}

// serveRow answers as the row's upstream.
func serveRow(t *testing.T, w http.ResponseWriter, r *http.Request, row *conformanceRow) {
	hdr := w.Header()
	for _, h := range row.up {
		k, v, _ := strings.Cut(h, ": ")
		hdr.Add(k, v)
	}
	if _, typed := hdr["Content-Type"]; !typed {
		hdr["Content-Type"] = nil // no type at all: net/http would sniff one
	}
	writes := row.writes
	if row.upCoded != "" {
		// A line break in upCoded: one Content-Encoding line each.
		hdr["Content-Encoding"] = strings.Split(row.upCoded, "\n")
		body := []byte(strings.ReplaceAll(strings.Join(writes, ""), flushMark, ""))
		for _, c := range strings.FieldsFunc(row.upCoded, func(r rune) bool { return r == ',' || r == '\n' }) {
			body = encodeBody(t, strings.TrimSpace(c), body)
		}
		writes = split(string(body), 1000, false)
	}
	if row.status == 304 && r.Header.Get("If-None-Match") == "" {
		// Our tag for another consent was dropped: the page in full.
		hdr.Set("Content-Type", "text/html")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, trackerPage)
		return
	}
	if row.status != 0 {
		w.WriteHeader(row.status)
	}
	for _, p := range writes {
		if p == flushMark {
			_ = http.NewResponseController(w).Flush()
			// The next write comes in a read of its own, as from a slow
			// upstream.
			time.Sleep(20 * time.Millisecond)
			continue
		}
		_, _ = io.WriteString(w, p)
	}
	for _, c := range row.trailer {
		hdr.Add(http.TrailerPrefix+"Set-Cookie", c)
	}
}

// split cuts s into pieces of n bytes, with a flush mark after each when flush.
func split(s string, n int, flush bool) []string {
	var out []string
	for len(s) > 0 {
		k := min(n, len(s))
		out = append(out, s[:k])
		if flush {
			out = append(out, flushMark)
		}
		s = s[k:]
	}
	return out
}

// rawRequest sends a request to a site of p by its host name, without
// transparent decompression.
func rawRequest(t *testing.T, p *proxy, method, host, row string, headers []string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, p.base+"/page", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("X-Row", row)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		if v = strings.TrimSpace(v); v != "" {
			req.Header.Add(k, v)
		}
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return res, b
}

func encodeBody(t *testing.T, coding string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	switch coding {
	case "gzip":
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(b)
		_ = zw.Close()
	case "zstd":
		zw, _ := zstd.NewWriter(&buf)
		_, _ = zw.Write(b)
		_ = zw.Close()
	default:
		t.Fatalf("cannot encode %s", coding)
	}
	return buf.Bytes()
}

func decodeBody(t *testing.T, coding string, b []byte) string {
	t.Helper()
	switch coding {
	case "", "x-custom":
		return string(b)
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		return string(out)
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		defer zr.Close()
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		return string(out)
	}
	t.Fatalf("unexpected Content-Encoding %q", coding)
	return ""
}

func corpusPage(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testshared.Dir(t), "corpus", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
