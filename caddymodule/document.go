package caddymodule

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
)

// Only page documents are rewritten (SPEC §5): an HTML response that the
// browser will display as a page. Three questions decide it, in this order:
// is the request a navigation (navigationOf), is the response a body the
// browser renders as HTML (status, method, MIME type as the Fetch standard
// extracts it), and — for clients that do not say what the request is for —
// does the body begin as a document (beginsAsDocument).

// navigation says what the request is for.
type navigation uint8

const (
	notNavigation   navigation = iota
	isNavigation               // the browser said so (Sec-Fetch-Dest)
	maybeNavigation            // no Sec-Fetch-* headers: Accept names text/html and no X-Requested-With
)

// navigationOf classifies the request. A browser that sends Sec-Fetch-Dest
// says what the response is for: a page in a tab, a frame, or (embed,
// object) a nested document — all of which run scripts. Everything else
// (empty = fetch/XHR, script, image, ...) is not a page.
func navigationOf(r *http.Request) navigation {
	if r.Method == http.MethodHead || r.Method == http.MethodConnect {
		return notNavigation // no body, or a tunnel (a WebSocket over HTTP/2)
	}
	if r.RemoteAddr == templatesIncludeAddr && r.Header["Caddy-Templates-Include"] != nil {
		// templates' {{httpInclude}}: a fragment of the page being made,
		// fetched through the server with the page's headers; rewritten as a
		// page it put a second guard and banner inside the first's <head>.
		// (The address is what Caddy gives its virtual request, which no
		// visitor can send.)
		return notNavigation
	}
	if dest := first(r.Header, "Sec-Fetch-Dest"); dest != "" {
		if strings.EqualFold(dest, "document") || frameDest(dest) {
			return isNavigation
		}
		return notNavigation
	}
	if first(r.Header, "X-Requested-With") != "" || first(r.Header, "Sec-Fetch-Mode") != "" {
		return notNavigation
	}
	for _, v := range r.Header["Accept"] {
		if strings.Contains(strings.ToLower(v), "text/html") {
			return maybeNavigation
		}
	}
	return notNavigation
}

// crossSiteFrame: the page is for a frame (an iframe, frame, embed, object
// or fenced frame) in a page of another site — a WordPress post embedded on
// another blog, a widget. The browser neither sends the consent cookie there
// nor keeps the one a choice sets (SameSite=Lax), so its banner would ask
// for a choice that is lost the moment it is made.
func crossSiteFrame(r *http.Request) bool {
	return frameDest(first(r.Header, "Sec-Fetch-Dest")) && strings.EqualFold(first(r.Header, "Sec-Fetch-Site"), "cross-site")
}

// frameDest: a Sec-Fetch-Dest of a document in a frame of a page, which
// runs scripts as a page does (navigationOf).
func frameDest(dest string) bool {
	switch strings.ToLower(dest) {
	case "iframe", "frame", "embed", "object", "fencedframe":
		return true
	}
	return false
}

// prefersHTML: of the types an Accept header lists, text/html has the highest
// weight (or ties with it). A browser without Sec-Fetch-* puts it first; a
// feed reader that also takes HTML (WordPress's SimplePie: RSS and Atom at
// 1, text/html at 0.7) does not, and its cached feeds are not pages we
// rewrite.
func prefersHTML(values []string) bool {
	html, top := -1.0, 0.0
	for _, line := range values {
		for rest, more := line, true; more; {
			var v string
			v, rest, more = cutHeaderList(rest)
			essence, params, ok := parseMIME(v)
			if !ok {
				continue
			}
			q := 1.0
			if qs, found := mimeParam(params, "q"); found {
				if f, err := strconv.ParseFloat(strings.TrimSpace(qs), 64); err == nil {
					q = f
				}
			}
			if essence == "text/html" {
				html = max(html, q)
			} else {
				top = max(top, q)
			}
		}
	}
	return html > 0 && html >= top
}

// templatesIncludeAddr is the RemoteAddr of the request Caddy's templates
// make for {{httpInclude}}.
const templatesIncludeAddr = "127.0.0.1:10000"

