// Package csp reads a page's Content-Security-Policy for what the proxy puts
// into the page: the guard and the banner script, same-origin <script src>
// tags, and their style sheet. Parse reads the policies once; Nonce finds
// the nonce our tags of a kind can carry; Blocking says when, even so, the page's policy keeps them from running, so
// that the site owner is told (the proxy never rewrites a site's policy:
// adding a nonce to a list with 'unsafe-inline' would stop the site's own
// inline scripts).
package csp

import (
	"net/url"
	"strings"
)

// Policies are the policies a response enforces (its Content-Security-Policy
// headers; a header may list several, comma-separated), each as its
// directives by lower-case name, the first of a name counting.
type Policies []map[string][]string

// Parse reads the values of Content-Security-Policy headers (or the content of
// <meta http-equiv> ones).
func Parse(headers []string) Policies {
	var ps Policies
	for _, header := range headers {
		for _, policy := range strings.Split(header, ",") {
			dirs := map[string][]string{}
			for _, dir := range strings.Split(policy, ";") {
				fields := strings.Fields(dir)
				if len(fields) == 0 {
					continue
				}
				if name := strings.ToLower(fields[0]); dirs[name] == nil {
					dirs[name] = fields[1:len(fields):len(fields)]
				}
			}
			ps = append(ps, dirs)
		}
	}
	return ps
}

// What is checked: our <script src> tags, or our <link rel=stylesheet>; each
// is governed by the first of these directives a policy has.
var (
	Scripts     = []string{"script-src-elem", "script-src", "default-src"}
	StyleSheets = []string{"style-src-elem", "style-src", "default-src"}
)

// governing returns the directive of a policy that governs kind.
func governing(dirs map[string][]string, kind []string) (name string, srcs []string, ok bool) {
	for _, name := range kind {
		if srcs, ok := dirs[name]; ok {
			return name, srcs, true
		}
	}
	return "", nil, false
}

// Nonce finds the nonce our tags of a kind (Scripts or StyleSheets) can
// carry: the first one a policy's directive governing that kind lists. A
// site may give its style sheets another nonce than its scripts.
func (ps Policies) Nonce(kind []string) string {
	for _, dirs := range ps {
		if _, srcs, ok := governing(dirs, kind); ok {
			for _, src := range srcs {
				if n, ok := nonceOf(src); ok {
					return n
				}
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

// Blocking returns the first directive of the policies that keeps an element
// of origin of the kind (Scripts or StyleSheets) from loading when it carries
// nonce (none when ""): the directive that governs it allows it by no nonce,
// 'self', scheme or host, or (for scripts) has 'strict-dynamic', which makes
// 'self', schemes and hosts count for nothing. "" when every policy lets it
// load.
func (ps Policies) Blocking(origin *url.URL, nonce string, kind []string) string {
	for _, dirs := range ps {
		if name, srcs, ok := governing(dirs, kind); ok && !allows(srcs, origin, nonce, kind[0] == Scripts[0]) {
			return strings.TrimSpace(name + " " + strings.Join(srcs, " "))
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
