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

// cookiePaths are "/" and the deepest ancestors of the request path (a
// cookie's default path is the directory of the page that set it).
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
	var ancestors []string
	for i := 1; i < len(path); i++ {
		if path[i] == '/' {
			ancestors = append(ancestors, path[:i])
		}
	}
	if !strings.HasSuffix(path, "/") && len(path) > 1 {
		ancestors = append(ancestors, path)
	}
	// The deepest ones: a tracker sets its cookie where the page is.
	if len(ancestors) > maxPathVariants {
		ancestors = ancestors[len(ancestors)-maxPathVariants:]
	}
	for i := len(ancestors) - 1; i >= 0; i-- {
		out = append(out, ancestors[i])
	}
	return out
}

// expiries are the Set-Cookie values that delete the named cookies in every
// variant this request's browser could hold, at most limit of them. names are
// in the order of the request, without duplicates.
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
		domain string // "" host-only
		path   string
	}
	// The likeliest first: host-only and registrable domain at "/", then the
	// other domains at "/", then the deeper paths.
	var order []variant
	order = append(order, variant{"", "/"})
	for _, d := range domains {
		order = append(order, variant{d, "/"})
	}
	for _, p := range paths[1:] {
		order = append(order, variant{"", p})
		for _, d := range domains {
			order = append(order, variant{d, p})
		}
	}
	var out []string
	for _, v := range order {
		for _, name := range names {
			if len(out) >= limit {
				return out
			}
			if strings.HasPrefix(name, "__Host-") && (v.domain != "" || v.path != "/") {
				continue // a __Host- cookie has neither
			}
			if !policy.Storable(name) {
				// No browser holds it (a hostile client sent it): a header for it
				// would be ignored.
				continue
			}
			out = append(out, policy.ExpireCookieAt(name, v.domain, v.path, secure))
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
