package caddymodule

import (
	"net/http"
	"strings"
	"time"

	"github.com/consentgate/consentgate/caddymodule/htmlrewrite"
)

// A Link response header (RFC 8288), in the final response or in 103 Early
// Hints, makes the browser fetch or connect before any markup is read:
// `Link: <https://www.googletagmanager.com/gtag/js>; rel=preload; as=script`.
// A link whose target a blocker holds back is removed like the element it
// stands for. Other response headers make the browser contact a host too
// (Report-To and NEL, Reporting-Endpoints, a CSP's report-uri,
// Speculation-Rules, Refresh): headersinks.go filters them, from here.

// filterLinks filters the response headers that make the browser contact a
// host (the Link header and the others of headersinks.go), in the final
// response and in every 1xx. Report mode changes nothing: what enforce
// mode would remove is observed (heldBack).
func (rw *responseWriter) filterLinks() (dependsOnConsent bool) {
	if len(rw.h.policy.Blockers) == 0 {
		return false
	}
	hdr := rw.Header()
	// One map lookup each: most responses have none of these headers, and
	// then this is all they cost. Link, Report-To and NEL act from any
	// response; the others only from a document's or a worker's, which a
	// request for anything else (an image, a fetch) does not get.
	docOrWorker := documentOrWorker(rw.nav, rw.r)
	if hdr["Link"] == nil && hdr["Report-To"] == nil &&
		(!docOrWorker || hdr["Content-Security-Policy"] == nil && hdr["Content-Security-Policy-Report-Only"] == nil &&
			hdr["Reporting-Endpoints"] == nil && hdr["Refresh"] == nil && hdr["Speculation-Rules"] == nil) {
		return false
	}
	// What goes out depends on the consent when a header may name a held
	// back host (or is Speculation-Rules): a shared cache must not give the
	// headers a consenting visitor got to one who did not.
	// Each is looked at once; filterHeaderSinks parses only those named.
	var named namedHeaders
	for i, name := range sinkHeaders {
		if lines := hdr[name]; lines != nil && rw.h.mayNameBlockedHost(lines) {
			named |= 1 << i
		}
	}
	if rw.h.firstRefusedBlocked(rw.consent) != "" {
		rw.filterHeaderSinks(hdr, docOrWorker, named)
	}
	return named != 0 || docOrWorker && hdr["Speculation-Rules"] != nil
}

// sinkHeaders are the headers whose text may name a blocker's host; a
// namedHeaders has the bit of each that does (mayNameBlockedHost), in this
// order.
var sinkHeaders = [...]string{"Link", "Report-To", "Reporting-Endpoints", "Content-Security-Policy", "Content-Security-Policy-Report-Only", "Refresh"}

type namedHeaders uint8

const (
	namesLink namedHeaders = 1 << iota
	namesReportTo
	namesReportingEndpoints
	namesCSP
	namesCSPReportOnly
	namesRefresh
)

// documentOrWorker: the response may be a document's or a worker's, whose
// Content-Security-Policy, Reporting-Endpoints, Refresh and
// Speculation-Rules the browser applies. A request that does not say what
// it is for (no Sec-Fetch-Dest) may be either.
func documentOrWorker(nav navigation, r *http.Request) bool {
	if nav != notNavigation {
		return true
	}
	dest := first(r.Header, "Sec-Fetch-Dest")
	return dest == "" || len(dest) >= 6 && strings.EqualFold(dest[len(dest)-6:], "worker")
}

// filterLinkHeader removes the link-values whose target is held back. The
// browser reads all Link lines as one value, joined with ", " (a quoted
// string may run from one line into the next), and so is it read here; when
// a link-value goes, the others are written back as one line.
func (rw *responseWriter) filterLinkHeader(hdr http.Header, lines []string) {
	joined := lines[0]
	if len(lines) > 1 {
		joined = strings.Join(lines, ", ")
	}
	var kept []string
	removed := false
	for _, link := range splitLinks(joined) {
		if link = strings.Trim(link, " \t"); link == "" {
			continue
		}
		if rw.linkCategory(link) != "" {
			removed = true
			continue
		}
		kept = append(kept, link)
	}
	if removed && rw.h.Mode == modeEnforce {
		setOrDelete(hdr, "Link", kept)
	}
}