// first is Header.Get for a key already in canonical form (a constant), without
// making the canonical form again: it runs on every request.
func first(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// rewritableStatus: a status whose body a browser renders as the page.
// Redirects are followed, not shown — but only Fetch's redirect statuses
// (301, 302, 303, 307, 308) with a Location: a 300 (Apache's MultiViews
// list) or a redirect without a Location is rendered like a 200; 204 and 304
// have no body; a 206 is a part of something only when the request asked for
// a range (an unsolicited 206 is rendered like a 200, so it is rewritten like
// one).
func rewritableStatus(status int, r *http.Request, hdr http.Header) bool {
	switch status {
	case http.StatusNoContent, http.StatusResetContent, http.StatusNotModified, http.StatusIMUsed:
		// 226 IM Used is a delta to apply to a copy the client has (RFC
		// 3229), not a page: markup put into it would corrupt the copy.
		return false
	case http.StatusPartialContent:
		return first(r.Header, "Range") == ""
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return first(hdr, "Location") == ""
	}
	return status >= 200 && status < 600
}

// responseType is the essence of the response's Content-Type; unknown when
// it does not say and the browser sniffs the body (MIME Sniffing's rules for
// an unknown type): none given, none that parses, unknown/unknown,
// application/unknown or */*.
func responseType(hdr http.Header) (essence string, unknown bool) {
	essence, _, typed := mimeType(hdr["Content-Type"])
	return essence, !typed || essence == "unknown/unknown" || essence == "application/unknown"
}

// typeUnknown: the browser sniffs this response's type (responseType); such
// a response to a navigation may be a page, rewritten.
func typeUnknown(hdr http.Header) bool {
	// It runs on every response (for Vary): a type such as
	// application/json — a letter after the slash, no "k" of unknown and no
	// "*" anywhere — is known without parsing.
	if ct := hdr["Content-Type"]; len(ct) == 1 {
		if slash := strings.IndexByte(ct[0], '/'); slash > 0 && slash+1 < len(ct[0]) && isASCIILetter(ct[0][slash+1]) && strings.IndexAny(ct[0], "kK*") < 0 {
			return false
		}
	}
	_, unknown := responseType(hdr)
	return unknown
}

// sniffedType is the MIME type the browser gives a body of unknown type from
// its first bytes; with X-Content-Type-Options: nosniff it sniffs no HTML.
func sniffedType(hdr http.Header, start []byte) string {
	if strings.EqualFold(strings.TrimSpace(first(hdr, "X-Content-Type-Options")), "nosniff") {
		return "text/plain"
	}
	essence, _, _ := mimeType([]string{http.DetectContentType(start)})
	return essence
}

// mimeType returns the essence and charset of the response's MIME type as the
// Fetch standard extracts it from every Content-Type line ("extract a MIME
// type"): the values are joined and split on commas outside quoted strings,
// and the last one that parses wins; a charset carries over from an earlier
// value of the same essence. ok is false when no value parses.
func mimeType(values []string) (essence, charset string, ok bool) {
	for _, line := range values {
		for rest, more := line, true; more; {
			var v string
			v, rest, more = cutHeaderList(rest)
			e, params, valid := parseMIME(v)
			if !valid || e == "*/*" {
				continue
			}
			cs, hasCharset := mimeParam(params, "charset")
			switch {
			case e != essence:
				charset = ""
				if hasCharset {
					charset = cs
				}
			case hasCharset:
				charset = cs
			}
			essence, ok = e, true
		}
	}
	return essence, charset, ok
}

// isHTMLType reports whether a MIME essence is a document the rewriter reads
// as HTML or as XML: xhtml, svg, and XML itself — text/xml and
// application/xml, which Chromium renders as XHTML when the elements are
// XHTML's (or SVG's), running their scripts and loading their images.
func isHTMLType(essence string) bool {
	switch essence {
	case "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml":
		return true
	}
	return false
}

// takesMarkup: the guard and the banner go into documents of this type. An
// SVG or plain XML document gets no HTML inserted into it (it may be a
// sitemap, a feed or a drawing); its trackers are still held back.
func takesMarkup(essence string) bool {
	return essence == "text/html" || essence == "application/xhtml+xml"
}

// cutHeaderList cuts the first item off a header value split on commas,
// except inside a quoted string (Fetch's "get, decode, and split"); more is
// false for the last item. Walking the items needs no slice: mimeType runs
// several times for every response.
func cutHeaderList(v string) (item, rest string, more bool) {
	quoted := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			quoted = !quoted
		case c == '\\' && quoted:
			i++
		case c == ',' && !quoted:
			return v[:i], v[i+1:], true
		}
	}
	return v, "", false
}

// parseMIME parses type/subtype[;params] as the MIME Sniffing standard does,
// returning the lower-case essence and the raw parameters.
func parseMIME(v string) (essence, params string, ok bool) {
	v = strings.Trim(v, " \t\r\n")
	slash := strings.IndexByte(v, '/')
	if slash <= 0 || !isToken(v[:slash]) {
		return "", "", false
	}
	sub, params, _ := strings.Cut(v[slash+1:], ";")
	sub = strings.TrimRight(sub, " \t\r\n")
	if sub == "" || !isToken(sub) {
		return "", "", false
	}
	// type "/" subtype is v's own prefix: lowered in place when it needs it,
	// rather than put together anew.
	return strings.ToLower(v[:slash+1+len(sub)]), params, true
}

