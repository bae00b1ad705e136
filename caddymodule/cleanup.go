package caddymodule

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"golang.org/x/net/publicsuffix"

	"github.com/consentgate/consentgate/policy"
)

// A browser keeps one cookie per (name, domain, host-only, path): a cookie
// set by gtag with Domain=.example.com, by a server-side tagger on the
// registrable domain, or by a script with another path survives an expiry
// for the request host and Path=/. A deletion must name the same domain and
// path. The request only says which names the browser sent, not how they
// were set, so every variant the browser could hold for this request is
// expired: host-only and Domain= each parent domain of the request host down
// to the registrable domain (public suffix list), for Path=/ and the request
// path's ancestors. A response carries at most maxExpiries such headers,
// the likeliest variants first.

const (
	// maxExpiries bounds the cleanup headers per response: with three
	// domains and four paths a name has twelve variants.
	maxExpiries = 60
	// maxPathVariants bounds the request path's ancestors tried besides "/".
	maxPathVariants = 3
)

// cookieDomains are the Domain= values a cookie sent to host could carry,
// the registrable domain first; host-only is implied. An IP address or a
// single-label host has none.
func cookieDomains(host string) []string {
	host = cookieHost(host)
	if host == "" || net.ParseIP(strings.Trim(host, "[]")) != nil || !strings.Contains(host, ".") {
		return nil
	}
	site, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return nil
	}
	out := []string{site}
	for d := host; d != site && strings.HasSuffix(d, "."+site); {
		out = append(out, d)
		_, d, _ = strings.Cut(d, ".")
	}
	return out
}

// cookieHost is a Host header's name as a cookie's domain is matched
// against it: no port, lower case, no trailing dot.
func cookieHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

// cookiePaths are "/" and the paths a cookie sent to this page may have, the
// likeliest first: the page's directory (a cookie's default path), the page
// itself, then the deeper ancestors; each directory also with a final slash
// (an application's base path, WordPress's COOKIEPATH "/blog/", is written
// so, and a cookie of Path=/shop/ is another than one of Path=/shop).
func cookiePaths(path string) []string {
	out := []string{"/"}
	if !strings.HasPrefix(path, "/") || len(path) > 1024 {
		return out
	}
	// A Path attribute ends at ';' and holds no control character: the
	// visitor's "/x;Max-Age=31536000;Path=/" would write attributes of its
	// own into the deletion (an empty _ga kept for a year).
	if i := strings.IndexFunc(path, func(r rune) bool { return r == ';' || r < 0x20 || r >= 0x7f }); i >= 0 {
		path = path[:i]
	}
	var dirs []string // deepest first
	for i := len(path) - 1; i > 0 && len(dirs) < maxPathVariants; i-- {
		if path[i] == '/' && path[i-1] != '/' {
			dirs = append(dirs, path[:i])
		}
	}
	page := ""
	if !strings.HasSuffix(path, "/") && len(path) > 1 {
		page = path
	}
	for i, d := range dirs {
		out = append(out, d)
		if i == 0 && page != "" {
			out = append(out, page)
		}
		out = append(out, d+"/")
	}
	if len(dirs) == 0 && page != "" {
		out = append(out, page)
	}
	return out
}

// expiries are the Set-Cookie values that delete the named cookies in every
// variant this request's browser could hold, at most limit of them. names are
// in the order of the request, without duplicates. The likeliest variants
// come first (host-only and each domain at "/", on HTTPS also partitioned);
// when they are more than limit, the last third of the budget goes round
// the rest, a window further on each response, so that a visitor's cookies
// on deeper paths, or many of them, all go within a few page loads (the same
// first sixty every time left them for ever).
func (h *Handler) expiries(r *http.Request, names []string, limit int) []string {
	if len(names) == 0 || limit <= 0 {
		return nil
	}
	secure := visitorSecure(r)
	domains := cookieDomains(visitorHost(r))
	if d := strings.TrimPrefix(h.consentDomain(r), "."); d != "" && !containsFold(domains, d) {
		domains = append(domains, d)
	}
	paths := cookiePaths(h.pagePath(r))
	type variant struct {
		domain      string // "" host-only
		path        string
		partitioned bool // a CHIPS cookie is another cookie: its deletion says Partitioned
	}
	var order []variant
	order = append(order, variant{"", "/", false})
	for _, d := range domains {
		order = append(order, variant{d, "/", false})
	}
	if secure {
		order = append(order, variant{"", "/", true})
		for _, d := range domains {
			order = append(order, variant{d, "/", true})
		}
	}
	for _, p := range paths[1:] {
		order = append(order, variant{"", p, false})
		for _, d := range domains {
			order = append(order, variant{d, p, false})
		}
	}
	var out []string
	try := func(k int) {
		v, name := order[k/len(names)], names[k%len(names)]
		if strings.HasPrefix(name, "__Host-") && (v.domain != "" || v.path != "/") {
			return // a __Host- cookie has neither
		}
		if !policy.Storable(name) {
			// No browser holds it (a hostile client sent it): a header for it
			// would be ignored.
			return
		}
		e := policy.ExpireCookieAt(name, v.domain, v.path, secure)
		if v.partitioned {
			e += "; SameSite=None; Partitioned" // (SameSite=None: as the cookie is, in a frame of another site)
		}
		out = append(out, e)
	}
	total, fixed := len(order)*len(names), limit-limit/3
	k := 0
	for ; k < total && len(out) < fixed; k++ {
		try(k)
	}
	if rest := total - k; rest > 0 && rest <= 1<<16 {
		start := int(h.expiryTurn.Add(uint64(limit-len(out))) % uint64(rest))
		for j := 0; j < rest && len(out) < limit; j++ {
			try(k + (start+j)%rest)
		}
	}
	return out
}

// pagePath is the path of the page the cookies were sent to: the request's
// own, or for a choice posted to the consent endpoint, the page it was made
// on (a same-origin Referer).
func (h *Handler) pagePath(r *http.Request) string {
	u := originalURL(r)
	if _, endpoint := h.reserved(u.Path); !endpoint {
		return u.EscapedPath() // a cookie's path is matched against the URL as sent
	}
	if ref, err := url.Parse(r.Referer()); err == nil && strings.EqualFold(ref.Host, visitorHost(r)) {
		return ref.EscapedPath()
	}
	return "/"
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// originalURL is the request's URL as the visitor sent it, before rewrite,
// try_files or php_fastcgi changed it.
func originalURL(r *http.Request) *url.URL {
	if or, ok := r.Context().Value(caddyhttp.OriginalRequestCtxKey).(http.Request); ok && or.URL != nil {
		return or.URL
	}
	return r.URL
}
