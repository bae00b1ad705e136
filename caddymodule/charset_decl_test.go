package caddymodule

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// The charset stage reads a page's encoding as Chromium does, or makes
// Chromium read it as the stage did: a probe found pages the two read
// differently, a tracker hidden from one live in the other. trick read as
// ASCII hides the script in an attribute; read as ISO-2022-JP `="` is a
// kanji and the script is live.
const (
	gtm   = "https://www.googletagmanager.com/gtag/js"
	trick = "<p \x1b$B=\"\x1b(B><script src=" + gtm + "></script><i title=\"\">y</i><p>end</p></body></html>"
)

// safeEitherWay: the tracker is live in neither reading of body. Escapes
// left in: the proxy read ISO-2022-JP (which the browser must be told), so
// the script is held back; none left: both read it as ASCII, the script in
// an attribute.
func safeEitherWay(t *testing.T, name, body string) {
	t.Helper()
	live := strings.Contains(body, "<script src="+gtm)
	if strings.Contains(body, "\x1b") && live {
		t.Errorf("%s: ISO-2022-JP escapes went out and the tracker behind them is live: %q", name, body)
	}
}

// declaresISO2022JP: the browser reads body as ISO-2022-JP whatever else the
// page says or the detector guesses: the first <meta> says so, before any
// escape.
func declaresISO2022JP(body string) bool {
	i := strings.Index(body, `<meta charset="iso-2022-jp">`)
	esc := strings.IndexByte(body, 0x1b)
	return i >= 0 && (esc < 0 || i < esc) && !strings.Contains(body[:i], "<meta")
}

func charsetProxy(t *testing.T, pages map[string]func(w http.ResponseWriter)) *proxy {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if pg, ok := pages[r.URL.Path]; ok {
			pg(w)
			return
		}
		http.NotFound(w, r)
	})
	return startCaddy(t, consentSite(up.hostport(), ""))
}

func whole(ctype, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write([]byte(body))
	}
}