// mimeParam finds a parameter (first occurrence wins, as in the standard).
func mimeParam(params, name string) (string, bool) {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, val, found := strings.Cut(strings.TrimLeft(p, " \t\r\n"), "=")
		if !found || !strings.EqualFold(k, name) {
			continue
		}
		if strings.HasPrefix(val, `"`) {
			if unq, err := strconv.Unquote(val); err == nil {
				return unq, true
			}
			return strings.Trim(val, `"`), true
		}
		return strings.TrimRight(val, " \t\r\n"), true
	}
	return "", false
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return s != ""
}

// docStart is how much of a body beginsAsDocument may look at: enough for a
// BOM, whitespace and a comment or two before the first tag.
const docStart = 1024

// sniffLen is how many bytes MIME Sniffing reads of a body of unknown type.
const sniffLen = 512

// beginsAsDocument tells, from the first bytes of a body, whether it is a
// whole document rather than a fragment: after a BOM, whitespace and
// comments, the first thing is a doctype, an XML declaration, or the start
// tag of html, head, body or an element that belongs in a head. decided is
// false while more bytes could change the answer.
func beginsAsDocument(b []byte) (doc, decided bool) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	for {
		b = bytes.TrimLeft(b, " \t\r\n\f")
		if len(b) == 0 {
			return false, false
		}
		if b[0] != '<' {
			return false, true
		}
		if len(b) < 4 {
			return false, false
		}
		if !bytes.HasPrefix(b, []byte("<!--")) {
			break
		}
		end := bytes.Index(b[4:], []byte("-->"))
		if end < 0 {
			return false, false
		}
		b = b[4+end+3:]
	}
	name := b[1:]
	n := 0
	for n < len(name) && n < 10 && (isASCIILetter(name[n]) || name[n] == '!' || name[n] == '?') {
		n++
	}
	if n == len(name) {
		return false, false // the name may go on
	}
	if name[n] != '>' && name[n] != '/' && name[n] != ' ' && name[n] != '\t' && name[n] != '\n' && name[n] != '\r' && name[n] != '\f' {
		return false, true
	}
	var lower [10]byte // n ≤ 10: the name lower-cased without allocating
	for i := range n {
		c := name[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	switch string(lower[:n]) {
	case "!doctype", "?xml", "html", "head", "body", "title", "meta", "link", "base", "style", "script", "noscript", "svg":
		return true, true
	}
	return false, true
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// acceptsEncoding reports whether an Accept-Encoding header accepts the
// coding with a non-zero quality.
func acceptsEncoding(header []string, coding string) bool {
	for _, line := range header {
		for _, item := range strings.Split(line, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(item), ";")
			if !strings.EqualFold(strings.TrimSpace(name), coding) {
				continue
			}
			if q, ok := mimeParam(params, "q"); ok {
				if f, err := strconv.ParseFloat(q, 64); err == nil && f <= 0 {
					return false
				}
			}
			return true
		}
	}
	return false
}

// isAttachment reports whether a Content-Disposition value makes the browser
// save the body instead of showing it: its type is "attachment" (RFC 6266).
// Another type, unknown or malformed, counts as shown: a page that is shown
// unrewritten would let its trackers in, a file that is saved rewritten only
// carries our insertions.
func isAttachment(v string) bool {
	t, _, _ := strings.Cut(v, ";")
	return strings.EqualFold(strings.Trim(t, " \t"), "attachment")
}

// isHTMLTyped: the MIME type of these Content-Type lines is HTML.
func isHTMLTyped(values []string) bool {
	essence, _, ok := mimeType(values)
	return ok && isHTMLType(essence)
}

// mentionsDocType is a cheap filter before isHTMLTyped on every response: a
// document type (text/html, application/xhtml+xml, image/svg+xml, text/xml)
// has "htm", "svg" or "xml" in it, in any case; a JSON or PNG type has not.
func mentionsDocType(values []string) bool {
	for _, v := range values {
		for i := 0; i+3 <= len(v); i++ {
			if v[i]|0x20 == 'h' && v[i+1]|0x20 == 't' && v[i+2]|0x20 == 'm' ||
				v[i]|0x20 == 's' && v[i+1]|0x20 == 'v' && v[i+2]|0x20 == 'g' ||
				v[i]|0x20 == 'x' && v[i+1]|0x20 == 'm' && v[i+2]|0x20 == 'l' {
				return true
			}
		}
	}
	return false
}
