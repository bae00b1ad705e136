package caddymodule

import (
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// Behind a TLS-terminating load balancer, a CDN or a second Caddy, the
// request reaches us as plain HTTP for another host name than the visitor
// typed, and the visitor's Origin header (https://site) would never match it.
// When Caddy has established that the request comes from one of its
// trusted_proxies, the scheme and host the visitor used are read from the
// proxy's X-Forwarded-Proto / X-Forwarded-Host (or RFC 7239 Forwarded); from
// anyone else those headers are ignored, so a visitor cannot claim another
// origin.

// fromTrustedProxy reports whether Caddy matched the connection's peer
// against the server's trusted_proxies.
func fromTrustedProxy(r *http.Request) bool {
	trusted, _ := caddyhttp.GetVar(r.Context(), caddyhttp.TrustedProxyVarKey).(bool)
	return trusted
}

// visitorScheme is "https" or "http": how the visitor reached the site.
func visitorScheme(r *http.Request) string {
	scheme, _ := readScheme(r)
	return scheme
}

// schemeKnown reports whether visitorScheme knows the scheme: the connection
// is TLS, or a trusted proxy named it. A plain-HTTP request from a peer that
// is not trusted may have come through a TLS-terminating proxy nobody told
// Caddy about (no trusted_proxies): its page may well be https.
func schemeKnown(r *http.Request) bool {
	_, known := readScheme(r)
	return known
}

// readScheme is the visitor's scheme, and whether it is known rather than
// assumed from a plain connection.
func readScheme(r *http.Request) (scheme string, known bool) {
	if fromTrustedProxy(r) {
		if proto, ok := forwarded(r, "X-Forwarded-Proto", "proto"); ok {
			if p := strings.ToLower(proto); p == "https" || p == "http" {
				return p, true
			}
		}
	}
	if r.TLS != nil {
		return "https", true
	}
	return "http", false
}

// markupOrigin is what the inserted markup's URLs start with: the visitor's
// origin, or, when the scheme is not known, "//host", which the browser
// completes with the page's own scheme (an http:// guard on an https page
// behind an untold TLS proxy is mixed content the browser blocks: no guard,
// no banner script).
func markupOrigin(r *http.Request) string {
	if schemeKnown(r) {
		return visitorOrigin(r)
	}
	return "//" + visitorHost(r)
}

// visitorHost is the host (and port) the visitor addressed.
func visitorHost(r *http.Request) string {
	if fromTrustedProxy(r) {
		if host, ok := forwarded(r, "X-Forwarded-Host", "host"); ok && validHost(host) {
			return host
		}
	}
	return r.Host
}

// visitorOrigin is scheme://host as the visitor's browser sees this site.
func visitorOrigin(r *http.Request) string {
	return visitorScheme(r) + "://" + visitorHost(r)
}

// visitorSecure reports whether cookies we set may (and should) be Secure.
func visitorSecure(r *http.Request) bool { return visitorScheme(r) == "https" }

// forwarded reads the first (client-side) value of an X-Forwarded-* header,
// or else the parameter of the first element of Forwarded.
func forwarded(r *http.Request, xHeader, param string) (string, bool) {
	if v := r.Header.Get(xHeader); v != "" {
		first, _, _ := strings.Cut(v, ",")
		if first = strings.TrimSpace(first); first != "" {
			return first, true
		}
	}
	fwd := first(r.Header, "Forwarded")
	if fwd == "" {
		return "", false
	}
	element, _, _ := strings.Cut(fwd, ",")
	for _, pair := range strings.Split(element, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if ok && strings.EqualFold(k, param) {
			v = strings.Trim(v, `"`)
			return v, v != ""
		}
	}
	return "", false
}

// validHost accepts a host[:port] a proxy could have forwarded: no path,
// userinfo, whitespace or control characters, bounded length.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c <= ' ' || c == 0x7f || strings.IndexByte("/\\?#@,;\"'<>", c) >= 0 {
			return false
		}
	}
	return true
}