// flushed writes parts with a flush and a pause after each but the last.
func flushed(ctype string, parts ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", ctype)
		for i, p := range parts {
			_, _ = w.Write([]byte(p))
			if i < len(parts)-1 {
				w.(http.Flusher).Flush()
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
}

var nav = withHeaders(navHeaders, "Accept-Encoding:")

// TestCharsetLateMetaInHead: Chromium takes a <meta charset> past the first
// 1024 bytes while only head elements came before (before, the proxy read
// the page as ASCII and the tracker went out live to a browser reading
// ISO-2022-JP).
func TestCharsetLateMetaInHead(t *testing.T) {
	comment := "<!doctype html><html><head><!--" + strings.Repeat("a", 2000) + "-->"
	script := "<!doctype html><html><head><script>var s = '" + strings.Repeat("a", 3000) + "';</script>"
	tail := `<meta charset="iso-2022-jp"><title>j</title></head><body>` + trick
	p := charsetProxy(t, map[string]func(http.ResponseWriter){
		"/comment": whole("text/html", comment+tail),
		"/script":  whole("text/html", script+tail),
		// The meta comes after what the stage has when it decides.
		"/flushed": flushed("text/html", comment[:1100], comment[1100:]+tail),
	})
	for _, path := range []string{"/comment", "/script"} {
		_, body := p.do(t, "GET", path, nil, nav...)
		if strings.Contains(body, "<script src="+gtm) || !strings.Contains(body, `data-consent-src="`+gtm) && !strings.Contains(body, "data-consent-src="+gtm) {
			t.Errorf("%s: the tracker behind the escapes was not held back: %q", path, body[len(body)-400:])
		}
		if !declaresISO2022JP(body) {
			t.Errorf("%s: the page read as ISO-2022-JP does not say so first: %q", path, body[:200])
		}
	}
	_, body := p.do(t, "GET", "/flushed", nil, nav...)
	safeEitherWay(t, "/flushed", body)
}

// TestCharsetXMLDeclaration: Chromium applies an XML declaration's encoding,
// in text/html too, and reads "<?x" in UTF-16 as UTF-16.
func TestCharsetXMLDeclaration(t *testing.T) {
	xhtml := `<?xml version="1.0" encoding="ISO-2022-JP"?>` + "\n" +
		`<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">` + "\n" +
		`<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head><body><!--` + strings.Repeat("a", 2000) + `-->` +
		"<p>x\x1b$B<!--\x1b(B</p><script src=\"" + gtm + "\"></script><p>end</p></body></html>"
	page := `<html><head><title>j</title></head><body><p>` + strings.Repeat("a", 2000) + `</p><script src="` + gtm + `"></script></body></html>`
	p := charsetProxy(t, map[string]func(http.ResponseWriter){
		"/html":  whole("text/html", `<?xml version="1.0" encoding="ISO-2022-JP"?>`+"\n<html><head><title>j</title></head><body><!--"+strings.Repeat("a", 2000)+"-->"+trick),
		"/utf16": whole("text/html", utf16le(`<?xml version="1.0" encoding="UTF-16LE"?>`+page, false)),
		"/xhtml": whole("application/xhtml+xml", xhtml),
	})

	_, body := p.do(t, "GET", "/html", nil, nav...)
	if strings.Contains(body, "<script src="+gtm) {
		t.Errorf("/html: the tracker behind the escapes went out live: %q", body[len(body)-300:])
	}
	safeEitherWay(t, "/html", body)

	_, body = p.do(t, "GET", "/utf16", nil, nav...)
	if !strings.Contains(body, utf16le(`data-consent-src="`+gtm, false)) || strings.Contains(body, utf16le(`<script src="`+gtm, false)) {
		t.Errorf("/utf16: the UTF-16 page's tracker was not held back")
	}

	_, body = p.do(t, "GET", "/xhtml", nil, nav...)
	if strings.Contains(body, `<script src="`+gtm) || !strings.Contains(body, "\x1b$B<!--\x1b(B") {
		t.Errorf("/xhtml: the tracker after the escaped <!-- was not held back, or the kanji lost: %q", body[len(body)-400:])
	}
	if strings.Contains(body, "<meta charset") {
		t.Errorf("/xhtml: an HTML <meta> in an XML document: %q", body[:300])
	}
}

// TestCharsetUndeclaredEscapesAreNotGuessed: Chromium reads an undeclared
// page with ISO-2022-JP escapes as windows-1252 (its detector does not
// guess ISO-2022-JP, even for pages of Japanese text), so the proxy reads
// it as it is; its escapes go as SUB, so that no browser whose detector
// guesses otherwise reads the two-byte mode the proxy did not (before, the
// proxy guessed ISO-2022-JP and left the script the probe's Chromium ran
// in an attribute; now it is held back).
func TestCharsetUndeclaredEscapesAreNotGuessed(t *testing.T) {
	const rev = "<!doctype html><html><head><title>r</title></head><body><p title=\"x\x1b$B\"!\x1b(B><script src=" + gtm + "></script><i title=\"\">y</i><p>end</p></body></html>"
	p := charsetProxy(t, map[string]func(http.ResponseWriter){
		"/rev":     whole("text/html", rev),
		"/flushed": flushed("text/html", rev[:40], rev[40:]),
	})
	for _, path := range []string{"/rev", "/flushed"} {
		_, body := p.do(t, "GET", path, nil, nav...)
		if strings.Contains(body, "\x1b") || strings.Contains(body, "<meta charset") || !strings.Contains(body, "<p title=\"x\x1a$B\"!\x1a(B>") ||
			strings.Contains(body, "<script src="+gtm) || !strings.Contains(body, "data-consent-src="+gtm) {
			t.Errorf("%s: not read, and sent, as it is with its escapes made harmless: %q", path, body[strings.Index(body, "<body>"):])
		}
	}
}

// TestCharsetLegacyPagesKeepTheirBytes: what forces or neutralises an
// encoding leaves a legitimate page alone: an undeclared Shift_JIS page
// (Chromium's detector reads it) gets no <meta> and keeps its bytes; an
// ISO-2022-JP page by its header gets nothing.
func TestCharsetLegacyPagesKeepTheirBytes(t *testing.T) {
	const sjis = "<!doctype html><html><head><title>\x93\xfa\x96\x7b\x8c\xea</title></head><body><p id=t>\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\x81\x41\x90\xa2\x8a\x45</p></body></html>"
	const jis = "<!doctype html><html><head><title>t</title></head><body><p>\x1b$B$3$s$K$A$O\x1b(B</p></body></html>"
	p := charsetProxy(t, map[string]func(http.ResponseWriter){
		"/sjis":   whole("text/html", sjis),
		"/header": whole("text/html; charset=iso-2022-jp", jis),
	})
	_, body := p.do(t, "GET", "/sjis", nil, nav...)
	if strings.Contains(body, "<meta charset") || !strings.Contains(body, "<p id=t>\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\x81\x41\x90\xa2\x8a\x45</p>") {
		t.Errorf("/sjis changed: %q", body)
	}
	_, body = p.do(t, "GET", "/header", nil, nav...)
	if strings.Contains(body, "<meta charset") || !strings.Contains(body, "<p>\x1b$B$3$s$K$A$O\x1b(B</p>") {
		t.Errorf("/header changed: %q", body)
	}
}