// linkCategory is the category holding a link-value back, "" when it may
// pass: a link whose relations fetch (any relation but those known to load
// nothing, htmlrewrite.RelFetches) and whose target, or any URL of its
// imagesrcset, is on a host a blocker holds back.
func (rw *responseWriter) linkCategory(link string) string {
	// As Chromium reads a link-value: the target is from '<' to the first
	// '>'; a value that does not begin with '<' is ignored.
	if !strings.HasPrefix(link, "<") {
		return ""
	}
	end := strings.IndexByte(link, '>')
	if end < 0 {
		return ""
	}
	target, params := link[1:end], link[end+1:]
	fetches, srcsets := linkParams(params)
	if !fetches {
		return ""
	}
	if cat := rw.heldBack(target, "link header"); cat != "" {
		return cat
	}
	for _, srcset := range srcsets {
		for _, u := range srcsetTokens(srcset) {
			if cat := rw.heldBack(u, "link header"); cat != "" {
				return cat
			}
		}
	}
	return ""
}

// linkParams reads a link-value's parameters: whether a rel among them
// fetches, and the imagesrcset values. Every rel counts (Chromium keeps the
// first of a repeated parameter; any one that fetches is enough here), a
// quoted value is unquoted as RFC 9110 says (`rel="pre\load"` is preload),
// and the parameters are read twice, split on ';' outside quoted strings as
// the browser does and on every ';': a parser that splits otherwise sees
// no more than these.
func linkParams(params string) (fetches bool, srcsets []string) {
	for _, quoteAware := range [2]bool{true, false} {
		for rest := params; rest != ""; {
			var p string
			p, rest = cutParam(rest, quoteAware)
			name, value, ok := strings.Cut(p, "=")
			if !ok {
				continue
			}
			switch strings.ToLower(strings.Trim(name, " \t")) {
			case "rel":
				fetches = fetches || htmlrewrite.RelFetches(unquote(strings.Trim(value, " \t")))
			case "imagesrcset":
				srcsets = append(srcsets, unquote(strings.Trim(value, " \t")))
			}
		}
	}
	return fetches, srcsets
}

// cutParam cuts params at its first ';' (outside a quoted string when
// quoteAware).
func cutParam(params string, quoteAware bool) (param, rest string) {
	quoted := false
	for i := 0; i < len(params); i++ {
		switch c := params[i]; {
		case quoted && c == '\\':
			i++
		case c == '"' && quoteAware:
			quoted = !quoted
		case c == ';' && !quoted:
			return params[:i], params[i+1:]
		}
	}
	return params, ""
}

// unquote undoes an RFC 9110 quoted-string (a backslash takes the next
// character as it is); a value that is not quoted is returned as it is, an
// unterminated one runs to the end.
func unquote(v string) string {
	if !strings.HasPrefix(v, `"`) {
		return v
	}
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			if i+1 < len(v) {
				i++
				b.WriteByte(v[i])
			}
		case '"':
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// srcsetTokens splits an imagesrcset on whitespace and commas: every URL of
// a srcset is one of these (a candidate's URL runs from after whitespace or
// commas to the next whitespace, less the commas it ends with), and the
// descriptors among them name no host.
func srcsetTokens(srcset string) []string {
	return strings.FieldsFunc(srcset, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
	})
}

// heldBack is the category holding back what a response header would make
// the browser contact at u, "" when it may: the category of the blocker of
// u's host (judged as an element's URL is), unless the visitor granted it.
// What is held back is counted in enforce mode and observed in both: in
// report mode that log is all that happens.
func (rw *responseWriter) heldBack(u, element string) string {
	if u == "" {
		return ""
	}
	h := rw.h
	b, ok := h.policy.BlockerFor(u, visitorHost(rw.r), nil)
	if !ok || rw.consent.Grants(h.policy.CategoryIndex(b.Category)) {
		return ""
	}
	if h.Mode == modeEnforce {
		h.metrics.elements.WithLabelValues(b.Category, element).Inc()
	}
	h.observer.observe(observation{
		Kind: "element", Name: hostOf(u), Category: b.Category, ClassifiedBy: "declared",
		Action: "blocked", Source: "server", Element: element, Provider: hostOf(u), Path: originalURL(rw.r).Path,
	}, time.Now())
	return b.Category
}

// splitLinks splits a Link header value into link-values as Chromium does:
// on commas outside a quoted string ("...", with backslash escapes) and
// outside a <...> target (where a '"' is just a character and nothing is
// escaped). The pieces are as written, joined with "," they are v again;
// Chromium trims each of spaces and tabs and skips the empty ones.
func splitLinks(v string) []string {
	var out []string
	start := 0
	var closing byte // of the quoted string or target we are in; 0 outside
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case closing == '"' && c == '\\':
			i++
		case closing != 0:
			if c == closing {
				closing = 0
			}
		case c == '"':
			closing = '"'
		case c == '<':
			closing = '>'
		case c == ',':
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

// setOrDelete sets a header to the values kept, or deletes it when none is.
func setOrDelete(hdr http.Header, name string, kept []string) {
	if len(kept) == 0 {
		delete(hdr, name)
		return
	}
	hdr[name] = []string{strings.Join(kept, ", ")}
}
