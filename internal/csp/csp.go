// Package csp reads a page's Content-Security-Policy for what the proxy puts
// into the page: the guard and the banner script, same-origin <script src>
// tags, and their style sheet. ScriptNonce finds the nonce they can carry;
// Blocking says when, even so, the page's policy keeps them from running, so
// that the site owner is told (the proxy never rewrites a site's policy:
// adding a nonce to a list with 'unsafe-inline' would stop the site's own
// inline scripts).
package csp

import (
	"net/url"
	"strings"
)

// ScriptNonce finds the nonce a page's CSP allows scripts with (script-src-elem
// or script-src, else default-src), so that our script tags run under it.
func ScriptNonce(policies []string) string {
	for _, header := range policies {
		for _, policy := range strings.Split(header, ",") {
			var fallback string
			for _, dir := range strings.Split(policy, ";") {
				fields := strings.Fields(dir)
				if len(fields) == 0 {
					continue
				}
				name := strings.ToLower(fields[0])
				if name != "script-src" && name != "script-src-elem" && name != "default-src" {
					continue
				}
				for _, src := range fields[1:] {
					if n, ok := nonceOf(src); ok {
						if name == "default-src" {
							fallback = n
						} else {
							return n
						}
					}
				}
			}
			if fallback != "" {
				return fallback
			}
		}
	}
	return ""
}

func nonceOf(src string) (string, bool) {
	if len(src) > len("'nonce-'") && strings.EqualFold(src[:len("'nonce-")], "'nonce-") && strings.HasSuffix(src, "'") {
		return src[len("'nonce-") : len(src)-1], true
	}
	return "", false
}

// What is checked: our <script src> tags, or our <link rel=stylesheet>.
var (
	Scripts     = []string{"script-src-elem", "script-src", "default-src"}
	StyleSheets = []string{"style-src-elem", "style-src", "default-src"}
)

// Blocking returns the first directive of the policies (the values of the
// response's Content-Security-Policy headers; a value may list several
// policies, comma-separated) that keeps an element of origin of the kind
// (Scripts or StyleSheets) from loading when it carries the nonce ScriptNonce
// found (none when ""): the directive that governs it — the first of kind the
// policy has — allows it by no nonce, 'self', scheme or host, or (for
// scripts) has 'strict-dynamic', which makes 'self', schemes and hosts count
// for nothing. "" when every policy lets it load.
func Blocking(policies []string, origin *url.URL, nonce string, kind []string) string {
	for _, header := range policies {
		for _, policy := range strings.Split(header, ",") {
			dirs := map[string][]string{}
			for _, dir := range strings.Split(policy, ";") {
				fields := strings.Fields(dir)
				if len(fields) == 0 {
					continue
				}
				name := strings.ToLower(fields[0])
				if _, seen := dirs[name]; !seen { // the first of a name counts
					dirs[name] = fields[1:]
				}
			}
			for _, name := range kind {
				srcs, ok := dirs[name]
				if !ok {
					continue
				}
				if !allows(srcs, origin, nonce, kind[0] == Scripts[0]) {
					return strings.TrimSpace(name + " " + strings.Join(srcs, " "))
				}
				break
			}
		}
	}
	return ""
}

// allows reports whether a source list lets a same-origin element with the nonce
// load ('strict-dynamic' counts for scripts only).
func allows(srcs []string, origin *url.URL, nonce string, script bool) bool {
	strictDynamic, matched := false, false
	for _, s := range srcs {
		low := strings.ToLower(s)
		if n, ok := nonceOf(s); ok && nonce != "" && n == nonce {
			return true
		}
		switch {
		case low == "'strict-dynamic'":
			strictDynamic = script
		case low == "'self'", low == "*" && (origin.Scheme == "http" || origin.Scheme == "https"):
			matched = true
		case strings.HasPrefix(low, "'"):
			// 'none', hashes, other nonces, 'unsafe-inline', ...: nothing of ours.
		case strings.HasSuffix(low, ":") && !strings.Contains(low, "/"):
			// A scheme: http: also allows https.
			matched = matched || low == origin.Scheme+":" || low == "http:" && origin.Scheme == "https"
		default:
			matched = matched || hostMatches(low, origin)
		}
	}
	return matched && !strictDynamic
}

// hostMatches reports whether a host-source ([scheme://]host[:port][/path])
// matches origin: the host exactly or, for *.host, a subdomain; the scheme if
// given (http also allows https); the port if given (* any), else the
// scheme's default (or an upgrade from 80 to 443).
func hostMatches(src string, origin *url.URL) bool {
	scheme := ""
	if i := strings.Index(src, "://"); i >= 0 {
		scheme, src = src[:i], src[i+3:]
	}
	if i := strings.IndexByte(src, '/'); i >= 0 {
		src = src[:i] // a path: our scripts are under the path prefix, taken as matching
	}
	host, port := src, ""
	if i := strings.LastIndexByte(src, ':'); i >= 0 && !strings.HasSuffix(src, "]") {
		host, port = src[:i], src[i+1:]
	}
	oh := strings.ToLower(origin.Hostname())
	switch {
	case strings.HasPrefix(host, "*."):
		if !strings.HasSuffix(oh, host[1:]) {
			return false
		}
	case host != oh:
		return false
	}
	if scheme != "" && scheme != origin.Scheme && !(scheme == "http" && origin.Scheme == "https") {
		return false
	}
	op := origin.Port()
	if op == "" {
		op = map[string]string{"http": "80", "https": "443"}[origin.Scheme]
	}
	switch {
	case port == "*":
		return true
	case port != "":
		return port == op
	}
	def := "80"
	if scheme == "https" || scheme == "" && origin.Scheme == "https" {
		def = "443"
	}
	return op == def || def == "80" && op == "443"
}
